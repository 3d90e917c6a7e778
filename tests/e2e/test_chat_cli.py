"""End-to-end: the real `os1` command with the real embedded model (and a real llama.cpp
OpenAI-compatible server for the openai backend)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.model
OS1 = [sys.executable, "-m", "os1.cli"]


def os1(
    *args: str,
    stdin: str | bytes | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[bytes]:
    full_env = {**os.environ, **(env or {})}
    data = stdin.encode() if isinstance(stdin, str) else stdin
    return subprocess.run(
        [*OS1, *args], input=data, capture_output=True, env=full_env, timeout=timeout, check=False
    )


def test_once_on_fresh_home_boots_and_answers(os1_home: Path) -> None:
    r = os1("chat", "--once", "hello, how are you?")
    assert r.returncode == 0, r.stderr
    out = r.stdout.decode().strip()
    assert out and "Traceback" not in out
    persona = json.loads(os1("persona", "--json").stdout)
    assert persona["os_name"] and persona["user_name"]
    # history persisted in SQLite under OS1_HOME
    assert (os1_home / "os1.db").exists()


def test_json_events(os1_home: Path) -> None:
    r = os1("chat", "--once", "tell me something nice", "--json")
    assert r.returncode == 0, r.stderr
    events = [json.loads(line) for line in r.stdout.decode().splitlines()]
    types = [e["type"] for e in events]
    assert types[0] == "turn_started" and types[-1] == "turn_ended"
    assert "text_delta" in types
    deltas = "".join(e["text"] for e in events if e["type"] == "text_delta")
    assert deltas.strip() == events[-1]["reply"]


def test_init_non_interactive_then_persona(os1_home: Path) -> None:
    r = os1("init", "--user-name", "Theodore", "--yes")
    assert r.returncode == 0, r.stderr
    p = json.loads(os1("persona", "--json").stdout)
    assert p["user_name"] == "Theodore" and p["os_name"] != "Theodore"
    r2 = os1("init")  # already set up: keeps the name
    assert p["os_name"] in r2.stdout.decode()


def test_init_without_terminal_does_not_wait(os1_home: Path) -> None:
    r = os1("init", stdin="")
    assert r.returncode == 2 and b"--user-name" in r.stderr


def test_bad_inputs_keep_conversation(os1_home: Path) -> None:
    assert os1("chat", "--once", "my sister is called Ruth").returncode == 0
    for bad in ("", "x" * 1_000_000, bytes(range(256)) * 64):
        r = os1("chat", "--once", "-", stdin=bad)
        assert r.returncode == 2 and b"Traceback" not in r.stderr
        assert len(r.stderr.decode().strip().splitlines()) <= 3
    junk = subprocess.run(
        [*OS1, "chat", "--once", os.fsdecode(b"\xff\xfeabc")],
        capture_output=True,
        check=False,
        timeout=60,
    )
    assert junk.returncode == 2 and b"UTF-8" in junk.stderr
    import sqlite3

    rows = sqlite3.connect(os1_home / "os1.db").execute("SELECT text FROM turns").fetchall()
    assert next(r[0] for r in rows) == "my sister is called Ruth" and len(rows) == 2


def test_repl_commands(os1_home: Path) -> None:
    os1("init", "--user-name", "Sam", "--yes")
    r = os1("chat", stdin="/help\nhi there\n/new\n/quit\n")
    out = r.stdout.decode()
    assert r.returncode == 0, r.stderr
    assert "/new" in out and "new conversation" in out and "Bye" in out


def test_repl_survives_non_utf8_line(os1_home: Path) -> None:
    os1("init", "--user-name", "Sam", "--yes")
    r = os1("chat", stdin=b"\xff\xfe broken\nhello\n/quit\n")
    assert r.returncode == 0
    assert b"UTF-8" in r.stderr and b"Bye" in r.stdout


def test_dead_backend_is_one_sentence(os1_home: Path) -> None:
    env = {"OS1_BRAIN_BACKEND": "openai", "OS1_BRAIN_BASE_URL": "http://127.0.0.1:9/v1"}
    r = os1("chat", "--once", "hello", env=env)
    assert r.returncode == 2
    err = r.stderr.decode()
    assert "127.0.0.1:9" in err and "Traceback" not in err


def test_missing_model_file_is_one_sentence(os1_home: Path) -> None:
    r = os1("chat", "--once", "hi", env={"OS1_BRAIN_MODEL_PATH": "/nope/model.gguf"})
    assert r.returncode == 2 and b"/nope/model.gguf" in r.stderr and b"Traceback" not in r.stderr


def test_config_cli(os1_home: Path) -> None:
    r = os1("config", "set", "brain.backend", "openai")
    assert r.returncode == 0 and b"openai" in r.stdout
    bad = os1("config", "set", "brain.colour", "red")
    assert bad.returncode == 2 and b"brain.colour" in bad.stderr
    show = os1("config", "show").stdout.decode()
    assert "brain.backend = 'openai'" in show


def test_openai_backend_against_real_server(os1_home: Path, openai_server: str) -> None:
    env = {
        "OS1_BRAIN_BACKEND": "openai",
        "OS1_BRAIN_BASE_URL": openai_server,
        "OS1_BRAIN_MODEL": "smollm2",
    }
    r = os1("chat", "--once", "say hello", "--json", env=env)
    assert r.returncode == 0, r.stderr
    events = [json.loads(line) for line in r.stdout.decode().splitlines()]
    assert events[-1]["type"] == "turn_ended" and events[-1]["reply"]
