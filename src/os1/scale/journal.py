"""PgJournal: one user's undo journal (os1.skills.journal) in PostgreSQL.

The store behind UndoJournal when ``server.database_url`` is set (UndoJournal.open chooses
it): the same meaning as SqliteJournal, every row keyed by the user, so an action recorded
through one home of the user is listed and undone through any other. The claim before a revert
is one conditional UPDATE, so two servers undoing the same entry at once revert it once.
Migration 0012.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from os1.scale.pool import Pool, pool_for
from os1.skills.journal import Entry

_SELECT = "SELECT id, ts, kind, summary, payload, undone FROM undo_journal WHERE user_id=%s"


class PgJournal:
    def __init__(self, url: str, user_id: str, pool: Pool | None = None) -> None:
        self.pool = pool or pool_for(url)
        self.user = user_id

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[Entry]:
        """Rows of ``sql``, whose first placeholder is the user id."""
        return list(self.pool.rows(sql, (self.user, *params)))

    def add(self, jid: str, ts: float, kind: str, summary: str, payload: str) -> None:
        self._rows("INSERT INTO undo_journal (user_id, id, ts, kind, summary, payload) "
                   "VALUES (%s, %s, %s, %s, %s, %s)", (jid, ts, kind, summary, payload))

    def entries(self, limit: int, include_undone: bool) -> list[Entry]:
        undone = "" if include_undone else "AND undone IS NULL"
        return self._rows(f"{_SELECT} {undone} ORDER BY ts DESC, seq DESC LIMIT %s", (limit,))

    def get(self, jid: str) -> Entry | None:
        rows = self._rows(f"{_SELECT} AND id=%s", (jid,))
        return rows[0] if rows else None

    def claim(self, jid: str, ts: float) -> bool:
        return bool(self.pool.rows("UPDATE undo_journal SET undone=%s WHERE user_id=%s AND id=%s "
                                   "AND undone IS NULL RETURNING id", (ts, self.user, jid)))

    def release(self, jid: str) -> None:
        self._rows("UPDATE undo_journal SET undone=NULL WHERE user_id=%s AND id=%s", (jid,))


__all__ = ["PgJournal"]
