"""The initiative's inbox on both stores (SQLite in the home, PostgreSQL keyed by user), opened
the way os1 opens it (Inbox.open): posting once per key, newest first, unseen and seen, users
kept apart, and one inbox whichever home of the user (another server's, a worker's) reads it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_mail_contract import UserHome

from os1.config import Config
from os1.initiative.messages import Inbox, SqliteMessages


@pytest.fixture(params=["sqlite", "postgres"])
def make(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """Opens a user's inbox from a home: with Postgres each folder is another home (another
    server's) of the user; with SQLite a user's home is one folder."""
    url = request.getfixturevalue("pg_url") if request.param == "postgres" else ""
    user = f"u{uuid.uuid4().hex[:12]}"
    homes: list[UserHome] = []

    def open_inbox(folder: str = "a", who: str = "") -> Inbox:
        cfg = Config()
        cfg.home = tmp_path / (who or user) / (folder if url else "a")
        cfg.server.database_url = url
        homes.append(UserHome(cfg, who or user))
        return Inbox.open(homes[-1])

    open_inbox.kind = request.param  # type: ignore[attr-defined]
    yield open_inbox
    for h in homes:
        h.close()


def test_inbox_open_picks_the_store_from_the_config(make: Any) -> None:
    store = make().store
    if make.kind == "sqlite":
        assert isinstance(store, SqliteMessages)
    else:
        from os1.scale.messages import PgMessages

        assert isinstance(store, PgMessages)


def test_a_key_is_posted_once_and_found_by_it(make: Any) -> None:
    inbox = make()
    first = inbox.post("item-1", "reminder", "Reminder: call Sam", "you asked", 100.0, "a-1")
    assert first is not None and not first.seen
    assert inbox.post("item-1", "reminder", "again", "a re-run", 101.0) is None
    assert inbox.by_key("item-1") == first
    assert inbox.by_key("item-2") is None
    assert [m.text for m in inbox.recent()] == ["Reminder: call Sam"]
    assert first.as_dict()["approval_id"] == "a-1"


def test_recent_since_unseen_seen_and_counts(make: Any) -> None:
    inbox = make()
    for i, at in enumerate([10.0, 30.0, 20.0, 30.0]):
        inbox.post(f"briefing:{i}", "briefing", f"m{i}", "why", at)
    inbox.post("checkin:1", "checkin", "how are you?", "why", 5.0)
    assert [m.text for m in inbox.recent(3)] == ["m3", "m1", "m2"]  # later posts first on ties
    assert [m.text for m in inbox.since(20.0)] == ["m2", "m1", "m3"]
    assert inbox.count() == 5 and inbox.count("briefing:") == 4 and inbox.count("x") == 0
    inbox.mark_seen([m.id for m in inbox.recent(2)])
    inbox.mark_seen([])
    unseen = inbox.recent(10, unseen_only=True)
    assert [m.text for m in unseen] == ["m2", "m0", "how are you?"]
    assert [m.seen for m in inbox.recent(2)] == [True, True]


def test_users_are_kept_apart(make: Any) -> None:
    mine = make()
    mine.post("item-1", "reminder", "Reminder: the secret party", "you asked", 1.0)
    theirs = make(who=f"u{uuid.uuid4().hex[:12]}")
    assert theirs.recent() == [] and theirs.by_key("item-1") is None and theirs.count() == 0
    assert theirs.post("item-1", "reminder", "Their own", "they asked", 2.0) is not None
    theirs.mark_seen([m.id for m in theirs.recent()])
    assert [(m.text, m.seen) for m in mine.recent()] == [("Reminder: the secret party", False)]


def test_a_message_posted_through_one_home_is_seen_through_another(make: Any) -> None:
    posted = make("a").post("item-9", "reminder", "Reminder: water the plants", "asked", 3.0)
    assert posted is not None
    other = make("b")  # another server's home of the same user (with SQLite, the same home)
    assert other.by_key("item-9") == posted
    other.mark_seen([posted.id])
    assert make("a").recent(5, unseen_only=True) == []


@pytest.mark.parametrize("store", ["sqlite", "postgres"])
async def test_the_server_delivers_and_lists_what_waited_in_either_store(
    store: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """What os1 said while no tab was open (posted by another home of the user, as another
    server or os1 worker would) reaches the next connection once, from whichever store."""
    from os1.server.homes import HomePool
    from os1.server.initiative import ServerInitiative
    from os1.testing import ScriptedModel

    cfg = Config()
    cfg.home = tmp_path
    cfg.server.database_url = request.getfixturevalue("pg_url") if store == "postgres" else ""
    user = f"u{uuid.uuid4().hex[:12]}"
    pool = HomePool(tmp_path / "server", cfg, model=ScriptedModel())
    elsewhere = Config()
    elsewhere.home = (tmp_path / "worker") if store == "postgres" else pool.home_dir(user)
    elsewhere.server.database_url = cfg.server.database_url
    other = UserHome(elsewhere, user)
    Inbox.open(other).post("rem-1", "reminder", "Call your sister.", "you asked me to", 1.0)
    other.close()
    await pool.ready(user)
    with pool.lease(user) as uos:
        first = ServerInitiative._unseen(uos)
        again = ServerInitiative._unseen(uos)
        listed = Inbox.open(uos.home).recent(50)
    assert [m.text for m in first] == ["Call your sister."] and again == []
    assert [m.seen for m in listed] == [True]
    await pool.aclose()
