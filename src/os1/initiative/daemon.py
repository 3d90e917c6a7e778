"""The initiative loop: plan the day, run what is due, sleep until the next thing.

``os1 daemon`` runs :meth:`Daemon.run` in its own process; ``os1 serve`` runs the same loop
in-process with :func:`run_in_background`. Both may run at once on one home: the scheduler's
atomic claims keep every item to one runner. Restart safety lives in the scheduler; this loop
only has to call it. Only one ``os1 daemon`` per home is allowed (a lock file), so a second
one started by mistake says so instead of doubling the polling.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from os1.errors import Os1Error
from os1.initiative.clock import Clock, SystemClock
from os1.initiative.mailsync import MailSync, OnMail
from os1.initiative.messages import Inbox, InitiativeMessage
from os1.initiative.scheduler import Fired, Scheduler
from os1.initiative.triggers import Triggers

if TYPE_CHECKING:
    from os1.home import Home

BATCH = 500  # items per pass; between passes the loop re-plans and checks for a stop
POLL_S = 15.0  # longest sleep: items added by other processes are picked up this quickly
HAND_OVER_S = 1.0  # with the job queue: how often to look again while workers catch up

OnFired = Callable[[Fired, InitiativeMessage | None], None]


class DaemonBusy(Os1Error):
    exit_code = 5


@contextlib.contextmanager
def daemon_lock(home_dir: Path) -> Iterator[None]:
    """Hold ``daemon.lock`` in the home for the life of the block; DaemonBusy if taken."""
    home_dir.mkdir(parents=True, exist_ok=True)
    path = home_dir / "daemon.lock"
    fh: IO[str] = open(path, "a+", encoding="ascii")  # noqa: SIM115 - held for the block
    try:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            pid = fh.read().strip() or "?"
            raise DaemonBusy(
                f"Another os1 daemon (pid {pid}) is already running for {home_dir}; "
                "stop it first or let it carry on."
            ) from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        yield
    finally:
        fh.close()


class Daemon:
    """``queue`` (an os1.scale.queue.Queue, when Postgres is configured): due work is handed to
    the job queue for ``os1 worker`` processes instead of being run here. ``mail_every_s``
    (``os1 daemon``: mail.sync_every_s): sync each mail account that often (or hand it over);
    ``on_mail`` hears what an in-process sync did; ``job_args`` go with every job handed over
    (a server's homes name their user and the server's config, see os1.scale.tasks)."""

    def __init__(self, home: Home, clock: Clock | None = None,
                 on_fired: OnFired | None = None, poll_s: float = POLL_S,
                 queue: Any | None = None, mail_every_s: float = 0.0,
                 on_mail: OnMail | None = None,
                 job_args: dict[str, Any] | None = None) -> None:
        self.home = home
        self.job_args = job_args or {}
        self.clock = clock or SystemClock()
        self.scheduler = Scheduler.open(home, self.clock, extras={"home": home})
        self.triggers = Triggers(home, self.scheduler, self.clock)
        self.triggers.install()
        self.inbox = Inbox.open(home)
        self.on_fired = on_fired
        self.poll_s = poll_s
        self.queue = queue
        self.handed: list[int] = []  # job ids handed to the queue
        self.mail = MailSync(home, mail_every_s, queue, on_mail) if mail_every_s > 0 else None

    async def tick(self) -> list[Fired]:
        """Plan, then run everything due now (or hand it to the queue). Returns what ran."""
        now = self.clock.now()
        self.triggers.plan(now)
        if self.mail is not None:
            self._handed(await self.mail.tick(now))
        if self.queue is not None:
            self._hand_over(now)
            return []
        return await self.scheduler.run_due(now, limit=BATCH, on_fired=self._report)

    def plan_and_hand_over(self) -> None:
        """With a queue: plan, and hand what is due to it (blocking; a server runs this in a
        worker thread, its event loop never waits on the database)."""
        now = self.clock.now()
        self.triggers.plan(now)
        self._hand_over(now)

    def _hand_over(self, now: float) -> None:
        from os1.scale.tasks import INITIATIVE_TICK, tick_key

        nxt = self.scheduler.next_due()
        if nxt is None or nxt > now or self.queue is None:
            return
        self._handed([self.queue.enqueue(INITIATIVE_TICK,
                                         {"home": str(self.home.path), **self.job_args},
                                         key=tick_key(self.home.path, nxt, now))])

    def _handed(self, jobs: list[int]) -> None:
        for job in jobs:
            if job not in self.handed:
                self.handed.append(job)

    def _report(self, fired: Fired) -> None:
        if self.on_fired is not None:
            self.on_fired(fired, self.inbox.by_key(fired.item.id))

    def _wait_s(self, until: float | None) -> float:
        now = self.clock.now()
        wait = self.poll_s
        nxt = self.scheduler.next_due()
        if nxt is not None:
            # handed to the queue, a due item stays pending until a worker runs it
            floor = HAND_OVER_S if self.queue is not None else 0.0
            wait = min(wait, max(floor, nxt - now))
        if self.mail is not None:
            wait = min(wait, max(0.0, self.mail.next_due(now) - now))
        if until is not None:
            wait = min(wait, max(0.0, until - now))
        return wait

    async def run(self, *, until: float | None = None, once: bool = False,
                  stop: asyncio.Event | None = None) -> list[Fired]:
        """Loop until ``until`` (clock time), ``stop`` is set, or after one pass with ``once``."""
        fired: list[Fired] = []
        while True:
            batch = await self.tick()
            fired.extend(batch)
            if len(batch) >= BATCH:
                continue  # more is due right now: keep going before sleeping or exiting
            if once or (stop is not None and stop.is_set()):
                return fired
            if until is not None and self.clock.now() >= until:
                return fired
            await self._sleep(self._wait_s(until), stop)

    async def _sleep(self, seconds: float, stop: asyncio.Event | None) -> None:
        if stop is None:
            await self.clock.sleep(seconds)
            return
        sleeper = asyncio.ensure_future(self.clock.sleep(seconds))
        waiter = asyncio.ensure_future(stop.wait())
        _, pending = await asyncio.wait({sleeper, waiter}, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)


def run_in_background(home: Home, stop: asyncio.Event, *, clock: Clock | None = None,
                      on_fired: OnFired | None = None) -> asyncio.Task[list[Fired]]:
    """For ``os1 serve``: start the initiative loop as a task on the running event loop.

    Set ``stop`` to end it (the item in progress finishes first); ``on_fired`` receives each
    run item and the message it posted, e.g. to push it to connected browsers.
    """
    daemon = Daemon(home, clock, on_fired)
    return asyncio.create_task(daemon.run(stop=stop), name="os1-initiative")
