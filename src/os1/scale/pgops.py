"""PgMemory's whole-memory operations: transcript import and export, cascading forget, and
reflection, with the same rules as os1.memory.transcript, .forget and .reflect (which they reuse
for validation, wording and scoring) on Postgres rows of one user."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from os1.brain.base import ChatModel
from os1.db import now
from os1.errors import InputError, NotFoundError
from os1.memory import core, reflect, transcript
from os1.memory.base import Hit, ImportResult, Removed
from os1.memory.episodes import Turn
from os1.memory.extract import Candidate, model_candidates
from os1.memory.store import _run, subject_of
from os1.scale import pgfacts

if TYPE_CHECKING:
    from os1.scale.memory import PgMemory

TURN_COLUMNS = "id, session_id, seq, speaker, role, text, created"


def _turn(r: Any) -> Turn:
    return Turn(r[0], r[1], r[2], r[3], r[4], r[5], r[6])


def _iso(ts: float | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC).isoformat()


# import / export ---------------------------------------------------------------------------
def _check_new(store: PgMemory, sessions: list[dict[str, Any]], name: str) -> None:
    ids = [t["id"] for s in sessions for t in s["turns"]]
    sids = [s["id"] for s in sessions if s["id"]]

    def run(cur: Any) -> tuple[Any, Any]:
        cur.execute(
            "SELECT id FROM episode_turns WHERE user_id=%s AND id = ANY(%s) UNION "
            "SELECT id FROM memories WHERE user_id=%s AND id = ANY(%s) LIMIT 1",
            (store.user, ids, store.user, ids),
        )
        turn = cur.fetchone()
        cur.execute(
            "SELECT id FROM episode_sessions WHERE user_id=%s AND id = ANY(%s) LIMIT 1",
            (store.user, sids),
        )
        return turn, cur.fetchone()

    turn, session = store._run(run)
    if turn is not None:
        raise InputError(
            f"{name}: turn '{turn[0]}' is already in memory (imported before?); nothing was imported."
        )
    if session is not None:
        where = next(s["where"] for s in sessions if s["id"] == session[0])
        raise InputError(f"{where}: session '{session[0]}' already exists; nothing was imported.")


def import_transcript(
    store: PgMemory, source: str | Path | dict[str, Any], model: ChatModel | None = None
) -> ImportResult:
    """Validate the whole transcript, then store it as if heard, all or nothing."""
    data, name = transcript.load(source)
    sessions = transcript.validate(data, name)
    _check_new(store, sessions, name)
    turns = transcript._as_turns(sessions)
    extra: dict[str, list[Candidate]] = {}
    if model is not None and store.config.extract_facts:
        for t in turns:
            subject = subject_of(t)
            if subject is not None:
                extra[t.id] = _run(model_candidates(model, t.text, subject))
    pending = store.prepare(turns, extra)
    given = data.get("core")
    core_entries = [
        (e["block"], str(e.get("key", ""))[:80], str(e.get("value", ""))[:300])
        for e in (given if isinstance(given, list) else [])
        if isinstance(e, dict) and e.get("block") in core.BLOCKS
    ]

    def write(cur: Any) -> int:
        cur.executemany(
            "INSERT INTO episode_sessions (user_id, id, started, ended, title, channel) "
            "VALUES (%s, %s, %s, %s, '', 'import')",
            [(store.user, s["id"], s["started"], s["started"] + len(s["turns"])) for s in sessions],
        )
        cur.executemany(
            f"INSERT INTO episode_turns (user_id, {TURN_COLUMNS}) VALUES (%s,%s,%s,%s,%s,%s,%s,%s)",
            [(store.user, t.id, t.session_id, t.seq, t.speaker, t.role, t.text, t.created)
             for t in turns],
        )  # fmt: skip
        found = store.write(cur, pending)
        cur.executemany(
            "INSERT INTO memory_core (user_id, block, key, value, updated) VALUES (%s,%s,%s,%s,%s) "
            "ON CONFLICT (user_id, block, key) DO UPDATE SET value=excluded.value, "
            "updated=excluded.updated",
            [(store.user, b, k, v, now()) for b, k, v in core_entries if k.strip() and v.strip()],
        )
        return len(found)

    n_facts = store._run(write)
    return ImportResult(len(sessions), len(turns), int(n_facts), tuple(t.id for t in turns))


def export(cur: Any, store: PgMemory) -> dict[str, Any]:
    """Everything remembered, as JSON that ``import`` reads back (into either store)."""
    cur.execute(
        "SELECT id, started, channel FROM episode_sessions WHERE user_id=%s ORDER BY started, id",
        (store.user,),
    )
    sessions_rows = cur.fetchall()
    cur.execute(
        f"SELECT {TURN_COLUMNS} FROM episode_turns WHERE user_id=%s ORDER BY session_id, seq",
        (store.user,),
    )
    by_session: dict[str, list[Turn]] = {}
    for r in cur.fetchall():
        by_session.setdefault(r[1], []).append(_turn(r))
    sessions = []
    speakers: dict[str, None] = {}
    for sid, started, channel in sessions_rows:
        turns = by_session.get(sid, [])
        if not turns:
            continue
        for t in turns:
            speakers.setdefault(t.speaker, None)
        sessions.append({
            "id": sid, "date": _iso(started), "channel": channel,
            "turns": [{"id": t.id, "speaker": t.speaker, "role": t.role, "text": t.text,
                       "created": _iso(t.created)} for t in turns],
        })  # fmt: skip
    from os1.scale.pgrows import HIT_COLUMNS, hit_from_row

    cur.execute(
        f"SELECT {HIT_COLUMNS} FROM memories WHERE user_id=%s AND kind <> 'turn' "
        "ORDER BY created DESC, seq DESC",
        (store.user,),
    )
    memories = [hit_from_row(r).as_dict() for r in cur.fetchall()]
    cur.execute(
        "SELECT block, key, value FROM memory_core WHERE user_id=%s ORDER BY block, updated",
        (store.user,),
    )
    return {
        "format": "os1-memory",
        "version": 1,
        "exported": _iso(now()),
        "speakers": sorted(speakers, key=lambda sp: sp != "user"),
        "sessions": sessions,
        "memories": memories,
        "core": [{"block": b, "key": k, "value": v} for b, k, v in cur.fetchall()],
    }


# forgetting ---------------------------------------------------------------------------------
def _targets(cur: Any, user: str, memory_id: str) -> tuple[list[str], str | None]:
    """The ids to start from, and the session to delete too (when a session id was given)."""
    cur.execute("SELECT 1 FROM episode_sessions WHERE user_id=%s AND id=%s", (user, memory_id))
    if cur.fetchone():
        cur.execute(
            "SELECT id FROM episode_turns WHERE user_id=%s AND session_id=%s ORDER BY seq",
            (user, memory_id),
        )
        turns = [r[0] for r in cur.fetchall()]
        cur.execute(
            "SELECT id FROM memories WHERE user_id=%s AND session_id=%s ORDER BY seq",
            (user, memory_id),
        )
        return list(dict.fromkeys(turns + [r[0] for r in cur.fetchall()])), memory_id
    cur.execute(
        "SELECT 1 FROM memories WHERE user_id=%s AND id=%s UNION ALL "
        "SELECT 1 FROM episode_turns WHERE user_id=%s AND id=%s",
        (user, memory_id, user, memory_id),
    )
    if cur.fetchone():
        return [memory_id], None
    raise NotFoundError(f"No memory with id '{memory_id}'; run 'os1 memory list' to see the ids.")


def _collect(cur: Any, user: str, start: list[str]) -> list[str]:
    """``start`` plus every memory derived from any of them, transitively."""
    doomed = list(dict.fromkeys(start))
    todo = list(doomed)
    while todo:
        cur.execute(
            "SELECT DISTINCT memory_id FROM memory_sources WHERE user_id=%s AND source_id = ANY(%s)",
            (user, todo),
        )
        todo = [r[0] for r in cur.fetchall() if r[0] not in doomed]
        doomed.extend(todo)
    return doomed


def _restore_superseded(cur: Any, user: str, fact_id: str, doomed: set[str]) -> list[Removed]:
    """Undo what a removed fact did to the facts it replaced (as os1.memory.forget)."""
    cur.execute("SELECT superseded_by FROM facts WHERE user_id=%s AND id=%s", (user, fact_id))
    row = cur.fetchone()
    successor = row[0] if row else None
    cur.execute(
        "SELECT f.id, m.text FROM facts f JOIN memories m ON m.user_id = f.user_id AND m.id = f.id "
        "WHERE f.user_id=%s AND f.superseded_by=%s",
        (user, fact_id),
    )
    restored = []
    for fid, text in cur.fetchall():
        if fid in doomed:
            continue
        if successor is None or successor in doomed:
            cur.execute("UPDATE memories SET valid_to=NULL WHERE user_id=%s AND id=%s", (user, fid))
            cur.execute("UPDATE facts SET superseded_by=NULL WHERE user_id=%s AND id=%s", (user, fid))
            restored.append(Removed(fid, "fact", text, "restored"))
        else:  # A -> B -> C with B gone: A is now followed by C
            cur.execute(
                "UPDATE facts SET superseded_by=%s WHERE user_id=%s AND id=%s", (successor, user, fid)
            )
    return restored


def forget(cur: Any, store: PgMemory, memory_id: str) -> list[Removed]:
    """Delete ``memory_id`` (a memory, a logged turn or a session) and everything derived from
    it, in the caller's transaction; report each thing removed or made true again."""
    user = store.user
    start, session = _targets(cur, user, memory_id)
    doomed = _collect(cur, user, start)
    doomed_set = set(doomed)
    cur.execute(
        "SELECT id, kind, text, session_id FROM memories WHERE user_id=%s AND id = ANY(%s)",
        (user, doomed),
    )
    rows = {r[0]: r for r in cur.fetchall()}
    cur.execute("SELECT id, text FROM episode_turns WHERE user_id=%s AND id = ANY(%s)", (user, doomed))
    logged = dict(cur.fetchall())
    report: list[Removed] = []
    for mid in doomed:
        row = rows.get(mid)
        if row is None:
            if mid in logged:
                report.append(Removed(mid, "turn", logged[mid]))
            continue
        if row[1] == "fact":
            report.extend(_restore_superseded(cur, user, mid, doomed_set))
        report.append(Removed(mid, row[1], row[2]))
        if row[1] == "summary" and row[3]:  # the summary must be rebuilt without what was forgotten
            cur.execute(
                "DELETE FROM memory_reflected WHERE user_id=%s AND session_id=%s", (user, row[3])
            )
    cur.execute("DELETE FROM memories WHERE user_id=%s AND id = ANY(%s)", (user, doomed))
    cur.execute("DELETE FROM episode_turns WHERE user_id=%s AND id = ANY(%s)", (user, doomed))
    cur.execute("DELETE FROM memory_sources WHERE user_id=%s AND source_id = ANY(%s)", (user, doomed))
    if session is not None:
        cur.execute("DELETE FROM memory_reflected WHERE user_id=%s AND session_id=%s", (user, session))
        cur.execute("DELETE FROM episode_sessions WHERE user_id=%s AND id=%s", (user, session))
        report.append(Removed(session, "session", ""))
    return report


# reflection ---------------------------------------------------------------------------------
def _session_turns(cur: Any, user: str, session_id: str) -> list[Turn] | None:
    """The session's turns in order, or None when there is no such session."""
    cur.execute("SELECT 1 FROM episode_sessions WHERE user_id=%s AND id=%s", (user, session_id))
    if cur.fetchone() is None:
        return None
    cur.execute(
        f"SELECT {TURN_COLUMNS} FROM episode_turns WHERE user_id=%s AND session_id=%s ORDER BY seq",
        (user, session_id),
    )
    return [_turn(r) for r in cur.fetchall()]


def _session_facts(cur: Any, user: str, session_id: str) -> list[tuple[str, str, str | None]]:
    cur.execute(
        "SELECT m.id, m.text, f.supersedes FROM memories m JOIN facts f ON f.user_id = m.user_id "
        "AND f.id = m.id WHERE m.user_id=%s AND m.session_id=%s ORDER BY m.created",
        (user, session_id),
    )
    return [(r[0], r[1], r[2]) for r in cur.fetchall()]


def _insights(cur: Any, user: str, session_id: str, session_facts: list[tuple[str, str, str | None]],
              topics: list[str]) -> list[tuple[str, str, list[str]]]:  # fmt: skip
    """(id, text, sources): changes learned in this session, and topics that keep coming back."""
    out: list[tuple[str, str, list[str]]] = []
    for fid, text, old in session_facts:
        if old is None:
            continue
        cur.execute("SELECT text FROM memories WHERE user_id=%s AND id=%s", (user, old))
        prev = cur.fetchone()
        if prev:
            out.append((f"i-change-{fid}", f"Something changed: {text} (before: {prev[0]})", [fid, old]))
    for topic in topics:
        cur.execute(
            "SELECT id FROM memories WHERE user_id=%s AND kind='summary' AND text LIKE %s "
            "AND id != %s ORDER BY id",
            (user, f"%{topic}%", f"sum-{session_id}"),
        )
        ids = [r[0] for r in cur.fetchall()]
        if len(ids) + 1 >= reflect.RECURRING_SESSIONS:
            ids.append(f"sum-{session_id}")
            text = f"A recurring topic: {topic} (in {len(ids)} conversations)."
            out.append((f"i-topic-{topic}", text, ids))
    return out


def reflect_session(store: PgMemory, session_id: str, model: ChatModel | None) -> list[Hit]:
    """Summarise ``session_id``, derive insights, fade small talk. Safe to run again."""
    user = store.user

    def read(cur: Any) -> Any:
        turns = _session_turns(cur, user, session_id)
        if turns is None:
            return None
        return turns, _session_facts(cur, user, session_id)

    got = store._run(read)
    if got is None:
        raise NotFoundError(f"No conversation with id '{session_id}'.")
    turns, session_facts = got
    if not turns:
        return []
    topic_words = reflect.topics_of(turns)
    topics = ", ".join(topic_words)
    if model is not None:
        topics = _run(reflect.model_topics(model, turns)) or topics
    text = reflect.summary_text(turns, [t for _, t, _ in session_facts], topics)
    summary_id = f"sum-{session_id}"
    new = [(summary_id, "summary", text, [t.id for t in turns])]
    new += [
        (iid, "insight", itext, src)
        for iid, itext, src in store._run(_insights, user, session_id, session_facts, topic_words)
    ]
    vectors = store.embedder.embed([n[2] for n in new])

    def write(cur: Any) -> None:
        cur.execute(
            "SELECT source_id, COUNT(*) FROM memory_sources WHERE user_id=%s AND source_id = ANY(%s) "
            "AND memory_id != source_id AND memory_id NOT LIKE 'sum-%%' GROUP BY source_id",
            (user, [t.id for t in turns]),
        )
        derived = dict(cur.fetchall())
        fade = [t.id for t in turns if reflect.unimportant(t, derived.get(t.id, 0))]
        for (mid, kind, mtext, sources), vec in zip(new, vectors, strict=True):
            cur.execute("DELETE FROM memories WHERE user_id=%s AND id=%s", (user, mid))
            pgfacts.insert_memory(cur, pgfacts.Row(
                user, mid, kind, mtext, turns[-1].created, sources, vec,
                session_id=session_id, valid_from=turns[0].created,
            ))  # fmt: skip
        cur.execute(
            "UPDATE memories SET weight=%s WHERE user_id=%s AND id = ANY(%s) AND weight > %s",
            (reflect.FADED_WEIGHT, user, fade, reflect.FADED_WEIGHT),
        )
        cur.execute(
            "INSERT INTO memory_reflected (user_id, session_id, reflected, turns) "
            "VALUES (%s, %s, %s, %s) ON CONFLICT (user_id, session_id) DO UPDATE SET "
            "reflected=excluded.reflected, turns=excluded.turns",
            (user, session_id, now(), len(turns)),
        )

    store._run(write)
    return [store.get(mid) for mid, *_ in new]


def pending_sessions(store: PgMemory, idle_s: float) -> list[str]:
    """Sessions ended (or quiet for ``idle_s``) whose turns changed since the last reflection."""
    cutoff = now() - idle_s

    def run(cur: Any) -> list[str]:
        cur.execute(
            "SELECT s.id FROM episode_sessions s JOIN episode_turns t ON t.user_id = s.user_id "
            "AND t.session_id = s.id LEFT JOIN memory_reflected r ON r.user_id = s.user_id "
            "AND r.session_id = s.id WHERE s.user_id=%s GROUP BY s.id, s.started, s.ended, r.turns "
            "HAVING (s.ended IS NOT NULL OR MAX(t.created) < %s) "
            "AND r.turns IS DISTINCT FROM COUNT(t.id) ORDER BY s.started",
            (store.user, cutoff),
        )
        return [r[0] for r in cur.fetchall()]

    return list(store._run(run))


def reflect_pending(store: PgMemory, idle_s: float, model: ChatModel | None) -> list[str]:
    """The background job: reflect every finished session not yet reflected. Returns their ids."""
    done = []
    for sid in pending_sessions(store, idle_s):
        reflect_session(store, sid, model)
        done.append(sid)
    return done


__all__ = ["export", "forget", "import_transcript", "reflect_pending", "reflect_session"]
