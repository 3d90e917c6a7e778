"""The mood (os1.mind.affect) on SQLite and on PostgreSQL: the same behaviour through
Affect.open, and, on Postgres, one mood for a user whichever server's home reads it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from os1.config import Config
from os1.home import Home
from os1.initiative.clock import ManualClock
from os1.mind.affect import Affect, SqliteMoodLog


class UserHome(Home):
    def __init__(self, config: Config, user_id: str) -> None:
        super().__init__(config)
        self.user_id = user_id


@pytest.fixture(params=["sqlite", "postgres"])
def make(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    """Opens the mood of one user the way os1 does, from a home (each call a fresh home
    object, like another process; with Postgres also another folder, like another server)."""
    user = f"u{uuid.uuid4().hex[:12]}"
    url = request.getfixturevalue("pg_url") if request.param == "postgres" else ""
    clock = ManualClock(datetime(2025, 6, 16, 9, 0, tzinfo=UTC))
    homes: list[Home] = []

    def open_mood(folder: str = "a") -> Affect:
        cfg = Config()
        cfg.home = tmp_path / (folder if url else "a")
        cfg.server.database_url = url
        homes.append(UserHome(cfg, user))
        return Affect.open(homes[-1], clock)

    open_mood.kind = request.param  # type: ignore[attr-defined]
    open_mood.clock = clock  # type: ignore[attr-defined]
    yield open_mood
    for h in homes:
        h.close()


def test_open_picks_the_log_from_the_config(make: Any) -> None:
    log = make().log
    if make.kind == "sqlite":
        assert isinstance(log, SqliteMoodLog)
    else:
        from os1.scale.mood import PgMoodLog

        assert isinstance(log, PgMoodLog)


def test_the_mood_follows_the_user_fades_and_is_kept(make: Any) -> None:
    affect = make()
    assert affect.current().mood == "content"
    assert affect.observe_turn("how are you?", "I'm well.") is None
    changed = affect.observe_turn("I had an awful day, I feel so sad and lonely", "I'm here.")
    assert changed is not None and changed.valence < 0
    again = make("b")  # another home on the same store (another server, with Postgres)
    assert again.current().mood == changed.mood
    assert [s.mood for s in again.history()] == [s.mood for s in affect.history()]
    assert len(again.history()) == 2 and again.history()[-1].tags == changed.tags
    make.clock.advance(days=2)
    assert again.current().mood == "content"
    assert again.history(since=make.clock.now()) == []
    assert len(again.history(limit=1)) == 1


def test_hard_days_come_from_the_stored_history(make: Any) -> None:
    affect = make()
    start = make.clock.now()
    affect.observe_turn("Work was awful, I'm overwhelmed and stressed")
    make.clock.advance(days=1)
    affect.observe_turn("lovely walk today")
    days = make("b").hard_days(start)
    assert list(days) == ["2025-06-16"] and "stress" in days["2025-06-16"]
