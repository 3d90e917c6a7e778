"""A real PostgreSQL 15 + pgvector on 127.0.0.1 (scripts/services/pg_up.sh, reused when it is
already running) and memory stores of both kinds for the shared contract tests."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def pg_url() -> str:
    out = subprocess.run(
        ["bash", str(ROOT / "scripts/services/pg_up.sh")],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert out.returncode == 0, f"PostgreSQL did not start: {out.stderr[-2000:]}"
    url = out.stdout.strip().splitlines()[-1]
    from os1.scale.db import connect, migrate

    migrate(url)
    with connect(url, autocommit=True) as conn:  # login limits left by earlier runs
        conn.execute("DELETE FROM rate_hits")
        # and the schedule of the CLI's user (every CLI home on Postgres is user 'local'), so
        # yesterday's planned briefing is not due in today's background-job tests
        conn.execute("DELETE FROM schedule_items WHERE user_id='local'")
        # and its undo journal, which 'os1 undo' in a test would otherwise find
        conn.execute("DELETE FROM undo_journal WHERE user_id='local'")
        # and its mail accounts, which 'os1 daemon' would hand to the job queue to sync
        for table in ("mail_messages", "mail_folders", "mail_accounts"):
            conn.execute(f"DELETE FROM {table} WHERE user_id='local'")
    return url


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """The same MemoryStore contract, once per implementation (a fresh user each test)."""
    if request.param == "sqlite":
        from os1.db import Database
        from os1.memory.store import SqliteMemory

        mem: Any = SqliteMemory(Database(tmp_path / "memory.db"))
    else:
        from os1.scale.memory import PgMemory

        mem = PgMemory(request.getfixturevalue("pg_url"), user_id=f"u-{uuid.uuid4().hex}")
    yield mem
    mem.close()
