"""Every user's OS: their own Home directory, opened on demand and kept in an LRU.

A request leases the UserOS of the user it authenticated as; nothing else can reach another
user's files. Leased homes are never closed; the least recently used idle ones are closed
once more than ``max_open`` are open (each holds three open files: the database, its WAL
and shared memory). One ChatModel is shared by every user's engine.

With server.database_url set, the conversation log (sessions, turns, persona and other
settings) is the user's rows in Postgres (PgEpisodes), and a user's turns are serialised
across every server process by an advisory lock (TurnLock), so several servers can serve the
same users; other per-user state stays in the home directory, which those servers share.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict, deque
from collections.abc import Iterator
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
        self.user_id = config.home.name
        if config.server.database_url:
            from os1.scale.episodes import PgEpisodes

            self.episodes = PgEpisodes(config.server.database_url, self.user_id)

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
        tools: dict[str, Any] | None = None,
        model: ChatModel | None = None,
    ) -> None:
        self.root = root
        self.config = config
        self.max_open = max_open
        self.tools = tools if tools is not None else {}
        self._model = model
        self._transport: KeepOpenTransport | None = None
        self._io: ThreadPoolExecutor | None = None  # opening and closing homes
        self._closing: set[asyncio.Future[None]] = set()
        self._waiting: deque[asyncio.Future[None]] = deque()  # ready() calls held back
        self._opening = 0
        self._open: OrderedDict[str, UserOS] = OrderedDict()
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
        uos = self._open.get(user_id)
        if uos is None:
            try:
                home = self._open_home(user_id)
            except StorageError:  # most likely out of file descriptors: free idle homes
                self._evict(keep=0)
                home = self._open_home(user_id)
            uos = UserOS(user_id, home, self.config.server.engine, self.tools, self.locks)
            self._open[user_id] = uos
        self._open.move_to_end(user_id)
        return uos

    def _evict(self, keep: int | None = None) -> None:
        excess = len(self._open) - (self.max_open if keep is None else keep)
        if excess <= 0:
            return
        idle = []
        for uid, o in self._open.items():  # oldest first; stop once enough are found
            if o.leases == 0:
                idle.append(uid)
                if len(idle) == excess:
                    break
        for uid in idle:
            self._close_soon(self._open.pop(uid))

    def _close_soon(self, item: UserOS | Home) -> None:
        """Close in a worker thread when on the event loop (closing checkpoints the WAL: disk
        writes and an fsync), else now."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            item.close()
            return
        done = loop.run_in_executor(self._workers(), item.close)
        self._closing.add(done)
        done.add_done_callback(self._closed)

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
        return len(self._open) + self._opening + len(self._closing)

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
        home.db.execute("INSERT OR REPLACE INTO server_pool (id, opened) VALUES (1, ?)",
                        (time.time(),))
        uos = UserOS(user_id, home, self.config.server.engine, self.tools, self.locks)
        if uos.persona is not None and uos.engine_mode == "direct":
            uos.engine()  # the full engine opens memory models: left to the first turn
        return uos

    async def ready(self, user_id: str) -> None:
        """Open the user's home in a worker thread unless it is open already, so that opening
        it (file creation, WAL recovery) does not stall every other conversation; a ``lease``
        straight after (no await between) then finds it open."""
        if user_id in self._open:
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
            if user_id in self._open:
                return
        if self.config.server.engine == "direct":
            _ = self.model  # made once, here, before worker threads build engines on it
        self._opening += 1
        try:
            uos = await loop.run_in_executor(self._workers(), self._open_warm, user_id)
        finally:
            self._opening -= 1
        if user_id in self._open:  # opened by someone else meanwhile
            self._close_soon(uos)
            return
        self._open[user_id] = uos

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
        return len(self._open)

    async def aclose(self) -> None:
        for uos in self._open.values():
            uos.close()
        self._open.clear()
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


WARM_TABLE = "CREATE TABLE server_pool (id INTEGER PRIMARY KEY CHECK (id = 1), opened REAL)"
IO_THREADS = 16  # opening and closing wait on the disk (fsync) far more than on the CPU
MAX_CLOSING = 64  # homes over max_open that may hold files (closing) before openings wait


__all__ = ["HomePool", "KeepOpenTransport", "UserOS", "shared_model"]
