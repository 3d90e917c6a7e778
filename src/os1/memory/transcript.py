"""Import a transcript as if heard, and export everything remembered.

Transcript format: ``{"speakers": [..], "sessions": [{"date": ISO-8601, "turns": [{"id",
"speaker", "text"}]}]}``. The first speaker is the user. The whole file is checked before
anything is written, and everything is written in one transaction: a bad file names the
session, turn and field at fault, and leaves memory exactly as it was. An export is itself a
valid transcript (plus facts, summaries and core memory for people to read).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from os1.brain.base import ChatModel
from os1.db import new_id, now
from os1.errors import InputError, NotFoundError
from os1.memory import core
from os1.memory.base import ImportResult
from os1.memory.episodes import Turn
from os1.memory.extract import Candidate, model_candidates

if TYPE_CHECKING:
    from os1.memory.store import SqliteMemory

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_TURNS = 200_000
_LOOSE_DATES = ("%I:%M %p on %d %B, %Y", "%d %B %Y", "%B %d, %Y")  # LoCoMo-style dates too


def _parse_date(value: Any, where: str) -> float:
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{where}: 'date' must be an ISO-8601 date such as 2024-05-03.")
    text = value.strip().replace("Z", "+00:00")
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        for fmt in _LOOSE_DATES:
            try:
                when = datetime.strptime(value.strip(), fmt)
                break
            except ValueError:
                continue
        else:
            raise InputError(
                f"{where}: 'date' {value!r} is not an ISO-8601 date (e.g. 2024-05-03T14:00)."
            ) from None
    return when.timestamp()


def load(source: str | Path | dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The transcript as a dict, and a name for it in messages."""
    if isinstance(source, dict):
        return source, "The transcript"
    path = Path(source)
    name = f"Import file {path}"
    if not path.is_file():
        raise NotFoundError(f"{name} does not exist.")
    size = path.stat().st_size
    if size == 0:
        raise InputError(f"{name} is empty; nothing was imported.")
    if size > MAX_FILE_BYTES:
        raise InputError(f"{name} is {size // 1_048_576} MB; the limit is 50 MB.")
    raw = path.read_bytes()
    if b"\x00" in raw:
        raise InputError(f"{name} is binary, not a JSON transcript; nothing was imported.")
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise InputError(f"{name} is not UTF-8 text; nothing was imported.") from None
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{name} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); "
            "nothing was imported."
        ) from None
    if not isinstance(data, dict):
        raise InputError(f"{name} must hold a JSON object with 'speakers' and 'sessions'.")
    return data, name


def _speakers(data: dict[str, Any], name: str) -> list[str]:
    speakers = data.get("speakers")
    if not isinstance(speakers, list) or not speakers:
        raise InputError(f"{name}: 'speakers' must be a non-empty list of names.")
    for i, s in enumerate(speakers):
        if not isinstance(s, str) or not s.strip():
            raise InputError(f"{name}: speaker {i + 1} must be a non-empty name.")
    return [s.strip() for s in speakers]


def _role(speaker: str, speakers: list[str], given: Any) -> str:
    if given in ("user", "assistant", "other"):
        return str(given)
    if speaker.lower() in ("user", "assistant"):
        return speaker.lower()
    return "user" if speaker == speakers[0] else "other"


def _turn(item: Any, where: str, speakers: list[str], seen: set[str]) -> dict[str, Any]:
    from os1.memory.store import MAX_TEXT, check_text

    if not isinstance(item, dict):
        raise InputError(f"{where} must be an object with 'id', 'speaker' and 'text'.")
    tid, speaker, text = item.get("id"), item.get("speaker"), item.get("text")
    if not isinstance(tid, str) or not tid.strip() or len(tid) > 200:
        raise InputError(f"{where}: 'id' must be a non-empty string (at most 200 characters).")
    where = f"{where} ('{tid}')"
    if tid in seen:
        raise InputError(f"{where}: the id is used twice in this file.")
    seen.add(tid)
    if not isinstance(speaker, str) or speaker.strip() not in speakers:
        raise InputError(f"{where}: 'speaker' must be one of {', '.join(speakers)}.")
    if not isinstance(text, str) or not text.strip():
        raise InputError(f"{where}: 'text' must be non-empty text.")
    check_text(text, f"{where}: 'text'", MAX_TEXT)
    created = _parse_date(item["created"], where) if item.get("created") is not None else None
    return {
        "id": tid, "speaker": speaker.strip(), "text": text, "role": item.get("role"),
        "created": created,
    }  # fmt: skip


def validate(data: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """Check everything; return sessions as {'id', 'started', 'turns': [...]} sorted by date."""
    speakers = _speakers(data, name)
    sessions = data.get("sessions")
    if not isinstance(sessions, list) or not sessions:
        raise InputError(f"{name}: 'sessions' must be a non-empty list.")
    seen: set[str] = set()
    out = []
    for si, sess in enumerate(sessions, start=1):
        where = f"{name}: session {si}"
        if not isinstance(sess, dict):
            raise InputError(f"{where} must be an object with 'date' and 'turns'.")
        started = _parse_date(sess.get("date"), where)
        turns = sess.get("turns")
        if not isinstance(turns, list) or not turns:
            raise InputError(f"{where}: 'turns' must be a non-empty list.")
        checked = [_turn(t, f"{where}, turn {ti}", speakers, seen) for ti, t in enumerate(turns, 1)]
        sid = sess.get("id") if isinstance(sess.get("id"), str) and sess.get("id") else None
        out.append({"id": sid, "started": started, "turns": checked, "where": where})
    if len(seen) > MAX_TURNS:
        raise InputError(f"{name} has {len(seen):,} turns; the limit is {MAX_TURNS:,}.")
    for i, r in enumerate(out):
        r["speakers"] = speakers
        r["order"] = i
    return sorted(out, key=lambda r: (r["started"], r["order"]))


def _check_new(store: SqliteMemory, sessions: list[dict[str, Any]], name: str) -> None:
    ids = [t["id"] for s in sessions for t in s["turns"]]
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = store.db.query(
            "SELECT id FROM turns WHERE id IN (SELECT value FROM json_each(?)) UNION "
            "SELECT id FROM memories WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(chunk),) * 2,
        )
        if rows:
            raise InputError(
                f"{name}: turn '{rows[0][0]}' is already in memory (imported before?); "
                "nothing was imported."
            )
    for s in sessions:
        if s["id"] and store.db.query("SELECT 1 FROM sessions WHERE id=?", (s["id"],)):
            raise InputError(f"{s['where']}: session '{s['id']}' already exists; nothing was imported.")


def _as_turns(sessions: list[dict[str, Any]]) -> list[Turn]:
    out = []
    for s in sessions:
        s["id"] = s["id"] or new_id("s")
        for seq, t in enumerate(s["turns"], start=1):
            role = _role(t["speaker"], s["speakers"], t["role"])
            # without their own time, turns keep their order a second apart from the session date
            created = t["created"] if t["created"] is not None else s["started"] + seq
            out.append(Turn(t["id"], s["id"], seq, t["speaker"], role, t["text"], created))
    return out


def import_transcript(
    store: SqliteMemory, source: str | Path | dict[str, Any], model: ChatModel | None = None
) -> ImportResult:
    """Validate the whole transcript, then store it as if heard, all or nothing."""
    from os1.memory.store import _run, subject_of

    data, name = load(source)
    sessions = validate(data, name)
    _check_new(store, sessions, name)
    turns = _as_turns(sessions)
    extra: dict[str, list[Candidate]] = {}
    if model is not None and store.config.extract_facts:
        for t in turns:
            subject = subject_of(t)
            if subject is not None:
                extra[t.id] = _run(model_candidates(model, t.text, subject))
    pending = store.prepare(turns, extra)
    with store.db.transaction() as conn:
        for s in sessions:
            conn.execute(
                "INSERT INTO sessions (id, started, ended, title, channel) VALUES (?, ?, ?, ?, ?)",
                (s["id"], s["started"], s["started"] + len(s["turns"]), "", "import"),
            )
        conn.executemany(
            "INSERT INTO turns (id, session_id, seq, speaker, role, text, created) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(t.id, t.session_id, t.seq, t.speaker, t.role, t.text, t.created) for t in turns],
        )
        found = store.write(conn, pending)
        for entry in data.get("core", []) if isinstance(data.get("core"), list) else []:
            if isinstance(entry, dict) and entry.get("block") in core.BLOCKS:
                conn.execute(
                    "INSERT OR REPLACE INTO core_memory (block, key, value, updated) "
                    "VALUES (?, ?, ?, ?)",
                    (entry["block"], str(entry.get("key", ""))[:80], str(entry.get("value", ""))[:300], now()),
                )
    store.index.refresh()
    return ImportResult(len(sessions), len(turns), len(found), tuple(t.id for t in turns))


def _iso(ts: float | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC).isoformat()


def export(store: SqliteMemory) -> dict[str, Any]:
    """Everything remembered, as JSON that ``import`` reads back (turns re-derive facts)."""
    sessions = []
    speakers: dict[str, None] = {}
    for s in store.episodes.sessions():
        turns = store.episodes.turns(s["id"])
        if not turns:
            continue
        for t in turns:
            speakers.setdefault(t.speaker, None)
        sessions.append({
            "id": s["id"], "date": _iso(s["started"]), "channel": s["channel"],
            "turns": [{"id": t.id, "speaker": t.speaker, "role": t.role, "text": t.text,
                       "created": _iso(t.created)} for t in turns],
        })  # fmt: skip
    user_first = sorted(speakers, key=lambda sp: sp != "user")
    memories = [h.as_dict() for h in store.list_memories(kinds=("fact", "summary", "insight"))]
    return {
        "format": "os1-memory",
        "version": 1,
        "exported": _iso(now()),
        "speakers": user_first,
        "sessions": sessions,
        "memories": memories,
        "core": [{"block": b, "key": k, "value": v} for b, k, v in core.entries(store.db)],
    }
