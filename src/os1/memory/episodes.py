"""Episodic log: every session and turn, stored once acknowledged and never silently lost."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from os1.db import Database, new_id, now

SCHEMA = [
    """
    CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        started REAL NOT NULL,
        ended REAL,
        title TEXT NOT NULL DEFAULT '',
        channel TEXT NOT NULL DEFAULT 'chat'
    );
    CREATE TABLE turns (
        id TEXT PRIMARY KEY,
        session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        speaker TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('user', 'assistant', 'other')),
        text TEXT NOT NULL,
        created REAL NOT NULL,
        UNIQUE (session_id, seq)
    );
    CREATE INDEX turns_created ON turns(created);
    CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
]


@dataclass(frozen=True)
class Turn:
    id: str
    session_id: str
    seq: int
    speaker: str
    role: str
    text: str
    created: float

    @classmethod
    def from_row(cls, r: sqlite3.Row) -> Turn:
        return cls(
            r["id"], r["session_id"], r["seq"], r["speaker"], r["role"], r["text"], r["created"]
        )


class Episodes:
    def __init__(self, db: Database) -> None:
        self.db = db
        db.migrate("episodes", SCHEMA)

    # sessions -------------------------------------------------------------------------
    def new_session(
        self, channel: str = "chat", started: float | None = None, session_id: str | None = None
    ) -> str:
        sid = session_id or new_id("s")
        self.db.execute(
            "INSERT INTO sessions (id, started, channel) VALUES (?, ?, ?)",
            (sid, started or now(), channel),
        )
        self.set("current_session", sid)
        return sid

    def current_session(self) -> str:
        sid = self.get("current_session")
        if sid and self.db.query("SELECT 1 FROM sessions WHERE id=?", (sid,)):
            return sid
        return self.new_session()

    def end_session(self, sid: str) -> None:
        self.db.execute("UPDATE sessions SET ended=? WHERE id=? AND ended IS NULL", (now(), sid))

    def sessions(self) -> list[sqlite3.Row]:
        return self.db.query("SELECT * FROM sessions ORDER BY started")

    # turns ----------------------------------------------------------------------------
    def add_turn(
        self,
        session_id: str,
        role: str,
        text: str,
        speaker: str = "",
        created: float | None = None,
        turn_id: str | None = None,
    ) -> Turn:
        tid = turn_id or new_id("t")
        ts = created or now()
        with self.db.transaction() as c:
            seq = c.execute(
                "SELECT COALESCE(MAX(seq), 0) + 1 FROM turns WHERE session_id=?", (session_id,)
            ).fetchone()[0]
            c.execute(
                "INSERT INTO turns (id, session_id, seq, speaker, role, text, created) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (tid, session_id, seq, speaker or role, role, text, ts),
            )
        return Turn(tid, session_id, seq, speaker or role, role, text, ts)

    def turns(self, session_id: str, last: int | None = None) -> list[Turn]:
        if last is None:
            rows = self.db.query(
                "SELECT * FROM turns WHERE session_id=? ORDER BY seq", (session_id,)
            )
        else:
            rows = self.db.query(
                "SELECT * FROM (SELECT * FROM turns WHERE session_id=? ORDER BY seq DESC LIMIT ?) "
                "ORDER BY seq",
                (session_id, last),
            )
        return [Turn.from_row(r) for r in rows]

    def turn(self, turn_id: str) -> Turn | None:
        rows = self.db.query("SELECT * FROM turns WHERE id=?", (turn_id,))
        return Turn.from_row(rows[0]) if rows else None

    def after(self, turn: Turn) -> list[Turn]:
        """The stored turns that followed ``turn`` in its session (its reply first)."""
        return [t for t in self.turns(turn.session_id) if t.seq > turn.seq]

    def count_turns(self) -> int:
        return int(self.db.query("SELECT COUNT(*) FROM turns")[0][0])

    # small key-value state ------------------------------------------------------------
    def get(self, key: str) -> str | None:
        rows = self.db.query("SELECT value FROM kv WHERE key=?", (key,))
        return str(rows[0][0]) if rows else None

    def set(self, key: str, value: str) -> None:
        self.db.execute(
            "INSERT INTO kv (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value=excluded.value",
            (key, value),
        )
