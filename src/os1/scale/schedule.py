"""PgItems: one user's scheduled items (os1.initiative.scheduler) in PostgreSQL.

The store behind Scheduler when ``server.database_url`` is set (Scheduler.open chooses it);
the same meaning as the SQLite store, every row keyed by the user, so the daemon, ``os1 serve``
and ``os1 worker`` on any host see one schedule. A claim is one UPDATE of the first due row,
taken with ``FOR UPDATE SKIP LOCKED``: two schedulers on the same user never run one item
twice, and neither waits for the other.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from os1.initiative.scheduler import ITEM_COLUMNS, Item, Row
from os1.scale.pool import Pool, pool_for

_COLUMNS = ("id, key, kind, payload, due, status, attempts, max_attempts, owner, lease_until, "
            "result, created, started, finished")


class PgItems:
    def __init__(self, url: str, user_id: str, pool: Pool | None = None) -> None:
        self.pool = pool or pool_for(url)
        self.user = user_id

    def _rows(self, sql: str, params: Sequence[Any]) -> list[Row]:
        return self.pool.rows(sql, params)

    def _items(self, where: str, params: Sequence[Any] = ()) -> list[Item]:
        return [Item.from_row(r) for r in self._rows(
            f"SELECT {_COLUMNS} FROM schedule_items WHERE user_id=%s {where}",
            (self.user, *params))]

    def _one(self, where: str, params: Sequence[Any]) -> Item | None:
        found = self._items(where, params)
        return found[0] if found else None

    def add(self, row: dict[str, Any]) -> str:
        cols = ("user_id", *ITEM_COLUMNS)

        def work(cur: Any) -> str:
            cur.execute(f"INSERT INTO schedule_items ({', '.join(cols)}) "
                        f"VALUES ({', '.join(['%s'] * len(cols))}) "
                        "ON CONFLICT DO NOTHING RETURNING id",
                        (self.user, *(row[c] for c in ITEM_COLUMNS)))
            added = cur.fetchone()
            if added is None:  # the key is taken: the item that has it
                cur.execute("SELECT id FROM schedule_items WHERE user_id=%s AND key=%s",
                            (self.user, row["key"]))
                added = cur.fetchone()
            return str(added["id"])

        return self.pool.run(work)

    def get(self, item_id: str) -> Item | None:
        return self._one("AND id=%s", (item_id,))

    def by_key(self, key: str) -> Item | None:
        return self._one("AND key=%s", (key,))

    def pending(self, kind: str | None) -> list[Item]:
        if kind:
            return self._items("AND status='pending' AND kind=%s ORDER BY due, created", (kind,))
        return self._items("AND status='pending' ORDER BY due, created")

    def items(self, status: str | None, limit: int) -> list[Item]:
        if status:
            return self._items("AND status=%s ORDER BY due DESC LIMIT %s", (status, limit))
        return self._items("ORDER BY due DESC LIMIT %s", (limit,))

    def next_due(self, kinds: Sequence[str]) -> float | None:
        (row,) = self._rows("SELECT MIN(due) AS due FROM schedule_items WHERE user_id=%s "
                            "AND status='pending' AND kind = ANY(%s)", (self.user, list(kinds)))
        return None if row["due"] is None else float(row["due"])

    def cancel(self, item_id: str, finished: float) -> bool:
        return len(self._rows(
            "UPDATE schedule_items SET status='cancelled', finished=%s "
            "WHERE user_id=%s AND id=%s AND status='pending' RETURNING id",
            (finished, self.user, item_id))) == 1

    def running(self) -> list[Row]:
        return self._rows("SELECT id, owner, lease_until, attempts, max_attempts "
                          "FROM schedule_items WHERE user_id=%s AND status='running'",
                          (self.user,))

    def claim(self, now: float, kinds: Sequence[str], owner: str,
              lease_until: float) -> Item | None:
        rows = self._rows(
            "UPDATE schedule_items SET status='running', attempts=attempts+1, owner=%s, "
            "lease_until=%s, started=%s WHERE user_id=%s AND status='pending' AND id=("
            "SELECT id FROM schedule_items WHERE user_id=%s AND status='pending' AND due<=%s "
            "AND kind = ANY(%s) ORDER BY due, created LIMIT 1 FOR UPDATE SKIP LOCKED) "
            f"RETURNING {_COLUMNS}",
            (owner, lease_until, now, self.user, self.user, now, list(kinds)),
        )
        return Item.from_row(rows[0]) if rows else None

    def settle(self, item_id: str, owner: str, status: str, result: str, *,
               due: float | None = None, finished: float | None = None) -> bool:
        return len(self._rows(
            "UPDATE schedule_items SET status=%s, result=%s, owner='', "
            "due=COALESCE(%s, due), finished=COALESCE(%s, finished) "
            "WHERE user_id=%s AND id=%s AND owner=%s AND status='running' RETURNING id",
            (status, result, due, finished, self.user, item_id, owner))) == 1


__all__ = ["PgItems"]
