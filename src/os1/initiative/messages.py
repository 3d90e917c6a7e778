"""The inbox of things os1 says on its own initiative: briefings, reminders, check-ins.

Each message carries the reason os1 had for saying it. ``post`` is idempotent on ``key`` (the
scheduler item id), so a handler re-run after a crash never says the same thing twice.

:class:`MessageStore` is the seam: :class:`SqliteMessages` keeps the messages in the home's
SQLite file (the default), ``os1.scale.messages.PgMessages`` in PostgreSQL keyed by user when
``server.database_url`` is set, so a message posted through one home (a worker, another
server) is seen through every home of the user. :meth:`Inbox.open` picks it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from os1.config import store_for
from os1.db import Database, new_id

SCHEMA = [
    """
    CREATE TABLE initiative_messages (
        id TEXT PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        text TEXT NOT NULL,
        reason TEXT NOT NULL,
        approval_id TEXT NOT NULL DEFAULT '',
        created REAL NOT NULL,
        seen INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX initiative_messages_created ON initiative_messages(created);
    """,
]
COLUMNS = ("id", "key", "kind", "text", "reason", "approval_id", "created")


@dataclass(frozen=True)
class InitiativeMessage:
    id: str
    key: str
    kind: str
    text: str
    reason: str
    approval_id: str
    created: float
    seen: bool

    @classmethod
    def from_row(cls, r: Mapping[str, Any] | sqlite3.Row) -> InitiativeMessage:
        return cls(r["id"], r["key"], r["kind"], r["text"], r["reason"], r["approval_id"],
                   r["created"], bool(r["seen"]))

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class MessageStore(Protocol):
    def add(self, msg: InitiativeMessage) -> bool:
        """Store ``msg``; False when a message with its key is there already."""

    def recent(self, limit: int, unseen_only: bool) -> list[InitiativeMessage]:
        """Newest first (the later posted first among equal times)."""

    def by_key(self, key: str) -> InitiativeMessage | None: ...
    def since(self, ts: float) -> list[InitiativeMessage]:
        """Oldest first."""

    def mark_seen(self, ids: list[str]) -> None: ...
    def count(self, key_prefix: str) -> int: ...


class SqliteMessages:
    def __init__(self, db: Database) -> None:
        self.db = db
        db.migrate("initiative_messages", SCHEMA)

    def add(self, msg: InitiativeMessage) -> bool:
        cur = self.db.execute(
            f"INSERT OR IGNORE INTO initiative_messages ({', '.join(COLUMNS)}) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)", tuple(getattr(msg, c) for c in COLUMNS))
        return cur.rowcount == 1

    def recent(self, limit: int, unseen_only: bool) -> list[InitiativeMessage]:
        where = "WHERE seen=0" if unseen_only else ""
        rows = self.db.query(
            f"SELECT * FROM initiative_messages {where} ORDER BY created DESC, rowid DESC LIMIT ?",
            (limit,),
        )
        return [InitiativeMessage.from_row(r) for r in rows]

    def by_key(self, key: str) -> InitiativeMessage | None:
        rows = self.db.query("SELECT * FROM initiative_messages WHERE key=?", (key,))
        return InitiativeMessage.from_row(rows[0]) if rows else None

    def since(self, ts: float) -> list[InitiativeMessage]:
        rows = self.db.query(
            "SELECT * FROM initiative_messages WHERE created>=? ORDER BY created, rowid", (ts,)
        )
        return [InitiativeMessage.from_row(r) for r in rows]

    def mark_seen(self, ids: list[str]) -> None:
        with self.db.transaction() as c:
            c.executemany("UPDATE initiative_messages SET seen=1 WHERE id=?", [(i,) for i in ids])

    def count(self, key_prefix: str) -> int:
        rows = self.db.query(
            "SELECT COUNT(*) FROM initiative_messages WHERE key LIKE ?", (key_prefix + "%",)
        )
        return int(rows[0][0])


class Inbox:
    """``Inbox(db)`` is the SQLite store in a Database; :meth:`open` is the home's own."""

    def __init__(self, store: Database | MessageStore) -> None:
        self.store: MessageStore = SqliteMessages(store) if isinstance(store, Database) else store

    @classmethod
    def open(cls, home: Any) -> Inbox:
        """The inbox of ``home`` (a Home, or a SkillContext with ``extras["home"]``): its
        user's rows in PostgreSQL when the config names a database (server.database_url /
        OS1_DATABASE_URL), else the home's SQLite file."""
        return cls(store_for(home, SqliteMessages, "os1.scale.messages:PgMessages"))

    def post(
        self, key: str, kind: str, text: str, reason: str, created: float,
        approval_id: str = "",
    ) -> InitiativeMessage | None:
        """Store a message; None when one with this key was already posted."""
        msg = InitiativeMessage(new_id("m"), key, kind, text, reason, approval_id, created,
                                False)
        return msg if self.store.add(msg) else None

    def recent(self, limit: int = 20, unseen_only: bool = False) -> list[InitiativeMessage]:
        return self.store.recent(limit, unseen_only)

    def by_key(self, key: str) -> InitiativeMessage | None:
        return self.store.by_key(key)

    def since(self, ts: float) -> list[InitiativeMessage]:
        return self.store.since(ts)

    def mark_seen(self, ids: list[str]) -> None:
        if ids:
            self.store.mark_seen(ids)

    def count(self, key_prefix: str = "") -> int:
        return self.store.count(key_prefix)
