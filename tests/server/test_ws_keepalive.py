"""A WebSocket message whose handling waits longer than the keep-alive timeout (a home opening
behind thousands of others, a new session behind a long turn) must not get its connection
closed as dead: the server keeps reading the client's pongs meanwhile."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from websockets.sync.client import connect

from os1.config import Config
from os1.home import Home
from os1.mind.persona import Persona
from os1.server.homes import HomePool
from os1.server.testkit import make_state, run_in_thread
from os1.testing import ScriptedModel


def test_a_slow_message_keeps_its_connection_alive(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = make_state(tmp_path, engine="direct")
    state.pool._model = ScriptedModel(["Hello there."])
    user = state.users.add("ann")
    token = state.users.create_token(user.id, "test")
    cfg = Config()
    cfg.home = state.pool.home_dir(user.id)
    home = Home(cfg)
    home.personas.save(Persona("Samantha", "Ann", created=time.time()))
    home.close()
    real_open = HomePool._open_warm

    def slow_open(self: HomePool, user_id: str) -> object:  # a home opening behind a crowd
        time.sleep(3.0)
        return real_open(self, user_id)

    monkeypatch.setattr(HomePool, "_open_warm", slow_open)
    running = run_in_thread(state, ws_ping_interval=0.5, ws_ping_timeout=1.0)
    try:
        with connect(f"ws://127.0.0.1:{running.port}/ws",
                     additional_headers={"Authorization": f"Bearer {token}"}) as ws:
            ws.send(json.dumps({"type": "new_session"}))
            started = time.monotonic()
            reply = json.loads(ws.recv(timeout=20))
            assert reply["type"] == "session_started"
            assert time.monotonic() - started > 2.0  # it did wait, several ping timeouts long
            ws.send(json.dumps({"type": "chat", "text": "Hi"}))  # and the connection still works
            kinds = []
            while "turn_ended" not in kinds:
                kinds.append(json.loads(ws.recv(timeout=20))["type"])
            assert "text_delta" in kinds and "error" not in kinds
    finally:
        running.stop()
