"""Initiative inside ``os1 serve``: the server runs every user's scheduler, a reminder set in
chat reaches the user's open WebSocket when it is due (once), and what fired while no tab
was open, or while the server was down, is delivered when the user next connects.

The server's clock is a ManualClock, so the tests travel to the reminder's time instead of
waiting for it.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from serverkit import PASSWORD, Browser, turn
from websockets.sync.client import ClientConnection

from os1.initiative.clock import ManualClock
from os1.initiative.scheduler import Scheduler
from os1.server.initiative import ServerInitiative
from os1.server.testkit import RunningServer, make_state, run_in_thread

pytestmark = pytest.mark.model
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC).timestamp()  # a Monday morning


def start(root: Path, clock: ManualClock) -> RunningServer:
    state = make_state(root, tools={})
    state.initiative = ServerInitiative(state.pool, clock, poll_s=0.2, sweep_s=0.0)
    return run_in_thread(state)


def user_id(srv: RunningServer, b: Browser) -> str:
    user = srv.state.users.by_name(b.name)
    assert user is not None
    return user.id


def pending_reminders(srv: RunningServer, uid: str, clock: ManualClock) -> list[Any]:
    async def read() -> list[Any]:
        await srv.state.pool.ready(uid)
        with srv.state.pool.lease(uid) as uos:
            return Scheduler(uos.home.db, clock).pending("reminder")

    return srv.call(read())


def travel(srv: RunningServer, clock: ManualClock, when: float) -> None:
    clock.set(when)
    assert srv.state.initiative is not None
    srv.loop.call_soon_threadsafe(srv.state.initiative.poke_all)


def next_initiative(ws: ClientConnection, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        raw = ws.recv(timeout=max(0.1, deadline - time.monotonic()))
        if isinstance(raw, str) and json.loads(raw)["type"] == "initiative":
            frame: dict[str, Any] = json.loads(raw)
            return frame


def nothing_more(ws: ClientConnection, seconds: float = 1.5) -> None:
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        try:
            raw = ws.recv(timeout=left)
        except TimeoutError:
            return
        assert not (isinstance(raw, str) and json.loads(raw)["type"] == "initiative"), raw


def test_a_reminder_set_in_chat_reaches_the_open_tab_once(tmp_path: Path) -> None:
    clock = ManualClock(START)
    srv = start(tmp_path / "srv", clock)
    b = Browser(srv.url).signup()
    try:
        b.boot(user_name="Theodore")
        uid = user_id(srv, b)
        with b.ws() as ws:
            reply = "".join(e.get("text", "") for e in turn(ws, "Remind me to call my sister at 6")
                            if e["type"] == "text_delta")
            assert "sister" in reply.lower(), reply
            (item,) = pending_reminders(srv, uid, clock)
            travel(srv, clock, item.due - 60)  # not yet
            nothing_more(ws)
            travel(srv, clock, item.due + 5)
            said = next_initiative(ws)
            assert said["kind"] == "reminder"
            assert "call your sister" in said["text"].lower(), said
            assert "asked me to remind you" in said["reason"], said
            travel(srv, clock, item.due + 600)  # later looks do not say it again
            nothing_more(ws)
        listed = b.get("/api/initiative").json()["messages"]
        assert [(m["kind"], m["seen"]) for m in listed] == [("reminder", True)]
    finally:
        b.close()
        srv.stop()


def test_what_fired_while_away_or_down_arrives_on_the_next_connection(tmp_path: Path) -> None:
    from os1.skills.reminders import create

    root = tmp_path / "srv"
    clock = ManualClock(START)
    srv = start(root, clock)
    b = Browser(srv.url).signup()
    b.boot(user_name="Theodore")
    uid, name = user_id(srv, b), b.name

    async def remind() -> float:
        with srv.state.pool.lease(uid) as uos:
            now = datetime.fromtimestamp(clock.now(), UTC)
            iid, _ = create(uos.home.db, "remind me to water the plants at 10am", now, "UTC")
            return Scheduler(uos.home.db, clock).get(iid).due

    due = srv.call(remind())
    assert due == datetime(2026, 3, 2, 10, 0, tzinfo=UTC).timestamp()
    b.close()
    srv.stop()  # the server goes down before the reminder is due

    clock.set(due + 1800)  # and comes back half an hour after it
    srv = start(root, clock)
    try:
        b = Browser(srv.url)
        r = b.post("/api/login", {"name": name, "password": PASSWORD})
        assert r.status_code == 200, r.text
        b.csrf = r.json()["csrf"]
        deadline = time.monotonic() + 60
        while not (msgs := b.get("/api/initiative").json()["messages"]):
            assert time.monotonic() < deadline, "the reminder did not fire after the restart"
            time.sleep(0.2)
        assert [m["seen"] for m in msgs] == [False]  # no tab was open to hear it
        assert "wasn't running then" in msgs[0]["text"]  # it says it is late, and why
        with b.ws() as ws:
            said = next_initiative(ws, timeout=30)  # sent as soon as the tab connects
            assert "water the plants" in said["text"]
        with b.ws() as ws:  # a second tab: it was delivered already
            nothing_more(ws)
    finally:
        b.close()
        srv.stop()
    srv = start(root, clock)  # a third start fires nothing again
    try:
        travel(srv, clock, due + 3600)
        deadline = time.monotonic() + 5
        initiative = srv.state.initiative
        assert initiative is not None
        while initiative.looks == 0 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert initiative.looks >= 1

        async def count() -> int:
            with srv.state.pool.lease(uid) as uos:
                rows = uos.home.db.query("SELECT COUNT(*) FROM initiative_messages "
                                         "WHERE kind='reminder'")
                return int(rows[0][0])

        assert srv.call(count()) == 1
    finally:
        srv.stop()


def test_look_times_give_the_due_users_soonest_first_and_each_once() -> None:
    import math

    from os1.server.initiative import LookTimes

    times = LookTimes()
    assert times.soonest() == math.inf and times.due(100.0) == []
    for i in range(1000):
        times.set(f"u{i}", 50.0 + i)
    times.set("u5", 10.0)  # moved earlier: its old time no longer counts
    times.set("u7", 5000.0)  # moved later
    times.set("u9", 0.0)  # a poke
    for _ in range(10):
        times.set("u1", 20.0)  # set again and again: one entry still, the heap stays small
    assert times.soonest() == 0.0
    assert times.due(52.0) == ["u9", "u5", "u1", "u0", "u2"]
    assert times.due(52.0) == []  # each once: looking at a user sets its next time
    assert "u7" in times.due(6000.0) and len(times.times) == 0
    assert len(times._heap) <= 4 * 1000 + 64


async def test_a_poke_during_a_look_is_not_lost(tmp_path: Path) -> None:
    """A reminder set (and the user poked) while a look at that user is waiting on the
    schedule's query must be looked at again at once, not at the next hourly plan."""
    from os1.config import Config
    from os1.mind.persona import Persona
    from os1.server.homes import HomePool
    from os1.server.initiative import ServerInitiative
    from os1.testing import ScriptedModel

    cfg = Config()
    cfg.home = tmp_path
    pool = HomePool(tmp_path, cfg, model=ScriptedModel())
    with pool.lease("u1") as uos:
        uos.home.personas.save(Persona("Samantha", "Ann", created=time.time()))
    initiative = ServerInitiative(pool)
    await initiative.look("u1")  # the first look plans; later ones find nothing due
    assert initiative.next_look.times["u1"] > 0
    with pool.lease("u1") as uos:
        scheduler = initiative._daemon(uos).scheduler
    real = scheduler.next_due

    def next_due_while_poked() -> float | None:
        found = real()
        initiative.poke("u1")  # arrives while the look waits on this query
        return found

    scheduler.next_due = next_due_while_poked  # type: ignore[method-assign]
    await initiative.look("u1")
    assert initiative.next_look.times["u1"] == 0.0  # looked at again at once
    scheduler.next_due = real  # type: ignore[method-assign]
    await initiative.look("u1")
    assert initiative.next_look.times["u1"] > 0  # and not forever after
    await pool.aclose()
