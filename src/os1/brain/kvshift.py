"""Keeping llama.cpp's KV cache when a conversation's history window moves on.

The engine keeps the system message fixed and drops old history in blocks
(os1.engine.context.history_window). llama.cpp reuses only the longest common prefix of the
old and the new prompt, so the turn where the window moves re-reads the whole remaining
history (about 140 tokens, 0.3-0.4 s of a voice reply on 2 cores). The new prompt is the old
one with a span cut out after the system message: :func:`drop_span` finds that span, and
:func:`shift` removes it from the cache and slides what follows back over it (llama.cpp
re-rotates the keys), so only the new tail is read.

Only within one conversation (``Sampling.cache_key``, the engine's session id): the kept
states were computed with the dropped messages in view, which must never carry from one
user's conversation into another's on a server that shares one model.

This is the context shift llama.cpp's own server does: the kept tokens were computed while the
dropped ones were in view, so the result is close to, not identical with, reading the new
prompt afresh. The prefix match that follows still checks every token, so a wrong guess here
only costs the time it would have cost anyway.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

PROBE = 16  # tokens of the new prompt that must reappear in the cache to locate the span
MIN_SAVED = 32  # shorter spans are not worth the shift


def common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def drop_span(cached: Sequence[int], new: Sequence[int]) -> tuple[int, int] | None:
    """(start, length) of the span to cut from ``cached`` so that it continues as ``new``
    does after their common prefix, or None when there is no such span (or it is not worth
    it: the rest of the cache would be read again anyway)."""
    p = common_prefix(cached, new)
    if p == len(cached) or len(new) - p < PROBE:
        return None
    probe = list(new[p : p + PROBE])
    for start in range(p + 1, len(cached) - PROBE + 1):
        if list(cached[start : start + PROBE]) == probe:
            kept = common_prefix(cached[start:], new[p:])
            return (p, start - p) if kept >= MIN_SAVED else None
    return None


def shift(llm: Any, new: Sequence[int]) -> int:
    """Cut the span ``drop_span`` finds from ``llm``'s cache (a llama_cpp.Llama); the number of
    tokens the next prompt no longer needs to read again (0: nothing done)."""
    n = int(llm.n_tokens)
    if n == 0:
        return 0
    span = drop_span(llm.input_ids[:n].tolist(), new)
    if span is None:
        return 0
    start, length = span
    if not llm._ctx.kv_cache_seq_rm(-1, start, start + length):
        return 0
    llm._ctx.kv_cache_seq_shift(0, start + length, n, -length)
    ids = llm.input_ids
    ids[start : n - length] = ids[start + length : n].copy()
    llm.n_tokens = n - length
    return common_prefix(llm.input_ids[: llm.n_tokens].tolist(), new) - start


__all__ = ["common_prefix", "drop_span", "shift"]
