"""Every user's OS: their own Home directory, opened on demand and kept in an LRU.

A request leases the UserOS of the user it authenticated as; nothing else can reach another
user's files. Two limits, least recently used first, never a leased home:
- ``max_open`` homes hold their database open (three files each: the database, its WAL and
  shared memory). Over it, idle homes are *suspended*: the connection is closed in a worker
  thread, but the UserOS (persona, engine, stores) stays, and reopening costs one connect,
  not a rebuild. With thousands of users and a file limit that cannot hold them all, this
  turns each return of a user into a reconnect instead of reopening their whole OS.
- ``max_kept`` UserOS objects are kept at all; over it, idle ones are closed and dropped.
One ChatModel is shared by every user's engine.

With server.database_url set, the conversation log (sessions, turns, persona and other
settings) is the user's rows in Postgres (PgEpisodes), and a user's turns are serialised
across every server process by an advisory lock (TurnLock), so several servers can serve the
same users; other per-user state stays in the home directory, which those servers share.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractAsyncContextManager, contextmanager
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from os1.config import Config
from os1.errors import StorageError
from os1.home import Home

if TYPE_CHECKING:
    from os1.brain.base import ChatModel
    from os1.engine import Engine
    from os1.initiative.approvals import Actions
    from os1.mind.affect import Affect
    from os1.mind.persona import Persona
    from os1.scale.locks import TurnLocks


class KeepOpenTransport(httpx.AsyncBaseTransport):
    """One connection pool for every turn: the OpenAI-compatible backend opens a client per
    call and closes it after; without this each turn would pay a new TCP connection."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:  # the pool outlives each call's client
        return None

    async def close_pool(self) -> None:
        await self.inner.aclose()


def shared_model(config: Config) -> tuple[ChatModel, KeepOpenTransport | None]:
    if config.brain.backend == "openai":
        from os1.server.fastmodel import PooledOpenAIModel

        limits = httpx.Limits(max_connections=None, max_keepalive_connections=200)
        transport = KeepOpenTransport(httpx.AsyncHTTPTransport(limits=limits))
        # tool calls and https take the parent's httpx path, through this shared pool
        return PooledOpenAIModel(config.brain, transport), transport
    from os1.brain.registry import open_model

    return open_model(config.brain), None


class PooledHome(Home):
    """A user's Home whose brain is the server's one shared model, opened on first use."""

    def __init__(self, config: Config, pool: HomePool) -> None:
        super().__init__(config)
        self._pool = pool
        self.join(config.home.name)

    @property  # type: ignore[override]
    def model(self) -> ChatModel:
        return self._pool.model


class TurnLock:
    """One turn at a time for one user: within this process (an asyncio lock) and, when the
    server shares a database, across every server process (``TurnLocks``)."""

    def __init__(self, user_id: str, shared: TurnLocks | None = None) -> None:
        self.user_id = user_id
        self.shared = shared
        self.local = asyncio.Lock()
        self._held: AbstractAsyncContextManager[None] | None = None

    def locked(self) -> bool:
        return self.local.locked()

    async def __aenter__(self) -> None:
        await self.local.acquire()
        if self.shared is None:
            return
        held = self.shared.hold(self.user_id)
        try:
            await held.__aenter__()
        except BaseException:
            self.local.release()
            raise
        self._held = held

    async def __aexit__(self, *exc: object) -> None:
        held, self._held = self._held, None
        try:
            if held is not None:
                await held.__aexit__(None, None, None)
        finally:
            self.local.release()


class UserOS:
    """One user's open OS. Turns run one at a time (``turn_lock``), like one conversation."""

    def __init__(
        self,
        user_id: str,
        home: Home,
        engine_mode: str,
        tools: dict[str, Any],
        locks: TurnLocks | None = None,
    ):
        self.user_id = user_id
        self.home = home
        self.engine_mode = engine_mode
        self.tools = tools
        self.turn_lock = TurnLock(user_id, locks)
        self.leases = 0
        self.daemon: Any = None  # the initiative loop's Daemon for this home (server/initiative)
        self._engine: Engine | None = None
        self._persona: Persona | None = None

    @property
    def persona(self) -> Persona | None:
        """Read once: on the server only first boot (``set_persona``) changes it."""
        if self._persona is None:
            self._persona = self.home.personas.get()
        return self._persona

    def set_persona(self, persona: Persona) -> None:
        self._persona = persona

    @cached_property
    def affect(self) -> Affect:
        from os1.mind.affect import Affect

        return Affect.open(self.home)

    @cached_property
    def actions(self) -> Actions:
        from os1.initiative.approvals import Actions

        return Actions.open(self.tools, self.home.skill_context)

    def engine(self) -> Engine:
        """The engine for this user; first boot must have happened (persona stored)."""
        persona = self.persona
        if persona is None:
            raise LookupError("first boot has not happened")
        if self._engine is None or self._engine.persona != persona:
            self._engine = self._build(persona)
        return self._engine

    def _build(self, persona: Persona) -> Engine:
        if self.engine_mode == "full":
            from os1.engine import open_engine

            return open_engine(self.home, persona)
        from os1.engine import Engine

        return Engine(
            self.home.model,
            self.home.episodes,
            persona,
            observers=[self.affect],
            mood_hint=self.affect.style_hint,
        )

    @cached_property
    def memory(self) -> Any:
        """The memory store: the engine's own when it has one, so forgetting reaches recall."""
        if self._engine is not None:
            for obs in self._engine.observers:
                store = getattr(obs, "store", None)
                if store is not None:
                    return store
        from os1.memory import open_memory

        return open_memory(self.home)

    def close(self) -> None:
        self.home.close()


class HomePool:
    def __init__(
        self,
        root: Path,
        config: Config,
        *,
        max_open: int = 256,
        max_kept: int = 20_000,
        tools: dict[str, Any] | None = None,
        model: ChatModel | None = None,
    ) -> None:
        self.root = root
        self.config = config
        self.max_open = max_open
        self.max_kept = max(max_kept, max_open)
        self.tools = tools if tools is not None else {}
        self._model = model
        self._transport: KeepOpenTransport | None = None
        self._io: ThreadPoolExecutor | None = None  # opening, suspending and closing homes
        self._closing: set[asyncio.Future[None]] = set()
        self._suspending: dict[str, asyncio.Future[None]] = {}
        self._waiting: deque[asyncio.Future[None]] = deque()  # ready() calls held back
        self._opening = 0
        self._kept: OrderedDict[str, UserOS] = OrderedDict()  # every kept UserOS
        self._live: OrderedDict[str, None] = OrderedDict()  # those with an open database
        self.locks: TurnLocks | None = None
        if config.server.database_url:
            from os1.scale.locks import TurnLocks

            self.locks = TurnLocks(config.server.database_url)

    @property
    def model(self) -> ChatModel:
        if self._model is None:
            self._model, self._transport = shared_model(self.config)
        return self._model

    def home_dir(self, user_id: str) -> Path:
        if not user_id.isalnum():  # ids are ours (new_id), never a path a client chose
            raise ValueError(f"bad user id {user_id!r}")
        return self.root / "users" / user_id

    def _open_home(self, user_id: str) -> Home:
        cfg = self.config.model_copy(deep=True)
        cfg.home = self.home_dir(user_id)
        return PooledHome(cfg, self)

    def _get(self, user_id: str) -> UserOS:
        uos = self._kept.get(user_id)
        if uos is None:
            try:
                home = self._open_home(user_id)
            except StorageError:  # most likely out of file descriptors: free idle homes
                self._evict(keep=0)
                home = self._open_home(user_id)
            uos = UserOS(user_id, home, self.config.server.engine, self.tools, self.locks)
            self._kept[user_id] = uos
        self._kept.move_to_end(user_id)
        self._live[user_id] = None  # a suspended database reopens on its first use
        self._live.move_to_end(user_id)
        return uos

    def _evict(self, keep: int | None = None) -> None:
        """Suspend idle homes over ``max_open`` (or ``keep``), and close idle ones over
        ``max_kept``; least recently used first."""
        excess = len(self._live) - (self.max_open if keep is None else keep)
        if excess > 0:
            for uid in self._idle(self._live, excess):
                del self._live[uid]
                self._suspend_soon(uid, self._kept[uid])
        excess = len(self._kept) - self.max_kept
        if excess > 0:
            for uid in self._idle(self._kept, excess):
                self._live.pop(uid, None)
                self._close_soon(self._kept.pop(uid))

    def _idle(self, order: OrderedDict[str, Any], wanted: int) -> list[str]:
        found = []
        for uid in order:  # oldest first; stop once enough are found
            if self._kept[uid].leases == 0 and uid not in self._suspending:
                found.append(uid)
                if len(found) == wanted:
                    break
        return found

    def _in_worker(self, fn: Callable[[], None]) -> asyncio.Future[None] | None:
        """Run ``fn`` in a worker thread when on the event loop (closing a database
        checkpoints its WAL: disk writes and an fsync); else now, returning None."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            fn()
            return None
        done = loop.run_in_executor(self._workers(), fn)
        self._closing.add(done)
        done.add_done_callback(self._closed)
        return done

    def _close_soon(self, item: UserOS | Home) -> None:
        self._in_worker(item.close)

    def _suspend_soon(self, user_id: str, uos: UserOS) -> None:
        done = self._in_worker(uos.home.db.suspend)
        if done is not None:
            self._suspending[user_id] = done
            done.add_done_callback(lambda _: self._suspending.pop(user_id, None))

    def _closed(self, done: asyncio.Future[None]) -> None:
        """A close finished, so a home's files are free: the longest-waiting opening goes."""
        self._closing.discard(done)
        while self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    def holding(self) -> int:
        """Homes holding open files: open, being opened, or being closed."""
        return len(self._live) + self._opening + len(self._closing)

    def _workers(self) -> ThreadPoolExecutor:
        if self._io is None:
            self._io = ThreadPoolExecutor(IO_THREADS, thread_name_prefix="os1-homes")
        return self._io

    def _open_warm(self, user_id: str) -> UserOS:
        """A user's OS ready for a turn, made in a worker thread: the home opened and written
        to once (the first write after opening creates the WAL, which SQLite syncs to disk:
        about 10 ms here), its persona read and, for the direct engine, its engine built.
        On the event loop these cost every other conversation a wait; here, nothing."""
        home = self._open_home(user_id)
        home.db.migrate("server_pool", [WARM_TABLE])
        warm(home)
        uos = UserOS(user_id, home, self.config.server.engine, self.tools, self.locks)
        if uos.persona is not None and uos.engine_mode == "direct":
            uos.engine()  # the full engine opens memory models: left to the first turn
        return uos

    async def ready(self, user_id: str) -> None:
        """Open (or reopen) the user's home in a worker thread unless it is open already, so
        that opening it (file creation, WAL recovery) does not stall every other
        conversation; a ``lease`` straight after (no await between) then finds it open."""
        if user_id in self._live:
            return
        loop = asyncio.get_running_loop()
        first = True
        while self.holding() >= self.max_open + MAX_CLOSING:  # each holds 3 open files
            self._evict()  # idle homes over max_open start closing; each close lets one in
            waiter: asyncio.Future[None] = loop.create_future()
            if first:
                self._waiting.append(waiter)
            else:  # woken, but others took the room: keep this one's place in the queue
                self._waiting.appendleft(waiter)
            first = False
            await waiter
            if user_id in self._live:
                return
        if self.config.server.engine == "direct":
            _ = self.model  # made once, here, before worker threads build engines on it
        self._opening += 1
        try:
            if user_id in self._suspending:  # its close is under way: reopen after it
                await asyncio.shield(self._suspending[user_id])
            kept = self._kept.get(user_id)
            if kept is not None:
                await loop.run_in_executor(self._workers(), warm, kept.home)
                uos = kept
            else:
                uos = await loop.run_in_executor(self._workers(), self._open_warm, user_id)
        finally:
            self._opening -= 1
        if uos is not self._kept.setdefault(user_id, uos):  # opened by someone else meanwhile
            self._close_soon(uos)
        self._live[user_id] = None

    @contextmanager
    def lease(self, user_id: str) -> Iterator[UserOS]:
        """The user's OS, kept open until the block ends."""
        uos = self._get(user_id)
        uos.leases += 1
        try:
            yield uos
        finally:
            uos.leases -= 1
            self._evict()

    @property
    def open_count(self) -> int:
        """Homes with their database open."""
        return len(self._live)

    @property
    def kept_count(self) -> int:
        """Homes whose OS is kept in memory, open or suspended."""
        return len(self._kept)

    async def aclose(self) -> None:
        for uos in self._kept.values():
            uos.close()
        self._kept.clear()
        self._live.clear()
        if self._closing:
            await asyncio.wait(set(self._closing))
        if self._io is not None:
            self._io.shutdown()
        if self.locks is not None:
            await self.locks.aclose()
        if self._transport is not None:
            await self._transport.close_pool()
        closing = getattr(self._model, "aclose", None)
        if closing is not None:
            await closing()


def warm(home: Home) -> None:
    """Write once, so that the database's WAL exists (and was synced) before a turn needs it."""
    home.db.execute("INSERT OR REPLACE INTO server_pool (id, opened) VALUES (1, ?)",
                    (time.time(),))


WARM_TABLE = "CREATE TABLE server_pool (id INTEGER PRIMARY KEY CHECK (id = 1), opened REAL)"
IO_THREADS = 2  # more crowd out the event loop: at 8,316 sessions (bench/serve.py) the p50
# added latency per token was 47 ms with 16 threads, 28 ms with 2 (same code otherwise)
MAX_CLOSING = 64  # homes over max_open that may hold files (closing) before openings wait


__all__ = ["HomePool", "KeepOpenTransport", "UserOS", "shared_model"]
