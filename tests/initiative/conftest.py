from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from os1.db import Database
from os1.initiative.clock import ManualClock


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    d = Database(tmp_path / "os1.db")
    yield d
    d.close()


@pytest.fixture
def clock() -> ManualClock:
    # A Monday morning, in UTC so tests read the same everywhere.
    return ManualClock(datetime(2025, 6, 16, 7, 0, tzinfo=UTC))
