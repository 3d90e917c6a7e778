"""The approvals, rules, log and daemon commands, run through the real Typer app."""

from __future__ import annotations

import asyncio
import json
import os
import pty
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from os1.cli.main import app
from os1.home import Home
from os1.initiative.approvals import Actions
from os1.plugins import registry
from os1.skills.base import SkillContext, Tool

runner = CliRunner()


@pytest.fixture
def notes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Register a real side-effecting tool (it writes files) the way a plugin would."""
    folder = tmp_path / "notes"
    folder.mkdir()

    async def run(args: dict[str, object], ctx: SkillContext) -> str:
        (folder / str(args["name"])).write_text("note", encoding="utf-8")
        return f"wrote {args['name']}"

    tool = Tool("write_note", "Write a note file.", {"type": "object"}, True, run,
                lambda a: f"write the note '{a['name']}'")
    monkeypatch.setitem(registry().tools, "write_note", tool)
    return folder


def propose(name: str, reason: str) -> str:
    home = Home.open()
    request = home.actions.request("write_note", {"name": name}, reason, origin="initiative")
    out = asyncio.run(request)
    home.close()
    return out.approval_id


def invoke(*args: str) -> tuple[int, str]:
    r = runner.invoke(app, list(args))
    return r.exit_code, r.output


def test_approve_reject_and_the_log_explains_why(notes: Path) -> None:
    a = propose("a.txt", "You asked me to keep notes.")
    b = propose("b.txt", "Tidying up.")
    code, out = invoke("approvals", "list")
    assert code == 0 and "write the note 'a.txt'" in out and "why: You asked me" in out
    listed = json.loads(invoke("approvals", "list", "--json")[1])
    assert [p["id"] for p in listed["pending"]] == [a, b]
    code, out = invoke("approvals", "approve", a)
    assert code == 0 and "wrote a.txt" in out and (notes / "a.txt").exists()
    code, out = invoke("approvals", "approve", a)
    assert code == 4 and "already done" in out  # never runs twice
    assert invoke("approvals", "reject", b)[0] == 0
    assert not (notes / "b.txt").exists()
    [entry] = json.loads(invoke("log", "--json")[1])
    assert entry["tool"] == "write_note" and entry["reason"] == "You asked me to keep notes."
    assert entry["allowed"] == f"your approval of {a}"
    code, out = invoke("log")
    assert "why: You asked me to keep notes.; allowed by your approval" in out


def test_rules_add_list_remove_and_rule_in_log(notes: Path) -> None:
    code, out = invoke("rules", "add", "write_note", "--match", "name=daily.txt",
                       "--why", "always write the daily note")
    assert code == 0, out
    [rule] = json.loads(invoke("rules", "list", "--json")[1])
    assert rule["match"] == {"name": "daily.txt"} and rule["tool"] == "write_note"
    propose("daily.txt", "It's the daily note.")  # runs at once under the rule
    assert (notes / "daily.txt").exists()
    propose("other.txt", "Not covered.")  # waits
    assert not (notes / "other.txt").exists()
    [entry] = json.loads(invoke("log", "--json")[1])
    assert entry["allowed"].startswith(f"standing rule {rule['id']} (always write the daily")
    assert invoke("rules", "remove", rule["id"])[0] == 0
    code, out = invoke("rules", "remove", rule["id"])
    assert code == 2 and "No standing rule" in out
    assert "No standing rules" in invoke("rules")[1]


def test_interactive_review_asks_for_each(
    notes: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os1.cli.approvals as cli_approvals

    a = propose("yes.txt", "one")
    b = propose("no.txt", "two")
    c = propose("later.txt", "three")
    monkeypatch.setattr(cli_approvals, "interactive", lambda: True)  # as on a terminal
    r = runner.invoke(app, ["approvals"], input="y\nn\ns\n")
    assert r.exit_code == 0, r.output
    assert (notes / "yes.txt").exists() and not (notes / "no.txt").exists()
    home = Home.open()
    assert [row["id"] for row in home.actions.pending()] == [c]
    assert home.actions.get(a)["status"] == "done" and home.actions.get(b)["status"] == "rejected"
    home.close()


def test_review_in_a_real_terminal(os1_home: Path, tmp_path: Path) -> None:
    """`os1 approvals` in a pseudo-terminal prompts; answering n rejects, s skips."""
    home = Home.open()
    tool = Tool("write_note", "", {}, True, lambda a, c: _never(), lambda a: f"note {a['n']}")
    actions = Actions(home.db, {"write_note": tool}, home.skill_context)

    first = asyncio.run(actions.request("write_note", {"n": 1}, "r1")).approval_id
    second = asyncio.run(actions.request("write_note", {"n": 2}, "r2")).approval_id
    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "os1.cli", "approvals"], stdin=follower,
                            stdout=follower, stderr=follower,
                            env={**os.environ, "OS1_HOME": str(os1_home)})
    os.close(follower)
    seen = _answer(leader, [b"n\n", b"s\n"])
    assert proc.wait(timeout=60) == 0, seen
    assert "Allow it?" in seen and "why: r1" in seen
    assert actions.get(first)["status"] == "rejected"
    assert actions.get(second)["status"] == "pending"
    home.close()


async def _never() -> str:
    raise AssertionError("a rejected or skipped request must not run")


def _answer(fd: int, answers: list[bytes]) -> str:
    """Read the terminal; type the next answer at each prompt. Gives up after 60 s."""
    seen = b""
    deadline = time.time() + 60
    while time.time() < deadline:
        ready, _, _ = select.select([fd], [], [], 1.0)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        seen += chunk
        plain = re.sub(rb"\x1b\[[0-9;?]*[A-Za-z]", b"", seen)
        if answers and plain.rstrip().endswith(b"(s):"):
            os.write(fd, answers.pop(0))
            seen = plain + b"\n"
    os.close(fd)
    return re.sub(rb"\x1b\[[0-9;?]*[A-Za-z]", b"", seen).decode(errors="replace")


def test_daemon_once_prints_what_it_did(os1_home: Path) -> None:
    from os1.initiative.clock import SystemClock
    from os1.initiative.scheduler import Scheduler

    home = Home.open()
    Scheduler(home.db, SystemClock()).schedule(time.time() - 5, "reminder", {"text": "tea"})
    home.close()
    code, out = invoke("daemon", "--once")
    assert code == 0 and "reminder: Reminder: tea" in out and "why: On " in out
    code, out = invoke("daemon", "--once")
    assert "tea" not in out  # delivered once
    code, out = invoke("approvals", "list")
    assert "Reminder: tea" in out


def test_action_interrupted_mid_run_is_shown_not_rerun(notes: Path) -> None:
    aid = propose("half.txt", "halfway")
    home = Home.open()
    # As a process killed inside the tool leaves it: claimed long ago, never finished.
    home.db.execute("UPDATE approvals SET status='running', decided=? WHERE id=?",
                    (time.time() - 3600, aid))
    home.close()
    listed = json.loads(invoke("approvals", "list", "--json")[1])
    assert [r["id"] for r in listed["interrupted"]] == [aid] and listed["pending"] == []
    assert "check whether it happened" in invoke("approvals", "list")[1]
    code, out = invoke("approvals", "approve", aid)
    assert code == 4 and "already running" in out and not (notes / "half.txt").exists()
