"""`os1 memory ...` with OS1_DATABASE_URL set: the same commands on the user's rows in Postgres.

The CLI's user is 'local' in a database other test runs share, so every id here carries a
fresh tag and the test forgets what it made.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from os1.errors import NotFoundError


def os1(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "os1.cli", "memory", *args],
        capture_output=True, text=True, env=dict(os.environ), timeout=180, check=False,
    )  # fmt: skip


def _lines(out: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_open_memory_follows_the_database_url(
    pg_url: str, os1_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from os1.home import Home
    from os1.memory import open_memory
    from os1.memory.store import SqliteMemory
    from os1.scale.memory import PgMemory

    plain = open_memory(Home.open())
    assert isinstance(plain, SqliteMemory)
    plain.close()
    for name in ("OS1_DATABASE_URL", "OS1_SERVER_DATABASE_URL"):
        monkeypatch.setenv(name, pg_url)
        for source in (Home.open(), os1_home):
            mem = open_memory(source)
            assert isinstance(mem, PgMemory) and mem.user == "local"
            mem.close()
        monkeypatch.delenv(name)


def test_cli_imports_searches_forgets_and_exports_on_postgres(
    pg_url: str, os1_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from os1.scale.memory import PgMemory

    tag = uuid.uuid4().hex[:8]
    talk = {
        "speakers": ["Sam", "Mia"],
        "sessions": [
            {"id": f"{tag}-a", "date": "2024-03-01T18:00:00", "turns": [
                {"id": f"{tag}:1", "speaker": "Sam", "text": "My sister is called Anna."},
                {"id": f"{tag}:2", "speaker": "Mia", "text": "Lovely. I adopted a cat."},
                {"id": f"{tag}:3", "speaker": "Sam", "text": "I live in Berlin."}]},
            {"id": f"{tag}-b", "date": "2024-06-01T09:30:00", "turns": [
                {"id": f"{tag}:4", "speaker": "Sam", "text": "I moved to Lisbon last month!"}]},
        ],
    }  # fmt: skip
    path = tmp_path / "talk.json"
    path.write_text(json.dumps(talk))
    monkeypatch.setenv("OS1_DATABASE_URL", pg_url)
    pg = PgMemory(pg_url, "local")
    try:
        r = os1("import", str(path))
        assert r.returncode == 0, r.stderr
        assert "Imported 2 conversation(s), 4 turn(s)" in r.stdout
        assert pg.get(f"{tag}:1").text == "My sister is called Anna."  # in Postgres ...
        assert not (os1_home / "os1.db").exists() or b"My sister" not in (
            os1_home / "os1.db"
        ).read_bytes()  # ... and not in the SQLite home
        again = os1("import", str(path))
        assert again.returncode == 2 and "already in memory" in again.stderr

        r = os1("search", "where does Sam live these days", "--json", "--limit", "5")
        assert r.returncode == 0, r.stderr
        assert any(f"{tag}:4" in h["source_ids"] for h in _lines(r.stdout))  # type: ignore[operator]

        r = os1("forget", f"{tag}:4")
        assert r.returncode == 0 and f"removed turn {tag}:4" in r.stdout
        assert "true again fact" in r.stdout and "Berlin" in r.stdout

        out = tmp_path / "export.json"
        assert os1("export", "--output", str(out)).returncode == 0
        ids = {t["id"] for s in json.loads(out.read_text())["sessions"] for t in s["turns"]}
        assert {f"{tag}:1", f"{tag}:2", f"{tag}:3"} <= ids and f"{tag}:4" not in ids
    finally:
        for sid in (f"{tag}-a", f"{tag}-b"):
            with contextlib.suppress(NotFoundError):  # the test failed before making it
                pg.forget(sid)
        pg.close()
