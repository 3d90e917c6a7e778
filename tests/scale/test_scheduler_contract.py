"""The initiative scheduler's items on SQLite and on PostgreSQL: the same behaviour through
Scheduler.open, including claims that hold with two schedulers on one user at once, recovery
of an item whose owner died, and, on Postgres, users kept apart and one schedule whichever
server's home reads it."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from os1.config import Config
from os1.errors import InputError, NotFoundError
from os1.home import Home
from os1.initiative.clock import ManualClock
from os1.initiative.scheduler import HandlerContext, Item, Scheduler, SqliteItems

START = datetime(2025, 6, 16, 9, 0, tzinfo=UTC)


class UserHome(Home):
    def __init__(self, config: Config, user_id: str) -> None:
        super().__init__(config)
        self.user_id = user_id


@pytest.fixture(params=["sqlite", "postgres"])
def make(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """Opens one user's scheduler the way os1 does, from a home (each call a fresh home
    object, like another process; with Postgres also another folder, like another server)."""
    url = request.getfixturevalue("pg_url") if request.param == "postgres" else ""
    clock = ManualClock(START)
    homes: list[Home] = []
    lock = threading.Lock()

    def open_scheduler(folder: str = "a", user: str = "") -> Scheduler:
        cfg = Config()
        cfg.home = tmp_path / (folder if url else "a")
        cfg.server.database_url = url
        home = UserHome(cfg, user or open_scheduler.user)  # type: ignore[attr-defined]
        with lock:
            homes.append(home)
        return Scheduler.open(home, clock, extras={"home": home})

    open_scheduler.user = f"u{uuid.uuid4().hex[:12]}"  # type: ignore[attr-defined]
    open_scheduler.kind = request.param  # type: ignore[attr-defined]
    open_scheduler.clock = clock  # type: ignore[attr-defined]
    yield open_scheduler
    for h in homes:
        h.close()


def recorder(log: list[str]) -> Any:
    async def handle(item: Item, ctx: HandlerContext) -> str:
        log.append(item.payload["text"])
        await asyncio.sleep(0)
        return "said " + item.payload["text"]

    return handle


def test_open_picks_the_store_from_the_config(make: Any) -> None:
    store = make().store
    if make.kind == "sqlite":
        assert isinstance(store, SqliteItems)
    else:
        from os1.scale.schedule import PgItems

        assert isinstance(store, PgItems)


async def test_due_items_run_in_order_once(make: Any) -> None:
    clock, s = make.clock, make()
    seen: list[str] = []
    s.register_handler("say", recorder(seen))
    later = s.schedule(clock.now() + 7200, "say", {"text": "later"})
    s.schedule(clock.now() + 60, "say", {"text": "soon"})
    assert await s.run_due() == []
    assert s.next_due() == clock.now() + 60
    clock.advance(hours=1)
    fired = await s.run_due()
    assert [(f.status, f.result) for f in fired] == [("done", "said soon")]
    other = make("b")  # another home on the same store
    other.register_handler("say", recorder(seen))
    clock.advance(days=1)
    assert [f.item.id for f in await other.run_due()] == [later]
    assert seen == ["soon", "later"]
    assert make().get(later).status == "done" and make().get(later).attempts == 1
    assert make().pending() == [] and await other.run_due() == []
    assert [i.status for i in make().items()] == ["done", "done"]
    assert [i.id for i in make().items("done", limit=1)] == [later]


async def test_a_key_schedules_once_and_finds_its_item(make: Any) -> None:
    clock = make.clock
    a = make().schedule(clock.now(), "say", {"text": "x"}, key="briefing:2025-06-16")
    b = make("b").schedule(clock.now() + 5, "say", {"text": "y"}, key="briefing:2025-06-16")
    assert a == b and len(make().pending()) == 1
    found = make("b").by_key("briefing:2025-06-16")
    assert found is not None and found.id == a and found.payload == {"text": "x"}
    assert make().by_key("briefing:2025-06-17") is None
    seen: list[str] = []
    s = make()
    s.register_handler("say", recorder(seen))
    await s.run_due(clock.now() + 10)
    make("b").schedule(clock.now(), "say", {"text": "x"}, key="briefing:2025-06-16")
    await s.run_due(clock.now() + 10)
    assert seen == ["x"]  # a key that ran is not brought back


async def test_cancel_and_pending_by_kind(make: Any) -> None:
    clock = make.clock
    s = make()
    tea = s.schedule(clock.now() + 10, "reminder", {"text": "tea"}, key="tea")
    s.schedule(clock.now() + 5, "briefing", {})
    assert [i.kind for i in make("b").pending()] == ["briefing", "reminder"]
    assert [i.id for i in make("b").pending("reminder")] == [tea]
    make("b").cancel(tea)
    assert make().get(tea).status == "cancelled" and make().pending("reminder") == []
    seen: list[str] = []
    s.register_handler("reminder", recorder(seen))
    assert await s.run_due(clock.now() + 60) == [] and seen == []
    with pytest.raises(InputError, match="already cancelled"):
        s.cancel(tea)
    with pytest.raises(NotFoundError):
        s.cancel("j-missing")
    with pytest.raises(NotFoundError):
        s.get("j-missing")


async def test_a_failure_is_retried_later_then_fails(make: Any) -> None:
    clock, s = make.clock, make()
    calls = 0

    async def flaky(item: Item, ctx: HandlerContext) -> str:
        nonlocal calls
        calls += 1
        raise RuntimeError("peer down")

    s.register_handler("flaky", flaky)
    iid = s.schedule(clock.now(), "flaky", {})
    first = await s.run_due()
    assert first[0].status == "retry" and "peer down" in first[0].result
    assert make().get(iid).due == clock.now() + 300
    assert await s.run_due() == []  # backed off, not hammered
    clock.advance(hours=1)
    assert (await s.run_due())[0].status == "failed"
    item = make("b").get(iid)
    assert (item.status, item.attempts, calls) == ("failed", 2, 2)


def test_two_schedulers_at_once_run_each_item_once(make: Any) -> None:
    """Two schedulers of one user, each in its own thread with its own home and event loop,
    as a daemon and a server (or two servers) would be."""
    ids = {make().schedule(make.clock.now(), "say", {"text": str(n)}) for n in range(40)}
    seen: list[str] = []
    fired: list[list[str]] = [[], []]
    gate = threading.Barrier(2)

    def loop(n: int) -> None:
        s = make(f"t{n}")
        s.register_handler("say", recorder(seen))
        gate.wait()
        fired[n] = [f.item.id for f in asyncio.run(s.run_due())]

    threads = [threading.Thread(target=loop, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(fired[0] + fired[1]) == sorted(ids)
    assert sorted(seen) == sorted(str(n) for n in range(40))
    assert {i.status for i in make().items()} == {"done"}


def _dead_owner() -> str:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return f"{socket.gethostname()}:{p.pid}"


async def test_an_item_claimed_by_a_dead_owner_is_recovered_once(make: Any) -> None:
    clock, s = make.clock, make()
    seen: list[str] = []
    s.register_handler("say", recorder(seen))
    once = s.schedule(clock.now(), "say", {"text": "interrupted once"})
    twice = s.schedule(clock.now() + 1, "say", {"text": "interrupted twice"}, max_attempts=1)
    gone = _dead_owner()
    lease = time.time() + 900
    for _ in (once, twice):  # claimed by a process that then died (kill -9)
        assert make("b").store.claim(clock.now() + 1, ["say"], gone, lease) is not None
    assert {r["id"] for r in make().store.running()} == {once, twice}
    fired = await s.run_due(clock.now() + 1)
    assert [f.item.id for f in fired] == [once] and seen == ["interrupted once"]
    assert make().get(once).attempts == 2 and make().get(once).status == "done"
    failed = make("b").get(twice)
    assert failed.status == "failed" and "interrupted twice" in failed.result


async def test_an_owner_on_another_host_keeps_its_lease(make: Any) -> None:
    clock, s = make.clock, make()
    seen: list[str] = []
    s.register_handler("say", recorder(seen))
    held = s.schedule(clock.now(), "say", {"text": "held"})
    lapsed = s.schedule(clock.now() + 1, "say", {"text": "lapsed"})
    s.store.claim(clock.now(), ["say"], "elsewhere:4242", time.time() + 900)
    s.store.claim(clock.now() + 1, ["say"], "elsewhere:4343", time.time() - 1)
    assert s.recover() == [lapsed]
    assert [f.item.id for f in await s.run_due(clock.now() + 1)] == [lapsed]
    assert make("b").get(held).status == "running" and seen == ["lapsed"]
    assert not make().store.settle(held, "someone-else", "done", "not mine")
    assert make().store.settle(held, "elsewhere:4242", "done", "finished elsewhere")
    assert make("b").get(held).result == "finished elsewhere"


async def test_users_are_kept_apart(make: Any) -> None:
    clock = make.clock
    mine = make().schedule(clock.now(), "say", {"text": "mine"}, key="same-key")
    if make.kind == "sqlite":
        return  # SQLite: one file per user, kept apart by the file system (test_isolation.py)
    theirs = make("b", user=f"u{uuid.uuid4().hex[:12]}")
    seen: list[str] = []
    theirs.register_handler("say", recorder(seen))
    assert theirs.pending() == [] and theirs.by_key("same-key") is None
    assert theirs.next_due() is None and await theirs.run_due(clock.now() + 1) == []
    with pytest.raises(NotFoundError):
        theirs.get(mine)
    with pytest.raises(NotFoundError):
        theirs.cancel(mine)
    assert theirs.schedule(clock.now(), "say", {"text": "theirs"}, key="same-key") != mine
    assert [f.result for f in await theirs.run_due(clock.now() + 1)] == ["said theirs"]
    assert make().get(mine).status == "pending" and seen == ["theirs"]


async def test_a_reminder_set_in_one_home_is_delivered_by_another_homes_daemon(
    make: Any, tmp_path: Path
) -> None:
    """The reminders skill and the daemon both go through Scheduler.open; with Postgres the
    daemon may be another server's (another folder), with SQLite it is the same home."""
    from os1.initiative.daemon import Daemon
    from os1.initiative.messages import Inbox
    from os1.skills import reminders

    setter = make().extras["home"]
    iid, _ = reminders.create(setter.skill_context, "remind me to water the plants at 10am",
                              START, "UTC")
    assert [i.id for i in reminders.pending(setter)] == [iid]
    runner = make("b").extras["home"]
    make.clock.set(datetime(2025, 6, 16, 10, 1, tzinfo=UTC).timestamp())
    daemon = Daemon(runner, make.clock)
    fired = [f for f in await daemon.tick() if f.item.kind == "reminder"]
    assert [(f.item.id, f.status) for f in fired] == [(iid, "done")]
    # said in the runner's inbox, which is the setter's too (with Postgres, the user's)
    assert [m.text for m in Inbox.open(setter).recent(5)] == ["Reminder: water the plants"]
    assert reminders.pending(setter) == [] and await Daemon(runner, make.clock).tick() == []
