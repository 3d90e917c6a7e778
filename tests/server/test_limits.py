"""Bad input is refused cleanly, and one bad client never stops the server serving others."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable

import pytest
from serverkit import Browser, turn
from websockets.exceptions import ConnectionClosed

from os1.server.testkit import RunningServer
from os1.server.ws import MAX_PROTOCOL_ERRORS


def test_oversize_bodies_get_413(server: RunningServer, booted: Browser) -> None:
    big = b"{" + b" " * 1_100_000 + b"}"
    r = booted.post("/api/first-boot", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413 and "limit of 1,000,000 bytes" in r.json()["error"]

    def chunks() -> object:
        for _ in range(40):  # no Content-Length: the limit is counted as the body streams
            yield b"x" * 50_000

    r = booted.post("/api/tokens", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert booted.get("/api/persona").status_code == 200


def test_malformed_json_and_wrong_types(booted: Browser) -> None:
    r = booted.post("/api/tokens", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 400 and r.json()["error"].startswith("Bad request")
    r = booted.post("/api/tokens", content=b"label=x",
                    headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 415
    r = booted.post("/api/tokens", {"label": ["a", "list"]})
    assert r.status_code == 400 and "label" in r.json()["error"]
    r = booted.get("/api/memory", params={"limit": "lots"})
    assert r.status_code == 400
    assert booted.get("/nowhere").json()["error"] == "There is nothing at this address."


def test_malformed_websocket_frames_get_an_error_and_the_connection_stays(
    booted: Browser,
) -> None:
    with booted.ws() as ws:
        for frame in ("not json", "[1, 2]", '{"type": "launch"}', '{"type": "chat", "text": 5}',
                      '{"type": "voice_start", "rate": 3}', '{"type": "voice_end"}'):
            ws.send(frame)
            ev = json.loads(ws.recv(timeout=30))
            assert ev["type"] == "error" and ev["kind"] == "protocol", frame
        ws.send(b"\x00\x01binary without voice_start")
        assert json.loads(ws.recv(timeout=30))["kind"] == "protocol"
        ws.send(json.dumps({"type": "chat", "text": "\x00\x01\x02" * 50}))
        ev = json.loads(ws.recv(timeout=30))
        assert ev["type"] == "error" and ev["kind"] == "input" and "binary" in ev["message"]
        ws.send('{"type": "ping"}')
        assert json.loads(ws.recv(timeout=30))["type"] == "pong"


def test_a_client_that_keeps_sending_garbage_is_disconnected(booted: Browser) -> None:
    with booted.ws() as ws:
        with pytest.raises(ConnectionClosed) as info:
            for _ in range(MAX_PROTOCOL_ERRORS + 5):
                ws.send("garbage")
                ws.recv(timeout=30)
        assert info.value.rcvd is not None and info.value.rcvd.code == 1008


def test_an_oversize_frame_closes_only_that_connection(booted: Browser) -> None:
    with booted.ws() as ws, pytest.raises(ConnectionClosed) as info:
        ws.send("x" * 1_100_000)
        ws.recv(timeout=30)
    assert info.value.rcvd is not None and info.value.rcvd.code == 1009
    with booted.ws() as again:
        again.send('{"type": "ping"}')
        assert json.loads(again.recv(timeout=30))["type"] == "pong"


def test_raw_garbage_and_vanishing_clients_do_not_hurt_others(
    server: RunningServer, new_browser: Callable[[], Browser]
) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall(b"\x16\x03\x01 this is not http\r\n\r\n")
        s.recv(1024)
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall(b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  b"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: broken\r\n\r\n")
        assert s.recv(1024).startswith(b"HTTP/1.1 4")
    leaver = new_browser().signup()
    leaver.boot()
    with leaver.ws() as ws:  # gone mid-turn: the turn still ends and is stored
        ws.send(json.dumps({"type": "chat", "text": "Tell me a long story about the sea."}))
    other = new_browser().signup()
    other.boot("Zoe")
    with other.ws() as ows:
        events = turn(ows, "Hello!")
    assert events[-1]["type"] == "turn_ended" and events[-1]["reply"]
    assert leaver.get("/api/history").json()["turns"][0]["text"].startswith("Tell me a long")


def test_first_boot_happens_once(booted: Browser) -> None:
    r = booted.post("/api/first-boot", {"name": "Mallory"})
    assert r.status_code == 409
    assert booted.get("/api/persona").json()["persona"]["user_name"] == "Ann"


def test_chat_before_first_boot_is_explained(browser: Browser) -> None:
    browser.signup()
    with browser.ws() as ws:
        ev = turn(ws, "hello?")[-1]
    assert ev["type"] == "error" and ev["kind"] == "first_boot"
