"""Core memory: bounded, always-in-context profile of the user and of the OS itself."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from os1.config import set_value
from os1.errors import InputError
from os1.memory import open_memory
from os1.memory.episodes import Turn
from os1.memory.store import SqliteMemory

Say = Callable[..., list[Turn]]


def test_profile_from_facts_and_engine_entries(store: SqliteMemory, say: Say) -> None:
    assert store.core_text() == ""
    say(store, "My name is Sam.", "I live in Lisbon.", "My sister is called Anna.")
    store.core_set("self", "name", "Samantha")
    store.core_set("user", "prefers", "short answers")
    text = store.core_text()
    assert text.startswith("About the user:\n- prefers: short answers")
    assert "The user lives in Lisbon." in text and "About me (the OS):\n- name: Samantha" in text
    assert store.core_remove("user", "prefers") and "short answers" not in store.core_text()


def test_bounded_in_size_whole_lines_only(os1_home: Path, say: Say) -> None:
    set_value(os1_home, "memory.core_max_chars", "200")
    store = open_memory(os1_home)
    for i in range(40):
        say(store, f"My friend Friend{chr(65 + i % 26)}{i} makes films.")
    store.core_set("self", "name", "Samantha")
    text = store.core_text()
    assert len(text) <= 200 and "Samantha" in text
    assert all(line.startswith(("- ", "About")) or not line for line in text.splitlines())
    store.close()


def test_superseded_facts_leave_the_profile(store: SqliteMemory, say: Say) -> None:
    say(store, "I live in Berlin.", created=1_700_000_000)
    say(store, "I moved to Oslo.", created=1_700_100_000)
    text = store.core_text()
    assert "Oslo" in text and "Berlin" not in text


@pytest.mark.parametrize(("block", "key", "value"), [("nope", "k", "v"), ("user", "", "v"), ("self", "k", "x" * 400)])
def test_bad_entries(store: SqliteMemory, block: str, key: str, value: str) -> None:
    with pytest.raises(InputError):
        store.core_set(block, key, value)
