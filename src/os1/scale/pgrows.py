"""Rows of the Postgres memory tables as os1 values, and the small pieces of SQL that PgMemory
and its cascading operations (pgops) share."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from os1.memory.base import Hit
from os1.memory.episodes import Turn
from os1.memory.search import query_words
from os1.memory.store import checked_kinds

HIT_COLUMNS = "id, text, kind, created, valid_from, valid_to, weight, source_ids"


def hit_from_row(r: Sequence[Any], score: float | None = None) -> Hit:
    return Hit(
        id=r[0], text=r[1], kind=r[2], created=r[3], valid_from=r[4], valid_to=r[5],
        score=float(r[6]) if score is None else score, source_ids=tuple(r[7]),
    )  # fmt: skip


def kinds_filter(kinds: Sequence[str] | None) -> list[str] | None:
    checked = checked_kinds(kinds)
    return None if checked is None else list(checked)


def tsquery(text: str) -> str | None:
    """Any of the content words, as a to_tsquery expression with nothing user-supplied left
    to parse (each word is quoted as a lexeme)."""
    words = [w.replace("'", "") for w in query_words(text)]
    words = [w for w in words if w]
    if not words:
        return None
    return " | ".join(f"'{w}'" for w in words)


def as_vector(vec: Any) -> Any:
    return np.asarray(vec, dtype=np.float32)


def log_turn(cur: Any, user: str, turn: Turn) -> None:
    """Make sure the turn (and its session) is in the user's conversation log: a turn the
    engine logged elsewhere (a SQLite home) is copied, one already there is left alone."""
    cur.execute(
        "INSERT INTO episode_sessions (user_id, id, started, channel) VALUES (%s, %s, %s, 'chat') "
        "ON CONFLICT DO NOTHING",
        (user, turn.session_id, turn.created),
    )
    cur.execute(
        "INSERT INTO episode_turns (user_id, id, session_id, seq, speaker, role, text, created) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
        (user, turn.id, turn.session_id, turn.seq, turn.speaker, turn.role, turn.text, turn.created),
    )
