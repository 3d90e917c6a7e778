"""Initiative inside ``os1 serve``: every user's scheduler runs in the server, and what it says
reaches the user's open browser tabs at once.

One loop serves all users. Each user has a time to look again: when their next scheduled item
is due, and at the latest ``plan_s`` later (the daily jobs are planned then). A turn, first
boot or a connecting tab pokes the user (a reminder made in chat is looked at straight
away). Work that would otherwise arrive all at once is spread: after a start every home is
looked at once within ``sweep_s`` (reminders that fell due while the server was down fire
then, or when the user connects), and a user's first daily plan in a process comes at a
random time within ``plan_s``. Looking means leasing the user's home from the pool and running
:meth:`os1.initiative.daemon.Daemon.tick`, the same code ``os1 daemon`` runs, so the
scheduler's atomic claims keep every item to one runner and restart safety comes from there:
items survive a killed server and run once when it is back.

A fired message goes to every connection the user has open, as
``{"type": "initiative", "kind", "text", "reason", "approval_id", "id", "created"}``, and is
marked seen. With no tab open it waits, unseen, and is sent when the user next connects.

With PostgreSQL (``server.database_url``) the looks only plan and hand what is due to the job
queue (os1.scale.tasks.initiative_tick), as ``os1 daemon`` does: ``server.queue_workers``
threads in this process work the queue, and so can ``os1 worker`` processes anywhere. The
worker posts the message in PostgreSQL, which announces it (os1.scale.feed); every server
where the user has a tab open pushes it from there, so a reminder reaches the user's tabs on
all servers, whoever ran it.
"""

from __future__ import annotations

import asyncio
import heapq
import json
import logging
import math
import random
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from os1.initiative.clock import Clock, SystemClock
from os1.initiative.messages import Inbox, InitiativeMessage

if TYPE_CHECKING:
    from os1.initiative.daemon import Daemon
    from os1.initiative.scheduler import Fired
    from os1.server.homes import HomePool, UserOS

log = logging.getLogger("os1.server")
POLL_S = 15.0  # longest sleep between looks when nothing pokes the loop
PLAN_S = 3600.0  # a user with nothing due is still looked at this often (daily planning)
SWEEP_S = 600.0  # after a start, every home is looked at once within this time
HAND_OVER_S = 5.0  # with the job queue: how often a handed-over due item is looked at again
RETRY_S = 2.0  # with the job queue: how often a worker thread tries a database that went away
SENT_KEPT = 4096  # (connection, message) pairs remembered, so no tab gets a message twice
NEVER = math.inf

Push = Callable[[str], Awaitable[None]]


def message_json(msg: InitiativeMessage) -> str:
    return json.dumps({"type": "initiative", "id": msg.id, "kind": msg.kind, "text": msg.text,
                       "reason": msg.reason, "approval_id": msg.approval_id,
                       "created": msg.created}, ensure_ascii=False)


class LookTimes:
    """When each user's schedule is to be looked at next, with the soonest found in
    O(log n): a server with thousands of users is poked after every turn, and scanning them
    all at each poke cost more than the looks themselves."""

    def __init__(self) -> None:
        self.times: dict[str, float] = {}
        self._heap: list[tuple[float, str]] = []  # may hold stale entries; times decides

    def set(self, user_id: str, at: float) -> None:
        self.times[user_id] = at
        heapq.heappush(self._heap, (at, user_id))
        if len(self._heap) > 4 * len(self.times) + 64:  # drop stale entries now and then
            self._heap = [(t, u) for u, t in self.times.items()]
            heapq.heapify(self._heap)

    def _drop_stale(self) -> None:
        heap = self._heap
        while heap and self.times.get(heap[0][1]) != heap[0][0]:
            heapq.heappop(heap)

    def soonest(self) -> float:
        self._drop_stale()
        return self._heap[0][0] if self._heap else NEVER

    def due(self, now: float) -> list[str]:
        """Users whose time has come, soonest first (each once)."""
        out: list[str] = []
        while True:
            self._drop_stale()
            if not self._heap or self._heap[0][0] > now:
                return out
            _, user_id = heapq.heappop(self._heap)
            del self.times[user_id]  # looking at it sets its next time
            out.append(user_id)


class ServerInitiative:
    def __init__(self, pool: HomePool, clock: Clock | None = None, *,
                 poll_s: float = POLL_S, plan_s: float = PLAN_S,
                 sweep_s: float = SWEEP_S, queue: Any | None = None, workers: int = 0,
                 hand_over_s: float = HAND_OVER_S) -> None:
        """``queue``: an os1.scale.queue.Queue to hand due work to, with ``workers`` threads
        here working it; None runs due work in this process."""
        self.pool = pool
        self.clock = clock or SystemClock()
        self.poll_s = poll_s
        self.plan_s = plan_s
        self.sweep_s = sweep_s
        self._rng = random.Random(0)
        self.next_look = LookTimes()
        self.poked: set[str] = set()  # poked since their look began: looked at again at once
        self.planned: dict[str, float] = {}  # when each user's daily jobs were last planned
        self.listeners: dict[str, set[Push]] = {}
        self.looks = 0  # homes looked at, for tests and /api/health
        self.queue = queue
        self.workers = workers
        self.hand_over_s = hand_over_s
        self.feed: Any = None  # os1.scale.feed.MessageFeed while the queue side runs
        self._threads: list[threading.Thread] = []  # this server's queue workers
        self._sent: OrderedDict[tuple[Push, str], None] = OrderedDict()
        self._deliveries: set[asyncio.Future[None]] = set()
        self._wake = asyncio.Event()

    # who is listening -----------------------------------------------------------------------
    async def subscribe(self, user_id: str, push: Push) -> None:
        """A connection opened: send it what waited unseen, then everything new."""
        self.listeners.setdefault(user_id, set()).add(push)
        for msg in await self._messages(user_id, None):
            await self._send(push, msg)
        self.poke(user_id)

    async def _messages(self, user_id: str, key: str | None) -> list[InitiativeMessage]:
        """Message ``key`` of the user (None: all that waited unseen), now marked seen; the
        reads and writes run in a worker thread, off the event loop."""
        await self.pool.ready(user_id)
        with self.pool.lease(user_id) as uos:
            return await asyncio.to_thread(self._announced, uos, key)

    @staticmethod
    def _unseen(uos: UserOS) -> list[InitiativeMessage]:
        """What waited unseen, oldest first, now marked seen."""
        inbox = Inbox.open(uos.home)
        waiting = sorted(inbox.recent(50, unseen_only=True), key=lambda m: m.created)
        inbox.mark_seen([m.id for m in waiting])
        return waiting

    def unsubscribe(self, user_id: str, push: Push) -> None:
        pushes = self.listeners.get(user_id)
        if pushes is not None:
            pushes.discard(push)
            if not pushes:
                del self.listeners[user_id]

    def poke(self, user_id: str) -> None:
        """Look at this user's schedule now (something may have been added)."""
        self.poked.add(user_id)
        self.next_look.set(user_id, 0.0)
        self._wake.set()

    def poke_all(self) -> None:
        for user_id in list(self.next_look.times):
            self.next_look.set(user_id, 0.0)
        self._wake.set()

    # the loop -------------------------------------------------------------------------------
    def known_users(self) -> list[str]:
        """Users whose home exists on this server (first boot made it)."""
        root = self.pool.root / "users"
        if not root.is_dir():
            return []
        return [p.name for p in root.iterdir() if p.is_dir() and p.name.isalnum()]

    async def run(self, stop: asyncio.Event) -> None:
        # every home is looked at once after a start, spread over sweep_s so that thousands
        # of homes are not opened at once; a user who connects or talks is looked at now
        start = self.clock.now()
        for user_id in self.known_users():
            if user_id not in self.next_look.times:
                self.next_look.set(user_id, start + self._rng.uniform(0, self.sweep_s))
        helpers = self._start_queue_side()
        try:
            await self._loop(stop)
        finally:
            await asyncio.to_thread(helpers)

    async def _loop(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            now = self.clock.now()
            due = self.next_look.due(now)
            for user_id in due:
                if stop.is_set():
                    return
                try:
                    await self.look(user_id)
                except Exception:  # one user's broken home must not stop everyone's reminders
                    log.exception("initiative failed for user %s", user_id)
                    self._look_next(user_id, self.clock.now() + self.poll_s)
                await asyncio.sleep(0)  # let turns in progress breathe between homes
            await self._sleep(stop)

    async def _sleep(self, stop: asyncio.Event) -> None:
        soonest = self.next_look.soonest()
        wait = max(0.0, min(self.poll_s, soonest - self.clock.now()))
        self._wake.clear()
        waker = asyncio.ensure_future(self._wake.wait())
        stopper = asyncio.ensure_future(stop.wait())
        _, pending = await asyncio.wait({waker, stopper}, timeout=wait,
                                        return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    async def look(self, user_id: str) -> list[Fired]:
        """Plan and run what is due for one user; push what it said. Returns what ran."""
        self.looks += 1
        self.poked.discard(user_id)
        await self.pool.ready(user_id)
        with self.pool.lease(user_id) as uos:
            if uos.persona is None:  # not woken yet: first boot pokes again
                self._look_next(user_id, NEVER)
                return []
            daemon = self._daemon(uos)
            now = self.clock.now()
            nxt = await asyncio.to_thread(daemon.scheduler.next_due)
            if nxt is None or nxt > now:
                if user_id not in self.planned:
                    # first look in this process with nothing due: the daily plan comes at a
                    # random time within plan_s, so a crowd arriving at once is not planned
                    # at once (a plan is a dozen writes)
                    self.planned[user_id] = now - self.plan_s * self._rng.random()
                if self.planned[user_id] > now - self.plan_s:
                    # nothing due and planned recently: one query, no planning, nothing run
                    self._look_next(user_id, min(nxt if nxt is not None else NEVER,
                                                 self.planned[user_id] + self.plan_s))
                    return []
            sent: list[InitiativeMessage] = []
            daemon.on_fired = lambda _f, msg: sent.append(msg) if msg is not None else None
            if self.queue is None:
                fired = await daemon.tick()
                nxt = daemon.scheduler.next_due()
            else:  # plan and hand over; a worker runs it, and the feed hears what it said
                fired = []
                nxt = await asyncio.to_thread(self._hand_over, daemon)
                if nxt is not None and nxt <= now:
                    nxt = now + self.hand_over_s  # pending until a worker runs it
            self.planned[user_id] = now
            self._look_next(user_id, min(nxt if nxt is not None else NEVER, now + self.plan_s))
            if sent and self.listeners.get(user_id):
                for msg in sent:
                    await self._push(user_id, msg)
                daemon.inbox.mark_seen([m.id for m in sent])
        return fired

    @staticmethod
    def _hand_over(daemon: Daemon) -> float | None:
        daemon.plan_and_hand_over()
        return daemon.scheduler.next_due()

    def _look_next(self, user_id: str, at: float) -> None:
        """When to look at this user again: ``at``, or at once if they were poked while this
        look waited (on the home, or the schedule's query in a worker thread), since what
        the poke announced (a reminder just set) may be missing from what this look read."""
        if user_id in self.poked:
            at = 0.0
        self.next_look.set(user_id, at)

    def _daemon(self, uos: UserOS) -> Daemon:
        """One Daemon per open home, kept on it (a reopened home gets a new one)."""
        from os1.initiative.daemon import Daemon

        if uos.daemon is None:
            # a job names the user and the server's config: a server home has none of its own
            job_args = {"user": uos.user_id, "config": str(self.pool.config.home)}
            uos.daemon = Daemon(uos.home, self.clock, queue=self.queue, job_args=job_args)
        daemon: Daemon = uos.daemon
        return daemon

    async def _push(self, user_id: str, msg: InitiativeMessage) -> None:
        for push in list(self.listeners.get(user_id, ())):
            await self._send(push, msg)

    async def _send(self, push: Push, msg: InitiativeMessage) -> None:
        """Send ``msg`` on one connection, unless it went there already (a message can be
        both waiting unseen when a tab connects and announced by the database)."""
        if (push, msg.id) in self._sent:
            return
        self._sent[(push, msg.id)] = None
        if len(self._sent) > SENT_KEPT:
            self._sent.popitem(last=False)
        await push(message_json(msg))

    # the queue side (PostgreSQL) ----------------------------------------------------------
    def _start_queue_side(self) -> Callable[[], None]:
        """With a queue: the feed of announced messages and this server's worker threads.
        Returns what stops them."""
        if self.queue is None:
            return lambda: None
        from os1.scale.feed import MessageFeed

        loop = asyncio.get_running_loop()

        def hand(user: str | None, key: str | None) -> None:  # from the feed's thread
            loop.call_soon_threadsafe(self.announced, user, key)

        feed = MessageFeed(self.queue.url, hand)
        feed.start()
        self.feed = feed
        halt = threading.Event()
        queue = self.queue
        threads = [threading.Thread(target=self._work, args=(queue, halt), daemon=True,
                                    name=f"os1-worker-{i}") for i in range(self.workers)]
        for t in threads:
            t.start()
        self._threads = threads

        def stop() -> None:
            halt.set()
            feed.stop()
            for t in threads:  # the job in progress finishes; a longer one is taken over
                t.join(timeout=30)  # by another worker when its lease runs out

        return stop

    def queue_status(self) -> dict[str, Any]:
        """For /api/health: this server's worker threads alive, and whether it hears the
        database's announcements (false while the feed reconnects)."""
        return {"workers": sum(t.is_alive() for t in self._threads),
                "feed_listening": bool(self.feed is not None and self.feed.listening.is_set())}

    @staticmethod
    def _work(queue: Any, halt: threading.Event) -> None:
        from os1.scale.queue import Worker

        worker = None
        while worker is None and not halt.is_set():
            try:
                worker = Worker(queue.url, queue.name)
            except Exception as exc:  # the database is away at the start: jobs wait
                log.warning("queue worker cannot start (%s); trying again", exc)
                halt.wait(RETRY_S)
        if worker is None:
            return
        try:
            worker.work(halt, idle_s=1.0, retry_s=RETRY_S)  # it outlives a database restart
        except Exception:
            log.exception("queue worker stopped")
        finally:
            worker.close()

    def announced(self, user_id: str | None, key: str | None) -> None:
        """The database announced message ``key`` for ``user_id`` (both None: the feed was
        away, so look at every listening user's unseen messages)."""
        for user in [user_id] if user_id else list(self.listeners):
            if user in self.listeners:
                task = asyncio.ensure_future(self._deliver(user, key))
                self._deliveries.add(task)
                task.add_done_callback(self._deliveries.discard)

    async def _deliver(self, user_id: str, key: str | None) -> None:
        try:
            for msg in await self._messages(user_id, key):
                await self._push(user_id, msg)
        except Exception:
            log.exception("could not deliver a message to user %s", user_id)

    @classmethod
    def _announced(cls, uos: UserOS, key: str | None) -> list[InitiativeMessage]:
        if key is None:
            return cls._unseen(uos)
        inbox = Inbox.open(uos.home)
        msg = inbox.by_key(key)
        if msg is None:
            return []
        inbox.mark_seen([msg.id])
        return [msg]


__all__ = ["ServerInitiative", "message_json"]
