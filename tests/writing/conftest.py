"""Fixtures for the writing tests: a letters desk loaded with three fictional clients, and the
real command-line tools (poppler, epubcheck) the tests read PDFs and EPUBs with."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from os1.db import Database
from os1.skills.writing.store import LetterStore

sys.path.insert(0, str(Path(__file__).parent))

from writing_clients import load


@pytest.fixture
def store(tmp_path: Path) -> Iterator[LetterStore]:
    db = Database(tmp_path / "writing.db")
    yield LetterStore(db)
    db.close()


@pytest.fixture
def desk(store: LetterStore) -> LetterStore:
    load(store)
    return store
