"""``os1 serve`` on PostgreSQL hands its users' due work to the job queue, and what a worker
says reaches the user's tabs on every server at once.

Two servers (in threads, one data folder, one database) share a ManualClock, so the test
travels to a reminder's time. The servers only hand the reminder over; a worker (here the
test's own, or the server's in-process one) runs it; the message is announced by Postgres and
both servers push it to their tab, once each. The feed that hears the announcements survives
its connection being killed.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.sync.client import ClientConnection

from os1.initiative.clock import ManualClock
from os1.initiative.messages import InitiativeMessage
from os1.initiative.scheduler import Scheduler
from os1.scale.db import connect
from os1.scale.queue import Worker
from os1.server.initiative import ServerInitiative
from os1.server.testkit import RunningServer, make_state, run_in_thread

sys.path.insert(0, str(Path(__file__).parents[1] / "server"))
from serverkit import PASSWORD, Browser

pytestmark = pytest.mark.model
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC).timestamp()


def start(root: Path, url: str, clock: ManualClock, workers: int) -> RunningServer:
    # the server's config lives in root (a job a worker runs reads it from there)
    (root / "config.toml").parent.mkdir(parents=True, exist_ok=True)
    (root / "config.toml").write_text(f'[server]\ndatabase_url = "{url}"\n')
    state = make_state(root, tools={}, database_url=url, queue_workers=workers)
    assert state.initiative is not None and state.initiative.queue is not None
    state.initiative = ServerInitiative(state.pool, clock, poll_s=0.2, sweep_s=0.0,
                                        queue=state.initiative.queue, workers=workers,
                                        hand_over_s=0.5)
    return run_in_thread(state)


def login(srv: RunningServer, name: str) -> Browser:
    b = Browser(srv.url)
    r = b.post("/api/login", {"name": name, "password": PASSWORD})
    assert r.status_code == 200, r.text
    b.csrf = r.json()["csrf"]
    b.name = name
    return b


def remind(srv: RunningServer, uid: str, clock: ManualClock, text: str) -> Any:
    from os1.skills.reminders import create

    async def make() -> Any:
        await srv.state.pool.ready(uid)
        with srv.state.pool.lease(uid) as uos:
            now = datetime.fromtimestamp(clock.now(), UTC)
            iid, _ = create(uos.home, text, now, "UTC")
            return Scheduler.open(uos.home, clock).get(iid)

    return srv.call(make())


def travel(servers: list[RunningServer], clock: ManualClock, when: float) -> None:
    clock.set(when)
    for srv in servers:
        assert srv.state.initiative is not None
        srv.loop.call_soon_threadsafe(srv.state.initiative.poke_all)


def reminders(ws: ClientConnection, seconds: float, first: bool = False) -> list[dict[str, Any]]:
    """The reminder frames that arrive within ``seconds``, or the first one with ``first``
    (other kinds are skipped: the worker's own clock may plan a briefing for today)."""
    out: list[dict[str, Any]] = []
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0 and not (first and out):
        try:
            raw = ws.recv(timeout=left)
        except TimeoutError:
            break
        if isinstance(raw, str):
            frame = json.loads(raw)
            if frame["type"] == "initiative" and frame["kind"] == "reminder":
                out.append(frame)
    return out


def jobs_of(url: str, uid: str) -> list[tuple[str, str]]:
    with connect(url, autocommit=True) as conn:
        rows = conn.execute("SELECT task, status FROM jobs WHERE args->>'user' = %s",
                            (uid,)).fetchall()
    return [(str(t), str(s)) for t, s in rows]


def wait_for(what: str, ok: Any, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not ok():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def test_a_worker_runs_the_reminder_and_both_servers_push_it(pg_url: str,
                                                              tmp_path: Path) -> None:
    clock = ManualClock(START)
    root = tmp_path / "srv"
    a = start(root, pg_url, clock, workers=0)
    b = start(root, pg_url, clock, workers=0)
    ann = Browser(a.url).signup()
    ann_b: Browser | None = None
    try:
        ann.boot(user_name="Theodore")
        user = a.state.users.by_name(ann.name)
        assert user is not None
        item = remind(a, user.id, clock, "remind me to water the plants at 10am")
        ann_b = login(b, ann.name)
        with ann.ws() as tab_a, ann_b.ws() as tab_b:
            travel([a, b], clock, item.due + 5)
            # the servers hand it over and run nothing themselves
            wait_for("no job was queued", lambda: jobs_of(pg_url, user.id))
            assert jobs_of(pg_url, user.id) == [("os1.scale.tasks:initiative_tick", "todo")]
            assert reminders(tab_a, 1.0) == [] and reminders(tab_b, 0.1) == []

            worker = Worker(pg_url)
            try:
                assert worker.work(until_idle=True) >= 1
            finally:
                worker.close()
            assert ("os1.scale.tasks:initiative_tick", "done") in jobs_of(pg_url, user.id)
            got_a, got_b = reminders(tab_a, 30.0, first=True), reminders(tab_b, 30.0, first=True)
            assert got_a and got_b, "the worker's reminder did not reach both tabs"
            assert "water the plants" in got_a[0]["text"]
            assert got_a[0]["id"] == got_b[0]["id"]
            # once each, and the looks that follow do not say it again
            travel([a, b], clock, item.due + 600)
            assert reminders(tab_a, 2.0) == [] and reminders(tab_b, 0.1) == []
        listed = ann.get("/api/initiative").json()["messages"]
        assert [(m["kind"], m["seen"]) for m in listed if m["kind"] == "reminder"] == [
            ("reminder", True)]
    finally:
        ann.close()
        if ann_b is not None:
            ann_b.close()
        a.stop()
        b.stop()


def test_the_servers_own_worker_runs_the_queue(pg_url: str, tmp_path: Path) -> None:
    clock = ManualClock(START)
    srv = start(tmp_path / "srv", pg_url, clock, workers=1)
    ann = Browser(srv.url).signup()
    try:
        ann.boot(user_name="Theodore")
        user = srv.state.users.by_name(ann.name)
        assert user is not None
        health = httpx.get(srv.url + "/api/health").json()["queue"]
        wait_for("the feed did not start listening", lambda: httpx.get(
            srv.url + "/api/health").json()["queue"]["feed_listening"])
        assert health["workers"] == 1
        item = remind(srv, user.id, clock, "remind me to call my sister at 10am")
        with ann.ws() as tab:
            travel([srv], clock, item.due + 5)
            got = reminders(tab, 60.0, first=True)
            assert got and "call your sister" in got[0]["text"].lower(), got
        # the message is announced when it is posted, before the job is marked done
        wait_for("the job was not marked done", lambda: (
            "os1.scale.tasks:initiative_tick", "done") in jobs_of(pg_url, user.id))
    finally:
        ann.close()
        srv.stop()


def test_the_feed_hears_posts_and_survives_a_killed_connection(pg_url: str) -> None:
    from os1.scale.feed import MessageFeed
    from os1.scale.messages import PgMessages

    heard: list[tuple[str | None, str | None]] = []
    got = threading.Condition()

    def on_message(user: str | None, key: str | None) -> None:
        with got:
            heard.append((user, key))
            got.notify_all()

    def hear(n: int) -> None:
        with got:
            assert got.wait_for(lambda: len(heard) >= n, timeout=30), heard

    user = f"feed{time.time_ns()}"
    msgs = PgMessages(pg_url, user)
    feed = MessageFeed(pg_url, on_message, retry_s=0.2, wait_s=0.1)
    feed.start()
    try:
        assert feed.listening.wait(30)
        msgs.add(InitiativeMessage("m1", "k1", "reminder", "one", "why", "", time.time(), False))
        msgs.add(InitiativeMessage("m1b", "k1", "reminder", "dup", "why", "", time.time(),
                                   False))  # a key posted twice is announced once
        hear(1)
        time.sleep(0.3)
        assert heard == [(user, "k1")]
        with connect(pg_url, autocommit=True) as conn:  # the database drops the listener
            killed = conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE query LIKE 'LISTEN os1_initiative%' AND pid <> pg_backend_pid()"
            ).fetchall()
        assert killed
        hear(2)
        assert heard[1] == (None, None)  # back: anything may have been missed
        assert feed.listening.wait(30)
        msgs.add(InitiativeMessage("m2", "k2", "reminder", "two", "why", "", time.time(), False))
        hear(3)
        assert heard[2] == (user, "k2")
    finally:
        feed.stop()
