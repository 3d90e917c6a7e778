"""The ChatModel protocol and the value types that cross it. No I/O here."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from os1.errors import BackendError


@dataclass(frozen=True)
class Message:
    role: str  # "system" | "user" | "assistant" | "tool"
    content: str

    def as_dict(self) -> dict[str, str]:
        return {"role": self.role, "content": self.content}


@dataclass(frozen=True)
class ToolSpec:
    name: str
    description: str
    parameters: dict[str, Any] = field(default_factory=lambda: {"type": "object"})


@dataclass(frozen=True)
class ToolCall:
    id: str
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class Chunk:
    """One piece of a streamed reply: some text, or a complete tool call."""

    text: str = ""
    tool_call: ToolCall | None = None


@dataclass(frozen=True)
class Sampling:
    """Per-call generation options. ``None`` means the backend's configured default."""

    max_tokens: int | None = None
    temperature: float | None = None
    stop: tuple[str, ...] = ()
    json_schema: dict[str, Any] | None = None
    grammar: str | None = None  # GBNF; embedded only, ignored by remote servers
    seed: int | None = None
    # the conversation this call continues: the embedded brain reuses its KV cache across a
    # moved history window only between calls with the same key (os1.brain.kvshift), so one
    # conversation's cached states never carry into another's; None never shifts
    cache_key: str | None = None


@runtime_checkable
class ChatModel(Protocol):
    """Stream a reply to ``messages``. Must raise BackendError (one plain sentence) on failure."""

    name: str

    def stream(
        self,
        messages: Sequence[Message],
        *,
        tools: Sequence[ToolSpec] = (),
        sampling: Sampling | None = None,
    ) -> AsyncIterator[Chunk]: ...


async def complete(
    model: ChatModel, messages: Sequence[Message], sampling: Sampling | None = None
) -> str:
    parts = [c.text async for c in model.stream(messages, sampling=sampling)]
    return "".join(parts)


async def complete_json(
    model: ChatModel,
    messages: Sequence[Message],
    schema: dict[str, Any],
    sampling: Sampling | None = None,
) -> Any:
    """Ask for output constrained to ``schema`` and parse it; BackendError if unparsable."""
    base = sampling or Sampling()
    s = Sampling(
        max_tokens=base.max_tokens or 256,
        temperature=base.temperature if base.temperature is not None else 0.0,
        stop=base.stop,
        json_schema=schema,
        seed=base.seed,
    )
    text = await complete(model, messages, s)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        start, end = text.find("{"), text.rfind("}")
        if 0 <= start < end:
            try:
                return json.loads(text[start : end + 1])
            except json.JSONDecodeError:
                pass
        raise BackendError(f"The model {model.name} did not return valid JSON.") from exc
