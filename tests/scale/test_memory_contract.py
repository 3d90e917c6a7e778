"""The MemoryStore contract, run against SQLite and against PostgreSQL + pgvector."""

from __future__ import annotations

import itertools
import json
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
    import uuid

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
