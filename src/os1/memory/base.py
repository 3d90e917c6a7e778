"""The MemoryStore seam and the value types that cross it. No I/O here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

from os1.brain.base import ChatModel
from os1.memory.episodes import Turn

Kind = Literal["turn", "fact", "summary", "insight"]
KINDS: tuple[Kind, ...] = ("turn", "fact", "summary", "insight")
When = float | datetime | None


@dataclass(frozen=True)
class Hit:
    """One remembered thing, as search and list return it."""

    id: str
    text: str
    kind: str
    created: float
    valid_from: float | None
    valid_to: float | None
    score: float
    source_ids: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "text": self.text,
            "kind": self.kind,
            "created": self.created,
            "valid_from": self.valid_from,
            "valid_to": self.valid_to,
            "score": round(self.score, 6),
            "source_ids": list(self.source_ids),
        }


@dataclass(frozen=True)
class Fact:
    """A statement about someone or something, valid from ``valid_from`` until ``valid_to``.

    ``valid_to`` is None while the fact is current; a newer fact with the same subject and
    predicate but another value ends it and is named in ``superseded_by``.
    """

    id: str
    subject: str
    predicate: str
    value: str
    text: str
    created: float
    valid_from: float
    valid_to: float | None = None
    superseded_by: str | None = None
    source_ids: tuple[str, ...] = field(default_factory=tuple)

    @property
    def current(self) -> bool:
        return self.valid_to is None


@dataclass(frozen=True)
class Removed:
    """One thing ``forget`` deleted (or, for a fact it had replaced, restored)."""

    id: str
    kind: str
    text: str
    action: Literal["removed", "restored"] = "removed"


@dataclass(frozen=True)
class ImportResult:
    """What an import stored: counts, and the turn ids (kept from the file) in order."""

    sessions: int
    turns: int
    facts: int
    turn_ids: tuple[str, ...]


@runtime_checkable
class MemoryStore(Protocol):
    """What the engine, the CLI and the server need from memory. SQLite is the built-in."""

    def observe(self, turn: Turn, model: ChatModel | None = None) -> list[Fact]: ...

    def search(
        self,
        query: str,
        limit: int = 10,
        kinds: Sequence[str] | None = None,
        since: When = None,
        until: When = None,
    ) -> list[Hit]: ...

    def current_facts(self, subject: str | None = None) -> list[Fact]: ...

    def core_text(self) -> str: ...

    def reflect(self, session_id: str, model: ChatModel | None = None) -> list[Hit]: ...

    def forget(self, memory_id: str) -> list[str]: ...

    def import_transcript(self, source: str | Path | dict[str, Any]) -> ImportResult: ...

    def export(self) -> dict[str, Any]: ...
