"""A small pool of Postgres connections shared by every user's stores in one process.

A server may have hundreds of users' homes open; each gets a view (its user id) on the same
few connections instead of a connection of its own. Statements run in autocommit; ``tx()``
wraps several in one transaction. Calls are synchronous and short (single-row statements on
indexed keys), like the SQLite calls they replace; the pool never blocks waiting for a free
connection (it opens another), so it cannot deadlock an event loop. A connection that broke
(the database restarted) is dropped and, when it came from the idle list, the statement is
tried once more on a fresh one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from os1.errors import StorageError
from os1.scale.db import connect, migrate

T = TypeVar("T")
LOST = (
    "Lost the connection to the database at server.database_url; check that PostgreSQL "
    "is running, then try again."
)


class Pool:
    def __init__(self, url: str, max_idle: int = 8) -> None:
        self.url = url
        self.max_idle = max_idle
        self._idle: list[Any] = []
        self._lock = threading.Lock()
        self.opened = 0

    def _take(self) -> tuple[Any, bool]:
        with self._lock:
            if self._idle:
                return self._idle.pop(), True
        conn = connect(self.url, autocommit=True)
        with self._lock:
            self.opened += 1
        return conn, False

    def _give(self, conn: Any) -> None:
        if conn.closed or conn.info.transaction_status != 0:  # 0 = idle, nothing left open
            conn.close()
            return
        with self._lock:
            if len(self._idle) < self.max_idle:
                self._idle.append(conn)
                return
        conn.close()

    def run(self, work: Callable[[Any], T], *, transaction: bool = False) -> T:
        """``work(cursor)`` on a pooled connection (in one transaction if asked)."""
        import psycopg
        from psycopg.rows import dict_row

        for attempt in (1, 2):
            conn, reused = self._take()
            try:
                with conn.cursor(row_factory=dict_row) as cur:
                    if transaction:
                        with conn.transaction():
                            result = work(cur)
                    else:
                        result = work(cur)
            except psycopg.OperationalError as exc:
                conn.close()
                if attempt == 1 and reused:  # a stale idle connection: the others kept as
                    self.close()  # long are likely stale too (a database restart); a fresh one
                    continue
                raise StorageError(LOST) from exc
            except BaseException:
                self._give(conn)
                raise
            self._give(conn)
            return result
        raise AssertionError("unreachable")

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[Mapping[str, Any]]:
        """The rows of one statement (none for a statement that returns none)."""
        def work(cur: Any) -> list[Mapping[str, Any]]:
            cur.execute(sql, params)
            return list(cur.fetchall()) if cur.description else []

        return self.run(work)

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()


_pools: dict[str, Pool] = {}
_pools_lock = threading.Lock()


def pool_for(url: str) -> Pool:
    """The process's pool for ``url``, the schema brought up to date on first use."""
    with _pools_lock:
        found = _pools.get(url)
        if found is not None:
            return found
    migrate(url)
    with _pools_lock:
        return _pools.setdefault(url, Pool(url))


def close_pools() -> None:
    with _pools_lock:
        pools = list(_pools.values())
        _pools.clear()
    for p in pools:
        p.close()


__all__ = ["Pool", "close_pools", "pool_for"]
