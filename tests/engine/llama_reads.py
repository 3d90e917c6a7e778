"""Counting what llama.cpp reads: each ``eval`` call's (tokens already in the cache, tokens
read now), recorded on the real model."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def reads(llm: Any) -> Iterator[list[tuple[int, int]]]:
    seen: list[tuple[int, int]] = []
    real_eval = llm.eval

    def counting(tokens: list[int]) -> None:
        seen.append((int(llm.n_tokens), len(tokens)))
        real_eval(tokens)

    llm.eval = counting
    try:
        yield seen
    finally:
        llm.eval = real_eval
