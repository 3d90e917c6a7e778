"""Security between users: nothing works without authentication, and user A can neither read
nor change anything of user B's, through any route or WebSocket message type."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from serverkit import PASSWORD, Browser, reply_of, sign_picture, turn
from starlette.routing import Mount, Route, WebSocketRoute

from os1.server.app import routes
from os1.server.testkit import RunningServer
from os1.server.ws import Conversation

pytestmark = pytest.mark.model
PUBLIC = {"/", "/api/health", "/api/session", "/api/signup", "/api/login"}
SECRET = "pineapple"
# Every route and WebSocket message type that touches a user's OS, each checked below for
# what user A can reach of user B's; a new one fails the test that lists them until added.
CHECKED_ROUTES = {
    ("GET", "/api/persona"), ("POST", "/api/first-boot"), ("GET", "/api/history"),
    ("GET", "/api/mood"), ("GET", "/api/memory"), ("POST", "/api/memory/memory_id/forget"),
    ("GET", "/api/approvals"), ("POST", "/api/approvals/approval_id/approve"),
    ("POST", "/api/approvals/approval_id/reject"), ("GET", "/api/mail"),
    ("GET", "/api/tokens"), ("POST", "/api/tokens"), ("POST", "/api/tokens/token_id/revoke"),
    ("POST", "/api/logout"), ("POST", "/api/look"), ("GET", "/v1/models"),
    ("POST", "/v1/chat/completions"), ("WS", "/ws"), ("GET", "/api/initiative"),
}
CHECKED_MESSAGES = {"chat", "stop", "voice_start", "voice_end", "voice_cancel", "ping",
                    "new_session"}


def propose(server: RunningServer, user_id: str, to: str) -> str:
    """What a skill does when it wants to send mail: a pending approval for the user."""

    async def ask() -> str:
        with server.state.pool.lease(user_id) as uos:
            out = await uos.actions.request(
                "test_write_file", {"to": to, "subject": "Dinner?", "body": "Friday at 8?"},
                "you asked me to invite them",
            )
        return out.approval_id

    return server.call(ask())


def remind(server: RunningServer, user_id: str, what: str) -> None:
    """A reminder due now, and the server told to look (as a turn that set one would)."""
    from os1.initiative.clock import SystemClock
    from os1.initiative.scheduler import Scheduler

    async def due_now() -> None:
        with server.state.pool.lease(user_id) as uos:
            Scheduler(uos.home.db, SystemClock()).schedule(time.time() - 1, "reminder",
                                                           {"text": what}, key=what)
        assert server.state.initiative is not None
        server.state.initiative.poke(user_id)

    server.call(due_now())


@pytest.fixture(scope="module")
def pair(server: RunningServer) -> Iterator[dict[str, Any]]:
    """Two users; B has said a secret, has a pending approval, a token and a memory."""
    a, b = Browser(server.url).signup(), Browser(server.url).signup()
    a.boot("Alice")
    b.boot("Bob")
    with b.ws() as ws:
        said = turn(ws, f"My secret word is {SECRET}.")
    assert said[-1]["type"] == "turn_ended"
    b_user = server.state.users.by_name(b.name)
    assert b_user is not None
    approval = propose(server, b_user.id, "carol@example.test")
    token = b.post("/api/tokens", {"label": "bob's script"}).json()["token"]
    seen = b.look(sign_picture(SECRET.upper()))
    assert seen.status_code == 200 and seen.json()["remembered"], seen.text
    remind(server, b_user.id, f"say {SECRET}")
    deadline = time.monotonic() + 60
    while not b.get("/api/initiative").json()["messages"]:  # the server's scheduler fired it
        assert time.monotonic() < deadline, "B's reminder did not fire"
        time.sleep(0.2)
    memories = b.get("/api/memory", params={"q": SECRET}).json()["memories"]
    assert memories, "B's own memory must find the secret"
    assert any("camera" in m["text"] for m in memories), "and what B's camera saw"
    yield {"a": a, "b": b, "b_id": b_user.id, "approval": approval, "token": token,
           "memory": memories[0]["id"], "token_id": b.get("/api/tokens").json()["tokens"][0]["id"]}
    a.close()
    b.close()


def every_route() -> list[tuple[str, str]]:
    found = []
    for r in routes():
        if isinstance(r, Route):
            for method in sorted((r.methods or {"GET"}) - {"HEAD"}):
                found.append((method, r.path.replace("{", "").replace("}", "")))
        elif isinstance(r, WebSocketRoute):
            found.append(("WS", r.path))
        else:
            assert isinstance(r, Mount)
    return found


def test_route_list_is_complete() -> None:
    paths = {p for _, p in every_route()}
    assert {"/api/approvals/approval_id/approve", "/api/memory/memory_id/forget", "/ws",
            "/v1/chat/completions", "/api/mail", "/api/mood", "/api/look"} <= paths


def test_every_route_and_message_type_is_checked() -> None:
    private = {(m, p) for m, p in every_route() if p not in PUBLIC}
    assert private == CHECKED_ROUTES
    handlers = Conversation(None, None, None).handlers  # type: ignore[arg-type]
    assert set(handlers) == CHECKED_MESSAGES


@pytest.mark.parametrize(("method", "path"), every_route())
def test_nothing_without_authentication(server: RunningServer, method: str, path: str) -> None:
    if path in PUBLIC:
        return
    if method == "WS":
        with pytest.raises(Exception) as info:
            from websockets.sync.client import connect

            connect(server.url.replace("http", "ws") + path, open_timeout=10).close()
        assert "401" in str(info.value)
        return
    r = httpx.request(method, server.url + path, json={}, timeout=30)
    assert r.status_code == 401, (method, path, r.text)
    assert "log in" in json.dumps(r.json())


def test_a_cannot_read_bs_things(pair: dict[str, Any]) -> None:
    a: Browser = pair["a"]
    assert a.get("/api/persona").json()["persona"]["user_name"] == "Alice"
    history = a.get("/api/history").json()["turns"]
    assert all(SECRET not in t["text"] for t in history)
    assert a.get("/api/memory", params={"q": SECRET}).json()["memories"] == []
    assert all(SECRET not in m["text"] for m in a.get("/api/memory").json()["memories"])
    inbox = a.get("/api/approvals").json()
    assert pair["approval"] not in {x["id"] for x in inbox["pending"] + inbox["decided"]}
    assert a.get("/api/tokens").json()["tokens"] == []
    assert a.get("/api/mood").json()["history"] == []
    assert a.get("/api/initiative").json()["messages"] == []
    assert a.get("/api/mail").json()["messages"] == []  # with real mail: test_web_mail.py


def test_bs_reminder_is_not_pushed_to_a(server: RunningServer, pair: dict[str, Any]) -> None:
    a: Browser = pair["a"]
    b: Browser = pair["b"]
    with a.ws() as a_ws, b.ws() as b_ws:
        for ws in (a_ws, b_ws):  # each connection is subscribed once it answers a ping
            ws.send(json.dumps({"type": "ping"}))
            while json.loads(ws.recv(timeout=30))["type"] != "pong":
                pass
        remind(server, pair["b_id"], f"whisper {SECRET} again")
        while (frame := json.loads(b_ws.recv(timeout=60)))["type"] != "initiative":
            pass
        assert SECRET in frame["text"]
        with pytest.raises(TimeoutError):
            while True:
                assert SECRET not in str(a_ws.recv(timeout=1.5))


def test_a_cannot_change_bs_things(server: RunningServer, pair: dict[str, Any],
                                   outbox: Path) -> None:
    a: Browser = pair["a"]
    before = set(outbox.iterdir())
    for how in ("approve", "reject"):
        r = a.post(f"/api/approvals/{pair['approval']}/{how}")
        assert r.status_code == 404, r.text
    assert set(outbox.iterdir()) == before  # B's mail was not sent
    assert a.post(f"/api/memory/{pair['memory']}/forget").status_code == 404
    assert a.post(f"/api/tokens/{pair['token_id']}/revoke").status_code == 404
    assert a.post("/api/first-boot", {"name": "Mallory"}).status_code == 409  # A's own OS
    a_token = a.post("/api/tokens", {"label": "a's"}).json()["token"]  # A's token is A's
    assert httpx.get(a.url + "/api/persona", headers={"authorization": f"Bearer {a_token}"}
                     ).json()["persona"]["user_name"] == "Alice"
    a_seen = a.look(sign_picture("MANGO"))
    assert a_seen.status_code == 200 and a_seen.json()["remembered"]
    b: Browser = pair["b"]
    assert b.get("/api/persona").json()["persona"]["user_name"] == "Bob"
    b_mango = b.get("/api/memory", params={"q": "MANGO"}).json()["memories"]
    assert all("MANGO" not in m["text"] for m in b_mango)
    assert [t["id"] for t in b.get("/api/tokens").json()["tokens"]] == [pair["token_id"]]
    assert b.get("/api/approvals").json()["pending"][0]["id"] == pair["approval"]
    assert b.get("/api/memory", params={"q": SECRET}).json()["memories"]
    ok = httpx.get(server.url + "/api/persona",
                   headers={"authorization": f"Bearer {pair['token']}"})
    assert ok.json()["persona"]["user_name"] == "Bob"


def test_as_websocket_a_talks_only_to_as_os(pair: dict[str, Any]) -> None:
    a: Browser = pair["a"]
    b: Browser = pair["b"]
    b_turns = len(b.get("/api/history").json()["turns"])
    with a.ws() as ws:
        events = turn(ws, "What is my secret word?")
        assert SECRET not in reply_of(events)
        assert any("secret" in t["text"] for t in a.get("/api/history").json()["turns"])
        for msg in ({"type": "stop"}, {"type": "voice_cancel"}, {"type": "ping"}):
            ws.send(json.dumps(msg))
        assert json.loads(ws.recv(timeout=30))["type"] == "pong"
        ws.send(json.dumps({"type": "voice_start", "rate": 16000, "speak": False}))
        assert json.loads(ws.recv(timeout=30))["type"] == "listening"
        ws.send(bytes(16000))  # half a second of silence
        ws.send(json.dumps({"type": "voice_end"}))
        ev = json.loads(ws.recv(timeout=60))
        assert ev["type"] == "error" and "silent" in ev["message"]
        ws.send(json.dumps({"type": "new_session"}))
        assert json.loads(ws.recv(timeout=30))["type"] == "session_started"
    assert a.get("/api/history").json()["turns"] == []  # A's new conversation, not B's
    assert len(b.get("/api/history").json()["turns"]) == b_turns


def test_logging_out_ends_only_that_session(server: RunningServer,
                                            pair: dict[str, Any]) -> None:
    a: Browser = pair["a"]
    second = Browser(server.url)
    login = second.post("/api/login", {"name": a.name, "password": PASSWORD})
    assert login.status_code == 200
    second.csrf = login.json()["csrf"]
    assert second.post("/api/logout").status_code == 200
    assert second.get("/api/persona").status_code == 401
    second.close()
    assert a.get("/api/persona").status_code == 200  # A's other session
    assert pair["b"].get("/api/persona").status_code == 200  # and B


def test_websocket_from_a_foreign_page_is_refused(pair: dict[str, Any]) -> None:
    with pytest.raises(Exception) as info:
        pair["a"].ws(origin="https://evil.example").close()
    assert "403" in str(info.value)


def test_openai_api_answers_as_the_tokens_owner(server: RunningServer,
                                                pair: dict[str, Any]) -> None:
    import openai

    with openai.OpenAI(base_url=server.url + "/v1", api_key=pair["token"], timeout=180) as client:
        reply = client.chat.completions.create(
            model="os1", messages=[{"role": "user", "content": "Who am I talking to?"}])
    assert reply.choices[0].message.content
    a_history = pair["a"].get("/api/history").json()["turns"]
    assert all("Who am I talking to" not in t["text"] for t in a_history)
    with (openai.OpenAI(base_url=server.url + "/v1", api_key="os1_forged") as forged,
          pytest.raises(openai.AuthenticationError)):
        forged.models.list()
