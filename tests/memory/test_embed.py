"""The numpy MiniLM must give the same vectors as the reference (plain torch) implementation."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from os1.memory.embed import DIM, embedder

REFERENCE = json.loads((Path(__file__).parent / "minilm_reference.json").read_text())["vectors"]


def test_matches_torch_reference_vectors() -> None:
    texts = list(REFERENCE)
    got = embedder().embed(texts)
    for i, text in enumerate(texts):
        ref = np.array(REFERENCE[text], dtype=np.float32)
        assert np.abs(got[i] - ref).max() < 1e-5, text
        assert float(got[i] @ ref) > 0.99999


def test_padding_and_batching_do_not_change_vectors() -> None:
    texts = list(REFERENCE)
    alone = np.stack([embedder().embed_one(t) for t in texts])
    long = "a considerably longer sentence that forces every other one in the batch to be padded"
    batched = embedder().embed([*texts, long])[: len(texts)]
    assert np.abs(alone - batched).max() < 1e-5


def test_unit_vectors_in_input_order() -> None:
    vecs = embedder().embed(["cats", "dogs", "", "x" * 5000])
    assert vecs.shape == (4, DIM) and vecs.dtype == np.float32
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    assert embedder().embed([]).shape == (0, DIM)
    assert np.abs(vecs[0] - embedder().embed_one("cats")).max() < 1e-5


def test_paraphrases_are_closer_than_unrelated_sentences() -> None:
    a, para, other = embedder().embed(
        ["My sister is called Anna.", "What is my sibling's name?", "The stock market fell today."]
    )
    assert float(a @ para) > float(a @ other) + 0.3
    home, moved, cake = embedder().embed(
        ["Where do I live now?", "I moved to Lisbon last spring.", "I baked a chocolate cake."]
    )
    assert float(home @ moved) > float(home @ cake)


def test_weights_are_loaded_once_per_process() -> None:
    assert embedder() is embedder()
