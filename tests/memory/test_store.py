"""SqliteMemory: indexing turns, facts over time, hybrid and time-aware search, bad input."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from os1.errors import InputError, NotFoundError
from os1.memory import open_memory
from os1.memory.base import MemoryStore
from os1.memory.episodes import Turn
from os1.memory.store import SqliteMemory

Say = Callable[..., list[Turn]]


def test_is_a_memory_store(store: SqliteMemory) -> None:
    assert isinstance(store, MemoryStore)


def test_turns_are_indexed_and_search_names_their_source(store: SqliteMemory, say: Say) -> None:
    t1, t2, _ = say(store, "My sister is called Anna.", "I baked bread this morning.", "ok")
    hits = store.search("what's the name of my sibling?", limit=3)
    assert hits and t1.id in hits[0].source_ids
    assert any(h.id == t1.id and h.kind == "turn" for h in hits)
    bread = store.search("baking", limit=1)[0]
    assert bread.source_ids == (t2.id,) and bread.text == "I baked bread this morning."


def test_observe_returns_facts_and_is_idempotent(store: SqliteMemory, say: Say) -> None:
    (turn,) = say(store, "My friend Tom makes films.")
    again = store.observe(turn)
    assert again == []
    facts = {(f.subject, f.predicate, f.value) for f in store.current_facts()}
    assert facts == {("user", "friend", "Tom"), ("Tom", "does", "makes films")}
    assert all(f.source_ids == (turn.id,) for f in store.current_facts())
    assert len(store.list_memories(kinds=["turn"])) == 1


def test_assistant_words_are_remembered_but_state_no_facts(store: SqliteMemory, say: Say) -> None:
    (turn,) = say(store, "I live in Paris.", role="assistant")
    assert store.current_facts() == []
    assert store.search("Paris", limit=1)[0].id == turn.id


def test_contradiction_supersedes_and_keeps_history(store: SqliteMemory, say: Say) -> None:
    t0 = time.time() - 86400 * 30
    (old,) = say(store, "I live in Berlin.", created=t0)
    (new,) = say(store, "I moved to Lisbon.", created=t0 + 86400 * 20)
    current = store.current_facts("user")
    assert [(f.predicate, f.value) for f in current] == [("lives in", "Lisbon")]
    history = store.history(current[0].id)
    assert [f.value for f in history] == ["Berlin", "Lisbon"]
    assert history[0].valid_to == pytest.approx(new.created)
    assert history[0].superseded_by == current[0].id
    top_fact = next(h for h in store.search("where do I live now?") if h.kind == "fact")
    assert "Lisbon" in top_fact.text and top_fact.valid_to is None
    assert old.id in history[0].source_ids


def test_repeated_fact_is_merged_not_duplicated(store: SqliteMemory, say: Say) -> None:
    a, b = say(store, "I'm allergic to peanuts.", "Remember, I'm allergic to peanuts!")
    facts = store.current_facts("user")
    assert len(facts) == 1 and facts[0].source_ids == (a.id, b.id)
    assert len(store.list_memories(kinds=["fact"])) == 1


def test_multi_valued_relations_do_not_supersede(store: SqliteMemory, say: Say) -> None:
    say(store, "My friend Tom makes films.", "My friend Lisa is a teacher.")
    friends = {f.value for f in store.current_facts("user") if f.predicate == "friend"}
    assert friends == {"Tom", "Lisa"}


def test_out_of_order_statement_goes_to_history(store: SqliteMemory, say: Say) -> None:
    now = time.time()
    say(store, "I live in Oslo.", created=now)
    say(store, "I live in Bergen.", created=now - 86400 * 100)  # heard late, said long ago
    assert [f.value for f in store.current_facts("user")] == ["Oslo"]
    assert len(store.list_memories(kinds=["fact"])) == 2


def test_saying_a_fact_ended(store: SqliteMemory, say: Say) -> None:
    say(store, "I live in Berlin.")
    say(store, "I no longer live in Berlin.")
    assert store.current_facts("user") == []


def test_sister_name_resolves_later_statements(store: SqliteMemory, say: Say) -> None:
    say(store, "My sister is called Anna.")
    say(store, "My sister lives in Rome.")
    assert [(f.predicate, f.value) for f in store.current_facts("Anna")] == [("lives in", "Rome")]


def test_time_aware_search(store: SqliteMemory, say: Say) -> None:
    now = datetime.now().astimezone()
    old = (now - timedelta(days=20)).timestamp()
    last_week = (now - timedelta(days=now.weekday() + 3)).timestamp()
    say(store, "We talked about the garden project.", created=old)
    (recent,) = say(store, "I planted tomatoes in the garden.", created=last_week)
    hits = store.search("what did I say about the garden last week?")
    assert [h.id for h in hits if h.kind == "turn"] == [recent.id]
    everything = store.search("garden", kinds=["turn"])
    assert len(everything) == 2
    explicit = store.search("garden", since=old + 3600, kinds=["turn"])
    assert [h.id for h in explicit] == [recent.id]
    said = store.search("what did I say last week?")  # only a time: what was said then
    assert recent.id in [h.id for h in said] and all(h.created >= old + 1 for h in said)


def test_kind_filter_and_limit(store: SqliteMemory, say: Say) -> None:
    say(store, "I love jazz.", "I love blues.", "I love soul music.")
    assert all(h.kind == "fact" for h in store.search("music", kinds=["fact"]))
    assert len(store.search("music", limit=2)) == 2
    with pytest.raises(InputError, match="kind"):
        store.search("music", kinds=["nonsense"])


def test_repeated_words_are_one_result_naming_all_turns(store: SqliteMemory, say: Say) -> None:
    a, _, c = say(store, "Good night!", "I read a book about whales.", "Good night!")
    hits = store.search("good night", kinds=["turn"])
    assert hits[0].source_ids == (c.id, a.id) or hits[0].source_ids == (a.id, c.id)
    assert sum(h.text == "Good night!" for h in hits) == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [("x" * 1_000_000, "at most"), ("\x00\x01\x02binary" * 10, "binary")],
)
def test_bad_turns_are_refused_and_nothing_is_written(
    store: SqliteMemory, text: str, message: str
) -> None:
    turn = store.episodes.add_turn(store.episodes.current_session(), "user", text)
    with pytest.raises(InputError, match=message):
        store.observe(turn)
    assert store.list_memories() == []


def test_empty_turn_is_skipped(store: SqliteMemory) -> None:
    turn = store.episodes.add_turn(store.episodes.current_session(), "assistant", "  ")
    assert store.observe(turn) == [] and store.list_memories() == []


@pytest.mark.parametrize(("query", "message"), [("   ", "words"), ("a" * 5000, "at most")])
def test_bad_queries(store: SqliteMemory, query: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        store.search(query)


def test_get_and_show(store: SqliteMemory, say: Say) -> None:
    (turn,) = say(store, "My brother Tom works as a chef.")
    info = store.show(turn.id)
    assert info["memory"]["text"] == "My brother Tom works as a chef."
    assert len(info["derived"]) == 2
    fact = store.show(info["derived"][0])
    assert fact["sources"][0]["id"] == turn.id and fact["history"]
    with pytest.raises(NotFoundError, match="os1 memory list"):
        store.get("nope")


def test_another_process_sees_new_and_forgotten_memories(
    store: SqliteMemory, say: Say, os1_home: Path
) -> None:
    other = open_memory(os1_home)  # a second connection, as a second process would have
    say(store, "I collect old maps.")
    assert other.search("cartography hobby", limit=1)[0].text == "I collect old maps."
    (turn,) = say(store, "I keep bees in the garden.")
    assert other.search("beekeeping", limit=1)[0].id == turn.id
    store.forget(turn.id)
    assert turn.id not in [h.id for h in other.search("beekeeping")]
    other.close()


async def test_aobserve_for_async_callers(store: SqliteMemory) -> None:
    turn = store.episodes.add_turn(store.episodes.current_session(), "user", "I moved to Ghent.")
    facts = await store.aobserve(turn)
    assert [(f.predicate, f.value) for f in facts] == [("lives in", "Ghent")]
    assert await store.aobserve(turn) == []


def test_stores_sharing_a_home_see_each_others_writes(tmp_path: Path) -> None:
    """The server's memory browser and the engine each open the home's memory: what one
    adds or forgets, the other's next search reflects (same connection or another one)."""
    from os1.db import Database
    from os1.home import Home

    home = Home.open(tmp_path)
    first, second = open_memory(home), open_memory(home)
    other_process = SqliteMemory(Database(home.config.db_path))
    session = {"date": "2026-01-01T10:00:00", "turns": [
        {"id": "a1", "speaker": "T", "text": "My sister Amy lives in Berlin."},
        {"id": "a2", "speaker": "T", "text": "I like tea."},
    ]}  # fmt: skip
    first.import_transcript({"speakers": ["T"], "sessions": [session]})
    assert "a1" in {h.id for h in first.search("Berlin")}
    assert "a1" in {h.id for h in other_process.search("Berlin")}
    second.forget("a1")
    later = {"date": "2026-01-02T10:00:00", "turns": [
        {"id": "b1", "speaker": "T", "text": "My brother moved to Berlin too."},
    ]}  # fmt: skip
    second.import_transcript({"speakers": ["T"], "sessions": [later]})
    for store in (first, other_process):
        found = {h.id for h in store.search("Berlin")}
        assert "b1" in found and "a1" not in found
