"""The real `os1 memory` command: list, search, show, forget, export, import, core."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

KEYS = {"id", "text", "kind", "created", "valid_from", "valid_to", "score", "source_ids"}
TRANSCRIPT = {
    "speakers": ["Sam", "Mia"],
    "sessions": [
        {"date": "2024-03-01T18:00:00", "turns": [
            {"id": "D1:1", "speaker": "Sam", "text": "My sister is called Anna and she lives in Rome."},
            {"id": "D1:2", "speaker": "Mia", "text": "Lovely. I adopted a cat named Miso."},
            {"id": "D1:3", "speaker": "Sam", "text": "I live in Berlin."}]},
        {"date": "2024-06-01T09:30:00", "turns": [
            {"id": "D2:1", "speaker": "Sam", "text": "I moved to Lisbon last month!"}]},
    ],
}  # fmt: skip


def os1(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "os1.cli", "memory", *args],
        capture_output=True, text=True, env=dict(os.environ), timeout=120, check=False,
    )  # fmt: skip


@pytest.fixture
def imported(tmp_path: Path) -> Path:
    path = tmp_path / "talk.json"
    path.write_text(json.dumps(TRANSCRIPT))
    r = os1("import", str(path))
    assert r.returncode == 0, r.stderr
    assert "Imported 2 conversation(s), 4 turn(s)" in r.stdout
    return path


def _lines(out: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_import_then_list_and_search_json(imported: Path) -> None:
    listed = _lines(os1("list", "--json").stdout)
    assert listed and all(set(d) == KEYS for d in listed)
    assert {"D1:1", "D1:2", "D1:3", "D2:1"} <= {d["id"] for d in listed}
    r = os1("search", "where does Sam live these days", "--json", "--limit", "2")
    hits = _lines(r.stdout)
    assert r.returncode == 0 and len(hits) == 2 and all(set(h) == KEYS for h in hits)
    assert any("D2:1" in h["source_ids"] for h in hits)  # type: ignore[operator]
    assert str(hits[0]["created"]).startswith("2024-06-01")
    old = [d for d in listed if d["kind"] == "fact" and "Berlin" in str(d["text"])]
    assert old and old[0]["valid_to"] is not None


def test_show_forget_and_core(imported: Path) -> None:
    shown = os1("show", "D1:1")
    assert shown.returncode == 0 and "My sister is called Anna" in shown.stdout
    assert os1("core").stdout.count("Lisbon") == 1
    r = os1("forget", "D2:1")
    assert r.returncode == 0 and "removed turn D2:1" in r.stdout
    assert "true again fact" in r.stdout and "Berlin" in r.stdout
    assert "D2:1" not in {d["id"] for d in _lines(os1("list", "--json").stdout)}
    assert "Lisbon" not in os1("core").stdout
    missing = os1("forget", "D2:1")
    assert missing.returncode == 2 and "No memory with id 'D2:1'" in missing.stderr


def test_export_is_importable(imported: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "export.json"
    assert os1("export", "--output", str(out)).returncode == 0
    data = json.loads(out.read_text())
    assert len(data["sessions"]) == 2
    monkeypatch.setenv("OS1_HOME", str(tmp_path / "second-home"))
    r = os1("import", str(out))
    assert r.returncode == 0, r.stderr
    assert len(_lines(os1("list", "--json", "--kind", "turn").stdout)) == 4


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (bytes(range(256)) * 4096, "binary"),
        (json.dumps({"speakers": ["Sam"], "sessions": [{"date": "2024-01-01", "turns": [
            {"id": "a", "speaker": "Sam", "text": "fine"},
            {"id": "b", "speaker": "Sam"}]}]}).encode(), "session 1, turn 2 ('b'): 'text'"),
    ],
)  # fmt: skip
def test_bad_import_files(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    r = os1("import", str(path))
    assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr
    assert os1("list", "--json").stdout.strip() == ""


def test_bad_search_input() -> None:
    r = os1("search", "   ")
    assert r.returncode == 2 and "Give some words" in r.stderr
    assert os1("search", "anything", "--kind", "bogus").returncode == 2
