"""Fixtures for the MCP tests: a fresh os1 home (directory and opened Home)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from os1.home import Home


@pytest.fixture
def home_dir(os1_home: Path) -> Path:
    os1_home.mkdir(parents=True, exist_ok=True)
    return os1_home


@pytest.fixture
def home(home_dir: Path) -> Iterator[Home]:
    h = Home.open(home_dir)
    yield h
    h.close()
