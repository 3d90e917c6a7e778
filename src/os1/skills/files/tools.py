"""File tidying tools: ``files_tidy_plan`` (read-only: scan, plan, store, show) and
``files_tidy`` (side effects: apply a stored plan; journaled, so ``os1 undo`` puts every file
back under its old name)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

from os1.db import Database, new_id, now
from os1.errors import InputError, NotFoundError
from os1.skills.base import SkillContext, Tool
from os1.skills.files.apply import TIDY_KIND, Progress, apply_plan, journal_payload, revert_plan
from os1.skills.files.dups import find_duplicates
from os1.skills.files.plan import Plan, make_plan
from os1.skills.files.render import render_plan, shown
from os1.skills.files.scan import Scan, scan

SCHEMA = [
    """
    CREATE TABLE tidy_plans (
        id TEXT PRIMARY KEY,
        root TEXT NOT NULL,
        created REAL NOT NULL,
        status TEXT NOT NULL DEFAULT 'planned' CHECK (status IN ('planned', 'applied')),
        moves INTEGER NOT NULL,
        payload TEXT NOT NULL
    );
    """,
]
GROUPINGS = ("kind", "date", "topic", "kind-date")


@dataclass
class TidyOptions:
    group_by: str = "kind"
    rename: bool = True
    include_hidden: bool = False
    top_level_only: bool = False
    near: bool = True


def check_root(path: str) -> str:
    root = os.path.realpath(os.path.expanduser(path))
    if not os.path.isdir(root):
        raise InputError(f"{shown(path)} is not a folder.")
    if root == os.path.dirname(root):
        raise InputError("os1 will not tidy the root of a disk; pick a folder inside it.")
    if not os.access(root, os.R_OK | os.W_OK | os.X_OK):
        raise InputError(f"{shown(root)} is not readable and writable by you; nothing to do.")
    return root


def build_plan(path: str, opts: TidyOptions, scan_progress: Progress | None = None,
               hash_progress: Progress | None = None) -> tuple[Plan, Scan, dict[str, Any]]:
    if opts.group_by not in GROUPINGS:
        raise InputError(f"Group by one of {', '.join(GROUPINGS)}, not '{opts.group_by}'.")
    root = check_root(path)
    found = scan(root, include_hidden=opts.include_hidden, top_level_only=opts.top_level_only,
                 progress=scan_progress)
    dups = find_duplicates(found.entries, root, near=opts.near, progress=hash_progress)
    found.unreadable += [f"{p} (could not be read)" for p in dups.unreadable]
    plan = make_plan(root, found.entries, dups, opts.group_by, opts.rename, set(found.dirs))
    payload = journal_payload(plan, {e.rel: e for e in found.entries}, found.dirs)
    return plan, found, payload


def save_plan(db: Database, payload: dict[str, Any]) -> str:
    db.migrate("files_tidy", SCHEMA)
    pid = new_id("t")
    db.execute("INSERT INTO tidy_plans (id, root, created, moves, payload) VALUES (?, ?, ?, ?, ?)",
               (pid, payload["root"], now(), len(payload["moves"]), json.dumps(payload)))
    return pid


def claim_plan(db: Database, pid: str) -> dict[str, Any]:
    """Take a stored plan for applying; a plan is applied at most once."""
    db.migrate("files_tidy", SCHEMA)
    rows = db.query("SELECT status, payload FROM tidy_plans WHERE id=?", (pid,))
    if not rows:
        raise NotFoundError(f"No tidy plan {pid}; run 'os1 files tidy DIR' to make one.")
    claimed = db.execute("UPDATE tidy_plans SET status='applied' WHERE id=? AND status='planned'",
                         (pid,)).rowcount
    if claimed != 1:
        raise InputError(f"Tidy plan {pid} was already applied; 'os1 undo' reverts it.")
    return dict(json.loads(rows[0]["payload"]))


def apply_and_journal(ctx: SkillContext, payload: dict[str, Any],
                      progress: Progress | None = None) -> str:
    from os1.skills.journal import UndoJournal

    if not payload["moves"]:
        return "Nothing to move: the folder is already tidy."
    UndoJournal.open(ctx).record(
        TIDY_KIND, payload, f"tidy {shown(payload['root'])} ({len(payload['moves'])} moves)")
    done = apply_plan(payload, progress)
    msg = f"Moved {done.moved} file(s) in {shown(payload['root'])}."
    if done.skipped:
        msg += (f" Left {len(done.skipped)} alone: " + "; ".join(shown(s) for s in
                                                               done.skipped[:5]) + ".")
    return msg + " 'os1 undo' puts everything back."


async def run_plan(args: dict[str, Any], ctx: SkillContext) -> str:
    opts = TidyOptions(group_by=str(args.get("group_by", "kind")),
                       include_hidden=bool(args.get("include_hidden", False)))
    plan, found, payload = build_plan(str(args["path"]), opts)
    pid = save_plan(ctx.db, payload)
    return render_plan(plan, found) + f"\nPlan {pid}: apply it with files_tidy plan={pid}."


async def run_tidy(args: dict[str, Any], ctx: SkillContext) -> str:
    if args.get("plan"):
        payload = claim_plan(ctx.db, str(args["plan"]))
    else:
        opts = TidyOptions(group_by=str(args.get("group_by", "kind")))
        payload = build_plan(str(args["path"]), opts)[2]
    return apply_and_journal(ctx, payload)


async def revert_tidy(payload: dict[str, Any], ctx: SkillContext) -> str:
    back, problems = revert_plan(payload)
    msg = f"Put {back} file(s) back where they were in {shown(payload['root'])}."
    if problems:
        msg += (f" {len(problems)} could not be: " + "; ".join(shown(p) for p in problems[:5])
                + ".")
    return msg


def _summary(a: dict[str, Any]) -> str:
    if a.get("plan"):
        return f"Apply tidy plan {a['plan']} (moves and renames files; undoable)"
    return f"Tidy {a.get('path')} by {a.get('group_by', 'kind')} (moves and renames; undoable)"


TOOLS = [
    Tool("files_tidy_plan", "Plan tidying a folder (nothing is moved): group files by kind, "
         "date or topic, clean names, set duplicates aside. Shows before/after.",
         {"type": "object", "properties": {
             "path": {"type": "string"},
             "group_by": {"type": "string", "enum": list(GROUPINGS)},
             "include_hidden": {"type": "boolean"}}, "required": ["path"]},
         False, run_plan),
    Tool("files_tidy", "Apply a tidy plan (by plan id) or tidy a folder; undoable with undo.",
         {"type": "object", "properties": {
             "plan": {"type": "string"}, "path": {"type": "string"},
             "group_by": {"type": "string", "enum": list(GROUPINGS)}}},
         True, run_tidy, _summary),
]
