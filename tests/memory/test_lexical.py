"""The in-memory BM25 mirror must rank like FTS5's bm25(2.0, 1.0) over the same rows."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from os1.db import Database
from os1.memory.facts import insert_memory
from os1.memory.lexical import Terms
from os1.memory.search import bm25_scored, fts_expression, query_words
from os1.memory.store import SqliteMemory
from os1.memory.vectors import Filter, to_blob

WORDS = ["running", "runner", "runs", "ran", "Lisbon", "Zürich", "café", "cafés", "naïve", "résumé", "hiking", "hiked", "hikes", "sister", "brother", "Anna", "Ben", "dinner", "pasta", "paella", "train", "trains", "delayed", "weather", "rainy", "İstanbul", "3pm", "emails", "meeting", "meetings", "doctor", "doctors"]
SPEAKERS = ["user", "assistant", "Anna", "Ben"]


def _store(tmp_path: Path, n: int = 400) -> SqliteMemory:
    rng = random.Random(4)
    store = SqliteMemory(Database(tmp_path / "m.db"))
    vec = to_blob(np.ones(384, dtype=np.float32) / np.sqrt(384))
    with store.db.transaction() as conn:
        for i in range(n):
            text = " ".join(rng.choices(WORDS, k=rng.randint(1, 14)))
            kind = "fact" if i % 7 == 0 else "turn"
            insert_memory(conn, f"m{i}", kind, text, 1000.0 + i, [f"m{i}"], vec,
                          speaker=rng.choice(SPEAKERS))  # fmt: skip
    return store


@pytest.mark.parametrize(
    ("query", "flt"),
    [
        ("running in Lisbon", Filter()),
        ("cafes and resumes, naive?", Filter()),
        ("Anna's sister hiking", Filter()),
        ("istanbul at 3pm", Filter()),
        ("doctor meeting emails", Filter(kinds=("fact",))),
        ("rainy weather train", Filter(since=1100.0, until=1300.0)),
    ],
)
def test_ranks_and_scores_like_fts5(tmp_path: Path, query: str, flt: Filter) -> None:
    store = _store(tmp_path)
    store.index.sync()
    expr = fts_expression(query)
    assert expr is not None
    want = bm25_scored(store.db, expr, 50, flt)
    got = store.index.bm25(query_words(query), 50, flt)
    assert len(want) > 5
    assert [m for m, _ in got] == [m for m, _ in want] or _ties_only(got, want)
    for (_, a), (_, b) in zip(got, want, strict=True):
        assert a == pytest.approx(b, rel=1e-4)


def _ties_only(got: list[tuple[str, float]], want: list[tuple[str, float]]) -> bool:
    """Rows with equal scores may come in either order."""
    return [round(s, 4) for _, s in got] == [round(s, 4) for _, s in want] and {
        m for m, _ in got
    } == {m for m, _ in want}


def test_forgotten_rows_leave_the_mirror(tmp_path: Path) -> None:
    store = _store(tmp_path, 50)
    first = store.index.bm25(["paella"], 5)
    assert first
    store.forget(first[0][0])
    after = store.index.bm25(["paella"], 50)
    assert first[0][0] not in [m for m, _ in after]
    expr = fts_expression("paella")
    assert expr is not None
    assert [m for m, _ in after] == [m for m, _ in bm25_scored(store.db, expr, 50, Filter())]


def test_terms_come_from_the_fts5_tokenizer() -> None:
    terms = Terms()
    assert terms.of_words(["Running", "Zürich", "foo_bar", "cafés"]) == [
        ("run",), ("zurich",), ("foo", "bar"), ("cafe",),
    ]  # fmt: skip
    assert terms.of_text("Hikes in İstanbul, at 3pm!") == ["hike", "in", "istanbul", "at", "3pm"]
