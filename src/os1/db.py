"""SQLite access shared by every store under one user home (WAL, foreign keys, migrations).

Each store owns its tables: it calls :meth:`Database.migrate` with its name and an ordered
list of DDL steps; steps already applied are skipped, so adding a step is a migration.
Imports only os1.errors.
"""

from __future__ import annotations

import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from os1.errors import StorageError


def new_id(prefix: str = "") -> str:
    return prefix + uuid.uuid4().hex[:16]


def now() -> float:
    return time.time()


def _plain(exc: Exception, path: Path) -> StorageError:
    text = str(exc).lower()
    if "disk" in text and ("full" in text or "i/o" in text):
        return StorageError(f"The disk holding {path} is full; free some space and try again.")
    if "readonly" in text or "permission" in text or "unable to open" in text:
        return StorageError(f"Cannot write {path}; check that the folder exists and is writable.")
    if "locked" in text:
        return StorageError(f"{path} is busy in another os1 process; try again in a moment.")
    return StorageError(f"The os1 database {path} could not be used: {exc}.")


def split_sql(script: str) -> list[str]:
    """Split a DDL script into statements (triggers with inner ';' stay whole)."""
    out: list[str] = []
    buf = ""
    for piece in script.split(";"):
        buf += piece + ";"
        if sqlite3.complete_statement(buf):
            if buf.strip(" \n\t;"):
                out.append(buf.strip())
            buf = ""
    return out


class Database:
    """A thread-safe SQLite connection. One per process per home."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.RLock()
        self._closed = False
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _plain(exc, path) from exc
        self._conn: sqlite3.Connection | None = self._connect()
        try:
            self._conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_steps (store TEXT, step INTEGER, "
                "PRIMARY KEY (store, step))"
            )
        except sqlite3.Error as exc:
            raise _plain(exc, path) from exc

    def _connect(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(
                str(self.path), check_same_thread=False, isolation_level=None, timeout=10.0
            )
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
        except sqlite3.Error as exc:
            raise _plain(exc, self.path) from exc
        return conn

    @property
    def conn(self) -> sqlite3.Connection:
        """The open connection, reopened if :meth:`suspend` closed it. Call with the lock."""
        if self._conn is None:
            if self._closed:
                raise sqlite3.ProgrammingError("Cannot operate on a closed database.")
            self._conn = self._connect()
        return self._conn

    @property
    def suspended(self) -> bool:
        return self._conn is None

    def suspend(self) -> None:
        """Close the connection, freeing its three open files (database, WAL, shared
        memory), while the stores built on this Database stay usable: the next call reopens
        it. A server holding thousands of homes keeps every home's objects this way and only
        as many connections as it has files for."""
        with self._lock:
            if self._conn is not None:
                conn, self._conn = self._conn, None
                conn.close()

    def migrate(self, store: str, steps: Sequence[str]) -> None:
        with self.transaction() as conn:
            done = {
                r[0] for r in conn.execute("SELECT step FROM schema_steps WHERE store=?", (store,))
            }
            for i, ddl in enumerate(steps):
                if i in done:
                    continue
                for statement in split_sql(ddl):
                    conn.execute(statement)
                conn.execute("INSERT INTO schema_steps VALUES (?, ?)", (store, i))

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """All-or-nothing: on any error nothing of the block is written."""
        with self._lock:
            try:
                conn = self.conn
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise _plain(exc, self.path) from exc
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            try:
                conn.execute("COMMIT")
            except sqlite3.Error as exc:
                conn.execute("ROLLBACK")
                raise _plain(exc, self.path) from exc

    def execute(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        with self._lock:
            try:
                return self.conn.execute(sql, params)
            except sqlite3.OperationalError as exc:
                raise _plain(exc, self.path) from exc

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            try:
                return self.conn.execute(sql, params).fetchall()
            except sqlite3.OperationalError as exc:
                raise _plain(exc, self.path) from exc

    def close(self) -> None:
        with self._lock:
            self._closed = True
            if self._conn is not None:
                self._conn.close()
