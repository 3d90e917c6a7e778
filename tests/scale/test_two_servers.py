"""Two real ``os1 serve`` processes behind one Postgres serve the same user.

Both servers run as separate processes on their own ports, with the same data folder and the
same database (the real packaged model, the full engine). One user signs up on A, chats on
A and on B, sends to both at once (the turns must take turns, not interleave), then A is
killed with SIGKILL while it streams a reply. The client sends that message again to B, as a
client that lost its connection does; afterwards every acknowledged user turn is stored
exactly once, each answered exactly once, B's history holds A's turns, and B keeps serving.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.sync.client import ClientConnection, connect

from os1.server.testkit import free_port

pytestmark = pytest.mark.model
OS1 = Path(sys.executable).with_name("os1")
PASSWORD = "correct horse battery"


class Server:
    def __init__(self, name: str, data: Path, home: Path, url: str, log: Path) -> None:
        self.name = name
        self.port = free_port()
        self.log = log
        env = {**os.environ, "OS1_HOME": str(home), "OS1_DATABASE_URL": url,
               "OS1_SERVER_ENGINE": "full", "OS1_BRAIN_THREADS": "1"}
        with log.open("wb") as out:
            self.proc = subprocess.Popen(
                [str(OS1), "serve", "--port", str(self.port), "--data", str(data)],
                env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float = 180.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"server {self.name} exited: {self.log.read_text()[-3000:]}")
            try:
                if httpx.get(self.url + "/api/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        pytest.fail(f"server {self.name} did not start: {self.log.read_text()[-3000:]}")

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(30)

    def alive(self) -> bool:
        return self.proc.poll() is None


@pytest.fixture
def servers(pg_url: str, tmp_path: Path) -> Iterator[tuple[Server, Server]]:
    data, home = tmp_path / "data", tmp_path / "home"
    home.mkdir()
    a = Server("A", data, home, pg_url, tmp_path / "a.log")
    b = Server("B", data, home, pg_url, tmp_path / "b.log")
    try:
        a.wait_ready()
        b.wait_ready()
        yield a, b
    finally:
        a.kill()
        b.kill()


class Client:
    """One user's browser: a cookie session (made on any server, valid on every one)."""

    def __init__(self, first: Server) -> None:
        self.http = httpx.Client(timeout=300)
        csrf = self.http.get(first.url + "/api/session").json()["csrf"]
        self.name = f"pat{uuid.uuid4().hex[:8]}"
        r = self.http.post(first.url + "/api/signup", json={"name": self.name,
                           "password": PASSWORD}, headers={"x-csrf-token": csrf})
        assert r.status_code == 200, r.text
        self.user_id = r.json()["user"]["id"]
        self.csrf = r.json()["csrf"]

    def post(self, server: Server, path: str, body: dict[str, Any]) -> httpx.Response:
        return self.http.post(server.url + path, json=body, headers={"x-csrf-token": self.csrf})

    def history(self, server: Server) -> list[dict[str, Any]]:
        r = self.http.get(server.url + "/api/history")
        assert r.status_code == 200, r.text
        turns: list[dict[str, Any]] = r.json()["turns"]
        return turns

    def ws(self, server: Server) -> ClientConnection:
        cookies = "; ".join(f"{k}={v}" for k, v in self.http.cookies.items())
        return connect(server.url.replace("http", "ws") + "/ws", open_timeout=30,
                       additional_headers={"Cookie": cookies, "Origin": server.url})

    def close(self) -> None:
        self.http.close()


def send(ws: ClientConnection, text: str, cid: str) -> None:
    ws.send(json.dumps({"type": "chat", "text": text, "id": cid}))


def until_ended(ws: ClientConnection, timeout: float = 300.0) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while True:
        raw = ws.recv(timeout=max(0.1, deadline - time.monotonic()))
        if isinstance(raw, bytes):
            continue
        ev = json.loads(raw)
        events.append(ev)
        assert ev["type"] != "error", ev
        if ev["type"] == "turn_ended":
            return events


def chat(ws: ClientConnection, text: str, cid: str) -> dict[str, Any]:
    send(ws, text, cid)
    events = until_ended(ws)
    assert events[0]["type"] == "turn_started" and events[0]["user_text"] == text
    ended: dict[str, Any] = events[-1]
    assert ended["reply"], events
    return ended


def stored_turns(pg_url: str, user_id: str, channel: str = "chat") -> list[dict[str, Any]]:
    import psycopg
    from psycopg.rows import dict_row

    with psycopg.connect(pg_url, row_factory=dict_row) as conn:
        return list(conn.execute(
            "SELECT t.id, t.role, t.text, t.session_id, t.seq FROM episode_turns t "
            "JOIN episode_sessions s ON s.user_id = t.user_id AND s.id = t.session_id "
            "WHERE t.user_id = %s AND s.channel = %s ORDER BY s.started, t.seq",
            (user_id, channel),
        ).fetchall())  # fmt: skip


def test_two_servers_share_a_user_and_a_killed_server_loses_nothing(
    servers: tuple[Server, Server], pg_url: str
) -> None:
    a, b = servers
    client = Client(a)
    try:
        r = client.post(b, "/api/first-boot", {"name": "Pat", "style": "gentle"})
        assert r.status_code == 200, r.text  # A's session is valid on B
        token = client.post(a, "/api/tokens", {"label": "script"}).json()["token"]

        said: list[str] = []  # every user message the servers acknowledged, in order
        with client.ws(a) as wa:
            said.append("Hello, I grow tomatoes on my balcony.")
            chat(wa, said[-1], "m1")
        with client.ws(b) as wb:
            said.append("What do I grow on my balcony?")
            chat(wb, said[-1], "m2")
        seen_on_b = [t["text"] for t in client.history(b) if t["role"] == "user"]
        assert seen_on_b == said, "B sees the turn A stored"

        # both servers at once: one waits for the other's turn (a lock held in Postgres)
        with client.ws(a) as wa, client.ws(b) as wb:
            send(wa, "I also keep bees.", "m3")
            send(wb, "My bees are called the Buzzers.", "m4")
            got: dict[str, list[dict[str, Any]]] = {}
            readers = [threading.Thread(target=lambda k=k, w=w: got.__setitem__(k, until_ended(w)))
                       for k, w in (("a", wa), ("b", wb))]
            for t in readers:
                t.start()
            for t in readers:
                t.join(600)
            assert set(got) == {"a", "b"}
        roles = [t["role"] for t in stored_turns(pg_url, client.user_id)]
        assert roles == ["user", "assistant"] * 4, "turns of two servers interleaved"
        said += [t["text"] for t in stored_turns(pg_url, client.user_id)[4::2]]

        # A dies mid-reply: the message was acknowledged (turn_started), the reply streaming
        story = "Tell me a long story about my tomatoes and my bees, in many sentences."
        with client.ws(a) as wa:
            send(wa, story, "m5")
            first = json.loads(wa.recv(timeout=300))
            assert first["type"] == "turn_started", first
            while True:  # the first words of the reply
                ev = json.loads(wa.recv(timeout=300))
                assert ev["type"] != "turn_ended", "the reply ended before A could be killed"
                if ev["type"] == "text_delta":
                    break
            a.kill()
        said.append(story)
        assert not a.alive()
        last = stored_turns(pg_url, client.user_id)[-1]
        assert (last["id"], last["role"]) == ("c-m5", "user"), "acknowledged, not yet answered"

        # the client sends the unanswered message again, to B: stored once, answered once
        with client.ws(b) as wb:
            ended = chat(wb, story, "m5")
            assert "replayed" not in ended["timings"]  # B answered it: A never finished
            again = chat(wb, story, "m5")  # and once more: the stored reply, nothing new
            assert again["reply"] == ended["reply"] and again["timings"].get("replayed") == 1.0
            said.append("Thank you, that was lovely.")
            chat(wb, said[-1], "m6")

        turns = stored_turns(pg_url, client.user_id)
        assert [t["text"] for t in turns if t["role"] == "user"] == said
        assert [t["role"] for t in turns] == ["user", "assistant"] * len(said)
        assert len({t["id"] for t in turns}) == len(turns)
        ids = [t["id"] for t in turns if t["role"] == "user"]
        assert ids[:2] == ["c-m1", "c-m2"] and set(ids[2:4]) == {"c-m3", "c-m4"}
        assert ids[4:] == ["c-m5", "c-m6"]
        history = client.history(b)
        assert [t["text"] for t in history if t["role"] == "user"] == said
        assert httpx.get(b.url + "/api/health", timeout=10).json()["ok"] is True

        # a token made on the dead server works on B's OpenAI-compatible API; its turns go
        # to the user's API session, not into the chat
        r = httpx.post(b.url + "/v1/chat/completions", timeout=300,
                       headers={"authorization": f"Bearer {token}"},
                       json={"model": "os1", "messages": [{"role": "user", "content": "Hi!"}]})
        assert r.status_code == 200, r.text
        assert r.json()["choices"][0]["message"]["content"]
        assert stored_turns(pg_url, client.user_id) == turns
        api = stored_turns(pg_url, client.user_id, channel="api")
        assert [t["role"] for t in api] == ["user", "assistant"] and api[0]["text"] == "Hi!"
    finally:
        client.close()
