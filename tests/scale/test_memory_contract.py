"""The MemoryStore contract, run against SQLite and against PostgreSQL + pgvector."""

from __future__ import annotations

import itertools
import json
import uuid
from typing import Any

import pytest

from os1.db import new_id
from os1.errors import InputError, NotFoundError
from os1.memory.base import MemoryStore
from os1.memory.episodes import Turn

DAY = 86_400.0
T0 = 1_700_000_000.0
_seq = itertools.count(1)


def turn(text: str, when: float = T0, session: str = "s-1", role: str = "user") -> Turn:
    return Turn(new_id("t"), session, next(_seq), role, role, text, when)


def say(store: Any, *texts: str, start: float = T0) -> list[Turn]:
    turns = [turn(t, start + i * 60) for i, t in enumerate(texts)]
    for t in turns:
        store.observe(t)
    return turns


def test_store_meets_the_protocol(store: Any) -> None:
    assert isinstance(store, MemoryStore)


def test_recall_by_words_and_by_meaning(store: Any) -> None:
    say(store, "My sister Lena lives in Lisbon.", "I had pasta for dinner.",
        "The car needs new tyres before winter.")  # fmt: skip
    by_words = store.search("Lisbon", limit=3)
    assert "Lisbon" in by_words[0].text
    by_meaning = store.search("what did I eat in the evening", limit=1, kinds=["turn"])
    assert by_meaning[0].text == "I had pasta for dinner."


def test_blank_and_repeated_turns_add_nothing(store: Any) -> None:
    t = turn("I like green tea.")
    store.observe(t)
    store.observe(t)
    assert store.observe(turn("   ")) == []
    assert [h.text for h in store.list(kinds=["turn"])] == ["I like green tea."]


def test_a_changed_fact_supersedes_the_old_one(store: Any) -> None:
    _first, second = say(store, "I live in Paris.", "I moved to Berlin last month.")
    facts = store.current_facts("user")
    assert [(f.predicate, f.value) for f in facts] == [("lives in", "Berlin")]
    old = next(f for f in store.history(facts[0].id) if f.value == "Paris")
    assert old.valid_to == second.created and old.superseded_by == facts[0].id
    hits = store.search("where does the user live", limit=5, kinds=["fact"])
    ranks = [h.text for h in hits]
    assert ranks.index("The user lives in Berlin.") < ranks.index("The user lives in Paris.")


def test_ended_fact_closes_and_repeated_fact_gains_a_source(store: Any) -> None:
    a, b, _ = say(store, "I work at Acme.", "I work at Acme.", "I no longer work at Acme.")
    assert store.current_facts("user") == []
    fact = store.search("Acme", kinds=["fact"], limit=1)[0]
    assert fact.source_ids == (a.id, b.id) and fact.valid_to is not None


def test_forget_removes_what_was_derived_and_restores_what_it_replaced(store: Any) -> None:
    _, moved = say(store, "I live in Paris.", "I moved to Berlin last month.")
    removed = store.forget(moved.id)
    assert moved.id in removed and len(removed) == 2  # the turn and the Berlin fact
    assert [f.value for f in store.current_facts("user")] == ["Paris"]
    with pytest.raises(NotFoundError):
        store.get(moved.id)


def test_time_window_and_kinds_filter(store: Any) -> None:
    say(store, "We went hiking in the Alps.", start=T0)
    say(store, "We went hiking in the Andes.", start=T0 + 30 * DAY)
    hits = store.search("hiking", since=T0 + DAY, until=T0 + 40 * DAY)
    assert [h.text for h in hits] == ["We went hiking in the Andes."]
    assert store.search("hiking", kinds=["summary"]) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [(("   ",), "Give some words"), (("x", 0), "between 1 and 1000"), (("x", 5, ["nope"]), "kind")],
)
def test_bad_searches_say_what_is_wrong(store: Any, args: tuple[Any, ...], message: str) -> None:
    with pytest.raises(InputError, match=message):
        store.search(*args)


def test_binary_text_is_refused(store: Any) -> None:
    with pytest.raises(InputError, match="binary"):
        store.observe(turn("abc\x00\x01\x02def"))


def test_export_is_json_with_the_facts(store: Any) -> None:
    say(store, "I live in Paris.")
    dumped = json.dumps(store.export())  # formats differ; both must be JSON and hold the fact
    assert "The user lives in Paris." in dumped


def test_postgres_users_never_see_each_other(pg_url: str) -> None:
    from os1.scale.memory import PgMemory

    amy, bob = (PgMemory(pg_url, f"u-{uuid.uuid4().hex}") for _ in range(2))
    try:
        say(amy, "My secret word is marmalade.")
        assert bob.search("marmalade secret word") == []
        assert amy.search("marmalade")[0].text == "My secret word is marmalade."
        with pytest.raises(NotFoundError):
            bob.forget(amy.list()[0].id)
    finally:
        amy.close()
        bob.close()


# the whole memory: import, export, reflection, forgetting, core memory ---------------------
TALK = {
    "speakers": ["Sam", "Mia"],
    "sessions": [
        {"id": "s-one", "date": "2024-03-01T18:00:00", "turns": [
            {"id": "D1:1", "speaker": "Sam", "text": "My sister is called Anna and she lives in Rome."},
            {"id": "D1:2", "speaker": "Mia", "text": "Lovely. I adopted a cat named Miso."},
            {"id": "D1:3", "speaker": "Sam", "text": "I live in Berlin."},
            {"id": "D1:4", "speaker": "Sam", "text": "ok"}]},
        {"id": "s-two", "date": "2024-06-01T09:30:00", "turns": [
            {"id": "D2:1", "speaker": "Sam", "text": "I moved to Lisbon last month!"},
            {"id": "D2:2", "speaker": "Mia", "text": "How is the weather in Lisbon?"}]},
    ],
    "core": [{"block": "self", "key": "name", "value": "Samantha"}],
}  # fmt: skip


def fresh(request: pytest.FixtureRequest, kind: str, tmp_path: Any) -> Any:
    """Another, empty store of ``kind`` (closed by the test)."""
    if kind == "sqlite":
        from os1.db import Database
        from os1.memory.store import SqliteMemory

        return SqliteMemory(Database(tmp_path / f"other-{uuid.uuid4().hex}.db"))
    from os1.scale.memory import PgMemory

    return PgMemory(request.getfixturevalue("pg_url"), user_id=f"u-{uuid.uuid4().hex}")


def test_import_keeps_turn_ids_and_search_names_them(store: Any) -> None:
    result = store.import_transcript(TALK)
    assert (result.sessions, result.turns) == (2, 6) and result.facts >= 3
    assert result.turn_ids == ("D1:1", "D1:2", "D1:3", "D1:4", "D2:1", "D2:2")
    hits = store.search("where does Sam live these days", limit=3)
    assert any("D2:1" in h.source_ids for h in hits)
    assert [(f.predicate, f.value) for f in store.current_facts("user") if f.predicate == "lives in"] \
        == [("lives in", "Lisbon")]  # fmt: skip
    assert "Samantha" in store.core_text() and "Lisbon" in store.core_text()


def test_a_bad_or_repeated_import_writes_nothing(store: Any) -> None:
    half = json.loads(json.dumps(TALK))
    half["sessions"][1]["turns"][1]["speaker"] = "Bob"
    with pytest.raises(InputError, match=r"session 2, turn 2 \('D2:2'\).*speaker"):
        store.import_transcript(half)
    assert store.list() == []
    store.import_transcript(TALK)
    before = len(store.list())
    with pytest.raises(InputError, match="already in memory"):
        store.import_transcript(TALK)
    assert len(store.list()) == before


@pytest.mark.parametrize("into", ["sqlite", "postgres"])
def test_an_export_imports_into_either_store(
    store: Any, into: str, request: pytest.FixtureRequest, tmp_path: Any
) -> None:
    store.import_transcript(TALK)
    dumped = json.loads(json.dumps(store.export()))  # plain JSON, as the CLI writes it
    assert [t["id"] for s in dumped["sessions"] for t in s["turns"]] == [
        "D1:1", "D1:2", "D1:3", "D1:4", "D2:1", "D2:2",
    ]  # fmt: skip
    other = fresh(request, into, tmp_path)
    try:
        again = other.import_transcript(dumped)
        assert again.turn_ids == ("D1:1", "D1:2", "D1:3", "D1:4", "D2:1", "D2:2")
        facts = lambda s: sorted((f.subject, f.predicate, f.value) for f in s.current_facts())  # noqa: E731
        assert facts(other) == facts(store)
        assert "Samantha" in other.core_text()
    finally:
        other.close()


def test_reflection_summarises_fades_and_forgets_with_its_sources(store: Any) -> None:
    store.import_transcript(TALK)
    made = store.reflect("s-one")
    summary = next(h for h in made if h.kind == "summary")
    assert summary.source_ids == ("D1:1", "D1:2", "D1:3", "D1:4")
    assert "Sam" in summary.text and "Anna" in summary.text
    assert store.get("D1:4").score < 1.0  # 'ok' faded
    assert store.get("D1:1").score == 1.0  # it stated facts: kept
    assert store.reflect("s-one")[0].id == summary.id  # again: replaced, not duplicated
    assert store.reflect_pending(idle_s=0.0) == ["s-two"]
    assert store.reflect_pending(idle_s=0.0) == []
    with pytest.raises(NotFoundError):
        store.reflect("no-such-session")
    removed = store.forget_detailed("D1:3")
    kinds = {r.id: r.kind for r in removed if r.action == "removed"}
    assert kinds["D1:3"] == "turn" and summary.id in kinds
    assert "fact" in kinds.values()  # 'lives in Berlin' went with its only source
    assert store.reflect_pending(idle_s=0.0) == ["s-one"]  # its summary must be rebuilt


def test_forgetting_a_session_removes_it_all(store: Any) -> None:
    store.import_transcript(TALK)
    store.reflect("s-two")
    removed = store.forget("s-two")
    assert {"D2:1", "D2:2", "sum-s-two", "s-two"} <= set(removed)
    assert not any("D2" in h.id for h in store.list())
    assert [f.value for f in store.current_facts("user") if f.predicate == "lives in"] == ["Berlin"]
    assert "s-two" not in json.dumps(store.export())
    with pytest.raises(NotFoundError):
        store.forget("s-two")


def test_show_names_sources_derived_and_history(store: Any) -> None:
    store.import_transcript(TALK)
    lisbon = next(f for f in store.current_facts("user") if f.value == "Lisbon")
    info = store.show(lisbon.id)
    assert [s["id"] for s in info["sources"]] == ["D2:1"]
    assert [h["value"] for h in info["history"]] == ["Berlin", "Lisbon"]
    assert lisbon.id in store.show("D2:1")["derived"]
    with pytest.raises(NotFoundError):
        store.show("nope")


def test_core_memory_is_edited_and_bounded(store: Any) -> None:
    store.core_set("self", "tone", "warm and curious")
    store.core_set("user", "goal", "learn Portuguese")
    for i in range(60):
        store.core_set("user", f"note {i}", "x" * 200)
    text = store.core_text()
    assert "warm and curious" in text and len(text) <= store.config.core_max_chars
    assert store.core_remove("self", "tone") and "warm" not in store.core_text()
    assert not store.core_remove("self", "tone")
    with pytest.raises(InputError):
        store.core_set("nobody", "k", "v")


async def test_aobserve_extracts_like_observe(store: Any) -> None:
    facts = await store.aobserve(turn("My brother Tom works as a pilot."))
    assert {(f.subject, f.predicate, f.value) for f in facts} >= {("user", "brother", "Tom")}
    assert store.list_memories(kinds=["turn"], limit=1)[0].text == "My brother Tom works as a pilot."
