"""One turn at a time per user across every server process: Postgres advisory locks.

Each process keeps one connection for its locks (a session can hold many advisory locks, one
per user in a turn; taking and freeing one is a single fast statement). A server that dies,
even by kill -9, drops that connection and Postgres frees its locks at once, so another
server can continue the conversation immediately. Waiting polls ``pg_try_advisory_lock`` so
the event loop is never blocked by a lock held elsewhere.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

from os1.errors import Os1Error, StorageError
from os1.scale.db import connect, plain_url
from os1.scale.episodes import lock_key

BUSY = (
    "Your OS is still answering you in another window or device; wait for that reply "
    "and try again."
)


class TurnBusy(Os1Error):
    """Another server is in the middle of this user's turn."""


class TurnLocks:
    def __init__(self, url: str, wait_s: float = 120.0, poll_s: float = 0.05) -> None:
        self.url = url
        self.wait_s = wait_s
        self.poll_s = poll_s
        self._conn: Any = None
        self._connecting = asyncio.Lock()

    async def _connection(self) -> Any:
        import psycopg

        async with self._connecting:
            if self._conn is None or self._conn.closed:
                try:
                    self._conn = await psycopg.AsyncConnection.connect(
                        plain_url(self.url), autocommit=True, connect_timeout=10
                    )
                except psycopg.OperationalError as exc:
                    raise StorageError(
                        "Cannot reach the database at server.database_url; check that "
                        "PostgreSQL is running, then try again."
                    ) from exc
            return self._conn

    async def _try(self, key: int) -> bool:
        import psycopg

        conn = await self._connection()
        try:
            cur = await conn.execute("SELECT pg_try_advisory_lock(%s)", (key,))
            row = await cur.fetchone()
        except psycopg.OperationalError:
            await conn.close()  # the next try reconnects
            return False
        return bool(row and row[0])

    async def _free(self, key: int) -> None:
        import psycopg

        conn = self._conn
        if conn is None or conn.closed:
            return  # the connection (and with it the lock) is gone already
        try:
            await conn.execute("SELECT pg_advisory_unlock(%s)", (key,))
        except psycopg.OperationalError:
            await conn.close()

    @asynccontextmanager
    async def hold(self, user_id: str) -> AsyncIterator[None]:
        """Hold ``user_id``'s turn lock; raises TurnBusy after ``wait_s`` of waiting."""
        key = lock_key("turn", user_id)
        deadline = time.monotonic() + self.wait_s
        while not await self._try(key):
            if time.monotonic() >= deadline:
                raise TurnBusy(BUSY)
            await asyncio.sleep(self.poll_s)
        try:
            yield
        finally:
            await self._free(key)

    async def aclose(self) -> None:
        if self._conn is not None and not self._conn.closed:
            await self._conn.close()
        self._conn = None


@contextmanager
def exclusive(url: str, kind: str, name: str) -> Iterator[bool]:
    """Try to hold the advisory lock (kind, name) for the block, without waiting: yields
    whether it is held here. Its own connection, so a process that dies frees it at once."""
    conn = connect(url, autocommit=True)
    try:
        row = conn.execute("SELECT pg_try_advisory_lock(%s)", (lock_key(kind, name),)).fetchone()
        yield bool(row and row[0])
    finally:
        conn.close()  # frees the lock with the session


__all__ = ["BUSY", "TurnBusy", "TurnLocks", "exclusive"]
