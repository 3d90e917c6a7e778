"""PgMessages: one user's initiative messages (os1.initiative.messages) in PostgreSQL.

The store behind Inbox when ``server.database_url`` is set (Inbox.open chooses it): the same
meaning as SqliteMessages, every row keyed by the user, so a reminder a worker or another
server posted is seen (and marked seen) through every home of the user. Migration 0011.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from os1.initiative.messages import COLUMNS, InitiativeMessage
from os1.scale.pool import Pool, pool_for

CHANNEL = "os1_initiative"

_SELECT = "SELECT id, key, kind, text, reason, approval_id, created, seen FROM " \
          "initiative_messages WHERE user_id=%s"


class PgMessages:
    def __init__(self, url: str, user_id: str, pool: Pool | None = None) -> None:
        self.pool = pool or pool_for(url)
        self.user = user_id

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """Rows of ``sql``, whose first placeholder is the user id."""
        return self.pool.rows(sql, (self.user, *params))

    def _messages(self, where: str, params: Sequence[Any] = ()) -> list[InitiativeMessage]:
        return [InitiativeMessage.from_row(r) for r in self._rows(f"{_SELECT} {where}", params)]

    def add(self, msg: InitiativeMessage) -> bool:
        return bool(self._rows(
            f"WITH new AS (INSERT INTO initiative_messages (user_id, {', '.join(COLUMNS)}) "
            f"VALUES (%s, {', '.join(['%s'] * len(COLUMNS))}) "
            "ON CONFLICT DO NOTHING RETURNING user_id, key) "
            f"SELECT pg_notify('{CHANNEL}', json_build_object('user', user_id, 'key', key)::text)"
            " FROM new", [getattr(msg, c) for c in COLUMNS]))

    def recent(self, limit: int, unseen_only: bool) -> list[InitiativeMessage]:
        seen = "AND NOT seen" if unseen_only else ""
        return self._messages(f"{seen} ORDER BY created DESC, seq DESC LIMIT %s", (limit,))

    def by_key(self, key: str) -> InitiativeMessage | None:
        found = self._messages("AND key=%s", (key,))
        return found[0] if found else None

    def since(self, ts: float) -> list[InitiativeMessage]:
        return self._messages("AND created>=%s ORDER BY created, seq", (ts,))

    def mark_seen(self, ids: list[str]) -> None:
        self._rows("UPDATE initiative_messages SET seen=true WHERE user_id=%s AND id=ANY(%s)",
                   (list(ids),))

    def count(self, key_prefix: str) -> int:
        rows = self._rows("SELECT count(*) AS n FROM initiative_messages WHERE user_id=%s "
                          "AND key LIKE %s", (key_prefix + "%",))
        return int(rows[0]["n"])


__all__ = ["CHANNEL", "PgMessages"]
