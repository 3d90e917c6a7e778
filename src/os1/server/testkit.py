"""Run a real os1 server on 127.0.0.1 in a background thread, for tests and benchmarks.

It is the same app and the same uvicorn settings as ``os1 serve``, listening on a real
socket; only the process is shared with the caller so a test can reach the server's state.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from os1.config import Config
from os1.server.app import ServerState, create_app, uvicorn_options
from os1.server.auth import Passwords, RateLimiter

T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class RunningServer:
    state: ServerState
    port: int
    server: Any
    thread: threading.Thread
    loop: asyncio.AbstractEventLoop

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = 300) -> T:
        """Run ``coro`` on the server's event loop (where its state lives) and wait."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(15)


def make_state(
    root: Path, *, engine: str = "full", tools: dict[str, Any] | None = None, **server: Any
) -> ServerState:
    """Server state in ``root`` with cheap (still argon2) hashes and roomy rate limits."""
    cfg = Config()
    cfg.home = root
    cfg.server.engine = engine  # type: ignore[assignment]
    for key, value in server.items():
        setattr(cfg.server, key, value)
    state = ServerState.open(cfg, root, tools=tools, passwords=Passwords(1, 8192))
    state.login_ip = RateLimiter(10_000, 60.0)
    state.signup_ip = RateLimiter(10_000, 60.0)
    return state


def run_in_thread(
    state: ServerState, port: int | None = None, **uvicorn_settings: Any
) -> RunningServer:
    import uvicorn


    port = port or free_port()
    options = uvicorn_options(state.config.server.max_body_bytes)
    options["loop"] = "asyncio"  # uvloop's policy would leak into the caller's event loops
    options.update(uvicorn_settings)
    config = uvicorn.Config(
        create_app(state), host="127.0.0.1", port=port, log_level="warning", **options
    )
    server = uvicorn.Server(config)
    loops: list[asyncio.AbstractEventLoop] = []

    async def serve() -> None:
        loops.append(asyncio.get_running_loop())
        await server.serve()

    thread = threading.Thread(target=asyncio.run, args=(serve(),), name="os1-test-server",
                              daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    return RunningServer(state, port, server, thread, loops[0])


__all__ = ["RunningServer", "free_port", "make_state", "run_in_thread"]
