"""Approvals, standing rules and the audit log.

Every side-effecting tool call goes through :meth:`Actions.request`. It runs at once only
when a standing rule covers it or the caller's interactive ``confirm`` says yes; otherwise it
waits in the queue until ``approve``. Every run is written to the audit log with its reason and
the approval or rule that allowed it. All of it is stored (SQLite under the home; PostgreSQL,
``os1.scale.approvals``, when ``server.database_url`` is set), so a pending approval survives a
crash or kill -9 and a decided one is never run twice. ``Actions.open`` picks the store.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from os1.config import store_for
from os1.db import Database, new_id, now
from os1.errors import ApprovalDenied, NotFoundError
from os1.skills.base import SkillContext, Tool

SCHEMA = [
    """
    CREATE TABLE approvals (
        id TEXT PRIMARY KEY,
        tool TEXT NOT NULL,
        arguments TEXT NOT NULL,
        reason TEXT NOT NULL,
        summary TEXT NOT NULL,
        origin TEXT NOT NULL DEFAULT 'chat',
        status TEXT NOT NULL DEFAULT 'pending'
            CHECK (status IN ('pending', 'approved', 'running', 'done', 'failed', 'rejected')),
        result TEXT NOT NULL DEFAULT '',
        created REAL NOT NULL,
        decided REAL
    );
    CREATE TABLE rules (
        id TEXT PRIMARY KEY,
        tool TEXT NOT NULL,
        match TEXT NOT NULL DEFAULT '{}',
        description TEXT NOT NULL,
        created REAL NOT NULL
    );
    CREATE TABLE audit (
        id TEXT PRIMARY KEY,
        ts REAL NOT NULL,
        tool TEXT NOT NULL,
        arguments TEXT NOT NULL,
        reason TEXT NOT NULL,
        allowed_by TEXT NOT NULL,
        outcome TEXT NOT NULL,
        result TEXT NOT NULL
    );
    """,
    # Initiative proposals carry a key (the scheduler item id) so that a handler re-run after
    # a crash finds its proposal instead of queueing the same action twice.
    """
    ALTER TABLE approvals ADD COLUMN key TEXT;
    CREATE UNIQUE INDEX approvals_key ON approvals(key);
    """,
]

Confirm = Callable[[str], Awaitable[bool]]


@dataclass(frozen=True)
class Outcome:
    status: str  # "done" | "failed" | "pending" | "rejected"
    result: str
    approval_id: str
    allowed_by: str = ""


Row = Mapping[str, Any]


class ApprovalStore(Protocol):
    """Where approvals, standing rules and the audit log are kept (one user's)."""

    def add_rule(self, rule_id: str, tool: str, match: str, description: str,
                 created: float) -> None: ...
    def rules(self, tool: str | None = None) -> list[Row]: ...
    def rule(self, rule_id: str) -> Row | None: ...
    def remove_rule(self, rule_id: str) -> bool: ...
    def by_key(self, key: str) -> Row | None: ...
    def insert(self, row: dict[str, Any]) -> bool:
        """Store a new pending approval; False when its key is taken already."""
    def get(self, aid: str) -> Row | None: ...
    def pending(self) -> list[Row]: ...
    def decided(self, limit: int) -> list[Row]: ...
    def interrupted(self, before: float) -> list[Row]: ...
    def move(self, aid: str, status: str, decided: float) -> bool:
        """pending -> ``status``, atomically: True only for the one caller that moved it."""
    def finish(self, aid: str, status: str, result: str, audit: dict[str, Any]) -> None:
        """The outcome and its audit entry, together or not at all."""
    def audit(self, limit: int) -> list[Row]: ...


APPROVAL_COLUMNS = ("id", "tool", "arguments", "reason", "summary", "origin", "created", "key")
AUDIT_COLUMNS = ("id", "ts", "tool", "arguments", "reason", "allowed_by", "outcome", "result")


def _dicts(rows: list[sqlite3.Row]) -> list[Row]:
    return [dict(r) for r in rows]


class SqliteApprovals:
    def __init__(self, db: Database) -> None:
        self.db = db
        db.migrate("approvals", SCHEMA)

    def add_rule(self, rule_id: str, tool: str, match: str, description: str,
                 created: float) -> None:
        self.db.execute("INSERT INTO rules VALUES (?, ?, ?, ?, ?)",
                        (rule_id, tool, match, description, created))

    def rules(self, tool: str | None = None) -> list[Row]:
        if tool is None:
            return _dicts(self.db.query("SELECT * FROM rules ORDER BY created"))
        return _dicts(self.db.query("SELECT * FROM rules WHERE tool=? ORDER BY created", (tool,)))

    def rule(self, rule_id: str) -> Row | None:
        rows = _dicts(self.db.query("SELECT * FROM rules WHERE id=?", (rule_id,)))
        return rows[0] if rows else None

    def remove_rule(self, rule_id: str) -> bool:
        return bool(self.db.execute("DELETE FROM rules WHERE id=?", (rule_id,)).rowcount)

    def by_key(self, key: str) -> Row | None:
        rows = _dicts(self.db.query("SELECT * FROM approvals WHERE key=?", (key,)))
        return rows[0] if rows else None

    def insert(self, row: dict[str, Any]) -> bool:
        cur = self.db.execute(
            f"INSERT OR IGNORE INTO approvals ({', '.join(APPROVAL_COLUMNS)}) "
            f"VALUES ({', '.join('?' * len(APPROVAL_COLUMNS))})",
            tuple(row[c] for c in APPROVAL_COLUMNS),
        )
        return cur.rowcount == 1

    def get(self, aid: str) -> Row | None:
        rows = _dicts(self.db.query("SELECT * FROM approvals WHERE id=?", (aid,)))
        return rows[0] if rows else None

    def pending(self) -> list[Row]:
        return _dicts(self.db.query(
            "SELECT * FROM approvals WHERE status='pending' ORDER BY created"))

    def decided(self, limit: int) -> list[Row]:
        return _dicts(self.db.query(
            "SELECT * FROM approvals WHERE status!='pending' ORDER BY decided DESC LIMIT ?",
            (limit,)))

    def interrupted(self, before: float) -> list[Row]:
        return _dicts(self.db.query(
            "SELECT * FROM approvals WHERE status='running' AND decided < ? ORDER BY decided",
            (before,)))

    def move(self, aid: str, status: str, decided: float) -> bool:
        cur = self.db.execute(
            "UPDATE approvals SET status=?, decided=? WHERE id=? AND status='pending'",
            (status, decided, aid))
        return cur.rowcount == 1

    def finish(self, aid: str, status: str, result: str, audit: dict[str, Any]) -> None:
        with self.db.transaction() as c:
            c.execute("UPDATE approvals SET status=?, result=? WHERE id=?", (status, result, aid))
            c.execute(f"INSERT INTO audit ({', '.join(AUDIT_COLUMNS)}) "
                      f"VALUES ({', '.join('?' * len(AUDIT_COLUMNS))})",
                      tuple(audit[c] for c in AUDIT_COLUMNS))

    def audit(self, limit: int) -> list[Row]:
        return _dicts(self.db.query("SELECT * FROM audit ORDER BY ts DESC LIMIT ?", (limit,)))


def approval_store(ctx: SkillContext) -> ApprovalStore:
    """The store ``ctx`` points at: the user's rows in PostgreSQL when the config names a
    database (``server.database_url`` / OS1_DATABASE_URL), else SQLite in the home."""
    return store_for(ctx, SqliteApprovals, "os1.scale.approvals:PgApprovals")


class Actions:
    def __init__(self, store: Database | ApprovalStore, tools: dict[str, Tool],
                 ctx: SkillContext) -> None:
        self.store: ApprovalStore = (
            SqliteApprovals(store) if isinstance(store, Database) else store
        )
        self.tools = tools
        self.ctx = ctx

    @classmethod
    def open(cls, tools: dict[str, Tool], ctx: SkillContext) -> Actions:
        """Actions on the store the context's config chooses (see :func:`approval_store`)."""
        return cls(approval_store(ctx), tools, ctx)

    # rules ---------------------------------------------------------------------------
    def add_rule(self, tool: str, match: dict[str, Any], description: str) -> str:
        if tool not in self.tools:
            raise NotFoundError(f"There is no tool called '{tool}'; see 'os1 rules --help'.")
        rid = new_id("r")
        self.store.add_rule(rid, tool, json.dumps(match, sort_keys=True), description, now())
        return rid

    def rules(self) -> list[Row]:
        return self.store.rules()

    def remove_rule(self, rule_id: str) -> None:
        if not self.store.remove_rule(rule_id):
            raise NotFoundError(f"No standing rule {rule_id}; 'os1 rules list' shows them.")

    def matching_rule(self, tool: str, args: dict[str, Any]) -> str | None:
        for r in self.store.rules(tool):
            want = json.loads(r["match"])
            if all(args.get(k) == v for k, v in want.items()):
                return str(r["id"])
        return None

    # requests ------------------------------------------------------------------------
    def _tool(self, name: str) -> Tool:
        tool = self.tools.get(name)
        if tool is None:
            raise NotFoundError(f"There is no tool called '{name}'.")
        return tool

    async def request(
        self,
        tool_name: str,
        args: dict[str, Any],
        reason: str,
        *,
        origin: str = "chat",
        confirm: Confirm | None = None,
        key: str | None = None,
    ) -> Outcome:
        """Run ``tool_name`` now if allowed, else queue it. With ``key``, asking again returns
        the first request's state and never queues or runs the action a second time."""
        tool = self._tool(tool_name)
        if not tool.side_effects:
            result = await tool.run(args, self.ctx)
            return Outcome("done", result, "", "read-only")
        if key is not None:
            seen = self.store.by_key(key)
            if seen is not None:
                return Outcome(seen["status"], seen["result"], seen["id"])
        aid = new_id("a")
        row = {"id": aid, "tool": tool_name, "arguments": json.dumps(args), "reason": reason,
               "summary": tool.summarize(args), "origin": origin, "created": now(), "key": key}
        if not self.store.insert(row):  # a concurrent request with the same key won the insert
            return await self.request(tool_name, args, reason, origin=origin, key=key)
        rule = self.matching_rule(tool_name, args)
        if rule:
            return await self._run(aid, f"rule:{rule}")
        if confirm is not None:
            if await confirm(tool.summarize(args)):
                return await self._run(aid, "interactive")
            self.store.move(aid, "rejected", now())
            return Outcome("rejected", "", aid)
        return Outcome("pending", "", aid)

    def pending(self) -> list[Row]:
        return self.store.pending()

    def get(self, aid: str) -> Row:
        row = self.store.get(aid)
        if row is None:
            raise NotFoundError(f"No approval {aid}; 'os1 approvals' lists pending ones.")
        return row

    async def approve(self, aid: str) -> Outcome:
        row = self.get(aid)
        if row["status"] != "pending":
            raise ApprovalDenied(f"Approval {aid} is already {row['status']}; nothing was run.")
        return await self._run(aid, "approval")

    def reject(self, aid: str) -> None:
        row = self.get(aid)
        if not self.store.move(aid, "rejected", now()):
            raise ApprovalDenied(f"Approval {aid} is already {row['status']}.")

    async def _run(self, aid: str, allowed_by: str) -> Outcome:
        # Claim atomically: only one caller moves pending -> running, so nothing runs twice.
        if not self.store.move(aid, "running", now()):
            raise ApprovalDenied(f"Approval {aid} was already decided; nothing was run.")
        row = self.get(aid)
        tool = self._tool(row["tool"])
        args = json.loads(row["arguments"])
        try:
            result = await tool.run(args, self.ctx)
            status = "done"
        except Exception as exc:
            result = str(exc)
            status = "failed"
        self.store.finish(aid, status, result, {
            "id": new_id("l"), "ts": now(), "tool": row["tool"], "arguments": row["arguments"],
            "reason": row["reason"], "allowed_by": f"{allowed_by}:{aid}", "outcome": status,
            "result": result,
        })
        return Outcome(status, result, aid, allowed_by)

    def interrupted(self, older_than_s: float = 600.0) -> list[Row]:
        """Actions left 'running' (the process died mid-action). They are never re-run on
        their own: an outward action may or may not have happened, so the user decides."""
        return self.store.interrupted(now() - older_than_s)

    def decided(self, limit: int = 20) -> list[Row]:
        return self.store.decided(limit)

    def rule(self, rule_id: str) -> Row | None:
        return self.store.rule(rule_id)

    def audit(self, limit: int = 100) -> list[Row]:
        return self.store.audit(limit)
