"""users.db and the pool of open homes, without HTTP."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from os1.config import Config
from os1.db import Database
from os1.errors import InputError
from os1.server.homes import HomePool
from os1.server.users import UserStore, digest
from os1.testing import ScriptedModel


def test_tokens_and_sessions_are_stored_only_as_digests(tmp_path: Path) -> None:
    store = UserStore(tmp_path / "users.db")
    user = store.add("ann")
    token = store.create_token(user.id, "script")
    sid, csrf = store.create_session(user.id, days=1)
    raw = (tmp_path / "users.db").read_bytes() + (tmp_path / "users.db-wal").read_bytes()
    assert token.encode() not in raw and sid.encode() not in raw
    assert digest(token).encode() in raw
    assert store.user_for_token(token) == user
    assert store.user_for_token(token + "x") is None
    session = store.session(sid)
    assert session is not None and session.user == user and session.csrf == csrf
    store.end_session(sid)
    assert store.session(sid) is None
    store.close()


def test_expired_sessions_do_not_authenticate(tmp_path: Path) -> None:
    store = UserStore(tmp_path / "users.db")
    user = store.add("ann")
    sid, _ = store.create_session(user.id, days=1)
    store.db.execute("UPDATE web_sessions SET expires = 0")
    assert store.session(sid) is None
    assert store.purge_sessions() == 1
    store.close()


def test_names_are_unique_ignoring_case(tmp_path: Path) -> None:
    store = UserStore(tmp_path / "users.db")
    store.add("Ann")
    with pytest.raises(InputError, match="taken"):
        store.add("ann")
    with pytest.raises(InputError):
        store.add("a/b")
    store.close()


async def test_each_user_gets_their_own_home_and_idle_ones_are_closed(tmp_path: Path) -> None:
    cfg = Config()
    cfg.home = tmp_path
    pool = HomePool(tmp_path, cfg, max_open=2, model=ScriptedModel())
    with pool.lease("u1") as first:
        for uid in ("u2", "u3", "u4"):
            with pool.lease(uid) as uos:
                uos.home.episodes.set("who", uid)
        assert pool.open_count <= 3  # u1 is leased: never closed under a running turn
        first.home.episodes.set("who", "u1")  # still usable
    assert pool.open_count == 2
    for uid in ("u1", "u2", "u3", "u4"):
        db = sqlite3.connect(tmp_path / "users" / uid / "os1.db")
        assert db.execute("SELECT value FROM kv WHERE key='who'").fetchone() == (uid,)
        db.close()
    with pytest.raises(ValueError):
        pool.home_dir("../u1")
    await pool.aclose()
    assert pool.open_count == 0


async def test_ready_opens_a_home_off_the_event_loop_and_eviction_suspends_it_there(
    tmp_path: Path,
) -> None:
    import asyncio
    import threading

    cfg = Config()
    cfg.home = tmp_path
    pool = HomePool(tmp_path, cfg, max_open=1, max_kept=2, model=ScriptedModel())
    opened_on: list[int] = []
    real_open = pool._open_home

    def watched(user_id: str) -> object:
        opened_on.append(threading.get_ident())
        return real_open(user_id)

    pool._open_home = watched  # type: ignore[method-assign,assignment]
    await pool.ready("u1")
    assert opened_on and opened_on[0] != threading.get_ident()
    with pool.lease("u1") as first:  # found open: not opened again
        first.home.episodes.set("who", "u1")
    assert len(opened_on) == 1
    warm = first.home.db.query("SELECT opened FROM server_pool")  # its first write was made
    assert len(warm) == 1 and warm[0][0] > 0
    await pool.ready("u2")
    with pool.lease("u2"):
        pass  # on leaving, one home at most keeps its files: u1's database is closed
    for _ in range(100):
        if first.home.db.suspended and not pool._closing:
            break
        await asyncio.sleep(0.02)
    else:
        raise AssertionError("u1's database was never closed")
    assert pool.open_count == 1 and pool.kept_count == 2
    await pool.ready("u1")  # back: the same OS, its database reopened, nothing rebuilt
    with pool.lease("u1") as again:
        assert again is first and not first.home.db.suspended
        assert again.home.episodes.get("who") == "u1"
    assert len(opened_on) == 2  # u2 only; u1 was never opened a second time
    await pool.ready("u3")
    with pool.lease("u3"):
        pass  # three users, two kept at most: the least recently used one is closed for good
    for _ in range(100):
        if pool.kept_count == 2 and not pool._closing:
            break
        await asyncio.sleep(0.02)
    assert pool.kept_count == 2 and "u2" not in pool._kept
    await pool.aclose()
    with pytest.raises(sqlite3.ProgrammingError):
        first.home.db.query("SELECT 1")  # closed, not merely suspended: no silent reopen


async def test_open_files_stay_bounded_while_closes_are_slow_and_none_is_left_waiting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio
    import time
    from collections import deque

    import os1.server.homes as homes

    monkeypatch.setattr(homes, "MAX_CLOSING", 2)
    real_close = homes.UserOS.close

    def slow_close(self: homes.UserOS) -> None:  # a busy disk
        time.sleep(0.05)
        real_close(self)

    real_suspend = Database.suspend

    def slow_suspend(self: Database) -> None:
        time.sleep(0.05)
        real_suspend(self)

    monkeypatch.setattr(homes.UserOS, "close", slow_close)
    monkeypatch.setattr(Database, "suspend", slow_suspend)
    cfg = Config()
    cfg.home = tmp_path
    pool = HomePool(tmp_path, cfg, max_open=1, model=ScriptedModel())
    held_back: list[int] = []

    class Counted(deque):  # type: ignore[type-arg]
        def append(self, item: object) -> None:
            held_back.append(1)
            super().append(item)

    pool._waiting = Counted()

    peak: list[int] = []

    async def turns(first: int) -> None:  # one conversation after another
        for i in range(first, first + 3):
            await pool.ready(f"u{i}")
            peak.append(pool.holding())
            with pool.lease(f"u{i}") as uos:
                uos.home.episodes.set("who", f"u{i}")

    await asyncio.wait_for(asyncio.gather(*(turns(i) for i in range(0, 30, 3))), 60)
    assert held_back and not pool._waiting  # some waited; none is still waiting
    assert max(peak) <= 1 + 2  # max_open + MAX_CLOSING homes hold files, never more
    await pool.aclose()
    for i in range(30):
        db = sqlite3.connect(tmp_path / "users" / f"u{i}" / "os1.db")
        assert db.execute("SELECT value FROM kv WHERE key='who'").fetchone() == (f"u{i}",)
        db.close()


async def test_ready_hands_over_a_direct_engine_built_in_the_worker_thread(tmp_path: Path) -> None:
    import time

    from os1.mind.persona import Persona

    cfg = Config()
    cfg.home = tmp_path
    cfg.server.engine = "direct"
    pool = HomePool(tmp_path, cfg, max_open=4, model=ScriptedModel())
    with pool.lease("u1") as uos:
        uos.home.personas.save(Persona("Samantha", "Theodore", created=time.time()))
    await pool.aclose()
    pool = HomePool(tmp_path, cfg, max_open=4, model=ScriptedModel())
    await pool.ready("u1")
    warm = pool._kept["u1"]
    assert warm.persona is not None and warm.persona.user_name == "Theodore"
    assert warm._engine is not None  # nothing left to build on the event loop
    with pool.lease("u1") as uos:
        assert uos is warm and uos.engine() is warm._engine
    await pool.aclose()
