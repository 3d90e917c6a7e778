"""The undo journal: every reversible action a skill performs is recorded here, and ``os1 undo``
reverts the most recent one through the reverter registered for its kind.

A kind is ``"<skill>.<verb>"`` (``"mail.move"``, later ``"calendar.delete"``). Skills register
a reverter with :func:`register_reverter` when their package is imported; if none is registered
yet for a kind, ``os1.skills.<skill>`` is imported to give it the chance. Entries are claimed
atomically before reverting, so one action is never undone twice.

:class:`JournalStore` is the seam: :class:`SqliteJournal` keeps the entries in the home's
SQLite file (the default), ``os1.scale.journal.PgJournal`` in PostgreSQL keyed by user when
``server.database_url`` is set, so an action recorded through one home (a server, a worker) is
undone through any home of the user. :meth:`UndoJournal.open` picks it.
Imports os1.config, os1.db, os1.errors and os1.skills.base only.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import sqlite3
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

from os1.config import store_for
from os1.db import Database, new_id, now
from os1.errors import NotFoundError
from os1.skills.base import SkillContext, Tool

SCHEMA = [
    """
    CREATE TABLE undo_journal (
        id TEXT PRIMARY KEY,
        ts REAL NOT NULL,
        kind TEXT NOT NULL,
        summary TEXT NOT NULL,
        payload TEXT NOT NULL,
        undone REAL
    );
    CREATE INDEX undo_journal_ts ON undo_journal(ts);
    """,
]
# An entry: id, ts, kind, summary, payload (JSON text) and undone (when, or None).
Entry = sqlite3.Row | Mapping[str, Any]

Reverter = Callable[[dict[str, Any], SkillContext], Awaitable[str]]
_REVERTERS: dict[str, Reverter] = {}


def register_reverter(kind: str, fn: Reverter) -> None:
    """Say how to undo actions of ``kind``; the function returns one sentence for the user."""
    _REVERTERS[kind] = fn


def reverter_for(kind: str) -> Reverter:
    if kind not in _REVERTERS:
        skill = kind.split(".", 1)[0]
        with contextlib.suppress(ImportError):
            importlib.import_module(f"os1.skills.{skill}")
    fn = _REVERTERS.get(kind)
    if fn is None:
        raise NotFoundError(f"os1 does not know how to undo a '{kind}' action.")
    return fn


class JournalStore(Protocol):
    def add(self, jid: str, ts: float, kind: str, summary: str, payload: str) -> None: ...

    def entries(self, limit: int, include_undone: bool) -> list[Entry]:
        """Newest first (the later recorded first among equal times)."""

    def get(self, jid: str) -> Entry | None: ...

    def claim(self, jid: str, ts: float) -> bool:
        """Mark ``jid`` undone at ``ts`` unless it already is, in one statement; False when it
        was, so two undos of one entry (in any processes) revert it once."""

    def release(self, jid: str) -> None:
        """Clear the undone mark: the revert failed, so the entry can be undone again."""


class SqliteJournal:
    def __init__(self, db: Database) -> None:
        self.db = db
        db.migrate("undo_journal", SCHEMA)

    def add(self, jid: str, ts: float, kind: str, summary: str, payload: str) -> None:
        self.db.execute(
            "INSERT INTO undo_journal (id, ts, kind, summary, payload) VALUES (?, ?, ?, ?, ?)",
            (jid, ts, kind, summary, payload),
        )

    def entries(self, limit: int, include_undone: bool) -> list[Entry]:
        where = "" if include_undone else "WHERE undone IS NULL"
        return list(self.db.query(
            f"SELECT * FROM undo_journal {where} ORDER BY ts DESC, rowid DESC LIMIT ?", (limit,)
        ))

    def get(self, jid: str) -> Entry | None:
        rows = self.db.query("SELECT * FROM undo_journal WHERE id=?", (jid,))
        return rows[0] if rows else None

    def claim(self, jid: str, ts: float) -> bool:
        return self.db.execute(
            "UPDATE undo_journal SET undone=? WHERE id=? AND undone IS NULL", (ts, jid)
        ).rowcount == 1

    def release(self, jid: str) -> None:
        self.db.execute("UPDATE undo_journal SET undone=NULL WHERE id=?", (jid,))


class UndoJournal:
    """``UndoJournal(db)`` is the SQLite store in a Database; :meth:`open` is the home's own."""

    def __init__(self, store: Database | JournalStore) -> None:
        self.store: JournalStore = SqliteJournal(store) if isinstance(store, Database) else store

    @classmethod
    def open(cls, where: Any) -> UndoJournal:
        """The journal of ``where`` (a Home, or a SkillContext with ``extras["home"]``): its
        user's rows in PostgreSQL when the config names a database (server.database_url /
        OS1_DATABASE_URL), else the home's SQLite file."""
        return cls(store_for(where, SqliteJournal, "os1.scale.journal:PgJournal"))

    def record(self, kind: str, payload: dict[str, Any], summary: str = "") -> str:
        """Write one reversible action; ``payload`` must be JSON and hold no secrets."""
        jid = new_id("u")
        self.store.add(jid, now(), kind, summary or kind, json.dumps(payload))
        return jid

    def entries(self, limit: int = 20, include_undone: bool = False) -> list[Entry]:
        return self.store.entries(limit, include_undone)

    def get(self, jid: str | None = None) -> Entry:
        if jid:
            row = self.store.get(jid)
            if row is None:
                raise NotFoundError(f"No journal entry {jid}; 'os1 undo --list' shows them.")
            return row
        rows = self.entries(limit=1)
        if not rows:
            raise NotFoundError("There is nothing to undo.")
        return rows[0]

    async def undo(self, ctx: SkillContext, jid: str | None = None) -> str:
        """Revert entry ``jid`` (default: the latest not yet undone); returns a sentence."""
        row = self.get(jid)
        fn = reverter_for(row["kind"])
        if not self.store.claim(row["id"], now()):
            raise NotFoundError(f"'{row['summary']}' was already undone.")
        try:
            return await fn(json.loads(row["payload"]), ctx)
        except BaseException:
            self.store.release(row["id"])
            raise


def _undo_summary(args: dict[str, Any]) -> str:
    return f"Undo journal entry {args['id']}" if args.get("id") else "Undo the last action"


async def _run_undo(args: dict[str, Any], ctx: SkillContext) -> str:
    return await UndoJournal.open(ctx).undo(ctx, args.get("id") or None)


UNDO_TOOL = Tool(
    name="undo_last",
    description="Undo the most recent reversible action os1 took (a mail move, archive, flag).",
    parameters={
        "type": "object",
        "properties": {"id": {"type": "string", "description": "journal entry; empty = last"}},
    },
    side_effects=True,
    run=_run_undo,
    summarize=_undo_summary,
)


def register_tools(tools: dict[str, Any]) -> None:
    tools[UNDO_TOOL.name] = UNDO_TOOL
