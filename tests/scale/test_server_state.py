"""The server's own state on both stores: accounts (users.db / Postgres), the conversation log
(Episodes on SQLite / PgEpisodes), idempotent turns, and the cross-process turn lock."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from os1.config import Config
from os1.engine import Engine
from os1.errors import ApprovalDenied, InputError
from os1.memory.episodes import Episodes
from os1.mind.persona import Persona
from os1.server.users import Accounts, UserStore, digest
from os1.testing import ScriptedModel


def uid() -> str:
    return "u" + uuid.uuid4().hex[:16]


@pytest.fixture(params=["sqlite", "postgres"])
def accounts(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Accounts]:
    if request.param == "sqlite":
        store: Accounts = UserStore(tmp_path / "users.db")
    else:
        from os1.server.pgusers import PgUserStore

        store = PgUserStore(request.getfixturevalue("pg_url"))
    yield store
    store.close()


@pytest.fixture(params=["sqlite", "postgres"])
def episodes(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Episodes]:
    if request.param == "sqlite":
        from os1.db import Database

        db = Database(tmp_path / "os1.db")
        yield Episodes(db)
        db.close()
    else:
        from os1.scale.episodes import PgEpisodes

        yield PgEpisodes(request.getfixturevalue("pg_url"), uid())


# accounts -------------------------------------------------------------------------------
def test_accounts_keep_names_unique_ignoring_case(accounts: Accounts) -> None:
    name = f"Ann{uuid.uuid4().hex[:6]}"
    ann = accounts.add(name, "hash")
    with pytest.raises(InputError, match="taken"):
        accounts.add(name.lower())
    with pytest.raises(InputError):
        accounts.add("a/b")
    assert accounts.by_name(name.upper()) == ann and accounts.get(ann.id) == ann
    assert accounts.password_hash(ann.id) == "hash" and name in accounts.names()


def test_tokens_and_sessions_work_and_expire(accounts: Accounts) -> None:
    user = accounts.add(f"bo{uuid.uuid4().hex[:6]}")
    token = accounts.create_token(user.id, "script")
    assert accounts.user_for_token(token) == user
    assert accounts.user_for_token(token + "x") is None
    [listed] = accounts.tokens(user.id)
    accounts.revoke_token(user.id, str(listed["id"]))
    assert accounts.user_for_token(token) is None
    sid, csrf = accounts.create_session(user.id, days=1)
    found = accounts.session(sid)
    assert found is not None and found.user == user and found.csrf == csrf
    accounts.end_session(sid)
    assert accounts.session(sid) is None
    expired, _ = accounts.create_session(user.id, days=-1)
    assert accounts.session(expired) is None
    assert accounts.purge_sessions() >= 1


def test_postgres_keeps_only_digests_of_secrets(pg_url: str) -> None:
    import psycopg

    from os1.server.pgusers import PgUserStore

    store = PgUserStore(pg_url)
    user = store.add(f"cy{uuid.uuid4().hex[:6]}")
    token = store.create_token(user.id)
    sid, _ = store.create_session(user.id, days=1)
    with psycopg.connect(pg_url) as conn:
        dump = str(conn.execute(
            "SELECT array_agg(t) FROM (SELECT row_to_json(x)::text AS t FROM api_tokens x "
            "UNION ALL SELECT row_to_json(y)::text FROM web_sessions y) q").fetchone())  # fmt: skip
    assert token not in dump and sid not in dump
    assert digest(token) in dump and digest(sid) in dump


# the conversation log ----------------------------------------------------------------------
def test_a_turn_added_twice_with_its_id_is_stored_once(episodes: Episodes) -> None:
    from os1.scale.episodes import PgEpisodes

    sid = episodes.current_session()
    first = episodes.add_turn(sid, "user", "hello", turn_id="c-1")
    if isinstance(episodes, PgEpisodes):  # (the engine asks before adding on either store)
        assert episodes.add_turn(sid, "user", "hello again", turn_id="c-1") == first
    episodes.add_turn(sid, "assistant", "hi")
    assert [t.text for t in episodes.turns(sid)] == ["hello", "hi"]
    assert [t.seq for t in episodes.turns(sid)] == [1, 2]
    assert episodes.turn("c-1") == first and episodes.count_turns() == 2
    assert [t.text for t in episodes.turns(sid, last=1)] == ["hi"]
    episodes.set("k", "v")
    episodes.set("k", "w")
    assert episodes.get("k") == "w" and episodes.get("nothing") is None


def test_sessions_start_end_and_stay_current(episodes: Episodes) -> None:
    first = episodes.current_session()
    assert episodes.current_session() == first
    episodes.end_session(first)
    second = episodes.new_session()
    assert episodes.current_session() == second != first
    listed = episodes.sessions()
    assert [s["id"] for s in listed] == [first, second] and listed[0]["ended"] is not None


def test_two_servers_writing_at_once_get_one_session_and_dense_turns(pg_url: str) -> None:
    from os1.scale.episodes import PgEpisodes
    from os1.scale.pool import Pool

    user = uid()
    views = [PgEpisodes(pg_url, user, pool=Pool(pg_url)) for _ in range(4)]  # four "servers"
    got: list[str] = []
    barrier = threading.Barrier(4)

    def write(ep: PgEpisodes, n: int) -> None:
        barrier.wait()
        sid = ep.current_session()
        got.append(sid)
        for i in range(10):
            ep.add_turn(sid, "user", f"{n}-{i}")

    threads = [threading.Thread(target=write, args=(v, n)) for n, v in enumerate(views)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(set(got)) == 1
    turns = views[0].turns(got[0])
    assert [t.seq for t in turns] == list(range(1, 41))
    assert sorted(t.text for t in turns) == sorted(f"{n}-{i}" for n in range(4) for i in range(10))
    for v in views:
        v.pool.close()


# retried messages ----------------------------------------------------------------------
async def run(engine: Engine, text: str, turn_id: str | None = None) -> list[Any]:
    return [ev async for ev in engine.turn(text, turn_id=turn_id)]


async def test_a_retried_message_is_answered_once(episodes: Episodes) -> None:
    model = ScriptedModel(["First answer.", "Second answer."])
    engine = Engine(model, episodes, Persona(os_name="Sam", user_name="Pat"))
    events = await run(engine, "Hello there.", "c-a")
    assert events[-1].reply == "First answer."
    again = await run(engine, "Hello there.", "c-a")
    assert again[-1].reply == "First answer." and again[-1].timings["replayed"] == 1.0
    assert len(model.calls) == 1  # replayed, not generated again
    sid = episodes.current_session()
    # a server stored the message and died before answering: the retry answers it, once
    episodes.add_turn(sid, "user", "Are you there?", "Pat", turn_id="c-b")
    answered = await run(engine, "Are you there?", "c-b")
    assert answered[-1].reply == "Second answer."
    prompt = [m.content for m in model.calls[-1][0]]
    assert prompt.count("Are you there?") == 1  # the stored message is not in its own history
    texts = [(t.role, t.text) for t in episodes.turns(sid)]
    assert texts == [("user", "Hello there."), ("assistant", "First answer."),
                     ("user", "Are you there?"), ("assistant", "Second answer.")]


# the turn lock across processes --------------------------------------------------------
async def test_turn_lock_waits_for_the_other_server_and_frees_when_it_dies(pg_url: str) -> None:
    from os1.scale.locks import TurnBusy, TurnLocks

    a, b = TurnLocks(pg_url), TurnLocks(pg_url, wait_s=0.3)
    user = uid()
    order: list[str] = []
    async with a.hold(user):
        with pytest.raises(TurnBusy, match="still answering"):
            async with b.hold(user):
                pass
        async with b.hold(uid()):  # other users are not held up
            order.append("other user")
    b.wait_s = 10.0

    async def second() -> None:
        async with b.hold(user):
            order.append("b")

    async with a.hold(user):
        waiting = asyncio.create_task(second())
        await asyncio.sleep(0.3)
        order.append("a")
    await waiting
    assert order == ["other user", "a", "b"]

    # a server that dies holding the lock (its connection drops) frees it at once
    cm = a.hold(user)
    await cm.__aenter__()
    await a._conn.close()
    async with b.hold(user):
        order.append("after death")
    assert order[-1] == "after death"
    await cm.__aexit__(None, None, None)  # nothing left to free: the connection is gone
    await a.aclose()
    await b.aclose()


async def test_homes_share_the_log_and_the_lock_when_postgres_is_set(
    pg_url: str, tmp_path: Path
) -> None:
    from os1.server.homes import HomePool

    cfg = Config()
    cfg.home = tmp_path
    cfg.server.database_url = pg_url
    one = HomePool(tmp_path, cfg, model=ScriptedModel())
    two = HomePool(tmp_path, cfg, model=ScriptedModel())
    user = uid()
    with one.lease(user) as first, two.lease(user) as second:
        first.home.episodes.set("who", "one")
        assert second.home.episodes.get("who") == "one"
        async with first.turn_lock:
            assert first.turn_lock.locked() and not second.turn_lock.locked()
            assert two.locks is not None
            two.locks.wait_s = 0.2
            from os1.scale.locks import TurnBusy

            with pytest.raises(TurnBusy):
                async with second.turn_lock:
                    pass
            assert not second.turn_lock.locked()  # the local lock was let go again
        async with second.turn_lock:
            pass
    await one.aclose()
    await two.aclose()


async def test_an_approval_proposed_on_one_server_is_approved_on_the_other_once(
    pg_url: str, tmp_path: Path
) -> None:
    from os1.server.homes import HomePool
    from os1.skills.base import SkillContext, Tool

    runs: list[dict[str, Any]] = []

    async def send(args: dict[str, Any], ctx: SkillContext) -> str:  # test double for mail
        runs.append(args)
        return "sent"

    tools = {"send_note": Tool("send_note", "Test double: records the send.",
                               {"type": "object"}, True, send)}
    cfg = Config()
    cfg.home = tmp_path
    cfg.server.database_url = pg_url
    one = HomePool(tmp_path / "a", cfg, model=ScriptedModel(), tools=tools)
    two = HomePool(tmp_path / "b", cfg, model=ScriptedModel(), tools=tools)
    user = uid()
    with one.lease(user) as first, two.lease(user) as second:
        out = await first.actions.request("send_note", {"to": "amy"}, "you asked me to")
        assert [r["id"] for r in second.actions.pending()] == [out.approval_id]
        done = await second.actions.approve(out.approval_id)
        assert done.status == "done" and runs == [{"to": "amy"}]
        with pytest.raises(ApprovalDenied):
            await first.actions.approve(out.approval_id)
        assert [e["outcome"] for e in first.actions.audit()] == ["done"]
    assert runs == [{"to": "amy"}]
    await one.aclose()
    await two.aclose()


def test_login_limits_are_counted_together_by_every_server(pg_url: str, tmp_path: Path) -> None:
    from os1.scale.ratelimit import PgRateLimiter
    from os1.server.app import ServerState

    now = [1_000_000.0]
    a = PgRateLimiter(pg_url, "login_user", 3, 60.0, clock=lambda: now[0])
    b = PgRateLimiter(pg_url, "login_user", 3, 60.0, clock=lambda: now[0])
    other = PgRateLimiter(pg_url, "signup_ip", 3, 60.0, clock=lambda: now[0])
    key = uid()
    for _ in range(2):
        a.hit(key)
    assert b.retry_after(key) == 0.0
    b.hit(key)  # the third try, on the other server
    assert a.retry_after(key) == pytest.approx(60.0)
    assert other.retry_after(key) == 0.0  # another limiter counts its own tries
    now[0] += 30
    assert b.retry_after(key) == pytest.approx(30.0)
    now[0] += 31
    assert a.retry_after(key) == 0.0  # the window has passed
    for _ in range(3):
        a.hit(key)
    b.reset(key)  # a right password on one server clears the count on all
    assert a.retry_after(key) == 0.0
    cfg = Config()
    cfg.home = tmp_path
    cfg.server.database_url = pg_url
    state = ServerState.open(cfg, tmp_path, tools={})
    assert isinstance(state.login_user, PgRateLimiter)
    state.users.close()
