"""Mail sync as background work: with OS1_DATABASE_URL set, `os1 daemon` enqueues one keyed
sync job per mail account and interval and `os1 worker` syncs the account into the user's
index in PostgreSQL, once, one worker at a time, taken over when a worker dies mid-sync;
without a database the daemon syncs in its own process. Real dovecot, real PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_background_jobs import OS1, os1

from mail.conftest import Mailbox, mail_servers, message, new_user  # noqa: F401 - fixture
from os1.home import Home
from os1.scale.queue import Queue, Worker
from os1.scale.tasks import MAIL_SYNC, mail_job
from os1.skills.mail.accounts import Account, Accounts
from os1.skills.mail.store import mail_store

EVERY_S = 86400.0  # one interval for the whole test


class Setup:
    def __init__(self, home: Path, account: str, box: Mailbox) -> None:
        self.home, self.account, self.box = home, account, box

    def uids(self) -> set[int]:
        h = Home.open(self.home)
        try:
            return mail_store(h).local_uids(self.account, "INBOX")
        finally:
            h.close()

    def job(self) -> tuple[dict[str, Any], str]:
        h = Home.open(self.home)
        try:
            return mail_job(h, self.account, EVERY_S, time.time())
        finally:
            h.close()


def work(url: str, queue: str, lease: float = 30.0) -> int:
    """Run what a new worker can claim now; the number of jobs it ran."""
    w = Worker(url, queue, lease)
    try:
        return w.work(until_idle=True)
    finally:
        w.close()


def add_account(home: Path, name: str, user: str) -> None:
    h = Home.open(home)
    try:
        Accounts(mail_store(h), h.config).add(
            Account(name, user, "127.0.0.1", 10143, "127.0.0.1", 10025, user, "plain"), "secret")
    finally:
        h.close()


@pytest.fixture
def setup(pg_url: str, tmp_path: Path, mail_servers: None,  # noqa: F811
          monkeypatch: pytest.MonkeyPatch) -> Iterator[Setup]:
    """A CLI home on PostgreSQL (user 'local') with a mail account of its own name."""
    monkeypatch.setenv("OS1_MAIL_PASSWORD_STORE", "file")  # never the developer's keyring
    monkeypatch.setenv("OS1_MAIL_SYNC_EVERY_S", str(EVERY_S))
    monkeypatch.setenv("OS1_DATABASE_URL", pg_url)
    home, name, user = tmp_path / "home", f"a{uuid.uuid4().hex[:10]}", new_user()
    add_account(home, name, user)
    yield Setup(home, name, Mailbox(user))
    h = Home.open(home)
    try:  # user 'local' is every CLI home's: leave no account for the next test's daemon
        Accounts(mail_store(h), h.config).remove(name)
    finally:
        h.close()


def test_the_daemon_enqueues_mail_sync_and_a_worker_syncs_it_once(
    setup: Setup, pg_url: str
) -> None:
    setup.box.append_many([message("Quarterly report"), message("Lunch?", "Pizza on Friday?")])
    out = os1(setup.home, pg_url, "daemon", "--once", "--json")
    assert out.returncode == 0, out.stderr
    q = Queue(pg_url)
    handed = json.loads(out.stdout.strip().splitlines()[-1])["jobs"]
    mine = [j for j in handed if q.get(j)["task"] == MAIL_SYNC
            and q.get(j)["args"]["account"] == setup.account]
    assert len(mine) == 1
    assert setup.uids() == set()  # the daemon did not sync itself
    again = os1(setup.home, pg_url, "daemon", "--once", "--json")
    assert mine[0] in json.loads(again.stdout.strip().splitlines()[-1])["jobs"]  # same job
    work = os1(setup.home, pg_url, "worker", "--once")
    assert work.returncode == 0, work.stderr
    job = q.get(mine[0])
    assert (job["status"], job["attempts"]) == ("done", 1), job
    assert f"{setup.account}: 2 new" in job["result"]
    assert len(setup.uids()) == 2
    os1(setup.home, pg_url, "worker", "--once")
    assert q.get(mine[0])["attempts"] == 1  # done once


def test_two_workers_never_sync_one_account_at_once(setup: Setup, pg_url: str) -> None:
    from os1.scale.locks import exclusive

    setup.box.append_many([message(f"Note {i}") for i in range(3)])
    q = Queue(pg_url, f"mail-{uuid.uuid4().hex[:8]}")
    args, key = setup.job()
    with exclusive(pg_url, "mail-sync", f"local/{setup.account}") as held:
        assert held  # as a worker in the middle of syncing this account holds it
        busy = q.enqueue(MAIL_SYNC, args, key=key + ":other")
        assert work(pg_url, q.name) == 1
    assert q.get(busy)["result"].startswith("skipped: another worker is syncing")
    assert setup.uids() == set()
    first = q.enqueue(MAIL_SYNC, args, key=key)
    assert q.enqueue(MAIL_SYNC, args, key=key) == first  # the same key: the same job
    start, ran = threading.Barrier(2), []

    def race() -> None:
        w = Worker(pg_url, q.name)
        start.wait()
        ran.append(w.work(until_idle=True))
        w.close()

    threads = [threading.Thread(target=race) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(ran) == [0, 1]
    job = q.get(first)
    assert (job["status"], job["attempts"]) == ("done", 1), job
    assert len(setup.uids()) == 3


def test_a_worker_killed_mid_sync_leaves_the_job_to_another(setup: Setup, pg_url: str) -> None:
    total, lease = 300, 3.0
    setup.box.append_many([message(f"Letter {i}", f"Body {i}") for i in range(total)])
    q = Queue(pg_url, f"mail-{uuid.uuid4().hex[:8]}")
    env = {**os.environ, "OS1_HOME": str(setup.home), "OS1_MAIL_SYNC_BATCH": "5"}
    proc = subprocess.Popen([str(OS1), "worker", "--queue", q.name, "--lease", str(lease)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        args, key = setup.job()
        job_id = q.enqueue(MAIL_SYNC, args, key=key)
        deadline = time.monotonic() + 120
        while not setup.uids() and time.monotonic() < deadline:  # until the sync is under way
            time.sleep(0.01)
        proc.kill()
        proc.wait(30)
        partial = len(setup.uids())
        assert 0 < partial < total, "the worker was not stopped in the middle of its sync"
        job = q.get(job_id)
        assert (job["status"], job["attempts"]) == ("running", 1), job
        assert work(pg_url, q.name, lease) == 0  # its lease still holds it
        time.sleep(lease + 0.5)
        assert work(pg_url, q.name, lease) == 1
        job = q.get(job_id)
        assert (job["status"], job["attempts"]) == ("done", 2), job
        assert f"{setup.account}: {total - partial} new" in job["result"]  # the rest, only
        assert len(setup.uids()) == total
    finally:
        if proc.poll() is None:
            proc.kill()


def test_without_a_database_the_daemon_syncs_mail_itself(
    tmp_path: Path, mail_servers: None, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    monkeypatch.delenv("OS1_DATABASE_URL", raising=False)
    monkeypatch.setenv("OS1_MAIL_PASSWORD_STORE", "file")
    home, user = tmp_path / "home", new_user()
    add_account(home, "main", user)
    Mailbox(user).append_many([message("Hello"), message("Again")])
    env = {**os.environ, "OS1_HOME": str(home)}
    out = subprocess.run([str(OS1), "daemon", "--once", "--json"], env=env,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    lines = [json.loads(x) for x in out.stdout.splitlines() if x.startswith("{")]
    assert [(x["type"], x["account"]) for x in lines if x["type"] == "mail"] == [("mail", "main")]
    assert "main: 2 new" in lines[-1]["result"]
    h = Home.open(home)
    try:
        assert len(mail_store(h).local_uids("main", "INBOX")) == 2
    finally:
        h.close()
