"""The Tool seam: a name, a JSON schema for arguments, a side-effects flag and a coroutine."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from os1.brain.base import ToolSpec

if TYPE_CHECKING:
    from os1.config import Config
    from os1.db import Database


@dataclass
class SkillContext:
    """What a tool may use. Built by the caller (engine, CLI, daemon); tools never self-wire."""

    config: Config
    db: Database
    extras: dict[str, Any] = field(default_factory=dict)


ToolFn = Callable[[dict[str, Any], SkillContext], Awaitable[str]]


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    parameters: dict[str, Any]
    side_effects: bool
    run: ToolFn
    # One line for the approval prompt, e.g. "Send mail to amy@example.test: 'Dinner?'"
    summarize: Callable[[dict[str, Any]], str] = lambda args: str(args)

    def spec(self) -> ToolSpec:
        return ToolSpec(self.name, self.description, self.parameters)


IntentFn = Callable[[str, "re.Match[str]", SkillContext], Awaitable[str]]


@dataclass(frozen=True)
class Intent:
    """A clear request matched before the model, the way Home Assistant does it.

    ``run`` answers from real data (mail, calendar, ...) with templates; anything with side
    effects it may only *propose* through the approvals queue.
    """

    name: str
    pattern: re.Pattern[str]
    run: IntentFn
    description: str = ""


def match_intent(intents: list[Intent], text: str) -> tuple[Intent, re.Match[str]] | None:
    for intent in intents:
        m = intent.pattern.search(text)
        if m:
            return intent, m
    return None


def register(reg_tools: dict[str, Any], *tools: Tool) -> None:
    for t in tools:
        reg_tools[t.name] = t
