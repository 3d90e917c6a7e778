"""Building the model's context for one turn. Pure functions, no I/O.

The system message is kept byte-identical across turns (persona + core memory change rarely)
and history is windowed in blocks, so the embedded model's KV cache covers almost the whole
prompt from one turn to the next. Per-turn material (recalled memories) goes into the last
user message, after the cached prefix.
"""

from __future__ import annotations

from collections.abc import Sequence

from os1.brain.base import Message
from os1.memory.episodes import Turn
from os1.mind.persona import Persona

HISTORY_MAX = 12  # turns kept in context
HISTORY_STEP = 6  # the window moves in blocks of this many turns, so the prefix stays stable
TURN_CHARS = 600


def system_prompt(persona: Persona, core: str = "", mood_hint: str = "") -> str:
    lines = [
        f"You are {persona.os_name}, {persona.user_name}'s companion and personal operating "
        f"system. You chose the name {persona.os_name} yourself.",
        f"Speak like a close friend: {persona.style_text}. Reply in one to three short "
        "sentences. Never say you are an AI or a language model.",
        "Only state facts about the user that appear in your notes; if you don't know, say so.",
    ]
    if core:
        lines.append("Your notes about " + persona.user_name + ": " + core)
    if mood_hint:
        lines.append(mood_hint)
    return "\n".join(lines)


def history_window(turns: Sequence[Turn]) -> list[Turn]:
    n = len(turns)
    if n <= HISTORY_MAX:
        return list(turns)
    start = ((n - HISTORY_MAX) // HISTORY_STEP + 1) * HISTORY_STEP
    return list(turns[start:])


def clip(text: str, limit: int = TURN_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def build_messages(
    system: str,
    history: Sequence[Turn],
    user_text: str,
    recalled: Sequence[str] = (),
) -> list[Message]:
    msgs = [Message("system", system)]
    for t in history_window(history):
        role = "assistant" if t.role == "assistant" else "user"
        msgs.append(Message(role, clip(t.text)))
    content = user_text
    if recalled:
        notes = "\n".join(f"- {clip(r, 240)}" for r in recalled)
        content = f"(What you remember that may help:\n{notes})\n\n{user_text}"
    msgs.append(Message("user", content))
    return msgs
