"""PgApprovals: one user's approvals, standing rules and audit log in PostgreSQL.

The store behind os1.initiative.Actions when ``server.database_url`` is set (Actions.open
chooses it); the same meaning as the SQLite store, every row keyed by the user. The claim that
keeps an approved action to one run is one conditional UPDATE, so two server processes
approving the same thing at once run it once.
"""

from __future__ import annotations

from typing import Any

from os1.initiative.approvals import APPROVAL_COLUMNS, AUDIT_COLUMNS, Row
from os1.scale.pool import Pool, pool_for

_OUT = "id, tool, arguments, reason, summary, origin, status, result, created, decided, key"


class PgApprovals:
    def __init__(self, url: str, user_id: str, pool: Pool | None = None) -> None:
        self.pool = pool or pool_for(url)
        self.user = user_id

    def _rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[Row]:
        return self.pool.rows(sql, (self.user, *params))

    def _count(self, sql: str, params: tuple[Any, ...]) -> int:
        """Rows changed by ``sql``, whose last placeholder is the user id."""
        def work(cur: Any) -> int:
            cur.execute(sql, (*params, self.user))
            return int(cur.rowcount)

        return self.pool.run(work)

    def _one(self, sql: str, params: tuple[Any, ...]) -> Row | None:
        rows = self._rows(sql, params)
        return rows[0] if rows else None

    # rules ------------------------------------------------------------------------------
    def add_rule(self, rule_id: str, tool: str, match: str, description: str,
                 created: float) -> None:
        self.pool.run(lambda cur: cur.execute(
            "INSERT INTO approval_rules (user_id, id, tool, match, description, created) "
            "VALUES (%s, %s, %s, %s, %s, %s)",
            (self.user, rule_id, tool, match, description, created)))

    def rules(self, tool: str | None = None) -> list[Row]:
        cols = "id, tool, match, description, created"
        if tool is None:
            return self._rows(f"SELECT {cols} FROM approval_rules WHERE user_id=%s "
                              "ORDER BY created")
        return self._rows(f"SELECT {cols} FROM approval_rules WHERE user_id=%s AND tool=%s "
                          "ORDER BY created", (tool,))

    def rule(self, rule_id: str) -> Row | None:
        return self._one("SELECT id, tool, match, description, created FROM approval_rules "
                         "WHERE user_id=%s AND id=%s", (rule_id,))

    def remove_rule(self, rule_id: str) -> bool:
        return self._count("DELETE FROM approval_rules WHERE id=%s AND user_id=%s",
                           (rule_id,)) > 0

    # approvals --------------------------------------------------------------------------
    def by_key(self, key: str) -> Row | None:
        return self._one(f"SELECT {_OUT} FROM approvals WHERE user_id=%s AND key=%s", (key,))

    def insert(self, row: dict[str, Any]) -> bool:
        cols = ("user_id", *APPROVAL_COLUMNS)
        values = (self.user, *(row[c] for c in APPROVAL_COLUMNS))

        def work(cur: Any) -> int:
            cur.execute(f"INSERT INTO approvals ({', '.join(cols)}) "
                        f"VALUES ({', '.join(['%s'] * len(cols))}) ON CONFLICT DO NOTHING",
                        values)
            return int(cur.rowcount)

        return self.pool.run(work) == 1

    def get(self, aid: str) -> Row | None:
        return self._one(f"SELECT {_OUT} FROM approvals WHERE user_id=%s AND id=%s", (aid,))

    def pending(self) -> list[Row]:
        return self._rows(f"SELECT {_OUT} FROM approvals WHERE user_id=%s AND status='pending' "
                          "ORDER BY created")

    def decided(self, limit: int) -> list[Row]:
        return self._rows(f"SELECT {_OUT} FROM approvals WHERE user_id=%s AND status!='pending' "
                          "ORDER BY decided DESC LIMIT %s", (limit,))

    def interrupted(self, before: float) -> list[Row]:
        return self._rows(f"SELECT {_OUT} FROM approvals WHERE user_id=%s AND status='running' "
                          "AND decided < %s ORDER BY decided", (before,))

    def move(self, aid: str, status: str, decided: float) -> bool:
        return self._count("UPDATE approvals SET status=%s, decided=%s "
                           "WHERE id=%s AND status='pending' AND user_id=%s",
                           (status, decided, aid)) == 1

    def finish(self, aid: str, status: str, result: str, audit: dict[str, Any]) -> None:
        cols = ("user_id", *AUDIT_COLUMNS)

        def work(cur: Any) -> None:
            cur.execute("UPDATE approvals SET status=%s, result=%s WHERE user_id=%s AND id=%s",
                        (status, result, self.user, aid))
            cur.execute(f"INSERT INTO audit_log ({', '.join(cols)}) "
                        f"VALUES ({', '.join(['%s'] * len(cols))})",
                        (self.user, *(audit[c] for c in AUDIT_COLUMNS)))

        self.pool.run(work, transaction=True)

    def audit(self, limit: int) -> list[Row]:
        return self._rows(f"SELECT {', '.join(AUDIT_COLUMNS)} FROM audit_log WHERE user_id=%s "
                          "ORDER BY ts DESC LIMIT %s", (limit,))


__all__ = ["PgApprovals"]
