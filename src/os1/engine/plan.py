"""The response plan: what kind of answer a turn needs, decided before any generation."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Plan:
    kind: str  # chat | recall | dont_know | no_world | cannot | persona | comfort | small_talk | skill
    say: str = ""  # stated verbatim (facts come from memory or skills through templates)
    generate: bool = True  # whether the model adds its own words after ``say``
    recalled: tuple[tuple[str, str], ...] = ()  # (memory id, text) put in context
    max_tokens: int | None = None
    reason: str = ""
    polish: bool = False  # filter the model's sentences (see polish.py)
    fallback: str = ""  # said when every generated sentence was filtered out


CHAT = Plan(kind="chat")
