"""forget: a memory and everything derived from it, everywhere, reported."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from os1.errors import NotFoundError
from os1.memory.episodes import Turn
from os1.memory.store import SqliteMemory

Say = Callable[..., list[Turn]]


def _fts_count(store: SqliteMemory, word: str) -> int:
    return int(store.db.query("SELECT COUNT(*) FROM memory_fts WHERE memory_fts MATCH ?", (word,))[0][0])


def test_forgetting_a_turn_cascades_everywhere(store: SqliteMemory, say: Say) -> None:
    (turn,) = say(store, "My friend Tom makes films about whales.")
    say(store, "I had soup.")
    store.reflect(store.episodes.current_session())
    derived = {h.id for h in store.list_memories() if turn.id in h.source_ids and h.id != turn.id}
    assert len(derived) == 3  # two facts and the session summary
    assert _fts_count(store, "whales") == 3
    removed = store.forget(turn.id)
    assert set(removed) == {turn.id, *derived}
    assert store.episodes.turn(turn.id) is None  # gone from the episodic log too
    assert _fts_count(store, "whales") == 0
    assert store.current_facts() == []
    assert all("whale" not in h.text for h in store.search("films about whales"))
    assert store.db.query("SELECT COUNT(*) FROM memory_sources WHERE source_id=?", (turn.id,))[0][0] == 0
    assert len(store.index) == len(store.list_memories())


def test_forgetting_the_change_restores_the_old_value(store: SqliteMemory, say: Say) -> None:
    now = time.time()
    say(store, "I live in Berlin.", created=now - 1000)
    (moved,) = say(store, "I moved to Lisbon.", created=now)
    report = store.forget_detailed(moved.id)
    restored = [r for r in report if r.action == "restored"]
    assert [r.text for r in restored] == ["The user lives in Berlin."]
    (fact,) = store.current_facts("user")
    assert fact.value == "Berlin" and fact.valid_to is None and fact.superseded_by is None


def test_forgetting_a_middle_version_relinks_history(store: SqliteMemory, say: Say) -> None:
    now = time.time()
    say(store, "I live in Oslo.", created=now - 2000)
    (middle,) = say(store, "I moved to Bergen.", created=now - 1000)
    say(store, "I moved to Tromso.", created=now)
    store.forget(middle.id)
    (current,) = store.current_facts("user")
    assert current.value == "Tromso"
    oldest = store.history(current.id)[0]
    assert oldest.value == "Oslo" and oldest.superseded_by == current.id


def test_forgetting_a_fact_keeps_its_turn(store: SqliteMemory, say: Say) -> None:
    (turn,) = say(store, "I'm allergic to peanuts.")
    (fact,) = store.current_facts()
    assert store.forget(fact.id) == [fact.id]
    assert store.get(turn.id).text == "I'm allergic to peanuts."


def test_forgetting_a_session(store: SqliteMemory, say: Say) -> None:
    sid = store.episodes.new_session()
    turns = say(store, "My dog is called Rex.", "I walk him daily.", session=sid)
    keep = say(store, "I live in Rome.", session=store.episodes.new_session())
    removed = store.forget(sid)
    assert {t.id for t in turns} <= set(removed) and sid in removed
    assert store.episodes.turns(sid) == []
    assert [h.id for h in store.list_memories(kinds=["turn"])] == [keep[0].id]


def test_unknown_id(store: SqliteMemory) -> None:
    with pytest.raises(NotFoundError, match="No memory"):
        store.forget("nothing-like-this")
