from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest

from os1.db import Database
from os1.errors import InputError, NotFoundError
from os1.initiative.clock import ManualClock
from os1.initiative.scheduler import HandlerContext, Item, Scheduler


def recorder(log: list[str]):  # type: ignore[no-untyped-def]
    async def handle(item: Item, ctx: HandlerContext) -> str:
        log.append(item.payload["text"])
        return "said " + item.payload["text"]

    return handle


async def test_runs_only_due_items_in_order(db: Database, clock: ManualClock) -> None:
    s = Scheduler(db, clock)
    seen: list[str] = []
    s.register_handler("say", recorder(seen))
    s.schedule(clock.now() + 7200, "say", {"text": "later"})
    s.schedule(clock.now() + 60, "say", {"text": "soon"})
    assert await s.run_due(clock.now()) == []
    clock.advance(hours=1)
    fired = await s.run_due(clock.now())
    assert [f.result for f in fired] == ["said soon"]
    clock.advance(days=1)
    fired = await s.run_due()
    assert seen == ["soon", "later"]
    assert fired[0].status == "done" and s.get(fired[0].item.id).status == "done"
    assert s.pending() == []


async def test_key_makes_scheduling_idempotent(db: Database, clock: ManualClock) -> None:
    s = Scheduler(db, clock)
    a = s.schedule(clock.now(), "say", {"text": "x"}, key="briefing:2025-06-16")
    b = s.schedule(clock.now() + 5, "say", {"text": "y"}, key="briefing:2025-06-16")
    assert a == b
    assert len(s.pending()) == 1
    seen: list[str] = []
    s.register_handler("say", recorder(seen))
    await s.run_due(clock.now() + 10)
    # Scheduling the same key after it ran still does not bring it back.
    s.schedule(clock.now(), "say", {"text": "x"}, key="briefing:2025-06-16")
    await s.run_due(clock.now() + 10)
    assert seen == ["x"]


async def test_cancel(db: Database, clock: ManualClock) -> None:
    s = Scheduler(db, clock)
    seen: list[str] = []
    s.register_handler("say", recorder(seen))
    iid = s.schedule(clock.now(), "say", {"text": "x"})
    s.cancel(iid)
    assert await s.run_due(clock.now() + 1) == []
    assert s.get(iid).status == "cancelled"
    with pytest.raises(InputError, match="already cancelled"):
        s.cancel(iid)
    with pytest.raises(NotFoundError):
        s.cancel("nope")


async def test_items_without_handler_wait(db: Database, clock: ManualClock) -> None:
    s = Scheduler(db, clock)
    iid = s.schedule(clock.now(), "unknown-kind", {})
    assert await s.run_due(clock.now() + 1) == []
    assert s.get(iid).status == "pending"
    assert s.next_due() is None


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def _mark_running(db: Database, iid: str, pid: int, attempts: int) -> None:
    import socket

    db.execute(
        "UPDATE schedule SET status='running', owner=?, attempts=? WHERE id=?",
        (f"{socket.gethostname()}:{pid}", attempts, iid),
    )


async def test_item_running_in_dead_process_is_retried_once(
    db: Database, clock: ManualClock
) -> None:
    s = Scheduler(db, clock)
    seen: list[str] = []
    s.register_handler("say", recorder(seen))
    once = s.schedule(clock.now(), "say", {"text": "interrupted once"})
    twice = s.schedule(clock.now(), "say", {"text": "interrupted twice"})
    _mark_running(db, once, _dead_pid(), attempts=1)
    _mark_running(db, twice, _dead_pid(), attempts=2)
    fired = await s.run_due()
    assert seen == ["interrupted once"]
    assert [f.item.id for f in fired] == [once]
    assert s.get(twice).status == "failed" and "interrupted twice" in s.get(twice).result


async def test_item_running_in_live_process_is_left_alone(
    db: Database, clock: ManualClock
) -> None:
    s = Scheduler(db, clock)
    seen: list[str] = []
    s.register_handler("say", recorder(seen))
    iid = s.schedule(clock.now(), "say", {"text": "busy elsewhere"})
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        _mark_running(db, iid, live.pid, attempts=1)
        assert await s.run_due() == []
        assert s.get(iid).status == "running"
    finally:
        live.kill()
        live.wait()
    assert [f.item.id for f in await s.run_due()] == [iid]


async def test_two_loops_never_run_an_item_twice(tmp_path, clock: ManualClock) -> None:  # type: ignore[no-untyped-def]
    # Two schedulers on two connections to one file, as the daemon and 'os1 serve' would be.
    db1, db2 = Database(tmp_path / "x.db"), Database(tmp_path / "x.db")
    seen: list[str] = []

    async def slow(item: Item, ctx: HandlerContext) -> str:
        seen.append(item.id)
        await asyncio.sleep(0)
        return "ok"

    s1, s2 = Scheduler(db1, clock), Scheduler(db2, clock)
    for s in (s1, s2):
        s.register_handler("say", slow)
    ids = {s1.schedule(clock.now(), "say", {"n": n}) for n in range(50)}
    await asyncio.gather(s1.run_due(), s2.run_due())
    assert sorted(seen) == sorted(ids)
    db1.close()
    db2.close()


def test_payload_must_be_json(db: Database, clock: ManualClock) -> None:
    s = Scheduler(db, clock)
    with pytest.raises(InputError, match="plain JSON"):
        s.schedule(clock.now(), "say", {"x": object()})
