"""`os1 users add`, `os1 token create` and `os1 serve` as a user runs them."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest
from serverkit import Browser

from os1.server.testkit import free_port

pytestmark = pytest.mark.model
OS1 = [sys.executable, "-m", "os1.cli"]


def os1(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*OS1, *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})}, check=False)


@pytest.fixture
def served(os1_home: Path) -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen([*OS1, "serve", "--port", str(port)], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(url + "/api/health", timeout=1).json()["ok"]:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise RuntimeError("os1 serve did not start")
        yield url
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=20)
        assert "Traceback" not in out, out


def test_users_add_needs_a_password_source(os1_home: Path) -> None:
    r = os1("users", "add", "ann")  # stdin is not a terminal here: never wait for input
    assert r.returncode != 0 and "--password-env" in r.stderr
    r = os1("users", "add", "ann", "--password-env", "NOPE_UNSET")
    assert r.returncode != 0 and "NOPE_UNSET" in r.stderr
    r = os1("token", "create", "nobody")
    assert r.returncode != 0 and "no user 'nobody'" in r.stderr and "Traceback" not in r.stderr


def test_users_tokens_and_serve_end_to_end(os1_home: Path, served: str) -> None:
    r = os1("users", "add", "theo", "--password-env", "THEO_PW",
            env={"THEO_PW": "a long password"})
    assert r.returncode == 0, r.stderr
    assert os1("users", "list").stdout.split() == ["theo"]
    token = os1("token", "create", "theo").stdout.strip()
    assert token.startswith("os1_")
    web = Browser(served)
    login = web.post("/api/login", {"name": "theo", "password": "a long password"})
    assert login.status_code == 200, login.text
    web.csrf = login.json()["csrf"]
    persona = web.boot("Theodore")
    web.close()
    with openai.OpenAI(base_url=served + "/v1", api_key=token, timeout=180) as api:
        answer = api.chat.completions.create(
            model="os1", messages=[{"role": "user", "content": "What's your name?"}])
    assert persona["os_name"] in (answer.choices[0].message.content or "")
    assert (os1_home / "server" / "users.db").exists()
