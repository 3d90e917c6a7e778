"""A durable, restart-safe scheduler: things to do at a time, done once.

Each item moves ``pending -> running -> done | failed`` (or ``pending -> cancelled``). A run
*claims* an item with one conditional UPDATE, so two loops (the daemon and ``os1 serve``, or two
daemons) never run the same item at the same time. An item found ``running`` whose owner process
is gone (kill -9, power cut) is put back once; if it was interrupted again it is marked failed
rather than retried forever. Delivery is therefore at-least-once, and handlers make their effect
idempotent by keying it on ``item.id`` (see :class:`~os1.initiative.messages.Inbox`), which
makes the visible result exactly-once. ``key`` makes scheduling itself idempotent: the same key
is only ever scheduled once, so planners may call ``schedule`` on every tick.

The items are kept in an :class:`ItemStore`: SQLite in the home (:class:`SqliteItems`, the
default) or, when ``server.database_url`` is set, the user's rows in PostgreSQL
(``os1.scale.schedule``); :meth:`Scheduler.open` picks it.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from os1.config import store_for
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
    max_attempts: int = 2

    @classmethod
    def from_row(cls, r: sqlite3.Row | Mapping[str, Any]) -> Item:
        return cls(r["id"], r["key"], r["kind"], json.loads(r["payload"]), r["due"], r["status"],
                   r["attempts"], r["result"], r["created"], r["max_attempts"])

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "key": self.key, "kind": self.kind, "payload": self.payload,
                "due": self.due, "status": self.status, "attempts": self.attempts,
                "result": self.result}


@dataclass
class HandlerContext:
    """What a handler gets besides its item: the scheduler (to schedule follow-ups), the clock,
    the home's database (None when the scheduler was given only a store), and whatever the
    caller put in ``extras`` (e.g. the Home)."""

    scheduler: Scheduler
    clock: Clock
    db: Database | None
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


Row = Mapping[str, Any]
ITEM_COLUMNS = ("id", "key", "kind", "payload", "due", "max_attempts", "created")


class ItemStore(Protocol):
    """Where one user's scheduled items are kept. Every state change is one conditional
    statement, so two schedulers on the same user (two processes, two servers) never both
    claim or settle the same item."""

    def add(self, row: dict[str, Any]) -> str:
        """Store a new pending item; when its key is taken, the id of the item that has it."""
    def get(self, item_id: str) -> Item | None: ...
    def by_key(self, key: str) -> Item | None: ...
    def pending(self, kind: str | None) -> list[Item]: ...
    def items(self, status: str | None, limit: int) -> list[Item]: ...
    def next_due(self, kinds: Sequence[str]) -> float | None: ...
    def cancel(self, item_id: str, finished: float) -> bool:
        """pending -> cancelled; False when the item is not pending (or not there)."""
    def running(self) -> list[Row]:
        """id, owner, lease_until, attempts and max_attempts of every running item."""
    def claim(self, now: float, kinds: Sequence[str], owner: str,
              lease_until: float) -> Item | None:
        """The first pending item due at ``now`` of one of ``kinds``, moved to running for
        ``owner`` (attempts counted); None when nothing is due or another claimer took it."""
    def settle(self, item_id: str, owner: str, status: str, result: str, *,
               due: float | None = None, finished: float | None = None) -> bool:
        """A running item held by ``owner`` moved to ``status`` (its owner cleared; ``due``
        and ``finished`` set when given); False when ``owner`` no longer holds it."""


class SqliteItems:
    def __init__(self, db: Database) -> None:
        self.db = db
        db.migrate("scheduler", SCHEMA)

    def _items(self, sql: str, args: Sequence[Any] = ()) -> list[Item]:
        return [Item.from_row(r) for r in self.db.query("SELECT * FROM schedule " + sql, args)]

    def add(self, row: dict[str, Any]) -> str:
        with self.db.transaction() as c:
            if row["key"] is not None:
                seen = c.execute("SELECT id FROM schedule WHERE key=?", (row["key"],)).fetchone()
                if seen:
                    return str(seen[0])
            c.execute(f"INSERT INTO schedule ({', '.join(ITEM_COLUMNS)}) "
                      f"VALUES ({', '.join('?' * len(ITEM_COLUMNS))})",
                      tuple(row[c] for c in ITEM_COLUMNS))
        return str(row["id"])

    def get(self, item_id: str) -> Item | None:
        found = self._items("WHERE id=?", (item_id,))
        return found[0] if found else None

    def by_key(self, key: str) -> Item | None:
        found = self._items("WHERE key=?", (key,))
        return found[0] if found else None

    def pending(self, kind: str | None) -> list[Item]:
        if kind:
            return self._items("WHERE status='pending' AND kind=? ORDER BY due, created", (kind,))
        return self._items("WHERE status='pending' ORDER BY due, created")

    def items(self, status: str | None, limit: int) -> list[Item]:
        if status:
            return self._items("WHERE status=? ORDER BY due DESC LIMIT ?", (status, limit))
        return self._items("ORDER BY due DESC LIMIT ?", (limit,))

    def next_due(self, kinds: Sequence[str]) -> float | None:
        marks = ",".join("?" * len(kinds))
        row = self.db.query(
            f"SELECT MIN(due) FROM schedule WHERE status='pending' AND kind IN ({marks})", kinds
        )
        return None if row[0][0] is None else float(row[0][0])

    def cancel(self, item_id: str, finished: float) -> bool:
        cur = self.db.execute(
            "UPDATE schedule SET status='cancelled', finished=? WHERE id=? AND status='pending'",
            (finished, item_id),
        )
        return cur.rowcount == 1

    def running(self) -> list[Row]:
        return [dict(r) for r in self.db.query(
            "SELECT id, owner, lease_until, attempts, max_attempts FROM schedule "
            "WHERE status='running'")]

    def claim(self, now: float, kinds: Sequence[str], owner: str,
              lease_until: float) -> Item | None:
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
                (owner, lease_until, now, row[0]),
            )
            claimed = c.execute("SELECT * FROM schedule WHERE id=?", (row[0],)).fetchone()
        return Item.from_row(claimed)

    def settle(self, item_id: str, owner: str, status: str, result: str, *,
               due: float | None = None, finished: float | None = None) -> bool:
        cur = self.db.execute(
            "UPDATE schedule SET status=?, result=?, owner='', due=COALESCE(?, due), "
            "finished=COALESCE(?, finished) WHERE id=? AND owner=? AND status='running'",
            (status, result, due, finished, item_id, owner),
        )
        return cur.rowcount == 1


def item_store(home: Any) -> ItemStore:
    """The store ``home`` (anything with ``config`` and ``db``; a Home, a SkillContext) points
    at: its user's rows in PostgreSQL when the config names a database
    (``server.database_url`` / OS1_DATABASE_URL), else SQLite in the home."""
    return store_for(home, SqliteItems, "os1.scale.schedule:PgItems")


class Scheduler:
    def __init__(self, store: Database | ItemStore, clock: Clock,
                 extras: dict[str, Any] | None = None, *, db: Database | None = None) -> None:
        self.store: ItemStore = SqliteItems(store) if isinstance(store, Database) else store
        self.db = store if isinstance(store, Database) else db
        self.clock = clock
        self.extras = extras or {}
        self.handlers: dict[str, Handler] = {}
        self.owner = _owner_token()

    @classmethod
    def open(cls, home: Any, clock: Clock, extras: dict[str, Any] | None = None) -> Scheduler:
        """The scheduler of ``home`` on the store its config chooses (see :func:`item_store`).
        A SkillContext works too (its ``extras["home"]`` when it has one); a bare Database
        has no config, so it is the SQLite store."""
        if isinstance(home, Database):
            return cls(home, clock, extras)
        where = getattr(home, "extras", {}).get("home", home)
        return cls(item_store(where), clock, extras, db=where.db)

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
        return self.store.add({"id": new_id("j"), "key": key, "kind": kind, "payload": body,
                               "due": float(due), "max_attempts": max(1, max_attempts),
                               "created": self.clock.now()})

    def cancel(self, item_id: str) -> None:
        if not self.store.cancel(item_id, self.clock.now()):
            item = self.get(item_id)
            raise InputError(f"Item {item_id} is already {item.status}; it cannot be cancelled.")

    def get(self, item_id: str) -> Item:
        item = self.store.get(item_id)
        if item is None:
            raise NotFoundError(f"Nothing is scheduled with id {item_id}.")
        return item

    def by_key(self, key: str) -> Item | None:
        return self.store.by_key(key)

    def pending(self, kind: str | None = None) -> list[Item]:
        return self.store.pending(kind)

    def items(self, status: str | None = None, limit: int = 200) -> list[Item]:
        return self.store.items(status, limit)

    def next_due(self) -> float | None:
        kinds = list(self.handlers)
        return self.store.next_due(kinds) if kinds else None

    # running -------------------------------------------------------------------------
    def register_handler(self, kind: str, fn: Handler) -> None:
        self.handlers[kind] = fn

    def recover(self) -> list[str]:
        """Put back items left ``running`` by a process that died; give up after the 2nd time.

        Returns the ids put back. Called by :meth:`run_due`, so a restart needs nothing else.
        """
        put_back: list[str] = []
        for r in self.store.running():
            alive = _owner_alive(r["owner"])
            if alive or (alive is None and r["lease_until"] > time.time()):
                continue
            if r["attempts"] < r["max_attempts"]:
                if self.store.settle(r["id"], r["owner"], "pending", "interrupted; retrying"):
                    put_back.append(r["id"])
            else:
                self.store.settle(r["id"], r["owner"], "failed",
                                  "interrupted twice; not retried again",
                                  finished=self.clock.now())
        return put_back

    def _claim(self, now: float) -> Item | None:
        kinds = list(self.handlers)
        if not kinds:
            return None
        return self.store.claim(now, kinds, self.owner, time.time() + LEASE_S)

    def _finish(self, item: Item, status: str, result: str, now: float) -> str:
        if status == "failed" and item.attempts < item.max_attempts:
            # Try again later rather than hammering a failing peer every tick.
            self.store.settle(item.id, self.owner, "pending", result,
                              due=now + 300.0 * item.attempts)
            return "retry"
        self.store.settle(item.id, self.owner, status, result, finished=now)
        return status

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
