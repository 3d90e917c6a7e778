"""Search queries through llama.cpp (Q8_0 MiniLM): the same vectors as the exact path, nearly."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from os1.memory.embed import Embedder, embedder, model_dir
from os1.memory.quick import gguf_file, q8_0, quick_encoder

REFERENCE = json.loads((Path(__file__).parent / "minilm_reference.json").read_text())["vectors"]
QUERIES = [
    *REFERENCE,
    "what did Anna say about Lisbon and paella?",
    "Café Zürich, naïve résumé — 東京 🎉",
    "x" * 3000,  # longer than 256 tokens: cut the same way as the exact path
    "ok",
    "",
]


def test_quick_query_vectors_match_the_exact_ones() -> None:
    e = embedder()
    assert quick_encoder(model_dir(), 256) is not None, "llama.cpp should run here"
    cosines = []
    for text in QUERIES:
        quick, exact = e.embed_query(text), e.embed_one(text)
        assert quick.shape == (384,) and quick.dtype == np.float32
        assert abs(float(np.linalg.norm(quick)) - 1.0) < 1e-5
        cosines.append(float(quick @ exact))
        assert cosines[-1] > 0.998, text  # 8-bit weights: the worst seen was 0.9982 ('ok')
    assert float(np.median(cosines)) > 0.9995


def test_scores_move_by_less_than_a_hundredth() -> None:
    e = embedder()
    docs = e.embed([
        "My sister is called Anna.", "I moved to Lisbon last spring.", "I baked a chocolate cake.",
        "The train was late again.", "My dog Rex loves the beach.", "I work as a nurse.",
    ])  # fmt: skip
    for q, best in [("What is my sibling's name?", 0), ("Where do I live now?", 1),
                    ("What is my job?", 5)]:  # fmt: skip
        quick, exact = docs @ e.embed_query(q), docs @ e.embed_one(q)
        assert int(np.argmax(quick)) == int(np.argmax(exact)) == best
        assert float(np.abs(quick - exact).max()) < 0.01


def test_exact_queries_when_asked() -> None:
    exact = Embedder(quick_queries=False)
    assert np.array_equal(exact.embed_query("where do I live"), exact.embed_one("where do I live"))


def test_gguf_is_written_once_into_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OS1_CACHE_DIR", str(tmp_path))
    path = gguf_file(model_dir())
    assert path.parent == tmp_path / "models" and path.read_bytes()[:4] == b"GGUF"
    stamp = path.stat().st_mtime_ns
    assert gguf_file(model_dir()) == path and path.stat().st_mtime_ns == stamp
    assert list(path.parent.glob("*.tmp")) == []


def test_q8_0_keeps_each_value_within_half_a_step() -> None:
    w = np.random.default_rng(1).normal(size=(8, 64)).astype(np.float32)
    w[0, :32] = 0.0  # an all-zero block stays zero
    raw = np.frombuffer(q8_0(w), dtype=[("d", "<f2"), ("q", "i1", 32)])
    back = raw["q"].astype(np.float32) * raw["d"].astype(np.float32)[:, None]
    step = raw["d"].astype(np.float32)[:, None]
    # half a step, plus the float16 rounding of the scale (2^-11 relative) times 127
    assert np.all(np.abs(back - w.reshape(-1, 32)) <= step * (0.5 + 127 * 2**-11) + 1e-7)
    assert np.all(back[0] == 0.0)
