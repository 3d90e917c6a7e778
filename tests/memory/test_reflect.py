"""Reflection: summaries and insights from finished sessions; small talk fades, nothing is lost."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from os1.errors import NotFoundError
from os1.memory.episodes import Turn
from os1.memory.reflect import FADED_WEIGHT
from os1.memory.store import SqliteMemory

Say = Callable[..., list[Turn]]


def test_summary_names_facts_and_sources(store: SqliteMemory, say: Say) -> None:
    sid = store.episodes.new_session()
    turns = say(store, "My sister is called Anna.", "Anna is training for the marathon.", "ok", session=sid)
    hits = store.reflect(sid)
    summary = next(h for h in hits if h.kind == "summary")
    assert "The user's sister is Anna." in summary.text and "marathon" in summary.text
    assert set(summary.source_ids) == {t.id for t in turns}
    again = store.reflect(sid)  # running twice replaces, never duplicates
    assert len([h for h in store.list_memories(kinds=["summary"])]) == 1
    assert next(h for h in again if h.kind == "summary").text == summary.text


def test_small_talk_fades_but_stays(store: SqliteMemory, say: Say) -> None:
    sid = store.episodes.new_session()
    ok, fact = say(store, "ok thanks", "I work as a carpenter.", session=sid)
    store.reflect(sid)
    assert store.get(ok.id).score == pytest.approx(FADED_WEIGHT)
    assert store.get(fact.id).score == 1.0
    assert store.search("ok thanks", kinds=["turn"])[0].id == ok.id


def test_changes_and_recurring_topics_become_insights(store: SqliteMemory, say: Say) -> None:
    now = time.time()
    for i, city in enumerate(("Berlin", "Lisbon", "Porto")):
        sid = store.episodes.new_session()
        say(store, f"I moved to {city}.", "Gardening on the balcony again today.",
            created=now - 3000 + 1000 * i, session=sid)  # fmt: skip
        store.reflect(sid)
    insights = [h.text for h in store.list_memories(kinds=["insight"])]
    assert any("Porto" in t and "before: The user lives in Lisbon" in t for t in insights)
    assert any("gardening" in t and "3 conversations" in t for t in insights)


def test_reflect_pending_takes_finished_sessions_once(store: SqliteMemory, say: Say) -> None:
    sid = store.episodes.new_session()
    say(store, "I play the cello.", session=sid)
    assert store.reflect_pending(idle_s=3600) == []  # still going
    store.episodes.end_session(sid)
    assert store.reflect_pending() == [sid]
    assert store.reflect_pending() == []


def test_unknown_session(store: SqliteMemory) -> None:
    with pytest.raises(NotFoundError):
        store.reflect("s-missing")
