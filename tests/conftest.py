"""Shared fixtures: every test gets its own OS1_HOME so nothing touches the user's data."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def os1_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path / "os1home"
    monkeypatch.setenv("OS1_HOME", str(home))
    for name in list(__import__("os").environ):
        if name.startswith("OS1_") and name != "OS1_HOME":
            monkeypatch.delenv(name)
    yield home


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def openai_server() -> Iterator[str]:
    """A real OpenAI-compatible server (llama.cpp's, from llama-cpp-python[server]) on loopback,
    serving the packaged SmolLM2 model. Yields its base URL."""
    import subprocess
    import sys
    import time
    import urllib.request

    from os1.brain.embedded import packaged_model_path

    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(packaged_model_path()),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_ctx",
            "2048",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/v1"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(url + "/models", timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("llama.cpp server did not start")
        yield url
    finally:
        proc.terminate()
        proc.wait(10)
