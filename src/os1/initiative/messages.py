"""The inbox of things os1 says on its own initiative: briefings, reminders, check-ins.

Each message carries the reason os1 had for saying it. ``post`` is idempotent on ``key`` (the
scheduler item id), so a handler re-run after a crash never says the same thing twice.
"""

from __future__ import annotations

import sqlite3
from dataclasses import asdict, dataclass
from typing import Any

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
    def from_row(cls, r: sqlite3.Row) -> InitiativeMessage:
        return cls(r["id"], r["key"], r["kind"], r["text"], r["reason"], r["approval_id"],
                   r["created"], bool(r["seen"]))

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class Inbox:
    def __init__(self, db: Database) -> None:
        self.db = db
        db.migrate("initiative_messages", SCHEMA)

    def post(
        self, key: str, kind: str, text: str, reason: str, created: float,
        approval_id: str = "",
    ) -> InitiativeMessage | None:
        """Store a message; None when one with this key was already posted."""
        mid = new_id("m")
        cur = self.db.execute(
            "INSERT OR IGNORE INTO initiative_messages "
            "(id, key, kind, text, reason, approval_id, created) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (mid, key, kind, text, reason, approval_id, created),
        )
        if cur.rowcount != 1:
            return None
        return InitiativeMessage(mid, key, kind, text, reason, approval_id, created, False)

    def recent(self, limit: int = 20, unseen_only: bool = False) -> list[InitiativeMessage]:
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

    def count(self, key_prefix: str = "") -> int:
        rows = self.db.query(
            "SELECT COUNT(*) FROM initiative_messages WHERE key LIKE ?", (key_prefix + "%",)
        )
        return int(rows[0][0])
