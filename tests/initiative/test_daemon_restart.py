"""The real `os1 daemon` process, killed with SIGKILL mid-run and restarted: every reminder
is delivered exactly once, every proposal is queued for approval exactly once (and nothing
outward runs without it), none is lost, and the scheduler's retry-once path is exercised."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from os1.db import Database
from os1.initiative.clock import SystemClock
from os1.initiative.scheduler import Scheduler

OS1 = [sys.executable, "-m", "os1.cli"]
N = 1500  # reminders due now
P = 150  # proposals due now: cancel one of the far-future reminders (needs approval)


def start(home: Path, *args: str, out: Path | None = None) -> subprocess.Popen[bytes]:
    env = {**os.environ, "OS1_HOME": str(home)}
    # A file, not a pipe, for stdout: a full pipe would stall the daemon between items.
    sink = open(out, "wb") if out else subprocess.PIPE  # noqa: SIM115
    try:
        return subprocess.Popen([*OS1, "daemon", "--json", *args], stdout=sink,
                                stderr=subprocess.PIPE, env=env)
    finally:
        if out:
            sink.close()  # type: ignore[union-attr]


def lines_of(out: bytes) -> list[dict[str, object]]:
    complete = out[: out.rfind(b"\n") + 1]  # a line cut by SIGKILL is not a report
    return [json.loads(line) for line in complete.decode().splitlines() if line.strip()]


def status_counts(db: Database) -> dict[str, int]:
    rows = db.query("SELECT status, COUNT(*) FROM schedule WHERE kind IN ('reminder', "
                    "'proposal') AND due < ? GROUP BY 1", (time.time(),))
    return {r[0]: r[1] for r in rows}


def os1(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OS1_HOME": str(home)}
    return subprocess.run([*OS1, *args], env=env, capture_output=True, text=True, timeout=120)


def test_kill_9_mid_run_then_restart_delivers_each_reminder_once(tmp_path: Path) -> None:
    home = tmp_path / "home"
    db = Database(home / "os1.db")
    sched = Scheduler(db, SystemClock())
    past = time.time() - 60
    for i in range(N):
        sched.schedule(past + i * 1e-3, "reminder", {"text": f"r{i}"})
    far = [sched.schedule(time.time() + 365 * 86400, "reminder", {"text": f"far{i}"})
           for i in range(P)]
    for i, target in enumerate(far):
        sched.schedule(past + i * 1e-2, "proposal", {
            "tool": "reminder_cancel", "args": {"id": target}, "reason": f"far{i} is done"})
    printed: list[dict[str, object]] = []
    interrupted = 0  # kills that left an item 'running'
    kills = 0
    while kills < 8 and status_counts(db).get("pending", 0) > 200 and (
            interrupted == 0 or kills < 2):
        log = tmp_path / f"run{kills}.jsonl"
        proc = start(home, "--poll", "0.2", "--until", "+120s", out=log)
        deadline = time.time() + 60
        while not log.stat().st_size:  # at least one reminder delivered: we are mid-run
            assert proc.poll() is None and time.time() < deadline, proc.stderr
            time.sleep(0.005)
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=30)
        assert proc.returncode == -signal.SIGKILL
        printed += lines_of(log.read_bytes())
        kills += 1
        interrupted += status_counts(db).get("running", 0)
    assert kills >= 1 and interrupted >= 1, "no kill landed while an item was running"

    final = start(home, "--once")
    out, err = final.communicate(timeout=120)
    assert final.returncode == 0, err.decode()
    printed += lines_of(out)

    assert status_counts(db) == {"done": N + P}
    texts = [r[0] for r in db.query(
        "SELECT text FROM initiative_messages WHERE kind='reminder' ORDER BY text")]
    assert sorted(texts) == sorted(f"Reminder: r{i}" for i in range(N))  # none lost or doubled
    ids = [p["item"] for p in printed if p["kind"] == "reminder"]
    assert len(ids) == len(set(ids))  # the daemon never reported one item twice
    retried = db.query("SELECT COUNT(*) FROM schedule WHERE attempts=2")[0][0]
    assert retried >= 1  # the item(s) caught running were run again after the restart

    queued = db.query("SELECT key, status, reason, arguments FROM approvals ORDER BY created")
    assert len(queued) == P and len({q["key"] for q in queued}) == P
    assert {q["status"] for q in queued} == {"pending"}
    assert sorted(json.loads(q["arguments"])["id"] for q in queued) == sorted(far)
    assert [i.id for i in sched.pending("reminder")] == far  # nothing ran unapproved
    notes = db.query("SELECT COUNT(*) FROM initiative_messages WHERE kind='proposal'")[0][0]
    assert notes == P

    aid = db.query("SELECT id FROM approvals WHERE arguments LIKE ?", (f'%{far[0]}%',))[0][0]
    approved = os1(home, "approvals", "approve", aid)
    assert approved.returncode == 0, approved.stderr
    assert sched.get(far[0]).status == "cancelled"
    [entry] = json.loads(os1(home, "log", "--json").stdout)
    assert entry["reason"] == "far0 is done" and entry["allowed"] == f"your approval of {aid}"
    db.close()


def test_second_daemon_on_the_same_home_is_refused(tmp_path: Path) -> None:
    home = tmp_path / "home"
    first = start(home, "--until", "+60s")
    try:
        deadline = time.time() + 30
        while not (home / "daemon.lock").exists() or not (home / "daemon.lock").read_text():
            assert time.time() < deadline and first.poll() is None
            time.sleep(0.05)
        second = start(home, "--once")
        _, err = second.communicate(timeout=60)
        assert second.returncode == 5
        assert f"Another os1 daemon (pid {first.pid})" in err.decode()
        assert "Traceback" not in err.decode()
    finally:
        first.send_signal(signal.SIGTERM)
        first.communicate(timeout=30)
    assert first.returncode == 0  # SIGTERM stops it cleanly
