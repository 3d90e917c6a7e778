"""The closed set of events the engine emits; adapters (CLI, web, voice) only consume these.

Each event is a frozen dataclass with a ``type`` tag and serialises to one JSON object.
Imports nothing from os1.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class TurnStarted:
    session_id: str
    user_text: str
    type: str = field(default="turn_started", init=False)


@dataclass(frozen=True)
class TextDelta:
    text: str
    type: str = field(default="text_delta", init=False)


@dataclass(frozen=True)
class Recalled:
    """Memories the engine pulled into this turn's context (ids and short texts)."""

    items: tuple[tuple[str, str], ...]
    type: str = field(default="recalled", init=False)


@dataclass(frozen=True)
class ToolProposed:
    call_id: str
    tool: str
    arguments: dict[str, Any]
    reason: str
    type: str = field(default="tool_proposed", init=False)


@dataclass(frozen=True)
class ApprovalNeeded:
    approval_id: str
    tool: str
    summary: str
    type: str = field(default="approval_needed", init=False)


@dataclass(frozen=True)
class ActionDone:
    tool: str
    result: str
    approval: str
    type: str = field(default="action_done", init=False)


@dataclass(frozen=True)
class MoodChanged:
    mood: str
    valence: float
    arousal: float
    type: str = field(default="mood_changed", init=False)


@dataclass(frozen=True)
class Notice:
    """Something the user should know that is not part of the reply (e.g. a suspicious mail)."""

    text: str
    type: str = field(default="notice", init=False)


@dataclass(frozen=True)
class ErrorEvent:
    message: str
    kind: str = "error"
    type: str = field(default="error", init=False)


@dataclass(frozen=True)
class TurnEnded:
    session_id: str
    reply: str
    stopped: bool = False
    timings: dict[str, float] = field(default_factory=dict)
    type: str = field(default="turn_ended", init=False)


Event = (
    TurnStarted
    | TextDelta
    | Recalled
    | ToolProposed
    | ApprovalNeeded
    | ActionDone
    | MoodChanged
    | Notice
    | ErrorEvent
    | TurnEnded
)

EVENT_TYPES: tuple[type, ...] = (
    TurnStarted,
    TextDelta,
    Recalled,
    ToolProposed,
    ApprovalNeeded,
    ActionDone,
    MoodChanged,
    Notice,
    ErrorEvent,
    TurnEnded,
)


def to_dict(event: Event) -> dict[str, Any]:
    return asdict(event)


def to_json(event: Event) -> str:
    return json.dumps(to_dict(event), ensure_ascii=False)
