from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from os1.db import Database
from os1.home import Home
from os1.initiative.clock import ManualClock
from os1.memory.episodes import Episodes


@pytest.fixture
def home() -> Iterator[Home]:
    h = Home.open()  # the root conftest points OS1_HOME at a fresh temporary folder
    yield h
    h.close()


@pytest.fixture
def db(home: Home) -> Database:
    return home.db


@pytest.fixture
def episodes(home: Home) -> Episodes:
    return home.episodes


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2025, 6, 16, 19, 0, tzinfo=UTC))  # a Monday evening
