"""Writing what a mind lived through (a meeting, a sight) into a memory as its own session."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from os1.memory.episodes import Episodes


def remember_lines(
    episodes: Episodes,
    store: Any,
    channel: str,
    lines: Sequence[tuple[str, str, str]],
    started: float | None = None,
) -> tuple[str, list[str]]:
    """Store ``(role, speaker, text)`` lines as a new session of ``channel`` and index them.

    The user's current chat session stays current: a meeting or a photo is not a chat turn.
    Returns the session id and the turn ids.
    """
    current = episodes.get("current_session")
    sid = episodes.new_session(channel=channel, started=started)
    if current:
        episodes.set("current_session", current)
    turns = [episodes.add_turn(sid, role, text, speaker) for role, speaker, text in lines]
    for t in turns:
        store.observe(t, None)
    episodes.end_session(sid)
    return sid, [t.id for t in turns]


__all__ = ["remember_lines"]
