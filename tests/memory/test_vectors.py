"""The in-memory vector index: exact below a size, a projected shortlist above it."""

from __future__ import annotations

import numpy as np

from os1.memory.facts import insert_memory
from os1.memory.store import SqliteMemory
from os1.memory.vectors import Filter, VectorIndex, to_blob

TOPICS = ["cooking", "hiking", "my sister", "the office", "a concert", "the garden", "travel",
          "money", "my dog", "a film", "the weather", "football"]  # fmt: skip


def _fill(store: SqliteMemory, n: int) -> np.ndarray:
    texts = [f"{a} and {b}, day {i}" for i, (a, b) in enumerate(
        (x, y) for x in TOPICS for y in TOPICS)]  # fmt: skip
    base = store.embedder.embed(texts)
    rng = np.random.default_rng(1)
    vecs = base[rng.integers(0, len(base), n)] + rng.normal(0, 0.05, (n, base.shape[1]))
    vecs = (vecs / np.linalg.norm(vecs, axis=1, keepdims=True)).astype(np.float32)
    with store.db.transaction() as conn:
        for i, v in enumerate(vecs):
            kind = "fact" if i % 3 == 0 else "turn"
            insert_memory(conn, f"m{i}", kind, f"memory {i}", 1000.0 + i, [f"m{i}"], to_blob(v))
    return vecs


def test_shortlist_search_matches_exact_search(store: SqliteMemory) -> None:
    vecs = _fill(store, 3000)
    approx = VectorIndex(store.db, approx_from=2000)
    exact = VectorIndex(store.db, approx_from=10**9)
    queries = store.embedder.embed([f"something about {t}" for t in TOPICS])
    overlap = []
    for q in queries:
        a, e = approx.search(q, 10), exact.search(q, 10)
        assert approx._basis is not None and exact._basis is None
        assert [s for _, s in e] == sorted((s for _, s in e), reverse=True)
        overlap.append(len({i for i, _ in a} & {i for i, _ in e}) / 10)
        best = int(np.argmax(vecs @ q))
        assert e[0][0] == f"m{best}"
        assert abs(e[0][1] - float(vecs[best] @ q)) < 2e-3  # stored as float16
    assert np.mean(overlap) >= 0.95


def test_filters_and_removal(store: SqliteMemory) -> None:
    _fill(store, 2500)
    index = VectorIndex(store.db, approx_from=2000)
    q = store.embedder.embed_one("my dog in the garden")
    facts = index.search(q, 20, Filter(kinds=("fact",)))
    assert facts and all(int(i[1:]) % 3 == 0 for i, _ in facts)
    late = index.search(q, 20, Filter(since=1000.0 + 2400))
    assert late and all(int(i[1:]) >= 2400 for i, _ in late)
    top = index.search(q, 1)[0][0]
    index.removed([top])
    assert top not in [i for i, _ in index.search(q, 50)]
    assert len(index) == 2499
