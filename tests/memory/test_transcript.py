"""Import a transcript as if heard (all or nothing) and export everything back."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from os1.errors import InputError, NotFoundError
from os1.memory import open_memory
from os1.memory.store import SqliteMemory


def transcript() -> dict[str, Any]:
    return {
        "speakers": ["Sam", "Mia"],
        "sessions": [
            {"date": "2024-06-01T10:00:00", "turns": [
                {"id": "D2:1", "speaker": "Sam", "text": "I moved to Lisbon last month!"},
                {"id": "D2:2", "speaker": "Mia", "text": "Wow, I work as a nurse in Porto."}]},
            {"date": "2024-03-01", "turns": [
                {"id": "D1:1", "speaker": "Sam", "text": "My sister is called Anna and she lives in Rome."},
                {"id": "D1:2", "speaker": "Sam", "text": "I live in Berlin."}]},
        ],
    }  # fmt: skip


def _empty(store: SqliteMemory) -> bool:
    return (
        store.list_memories() == []
        and store.episodes.count_turns() == 0
        and store.episodes.sessions() == []
    )


def test_import_keeps_ids_dates_and_derives_facts(store: SqliteMemory) -> None:
    result = store.import_transcript(transcript())
    assert (result.sessions, result.turns) == (2, 4) and result.facts >= 5
    turn = store.get("D1:1")
    assert datetime.fromtimestamp(turn.created).date().isoformat() == "2024-03-01"
    hits = store.search("where does Sam live?")
    assert any("D2:1" in h.source_ids for h in hits[:3])
    # sessions are applied in date order: Lisbon (June) replaces Berlin (March)
    assert [f.value for f in store.current_facts("user") if f.predicate == "lives in"] == ["Lisbon"]
    assert [f.value for f in store.current_facts("Mia")] == ["nurse"]
    assert [f.value for f in store.current_facts("Anna")] == ["Rome"]
    assert store.episodes.turn("D2:2").role == "other"


def test_import_from_file_and_twice(store: SqliteMemory, tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    path.write_text(json.dumps(transcript()))
    store.import_transcript(path)
    before = len(store.list_memories())
    with pytest.raises(InputError, match="'D1:1' is already in memory"):
        store.import_transcript(path)
    assert len(store.list_memories()) == before


def _broken(path: list[Any], value: Any) -> dict[str, Any]:
    data = transcript()
    node: Any = data
    for key in path[:-1]:
        node = node[key]
    if value is KeyError:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_broken(["sessions", 1, "turns", 1, "text"], ""), "session 2, turn 2 ('D1:2'): 'text' must be non-empty"),
        (_broken(["sessions", 1, "turns", 0, "speaker"], "Bob"), "session 2, turn 1 ('D1:1'): 'speaker' must be one of Sam, Mia"),
        (_broken(["sessions", 0, "date"], "next tuesday"), "session 1: 'date' 'next tuesday' is not an ISO-8601 date"),
        (_broken(["sessions", 1, "turns", 1, "id"], "D2:1"), "turn 2 ('D2:1'): the id is used twice"),
        (_broken(["sessions", 0, "turns"], []), "session 1: 'turns' must be a non-empty list"),
        (_broken(["speakers"], KeyError), "'speakers' must be a non-empty list"),
        (_broken(["sessions", 1, "turns", 1, "text"], "x" * 1_000_000), "at most 20,000"),
        (_broken(["sessions", 1, "turns", 1, "text"], "\x00\x01\x02\x03"), "binary"),
        (_broken(["sessions", 1, "turns", 1], "just a string"), "session 2, turn 2 must be an object"),
    ],
)  # fmt: skip
def test_half_valid_files_write_nothing(store: SqliteMemory, data: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError) as err:
        store.import_transcript(data)
    assert message in err.value.message and "The transcript" in err.value.message
    assert _empty(store)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "is binary"),
        (b"\xff\xfe\xfa not utf8", "not UTF-8"),
        (b'{"speakers": ["a"], "sessions": [', "not valid JSON (line 1, column 34"),
        (b"[1, 2, 3]", "JSON object"),
        (b"x" * 1_048_576, "not valid JSON"),
    ],
)
def test_bad_files(store: SqliteMemory, tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message.replace("(", r"\(")):
        store.import_transcript(path)
    assert _empty(store)


def test_missing_file(store: SqliteMemory, tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="does not exist"):
        store.import_transcript(tmp_path / "nope.json")


def test_export_round_trip(store: SqliteMemory, tmp_path: Path) -> None:
    store.import_transcript(transcript())
    store.core_set("self", "name", "Samantha")
    exported = store.export()
    assert exported["format"] == "os1-memory" and len(exported["sessions"]) == 2
    assert any(m["kind"] == "fact" for m in exported["memories"])
    fresh = open_memory(tmp_path / "other-home")
    result = fresh.import_transcript(json.loads(json.dumps(exported)))
    assert result.turns == 4
    assert fresh.get("D1:1").created == store.get("D1:1").created
    assert {f.text for f in fresh.current_facts()} == {f.text for f in store.current_facts()}
    assert "Samantha" in fresh.core_text()
    fresh.close()
