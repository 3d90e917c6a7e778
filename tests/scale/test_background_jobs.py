"""Background work on the PostgreSQL job queue: with OS1_DATABASE_URL set, `os1 daemon` hands
what is due to the queue and `os1 worker` does it, once, even when a worker dies holding it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from os1.home import Home
from os1.initiative.clock import SystemClock
from os1.initiative.messages import Inbox
from os1.initiative.scheduler import Scheduler

OS1 = Path(sys.executable).with_name("os1")


def os1(home: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OS1_HOME": str(home), "OS1_DATABASE_URL": url}
    return subprocess.run([str(OS1), *args], env=env, capture_output=True, text=True,
                          timeout=300)


def due_reminder(home: Path, url: str, what: str) -> str:
    os.environ["OS1_DATABASE_URL"] = url  # the home's config, as the CLI reads it
    try:
        h = Home.open(home)
        try:
            return Scheduler.open(h, SystemClock()).schedule(time.time() - 1, "reminder",
                                                             {"text": what}, key=what)
        finally:
            h.close()
    finally:
        del os.environ["OS1_DATABASE_URL"]


def reminders_said(home: Path, url: str, item: str) -> list[str]:
    """What the reminder ``item`` made os1 say (the messages are the user's, in Postgres)."""
    os.environ["OS1_DATABASE_URL"] = url
    try:
        h = Home.open(home)
        try:
            msg = Inbox.open(h).by_key(item)
            return [] if msg is None else [msg.text]
        finally:
            h.close()
    finally:
        del os.environ["OS1_DATABASE_URL"]


def test_the_daemon_hands_due_work_to_the_queue_and_a_worker_does_it(
    pg_url: str, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    item = due_reminder(home, pg_url, "water the plants")
    out = os1(home, pg_url, "daemon", "--once", "--json")
    assert out.returncode == 0, out.stderr
    assert "job queue" in out.stderr
    handed = json.loads(out.stdout.strip().splitlines()[-1])
    assert handed["type"] == "handed" and len(handed["jobs"]) == 1
    assert reminders_said(home, pg_url, item) == []  # the daemon itself ran nothing
    again = os1(home, pg_url, "daemon", "--once", "--json")  # still waiting: the same job
    assert json.loads(again.stdout.strip().splitlines()[-1])["jobs"] == handed["jobs"]
    work = os1(home, pg_url, "worker", "--once")
    assert work.returncode == 0, work.stderr
    assert "1 job(s) run" in work.stderr
    assert reminders_said(home, pg_url, item) == ["Reminder: water the plants"]
    from os1.scale.queue import Queue

    q = Queue(pg_url)
    job = q.get(handed["jobs"][0])
    assert job["status"] == "done" and "1 item(s) run, 1 done" in job["result"]
    assert os1(home, pg_url, "worker", "--once").stderr.count("0 job(s) run") == 1


def test_a_job_held_by_a_dead_worker_is_done_once_by_another(pg_url: str, tmp_path: Path) -> None:
    from os1.scale.queue import Worker

    home = tmp_path / "home"
    item = due_reminder(home, pg_url, "call the bank")
    handed = os1(home, pg_url, "daemon", "--once", "--json")
    (job_id,) = json.loads(handed.stdout.strip().splitlines()[-1])["jobs"]
    lease = 6.0
    dead = Worker(pg_url, lease_s=lease)
    claimed_at = time.monotonic()
    job = dead.claim()  # a worker takes the job, then dies before running it
    assert job is not None and job.id == job_id
    dead.close()
    early = os1(home, pg_url, "worker", "--once")
    if time.monotonic() - claimed_at < lease - 0.5:  # (a very slow start would see it expire)
        assert "0 job(s) run" in early.stderr  # still leased to the dead worker: not taken
    time.sleep(max(0.0, claimed_at + lease + 0.5 - time.monotonic()))  # the lease runs out
    took_over = os1(home, pg_url, "worker", "--once")
    assert "1 job(s) run" in took_over.stderr or "1 job(s) run" in early.stderr
    assert reminders_said(home, pg_url, item) == ["Reminder: call the bank"]
    assert "0 job(s) run" in os1(home, pg_url, "worker", "--once").stderr


def test_a_worker_without_a_database_says_what_to_do(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "OS1_DATABASE_URL"}
    out = subprocess.run([str(OS1), "worker", "--once"], capture_output=True, text=True,
                         env={**env, "OS1_HOME": str(tmp_path / "h")}, timeout=120)
    assert out.returncode != 0
    assert "OS1_DATABASE_URL" in out.stderr and "Traceback" not in out.stderr


def test_a_worker_without_its_database_says_so_in_one_sentence(tmp_path: Path) -> None:
    out = os1(tmp_path / "home", "postgresql://os1:pw@127.0.0.1:1/os1", "worker", "--once")
    assert out.returncode != 0
    said = out.stderr.strip().splitlines()
    assert len(said) == 1, out.stderr  # no traceback, no library's own multi-line report
    assert "Cannot reach the database" in said[0] and "Connection refused" in said[0], said
