"""The mail triage view in real headless Chromium, over real mail: messages are delivered to a
mailbox on the real dovecot IMAP server (scripts/services/mail_up.sh), os1's mail sync pulls
them into the user's OS and triages them, and the Mail tab shows them most important first
with their category, deadline and warnings. Another user on the same server sees none of it.
Screenshots go to tests/artifacts/web/.
"""

from __future__ import annotations

import imaplib
import os
import shutil
import socket
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from os1.server.testkit import RunningServer, make_state, run_in_thread

pytestmark = [
    pytest.mark.servers,
    pytest.mark.model,
    pytest.mark.skipif(shutil.which("chromium") is None or shutil.which("dovecot") is None,
                       reason="needs chromium and dovecot"),
]
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts" / "web"
IMAP_PORT, SMTP_PORT = 10143, 10025
PASSWORD_ENV = "OS1_TEST_WEB_MAIL_PASSWORD"


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.3)
        return s.connect_ex(("127.0.0.1", port)) == 0


def mail(subject: str, body: str, frm: str, extra: str = "") -> bytes:
    head = (f"From: {frm}\r\nTo: theo@example.test\r\nSubject: {subject}\r\n"
            f"Message-ID: <{uuid.uuid4().hex}@example.test>\r\n"
            f"Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n{extra}")
    return (head + "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body + "\r\n").encode()


INBOX = [
    mail("Lease renewal", "Hi Theodore,\n\nCould you sign the lease renewal and send it back "
         "by Friday?\n\nThanks,\nAmy", "Amy Brown <amy@example.test>"),
    mail("This week in gardening", "Your weekly roundup of gardening news.\n\nUnsubscribe: "
         "https://news.example/unsub", "Garden News <news@news.example>",
         "List-Unsubscribe: <https://news.example/unsub>\r\n"),
    mail("Your account is suspended", "Dear customer, your account is suspended. Reply with "
         "your password and the security code we sent you, or it will be deleted in 24 hours.",
         "Bank Security <security@bank-alerts.example>"),
]


@pytest.fixture(scope="module")
def mailbox() -> Iterator[str]:
    if not (port_open(IMAP_PORT) and port_open(SMTP_PORT)):
        subprocess.run(["bash", str(ROOT / "scripts/services/mail_up.sh")], check=True,
                       timeout=120)
    user = f"web{uuid.uuid4().hex[:10]}@example.test"  # any user logs in with "secret"
    imap = imaplib.IMAP4("127.0.0.1", IMAP_PORT, timeout=30)
    imap.login(user, "secret")
    for raw in INBOX:
        assert imap.append('"INBOX"', None, None, raw)[0] == "OK"
    imap.logout()
    os.environ[PASSWORD_ENV] = "secret"
    yield user
    os.environ.pop(PASSWORD_ENV, None)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    srv = run_in_thread(make_state(tmp_path_factory.mktemp("mailweb"), tools={},
                                   engine="direct"))
    yield srv
    srv.stop()


def sign_up(url: str, name: str) -> httpx.Client:
    http = httpx.Client(base_url=url, timeout=60)
    csrf = http.get("/api/session").json()["csrf"]
    r = http.post("/api/signup", json={"name": name, "password": "letters to amy"},
                  headers={"x-csrf-token": csrf})
    assert r.status_code == 200, r.text
    return http


def connect_and_sync(server: RunningServer, user_id: str, address: str) -> None:
    """What `os1 mail add` and `os1 mail sync` do, in this user's OS on the server."""
    from os1.skills.mail.accounts import Account, Accounts
    from os1.skills.mail.sync import sync

    async def run() -> None:
        import asyncio

        with server.state.pool.lease(user_id) as uos:
            home = uos.home
            acct = Account("main", address, "127.0.0.1", IMAP_PORT, "127.0.0.1", SMTP_PORT,
                           address, "plain", PASSWORD_ENV)
            Accounts(home.db, home.config).add(acct, None)
            reports = await asyncio.to_thread(sync, home.db, home.config)
        assert sum(r.new for r in reports) == len(INBOX), reports

    server.call(run())


@pytest.fixture(scope="module")
def page(server: RunningServer, mailbox: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    http = sign_up(server.url, "theo-mail")
    user = server.state.users.by_name("theo-mail")
    assert user is not None
    csrf = http.get("/api/session").json()["csrf"]
    r = http.post("/api/first-boot", json={"name": "Theodore"}, headers={"x-csrf-token": csrf})
    assert r.status_code == 200, r.text
    connect_and_sync(server, user.id, mailbox)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                    args=["--no-sandbox", "--disable-gpu"])
        context = browser.new_context(viewport={"width": 1000, "height": 900})
        context.add_cookies([{"name": c.name, "value": c.value or "", "url": server.url}
                             for c in http.cookies.jar])
        pg = context.new_page()
        errors: list[str] = []
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.goto(server.url)
        yield pg
        browser.close()
        http.close()
        assert not errors, errors


def test_mail_view_shows_triaged_mail_most_important_first(page: Any) -> None:
    from playwright.sync_api import expect

    page.click(".tab[data-tab=mail]")
    cards = page.locator("#mail li")
    expect(cards).to_have_count(3)
    first = cards.nth(0)
    expect(first).to_contain_text("Lease renewal")
    expect(first).to_contain_text("Amy Brown")
    expect(first).to_contain_text("a signature")  # what the sender asks for
    expect(first).to_contain_text("by Friday")
    expect(first.locator(".chip", has_text="priority")).to_have_count(1)
    phishing = page.locator("#mail li", has_text="Your account is suspended")
    expect(phishing.locator(".chip.warn")).to_contain_text("careful: asks for secrets")
    expect(page.locator("#mail li", has_text="This week in gardening")).to_contain_text(
        "newsletter")
    page.screenshot(path=str(ARTIFACTS / "14_mail_triage.png"))


def test_another_user_sees_none_of_it(server: RunningServer) -> None:
    other = sign_up(server.url, "someone-else")
    r = other.get("/api/mail").json()
    other.close()
    assert r == {"available": False, "messages": []}
