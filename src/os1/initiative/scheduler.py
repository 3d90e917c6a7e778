"""A durable, restart-safe scheduler in SQLite: things to do at a time, done once.

Each item moves ``pending -> running -> done | failed`` (or ``pending -> cancelled``). A run
*claims* an item with one conditional UPDATE, so two loops (the daemon and ``os1 serve``, or two
daemons) never run the same item at the same time. An item found ``running`` whose owner process
is gone (kill -9, power cut) is put back once; if it was interrupted again it is marked failed
rather than retried forever. Delivery is therefore at-least-once, and handlers make their effect
idempotent by keying it on ``item.id`` (see :class:`~os1.initiative.messages.Inbox`), which
makes the visible result exactly-once. ``key`` makes scheduling itself idempotent: the same key
is only ever scheduled once, so planners may call ``schedule`` on every tick.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from os1.db import Database, new_id
from os1.errors import InputError, NotFoundError
from os1.initiative.clock import Clock

SCHEMA = [
    """
    CREATE TABLE schedule (
        id TEXT PRIMARY KEY,
        key TEXT UNIQUE,
        kind TEXT NOT NULL,
        payload TEXT NOT NULL DEFAULT '{}',
        due REAL NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending'
            CHECK (status IN ('pending', 'running', 'done', 'failed', 'cancelled')),
        attempts INTEGER NOT NULL DEFAULT 0,
        max_attempts INTEGER NOT NULL DEFAULT 2,
        owner TEXT NOT NULL DEFAULT '',
        lease_until REAL NOT NULL DEFAULT 0,
        result TEXT NOT NULL DEFAULT '',
        created REAL NOT NULL,
        started REAL,
        finished REAL
    );
    CREATE INDEX schedule_due ON schedule(status, due);
    """,
]

# A running item whose owner is on another host cannot be checked for liveness; after this
# long (real seconds, not the injectable clock) it is presumed dead and retried.
LEASE_S = 900.0
_HOST = socket.gethostname()


@dataclass(frozen=True)
class Item:
    id: str
    key: str | None
    kind: str
    payload: dict[str, Any]
    due: float
    status: str
    attempts: int
    result: str
    created: float

    @classmethod
    def from_row(cls, r: sqlite3.Row) -> Item:
        return cls(r["id"], r["key"], r["kind"], json.loads(r["payload"]), r["due"], r["status"],
                   r["attempts"], r["result"], r["created"])

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "key": self.key, "kind": self.kind, "payload": self.payload,
                "due": self.due, "status": self.status, "attempts": self.attempts,
                "result": self.result}


@dataclass
class HandlerContext:
    """What a handler gets besides its item: the scheduler (to schedule follow-ups), the clock,
    the database, and whatever the caller put in ``extras`` (e.g. the Home)."""

    scheduler: Scheduler
    clock: Clock
    db: Database
    now: float
    extras: dict[str, Any] = field(default_factory=dict)


Handler = Callable[[Item, HandlerContext], Awaitable[str]]


@dataclass(frozen=True)
class Fired:
    """The outcome of one item in one :meth:`Scheduler.run_due` pass."""

    item: Item
    status: str  # "done" | "failed" | "retry"
    result: str


def _owner_token() -> str:
    return f"{_HOST}:{os.getpid()}"


def _owner_alive(owner: str) -> bool | None:
    """True/False when we can tell (same host); None when the owner is on another machine."""
    host, _, pid = owner.rpartition(":")
    if host != _HOST or not pid.isdigit():
        return None
    if int(pid) == os.getpid():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (killed, not yet reaped by its parent) still answers kill(0) but runs nothing.
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return True


class Scheduler:
    def __init__(self, db: Database, clock: Clock, extras: dict[str, Any] | None = None) -> None:
        self.db = db
        self.clock = clock
        self.extras = extras or {}
        self.handlers: dict[str, Handler] = {}
        self.owner = _owner_token()
        db.migrate("scheduler", SCHEMA)

    # scheduling ----------------------------------------------------------------------
    def schedule(
        self,
        due: float,
        kind: str,
        payload: dict[str, Any] | None = None,
        key: str | None = None,
        *,
        max_attempts: int = 2,
    ) -> str:
        """Add an item; with ``key``, a second call with the same key returns the first id."""
        if not kind:
            raise InputError("A scheduled item needs a kind (e.g. 'reminder').")
        try:
            body = json.dumps(payload or {}, sort_keys=True)
        except (TypeError, ValueError) as exc:
            raise InputError(f"The payload for '{kind}' is not plain JSON data: {exc}.") from exc
        iid = new_id("j")
        with self.db.transaction() as c:
            if key is not None:
                row = c.execute("SELECT id FROM schedule WHERE key=?", (key,)).fetchone()
                if row:
                    return str(row[0])
            c.execute(
                "INSERT INTO schedule (id, key, kind, payload, due, max_attempts, created) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (iid, key, kind, body, float(due), max(1, max_attempts), self.clock.now()),
            )
        return iid

    def cancel(self, item_id: str) -> None:
        cur = self.db.execute(
            "UPDATE schedule SET status='cancelled', finished=? WHERE id=? AND status='pending'",
            (self.clock.now(), item_id),
        )
        if cur.rowcount != 1:
            state = self.db.query("SELECT status FROM schedule WHERE id=?", (item_id,))
            if not state:
                raise NotFoundError(f"Nothing is scheduled with id {item_id}.")
            raise InputError(f"Item {item_id} is already {state[0][0]}; it cannot be cancelled.")

    def get(self, item_id: str) -> Item:
        rows = self.db.query("SELECT * FROM schedule WHERE id=?", (item_id,))
        if not rows:
            raise NotFoundError(f"Nothing is scheduled with id {item_id}.")
        return Item.from_row(rows[0])

    def by_key(self, key: str) -> Item | None:
        rows = self.db.query("SELECT * FROM schedule WHERE key=?", (key,))
        return Item.from_row(rows[0]) if rows else None

    def pending(self, kind: str | None = None) -> list[Item]:
        sql = "SELECT * FROM schedule WHERE status='pending'"
        args: tuple[Any, ...] = ()
        if kind:
            sql, args = sql + " AND kind=?", (kind,)
        return [Item.from_row(r) for r in self.db.query(sql + " ORDER BY due, created", args)]

    def items(self, status: str | None = None, limit: int = 200) -> list[Item]:
        if status:
            rows = self.db.query(
                "SELECT * FROM schedule WHERE status=? ORDER BY due DESC LIMIT ?", (status, limit)
            )
        else:
            rows = self.db.query("SELECT * FROM schedule ORDER BY due DESC LIMIT ?", (limit,))
        return [Item.from_row(r) for r in rows]

    def next_due(self) -> float | None:
        kinds = list(self.handlers)
        if not kinds:
            return None
        marks = ",".join("?" * len(kinds))
        row = self.db.query(
            f"SELECT MIN(due) FROM schedule WHERE status='pending' AND kind IN ({marks})", kinds
        )
        return None if row[0][0] is None else float(row[0][0])

    # running -------------------------------------------------------------------------
    def register_handler(self, kind: str, fn: Handler) -> None:
        self.handlers[kind] = fn

    def recover(self) -> list[str]:
        """Put back items left ``running`` by a process that died; give up after the 2nd time.

        Returns the ids put back. Called by :meth:`run_due`, so a restart needs nothing else.
        """
        put_back: list[str] = []
        for r in self.db.query("SELECT id, owner, lease_until, attempts, max_attempts "
                               "FROM schedule WHERE status='running'"):
            alive = _owner_alive(r["owner"])
            if alive or (alive is None and r["lease_until"] > time.time()):
                continue
            if r["attempts"] < r["max_attempts"]:
                cur = self.db.execute(
                    "UPDATE schedule SET status='pending', owner='', "
                    "result='interrupted; retrying' WHERE id=? AND status='running' AND owner=?",
                    (r["id"], r["owner"]),
                )
                if cur.rowcount:
                    put_back.append(r["id"])
            else:
                self.db.execute(
                    "UPDATE schedule SET status='failed', finished=?, "
                    "result='interrupted twice; not retried again' "
                    "WHERE id=? AND status='running' AND owner=?",
                    (self.clock.now(), r["id"], r["owner"]),
                )
        return put_back

    def _claim(self, now: float) -> Item | None:
        kinds = list(self.handlers)
        if not kinds:
            return None
        marks = ",".join("?" * len(kinds))
        with self.db.transaction() as c:
            row = c.execute(
                f"SELECT id FROM schedule WHERE status='pending' AND due<=? AND kind IN ({marks}) "
                "ORDER BY due, created LIMIT 1",
                (now, *kinds),
            ).fetchone()
            if row is None:
                return None
            c.execute(
                "UPDATE schedule SET status='running', attempts=attempts+1, owner=?, "
                "lease_until=?, started=? WHERE id=? AND status='pending'",
                (self.owner, time.time() + LEASE_S, now, row[0]),
            )
            claimed = c.execute("SELECT * FROM schedule WHERE id=?", (row[0],)).fetchone()
        return Item.from_row(claimed)

    def _finish(self, item: Item, status: str, result: str, now: float) -> str:
        if status == "failed" and item.attempts < self._max_attempts(item.id):
            # Try again later rather than hammering a failing peer every tick.
            self.db.execute(
                "UPDATE schedule SET status='pending', owner='', due=?, result=? "
                "WHERE id=? AND owner=?",
                (now + 300.0 * item.attempts, result, item.id, self.owner),
            )
            return "retry"
        self.db.execute(
            "UPDATE schedule SET status=?, result=?, finished=?, owner='' WHERE id=? AND owner=?",
            (status, result, now, item.id, self.owner),
        )
        return status

    def _max_attempts(self, item_id: str) -> int:
        return int(self.db.query("SELECT max_attempts FROM schedule WHERE id=?", (item_id,))[0][0])

    async def run_due(
        self, now: float | None = None, limit: int = 1000,
        on_fired: Callable[[Fired], None] | None = None,
    ) -> list[Fired]:
        """Run every item due at ``now`` (default: the clock) that has a handler, one at a time;
        ``on_fired`` hears about each as soon as it is finished."""
        when = self.clock.now() if now is None else now
        self.recover()
        fired: list[Fired] = []
        while len(fired) < limit:
            item = self._claim(when)
            if item is None:
                break
            ctx = HandlerContext(self, self.clock, self.db, when, self.extras)
            try:
                result = await self.handlers[item.kind](item, ctx)
                status = "done"
            except Exception as exc:
                result = f"{type(exc).__name__}: {getattr(exc, 'message', None) or exc}"
                status = "failed"
            final = self._finish(item, status, str(result), when)
            fired.append(Fired(item, final, str(result)))
            if on_fired is not None:
                on_fired(fired[-1])
        return fired
