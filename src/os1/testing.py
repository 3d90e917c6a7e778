"""Shipped test helpers: a scripted ChatModel for unit tests of the engine (not for e2e tests,
which use the real embedded model), and a temporary-home helper.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from pathlib import Path

from os1.brain.base import Chunk, Message, Sampling, ToolSpec
from os1.config import load_config
from os1.home import Home


class ScriptedModel:
    """A ChatModel test double that streams pre-written replies word by word, in order.

    Records every call's messages and sampling so tests can assert what the engine sent.
    """

    name = "scripted"

    def __init__(self, replies: Sequence[str] = ("Hello.",), fail_with: Exception | None = None):
        self.replies = list(replies)
        self.calls: list[tuple[list[Message], Sampling | None]] = []
        self.fail_with = fail_with

    async def stream(
        self,
        messages: Sequence[Message],
        *,
        tools: Sequence[ToolSpec] = (),
        sampling: Sampling | None = None,
    ) -> AsyncIterator[Chunk]:
        self.calls.append((list(messages), sampling))
        if self.fail_with is not None:
            raise self.fail_with
        reply = self.replies[(len(self.calls) - 1) % len(self.replies)]
        for i, word in enumerate(reply.split(" ")):
            yield Chunk(text=word if i == 0 else " " + word)


def temp_home(path: Path, model: ScriptedModel | None = None) -> Home:
    """A Home rooted at ``path``; with ``model`` its brain is the scripted double."""
    home = Home(load_config(path))
    if model is not None:
        home.__dict__["model"] = model  # overrides the cached_property
    return home
