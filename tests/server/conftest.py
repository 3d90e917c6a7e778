"""Server fixtures: one real os1 server on 127.0.0.1 (the real embedded model, the full
engine) for the whole session, and fresh users on it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from serverkit import Browser, file_writer_tool

from os1.server.testkit import RunningServer, make_state, run_in_thread


@pytest.fixture(scope="session")
def outbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("outbox")


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory, outbox: Path) -> Iterator[RunningServer]:
    root = tmp_path_factory.mktemp("os1server")
    tool = file_writer_tool(outbox)
    srv = run_in_thread(make_state(root, tools={tool.name: tool}))
    yield srv
    srv.stop()


@pytest.fixture
def browser(server: RunningServer) -> Iterator[Browser]:
    b = Browser(server.url)
    yield b
    b.close()


@pytest.fixture
def booted(server: RunningServer) -> Iterator[Browser]:
    """A signed-up user whose OS has woken up."""
    b = Browser(server.url).signup()
    b.boot()
    yield b
    b.close()


@pytest.fixture
def new_browser(server: RunningServer) -> Iterator[Callable[[], Browser]]:
    """Make as many browsers (users) as a test needs; all are closed afterwards."""
    made: list[Browser] = []

    def make() -> Browser:
        made.append(Browser(server.url))
        return made[-1]

    yield make
    for b in made:
        b.close()
