"""Fixtures for memory tests: a real SqliteMemory in the test's own OS1_HOME."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from os1.memory import open_memory
from os1.memory.episodes import Turn
from os1.memory.store import SqliteMemory


@pytest.fixture
def store(os1_home: Path) -> Iterator[SqliteMemory]:
    mem = open_memory(os1_home)
    yield mem
    mem.close()


def _say(store: SqliteMemory, *texts: str, role: str = "user", created: float | None = None,
         session: str | None = None) -> list[Turn]:  # fmt: skip
    """Add turns to the episodic log (as the engine does) and observe each."""
    sid = session or store.episodes.current_session()
    turns = []
    for i, text in enumerate(texts):
        when = None if created is None else created + i
        turn = store.episodes.add_turn(sid, role, text, created=when)
        store.observe(turn)
        turns.append(turn)
    return turns


@pytest.fixture
def say() -> Callable[..., list[Turn]]:
    return _say
