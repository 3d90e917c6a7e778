"""Approvals, standing rules and the audit log: the same contract on SQLite and on PostgreSQL,
and, on PostgreSQL, an approval proposed in one process's view approved through another's
runs once.

The tool is ``write_note``, a test double for an outward action (it appends to a list, so
the test can count the runs).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from os1.config import Config
from os1.errors import ApprovalDenied, NotFoundError
from os1.initiative.approvals import Actions, SqliteApprovals
from os1.skills.base import SkillContext, Tool


class Home:
    def __init__(self, user_id: str) -> None:
        self.user_id = user_id


def note_tool(runs: list[dict[str, Any]]) -> Tool:
    async def run(args: dict[str, Any], ctx: SkillContext) -> str:
        runs.append(args)
        if args.get("fail"):
            raise RuntimeError("the note could not be written")
        return f"noted {args.get('text', '')}"

    return Tool("write_note", "Test double for an outward action.", {"type": "object"}, True,
                run, summarize=lambda a: f"Write the note {a.get('text', '')!r}")


def read_tool() -> Tool:
    async def run(args: dict[str, Any], ctx: SkillContext) -> str:
        return "read it"

    return Tool("read_note", "Reads; changes nothing.", {"type": "object"}, False, run)


@pytest.fixture(params=["sqlite", "postgres"])
def opener(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """Makes Actions the way os1 does (Actions.open from a skill context) for one user;
    every call is another view on the same stored state, like another process."""
    runs: list[dict[str, Any]] = []
    tools = {"write_note": note_tool(runs), "read_note": read_tool()}
    cfg = Config()
    cfg.home = tmp_path
    user = f"u{uuid.uuid4().hex[:12]}"
    if request.param == "postgres":
        cfg.server.database_url = request.getfixturevalue("pg_url")
    from os1.db import Database

    db = Database(tmp_path / "os1.db")

    def make() -> Actions:
        ctx = SkillContext(config=cfg, db=db, extras={"home": Home(user)})
        return Actions.open(tools, ctx)

    make.runs = runs  # type: ignore[attr-defined]
    make.kind = request.param  # type: ignore[attr-defined]
    yield make
    db.close()


def test_open_picks_the_store_from_the_config(opener: Any) -> None:
    store = opener().store
    if opener.kind == "sqlite":
        assert isinstance(store, SqliteApprovals)
    else:
        from os1.scale.approvals import PgApprovals

        assert isinstance(store, PgApprovals)


async def test_a_proposal_waits_then_runs_once_with_its_audit(opener: Any) -> None:
    actions = opener()
    out = await actions.request("write_note", {"text": "hello"}, "you asked me to")
    assert out.status == "pending" and opener.runs == []
    (row,) = opener().pending()
    assert row["id"] == out.approval_id and row["summary"] == "Write the note 'hello'"
    done = await opener().approve(out.approval_id)
    assert (done.status, done.result) == ("done", "noted hello")
    assert opener.runs == [{"text": "hello"}]
    with pytest.raises(ApprovalDenied):
        await opener().approve(out.approval_id)
    assert len(opener.runs) == 1
    (entry,) = opener().audit()
    assert entry["tool"] == "write_note" and entry["outcome"] == "done"
    assert entry["allowed_by"] == f"approval:{out.approval_id}"
    assert entry["reason"] == "you asked me to"
    assert [r["status"] for r in opener().decided()] == ["done"]
    assert opener().pending() == []


async def test_two_approvals_at_once_run_the_action_once(opener: Any) -> None:
    out = await opener().request("write_note", {"text": "once"}, "a test")
    results = await asyncio.gather(opener().approve(out.approval_id),
                                   opener().approve(out.approval_id), return_exceptions=True)
    assert sum(isinstance(r, ApprovalDenied) for r in results) == 1
    assert opener.runs == [{"text": "once"}]


async def test_reject_and_failure_are_recorded(opener: Any) -> None:
    no = await opener().request("write_note", {"text": "no"}, "a test")
    opener().reject(no.approval_id)
    assert opener().get(no.approval_id)["status"] == "rejected"
    with pytest.raises(ApprovalDenied):
        await opener().approve(no.approval_id)
    bad = await opener().request("write_note", {"text": "x", "fail": True}, "a test")
    out = await opener().approve(bad.approval_id)
    assert out.status == "failed" and "could not be written" in out.result
    assert opener().audit()[0]["outcome"] == "failed"
    with pytest.raises(NotFoundError):
        opener().get("a-missing")


async def test_a_standing_rule_runs_what_it_covers_and_nothing_else(opener: Any) -> None:
    rid = opener().add_rule("write_note", {"text": "tea"}, "always note tea")
    assert [r["description"] for r in opener().rules()] == ["always note tea"]
    assert opener().rule(rid)["tool"] == "write_note"
    covered = await opener().request("write_note", {"text": "tea"}, "a test")
    assert covered.status == "done" and covered.allowed_by == f"rule:{rid}"
    other = await opener().request("write_note", {"text": "coffee"}, "a test")
    assert other.status == "pending"
    opener().remove_rule(rid)
    assert opener().rules() == []
    with pytest.raises(NotFoundError):
        opener().remove_rule(rid)
    assert (await opener().request("write_note", {"text": "tea"}, "a test")).status == "pending"
    with pytest.raises(NotFoundError):
        opener().add_rule("no_such_tool", {}, "nothing")


async def test_a_keyed_request_is_queued_once(opener: Any) -> None:
    first = await opener().request("write_note", {"text": "k"}, "initiative", key="item-1")
    again = await opener().request("write_note", {"text": "k"}, "initiative", key="item-1")
    assert again.approval_id == first.approval_id and len(opener().pending()) == 1


async def test_read_only_tools_run_without_asking(opener: Any) -> None:
    out = await opener().request("read_note", {}, "a test")
    assert (out.status, out.result, out.allowed_by) == ("done", "read it", "read-only")
    assert opener().pending() == [] and opener().audit() == []


async def test_users_do_not_see_each_others_approvals(opener: Any, tmp_path: Path) -> None:
    mine = await opener().request("write_note", {"text": "mine"}, "a test")
    other = opener()
    other.ctx = SkillContext(config=other.ctx.config, db=other.ctx.db,
                             extras={"home": Home("someone-else")})
    theirs = Actions.open(other.tools, other.ctx)
    if opener.kind == "sqlite":
        return  # SQLite: one file per user, kept apart by the file system (test_isolation.py)
    assert theirs.pending() == []
    with pytest.raises(NotFoundError):
        await theirs.approve(mine.approval_id)
    assert opener.runs == []
