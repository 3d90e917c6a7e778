"""The undo journal on both stores (SQLite in the home, PostgreSQL keyed by user), opened the way
os1 opens it (UndoJournal.open): newest first, one entry by id, an undo that runs its reverter
once even when two homes undo the same entry at once, a failed revert left undoable, users kept
apart, and one journal whichever home of the user (another server's, a worker's) reads it,
down to a real mail archive undone through another home."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_mail_contract import UserHome

from mail.conftest import Mailbox, mail_servers, message, new_user  # noqa: F401 - fixture
from os1.config import Config
from os1.errors import NotFoundError
from os1.skills.base import SkillContext
from os1.skills.journal import UNDO_TOOL, SqliteJournal, UndoJournal, register_reverter

KIND = "journaltest.put"
undone: list[dict[str, Any]] = []
fail_once: set[int] = set()


async def put_back(payload: dict[str, Any], ctx: SkillContext) -> str:
    """The test kind's reverter: notes what it was asked to undo (slowly, so two undos of one
    entry overlap); fails the first time for a number in ``fail_once``."""
    await asyncio.sleep(0.05)
    if payload["n"] in fail_once:
        fail_once.discard(payload["n"])
        raise RuntimeError("the server is away")
    undone.append(payload)
    return f"put back {payload['n']}"


register_reverter(KIND, put_back)


@pytest.fixture(params=["sqlite", "postgres"])
def make(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """Opens a user's home: with Postgres each folder is another home (another server's) of the
    user; with SQLite a user's home is one folder. ``make.journal()`` opens the journal of
    another home of the user."""
    url = request.getfixturevalue("pg_url") if request.param == "postgres" else ""
    user = f"u{uuid.uuid4().hex[:12]}"
    homes: list[UserHome] = []

    def open_home(folder: str = "a", who: str = "") -> UserHome:
        cfg = Config()
        cfg.home = tmp_path / (who or user) / (folder if url else "a")
        cfg.server.database_url = url
        homes.append(UserHome(cfg, who or user))
        return homes[-1]

    def open_journal() -> UndoJournal:
        return UndoJournal.open(open_home())

    open_home.kind = request.param  # type: ignore[attr-defined]
    open_home.journal = open_journal  # type: ignore[attr-defined]
    undone.clear()
    yield open_home
    for h in homes:
        h.close()


def test_open_picks_the_store_from_the_config(make: Any) -> None:
    store = make.journal().store
    if make.kind == "sqlite":
        assert isinstance(store, SqliteJournal)
    else:
        from os1.scale.journal import PgJournal

        assert isinstance(store, PgJournal)


def test_entries_newest_first_and_one_by_id(make: Any) -> None:
    j = make.journal()
    with pytest.raises(NotFoundError, match="nothing to undo"):
        j.get()
    first = j.record(KIND, {"n": 1}, "first")
    second = j.record(KIND, {"n": 2})
    for jid, at in (("u-tie-a", 5.0), ("u-tie-b", 5.0), ("u-old", 1.0)):
        j.store.add(jid, at, KIND, jid, '{"n": 0}')
    assert [r["id"] for r in j.entries()] == [second, first, "u-tie-b", "u-tie-a", "u-old"]
    assert [r["id"] for r in j.entries(limit=2)] == [second, first]
    latest = j.get()
    assert (latest["id"], latest["kind"], latest["summary"]) == (second, KIND, KIND)
    assert latest["payload"] == '{"n": 2}' and latest["undone"] is None
    assert latest["ts"] >= j.get(first)["ts"] > 5.0
    assert j.get(first)["summary"] == "first"
    with pytest.raises(NotFoundError, match="No journal entry u-nope"):
        j.get("u-nope")


async def test_undo_runs_the_reverter_once_and_marks_the_entry(make: Any) -> None:
    home = make()
    j = UndoJournal.open(home)
    first = j.record(KIND, {"n": 1}, "first")
    second = j.record(KIND, {"n": 2}, "second")
    assert await j.undo(home.skill_context) == "put back 2"
    assert [r["id"] for r in j.entries()] == [first]
    assert [r["id"] for r in j.entries(include_undone=True)] == [second, first]
    assert j.get(second)["undone"] is not None
    with pytest.raises(NotFoundError, match="'second' was already undone"):
        await j.undo(home.skill_context, second)
    assert await j.undo(home.skill_context, first) == "put back 1"
    with pytest.raises(NotFoundError, match="nothing to undo"):
        await j.undo(home.skill_context)
    assert undone == [{"n": 2}, {"n": 1}]


def test_two_homes_undoing_one_entry_at_once_undo_it_once(make: Any) -> None:
    homes = [make("a"), make("b")]
    jid = UndoJournal.open(homes[0]).record(KIND, {"n": 7}, "seven")
    start = threading.Barrier(2)
    results: list[str] = []

    def undo(home: UserHome) -> None:
        journal = UndoJournal.open(home)
        start.wait()
        try:
            results.append(asyncio.run(journal.undo(home.skill_context, jid)))
        except NotFoundError as exc:
            results.append(str(exc))

    threads = [threading.Thread(target=undo, args=(h,)) for h in homes]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(results) == ["'seven' was already undone.", "put back 7"]
    assert undone == [{"n": 7}]


async def test_a_failed_revert_leaves_the_entry_undoable(make: Any) -> None:
    home = make()
    j = UndoJournal.open(home)
    fail_once.add(3)
    jid = j.record(KIND, {"n": 3}, "three")
    with pytest.raises(RuntimeError, match="away"):
        await j.undo(home.skill_context)
    assert [(r["id"], r["undone"]) for r in j.entries()] == [(jid, None)]
    assert await j.undo(home.skill_context) == "put back 3"


async def test_users_are_kept_apart(make: Any) -> None:
    mine = make.journal()
    jid = mine.record(KIND, {"n": 1}, "move the secret mail")
    other = make(who=f"u{uuid.uuid4().hex[:12]}")
    theirs = UndoJournal.open(other)
    assert theirs.entries(include_undone=True) == []
    with pytest.raises(NotFoundError, match="No journal entry"):
        theirs.get(jid)
    with pytest.raises(NotFoundError, match="nothing to undo"):
        await theirs.undo(other.skill_context)
    theirs.record(KIND, {"n": 2}, "their own")
    assert [r["summary"] for r in mine.entries()] == ["move the secret mail"]


async def test_an_action_recorded_through_one_home_is_undone_through_another(make: Any) -> None:
    """The tools' way: the undo_last tool on another home's skill context (with Postgres,
    another server's home of the same user; with SQLite, the same home) finds and undoes what
    one home recorded, and the first home then sees it undone."""
    first = make("a")
    jid = UndoJournal.open(first.skill_context).record(KIND, {"n": 4}, "four")
    other = make("b")
    assert [r["id"] for r in UndoJournal.open(other).entries()] == [jid]
    assert await UNDO_TOOL.run({}, other.skill_context) == "put back 4"
    assert UndoJournal.open(first).entries() == []
    if make.kind == "postgres":  # the rows are in Postgres, none in the home's own file
        with sqlite3.connect(first.db.path) as conn:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        assert "undo_journal" not in tables



async def test_a_mail_archive_is_undone_through_another_home(
    make: Any, mail_servers: None, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    """The mail tools journal into the user's journal: archived through one home (on the real
    servers), put back through the undo_last tool of another."""
    from os1.skills.mail import register_tools
    from os1.skills.mail.accounts import Account, Accounts
    from os1.skills.mail.store import mail_store
    from os1.skills.mail.sync import sync

    monkeypatch.setenv("OS1_MAIL_PASSWORD_STORE", "file")  # never the developer's keyring
    user = new_user()
    box = Mailbox(user)
    box.append_many([message(f"msg {i}") for i in range(3)])
    homes = [make("a"), make("b")]
    acct = Account("main", user, "127.0.0.1", 10143, "127.0.0.1", 10025, user, "plain")
    for h in homes if make.kind == "postgres" else homes[:1]:  # each server keeps the password
        Accounts(mail_store(h), h.config).add(acct, "secret")
    sync(mail_store(homes[0]), homes[0].config)
    ids = [int(r["id"]) for r in mail_store(homes[0]).folder_messages("INBOX", 10)]
    tools: dict[str, Any] = {}
    register_tools(tools)
    archived = await tools["mail_archive"].run({"ids": ids[:2]}, homes[0].skill_context)
    assert archived == "Moved 2 messages to Archive."
    assert (box.count(), box.count("Archive")) == (1, 2)
    assert await UNDO_TOOL.run({}, homes[1].skill_context) == "Put 2 messages back in INBOX."
    assert (box.count(), box.count("Archive")) == (3, 0)
    assert UndoJournal.open(homes[0]).entries() == []
