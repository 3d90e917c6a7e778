"""The web app in real headless Chromium (Playwright driving /usr/bin/chromium): sign up, first
boot, a streamed chat, approving a proposed email, forgetting a memory, the mood chart.

The server is the real one (real embedded model, full engine) on 127.0.0.1. The mail tool
is ``test_send_mail_to_file``, a test double for sending mail that writes the message to a
file, so the test can see that approving really ran it, once. Screenshots go to
tests/artifacts/web/.
"""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from os1.server.testkit import RunningServer, make_state, run_in_thread
from os1.skills.base import SkillContext, Tool

pytestmark = [
    pytest.mark.model,
    pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium is not installed"),
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "web"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
SLOW = 240_000  # ms: a turn of the real model on a busy 2-core machine


def mail_to_file_tool(folder: Path) -> Tool:
    """Test double for a mail-sending skill: 'sends' by writing the message to a file."""

    async def run(args: dict[str, Any], ctx: SkillContext) -> str:
        (folder / f"{uuid.uuid4().hex}.json").write_text(json.dumps(args), encoding="utf-8")
        return f"sent to {args['to']}"

    return Tool("test_send_mail_to_file", "Test double: writes the mail to a file.",
                {"type": "object"}, True, run,
                summarize=lambda a: f"Send mail to {a['to']}: {a['subject']!r}")


@pytest.fixture(scope="module")
def outbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("outbox")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, outbox: Path) -> Iterator[RunningServer]:
    tool = mail_to_file_tool(outbox)
    srv = run_in_thread(make_state(tmp_path_factory.mktemp("web"), tools={tool.name: tool}))
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def page(server: RunningServer) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        pg = browser.new_page(viewport={"width": 1100, "height": 800})
        errors: list[str] = []
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.goto(server.url)
        yield pg
        browser.close()
        assert not errors, errors


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def test_sign_up_and_first_boot(page: Any) -> None:
    from playwright.sync_api import expect

    expect(page.locator("#view-auth")).to_be_visible()
    shot(page, "01_sign_in")
    page.click("#auth-switch")
    page.fill("#auth-name", "theodore")
    page.fill("#auth-password", "letters to catherine")
    page.click("#auth-submit")
    expect(page.locator("#view-boot")).to_be_visible()
    page.fill("#boot-input", "Theodore")
    page.press("#boot-input", "Enter")
    page.click("#boot-choices button:has-text('playful')")
    page.fill("#boot-input", "Write letters, and keep me company")
    page.press("#boot-input", "Enter")
    if page.locator("#boot-choices button").count():
        page.locator("#boot-choices button").first.click()  # the voice
    expect(page.locator("#boot-begin")).to_be_visible(timeout=SLOW)
    os_name = page.locator(".boot-lines li.name").inner_text().rstrip(".")
    assert os_name and os_name != "Theodore"
    shot(page, "02_first_boot_named")
    page.click("#boot-begin")
    expect(page.locator("#os-name")).to_have_text(os_name)
    expect(page.locator("#messages li.os")).to_contain_text("Hi Theodore")


def test_chat_streams_the_reply(page: Any) -> None:
    from playwright.sync_api import expect

    page.fill("#say", "Hi! How are you today?")
    page.press("#say", "Enter")
    expect(page.locator("#messages li.user").last).to_have_text("Hi! How are you today?")
    expect(page.locator("#messages li.os.streaming")).to_have_count(1, timeout=SLOW)
    expect(page.locator("#messages li.os.streaming")).to_have_count(0, timeout=SLOW)
    events = page.evaluate("window.os1Debug.events")
    turn = events[events.index("turn_started"):]
    assert turn.count("text_delta") >= 2 and turn[-1] == "turn_ended", turn
    reply = page.locator("#messages li.os").last.inner_text()
    assert len(reply.split()) >= 3
    page.fill("#say", "My sister Amy lives in Berlin.")
    page.press("#say", "Enter")
    expect(page.locator("#messages li.os")).to_have_count(3, timeout=SLOW)
    expect(page.locator("#messages li.os.streaming")).to_have_count(0, timeout=SLOW)
    shot(page, "03_chat")


def test_approving_a_proposed_email_sends_it_once(page: Any, server: RunningServer,
                                                  outbox: Path) -> None:
    from playwright.sync_api import expect

    user = server.state.users.by_name("theodore")
    assert user is not None

    async def propose() -> str:
        with server.state.pool.lease(user.id) as uos:
            out = await uos.actions.request(
                "test_send_mail_to_file",
                {"to": "amy@example.test", "subject": "Berlin in May?",
                 "body": "Hi Amy, could I visit you in Berlin in May?\nTheodore"},
                "you asked me to write to Amy",
            )
        return out.approval_id

    aid = server.call(propose())
    page.click(".tab[data-tab=inbox]")
    card = page.locator(f"#approvals li[data-id='{aid}']")
    expect(card).to_contain_text("Send mail to amy@example.test")
    expect(card).to_contain_text("could I visit you in Berlin")
    expect(page.locator("#inbox-count")).to_have_text("1")
    shot(page, "04_inbox")
    card.locator("button.approve").click()
    expect(page.locator("#decided li[data-status=done]")).to_contain_text("amy@example.test")
    expect(page.locator("#approvals li.empty")).to_be_visible()
    sent = [json.loads(p.read_text()) for p in outbox.iterdir()]
    assert [m["to"] for m in sent] == ["amy@example.test"]
    shot(page, "05_inbox_done")


def test_forgetting_a_memory(page: Any) -> None:
    from playwright.sync_api import expect

    page.click(".tab[data-tab=memory]")
    page.fill("#memory-q", "Berlin")
    page.press("#memory-q", "Enter")
    # the newest memories (shown when the tab opened) also hold the sentence: act only on the
    # search's own results, or a late answer could swap the card between the two clicks
    expect(page.locator("#memories[data-query='Berlin'][data-state='shown']")).to_have_count(1)
    said = page.locator("#memories li", has_text="My sister Amy lives in Berlin.")
    expect(said).to_have_count(1)
    memory_id = said.get_attribute("data-id")
    shot(page, "06_memory")
    forget = said.locator("button.forget")
    forget.click()
    expect(forget).to_have_text("Really forget?")
    forget.click()
    expect(page.locator(f"#memories li[data-id='{memory_id}']")).to_have_count(0)
    page.press("#memory-q", "Enter")  # search again: it is gone from the store, not the page
    expect(page.locator("#memories li").first).to_be_visible()
    expect(page.locator(f"#memories li[data-id='{memory_id}']")).to_have_count(0)
    shot(page, "07_memory_forgotten")


def test_mood_chart(page: Any) -> None:
    from playwright.sync_api import expect

    page.click(".tab[data-tab=mood]")
    expect(page.locator("#mood-now")).to_contain_text("Right now I feel")
    expect(page.locator("#mood-chart svg path.valence")).to_have_count(1)
    assert page.locator("#mood-chart svg circle").count() >= 2
    shot(page, "08_mood")


def test_a_message_sent_as_the_connection_drops_is_answered_once(page: Any) -> None:
    import time

    from playwright.sync_api import expect

    page.click(".tab[data-tab=talk]")
    said = "Tell me about the sea."
    before = page.evaluate("window.os1Debug.resent")
    page.fill("#say", said)
    page.press("#say", "Enter")
    page.evaluate("window.os1Debug.drop()")  # the connection is lost right after sending
    deadline = time.monotonic() + 60  # (wait_for_function would need eval, which CSP forbids)
    while page.evaluate("window.os1Debug.resent") == before:
        assert time.monotonic() < deadline, "the message was not sent again after reconnecting"
        page.wait_for_timeout(100)
    expect(page.locator("#messages li.user").last).to_have_text(said)
    # Wait for the stored answer, not for "nothing streaming": on a busy machine the reply
    # may not have started streaming yet when the resend is seen.
    deadline = time.monotonic() + SLOW / 1000
    while True:
        turns = page.evaluate("fetch('/api/history').then(r => r.json())")["turns"]
        asked = [i for i, t in enumerate(turns) if t["role"] == "user" and t["text"] == said]
        if asked and turns[asked[-1] + 1 :]:
            break
        assert time.monotonic() < deadline, "no answer to the message was stored"
        page.wait_for_timeout(200)
    expect(page.locator("#messages li.os.streaming")).to_have_count(0, timeout=SLOW)
    answer = page.locator("#messages li.os").last.inner_text()
    assert answer.strip()
    turns = page.evaluate("fetch('/api/history').then(r => r.json())")["turns"]
    asked = [i for i, t in enumerate(turns) if t["role"] == "user" and t["text"] == said]
    assert len(asked) == 1, turns  # stored once, though sent twice
    after = turns[asked[0] + 1 :]
    assert [t["role"] for t in after] == ["assistant"], after  # and answered once
    assert after[0]["text"].strip() == answer.strip()


def test_a_due_reminder_appears_in_the_conversation_with_its_reason(
    page: Any, server: RunningServer
) -> None:
    import time

    from playwright.sync_api import expect

    from os1.initiative.clock import SystemClock
    from os1.initiative.scheduler import Scheduler

    user = server.state.users.by_name("theodore")
    assert user is not None and server.state.initiative is not None

    async def due_now() -> None:
        with server.state.pool.lease(user.id) as uos:
            Scheduler(uos.home.db, SystemClock()).schedule(
                time.time() - 1, "reminder", {"text": "stretch my legs"}, key="e2e-stretch")
        server.state.initiative.poke(user.id)  # what a turn that set it would do

    page.click(".tab[data-tab=talk]")
    server.call(due_now())
    said = page.locator("#messages li.initiative[data-kind=reminder]")
    expect(said).to_contain_text("Reminder: stretch your legs", timeout=60_000)
    expect(said.locator(".why")).to_contain_text("you asked me to remind you")
    shot(page, "16_initiative_reminder")


def test_new_conversation_starts_fresh_and_keeps_memory(page: Any) -> None:
    from playwright.sync_api import expect

    page.click(".tab[data-tab=talk]")
    assert page.locator("#messages li").count() >= 5
    page.click("#new-session")
    expect(page.locator("#messages li")).to_have_count(1)
    expect(page.locator("#messages li.os")).to_have_text("I'm listening, Theodore.")
    page.reload()
    expect(page.locator("#messages li")).to_have_count(1)  # the new conversation is empty
    expect(page.locator("#messages li.os")).to_have_text("Hi Theodore. I'm here.")
    page.click(".tab[data-tab=memory]")
    page.fill("#memory-q", "How are you today")
    page.press("#memory-q", "Enter")  # the old conversation is still remembered
    expect(page.locator("#memories li", has_text="How are you today?").first).to_be_visible()
    page.click(".tab[data-tab=talk]")
    shot(page, "15_new_conversation")
