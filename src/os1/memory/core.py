"""Core memory: the short profile that is always in context (after Letta's core blocks).

Two blocks: ``user`` (who the user is and the people in their life) and ``self`` (the OS's
model of itself: its name, how it likes to talk, what it has learned about helping this
user). Entries the engine sets explicitly come first; current facts fill the rest of the
user block. The text never exceeds ``memory.core_max_chars``: whole lines are dropped, never
cut in the middle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from os1.db import Database, now
from os1.errors import InputError
from os1.memory.base import Fact
from os1.memory.extract import USER

if TYPE_CHECKING:
    from os1.memory.store import SqliteMemory

BLOCKS = ("user", "self")
MAX_ENTRY = 300
USER_HEADER = "About the user:"
SELF_HEADER = "About me (the OS):"


def check(block: str, key: str, value: str | None = None) -> None:
    if block not in BLOCKS:
        raise InputError(f"Unknown core memory block '{block}'; use 'user' or 'self'.")
    if not key.strip() or len(key) > 80:
        raise InputError("A core memory key must be 1 to 80 characters.")
    if value is not None and (not value.strip() or len(value) > MAX_ENTRY):
        raise InputError(f"A core memory entry must be 1 to {MAX_ENTRY} characters.")


def set_entry(db: Database, block: str, key: str, value: str) -> None:
    """Add or replace one line of core memory (the engine edits the profile this way)."""
    check(block, key, value)
    db.execute(
        "INSERT INTO core_memory (block, key, value, updated) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(block, key) DO UPDATE SET value=excluded.value, updated=excluded.updated",
        (block, key.strip(), " ".join(value.split()), now()),
    )


def remove_entry(db: Database, block: str, key: str) -> bool:
    check(block, key)
    return db.execute("DELETE FROM core_memory WHERE block=? AND key=?", (block, key)).rowcount > 0


def entries(db: Database) -> list[tuple[str, str, str]]:
    rows = db.query("SELECT block, key, value FROM core_memory ORDER BY block, updated")
    return [(r["block"], r["key"], r["value"]) for r in rows]


def _fact_priority(fact: Fact, people: set[str]) -> tuple[int, float]:
    if fact.subject == USER:
        rank = 0
    elif fact.subject in people:
        rank = 1
    else:
        rank = 2
    return rank, -fact.valid_from


def _fit(header: str, lines: list[str], budget: int) -> str:
    out = [header]
    used = len(header)
    for line in lines:
        if used + 1 + len(line) > budget:
            break
        out.append(line)
        used += 1 + len(line)
    return "\n".join(out) if len(out) > 1 else ""


def core_text(store: SqliteMemory, max_chars: int) -> str:
    """The always-in-context profile, at most ``max_chars`` characters."""
    return compose(entries(store.db), store.current_facts(), max_chars)


def compose(explicit: list[tuple[str, str, str]], current: list[Fact], max_chars: int) -> str:
    """The profile from explicit (block, key, value) entries and the current facts."""
    user_lines = [f"- {k}: {v}" for b, k, v in explicit if b == "user"]
    self_lines = [f"- {k}: {v}" for b, k, v in explicit if b == "self"]
    people = {f.value for f in current if f.subject == USER}
    seen = {line.lower() for line in user_lines}
    for fact in sorted(current, key=lambda f: _fact_priority(f, people)):
        line = f"- {fact.text}"
        if line.lower() not in seen:
            seen.add(line.lower())
            user_lines.append(line)
    # the self block is small and matters every turn: it gets its share first
    self_part = _fit(SELF_HEADER, self_lines, max_chars // 3 if user_lines else max_chars)
    room = max_chars - len(self_part) - (2 if self_part else 0)
    user_part = _fit(USER_HEADER, user_lines, room)
    return "\n\n".join(p for p in (user_part, self_part) if p)
