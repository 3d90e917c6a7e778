"""Approvals, standing rules and the audit log.

Every side-effecting tool call goes through :meth:`Actions.request`. It runs at once only
when a standing rule covers it or the caller's interactive ``confirm`` says yes; otherwise it
waits in the queue until ``approve``. Every run is written to the audit log with its reason and
the approval or rule that allowed it. All of it lives in SQLite, so a pending approval
survives a crash or kill -9 and a decided one is never run twice.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

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


class Actions:
    def __init__(self, db: Database, tools: dict[str, Tool], ctx: SkillContext) -> None:
        self.db = db
        self.tools = tools
        self.ctx = ctx
        db.migrate("approvals", SCHEMA)

    # rules ---------------------------------------------------------------------------
    def add_rule(self, tool: str, match: dict[str, Any], description: str) -> str:
        if tool not in self.tools:
            raise NotFoundError(f"There is no tool called '{tool}'; see 'os1 rules --help'.")
        rid = new_id("r")
        self.db.execute(
            "INSERT INTO rules VALUES (?, ?, ?, ?, ?)",
            (rid, tool, json.dumps(match, sort_keys=True), description, now()),
        )
        return rid

    def rules(self) -> list[sqlite3.Row]:
        return self.db.query("SELECT * FROM rules ORDER BY created")

    def remove_rule(self, rule_id: str) -> None:
        if not self.db.execute("DELETE FROM rules WHERE id=?", (rule_id,)).rowcount:
            raise NotFoundError(f"No standing rule {rule_id}; 'os1 rules list' shows them.")

    def matching_rule(self, tool: str, args: dict[str, Any]) -> str | None:
        for r in self.db.query("SELECT id, match FROM rules WHERE tool=?", (tool,)):
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
            seen = self.db.query("SELECT id, status, result FROM approvals WHERE key=?", (key,))
            if seen:
                return Outcome(seen[0]["status"], seen[0]["result"], seen[0]["id"])
        aid = new_id("a")
        cur = self.db.execute(
            "INSERT OR IGNORE INTO approvals "
            "(id, tool, arguments, reason, summary, origin, created, key) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (aid, tool_name, json.dumps(args), reason, tool.summarize(args), origin, now(), key),
        )
        if cur.rowcount != 1:  # a concurrent request with the same key won the insert
            return await self.request(tool_name, args, reason, origin=origin, key=key)
        rule = self.matching_rule(tool_name, args)
        if rule:
            return await self._run(aid, f"rule:{rule}")
        if confirm is not None:
            if await confirm(tool.summarize(args)):
                return await self._run(aid, "interactive")
            self._decide(aid, "rejected")
            return Outcome("rejected", "", aid)
        return Outcome("pending", "", aid)

    def pending(self) -> list[sqlite3.Row]:
        return self.db.query("SELECT * FROM approvals WHERE status='pending' ORDER BY created")

    def get(self, aid: str) -> sqlite3.Row:
        rows = self.db.query("SELECT * FROM approvals WHERE id=?", (aid,))
        if not rows:
            raise NotFoundError(f"No approval {aid}; 'os1 approvals' lists pending ones.")
        return rows[0]

    def _decide(self, aid: str, status: str) -> bool:
        cur = self.db.execute(
            "UPDATE approvals SET status=?, decided=? WHERE id=? AND status='pending'",
            (status, now(), aid),
        )
        return cur.rowcount == 1

    async def approve(self, aid: str) -> Outcome:
        row = self.get(aid)
        if row["status"] != "pending":
            raise ApprovalDenied(f"Approval {aid} is already {row['status']}; nothing was run.")
        return await self._run(aid, "approval")

    def reject(self, aid: str) -> None:
        row = self.get(aid)
        if not self._decide(aid, "rejected"):
            raise ApprovalDenied(f"Approval {aid} is already {row['status']}.")

    async def _run(self, aid: str, allowed_by: str) -> Outcome:
        # Claim atomically: only one caller moves pending -> running, so nothing runs twice.
        cur = self.db.execute(
            "UPDATE approvals SET status='running', decided=? WHERE id=? AND status='pending'",
            (now(), aid),
        )
        if cur.rowcount != 1:
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
        with self.db.transaction() as c:
            c.execute("UPDATE approvals SET status=?, result=? WHERE id=?", (status, result, aid))
            c.execute(
                "INSERT INTO audit VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    new_id("l"),
                    now(),
                    row["tool"],
                    row["arguments"],
                    row["reason"],
                    f"{allowed_by}:{aid}",
                    status,
                    result,
                ),
            )
        return Outcome(status, result, aid, allowed_by)

    def interrupted(self, older_than_s: float = 600.0) -> list[sqlite3.Row]:
        """Actions left 'running' (the process died mid-action). They are never re-run on
        their own: an outward action may or may not have happened, so the user decides."""
        return self.db.query(
            "SELECT * FROM approvals WHERE status='running' AND decided < ? ORDER BY decided",
            (now() - older_than_s,),
        )

    def decided(self, limit: int = 20) -> list[sqlite3.Row]:
        return self.db.query(
            "SELECT * FROM approvals WHERE status!='pending' ORDER BY decided DESC LIMIT ?",
            (limit,),
        )

    def rule(self, rule_id: str) -> sqlite3.Row | None:
        rows = self.db.query("SELECT * FROM rules WHERE id=?", (rule_id,))
        return rows[0] if rows else None

    def audit(self, limit: int = 100) -> list[sqlite3.Row]:
        return self.db.query("SELECT * FROM audit ORDER BY ts DESC LIMIT ?", (limit,))
