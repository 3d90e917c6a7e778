"""Reflection: a finished session becomes a summary and insights; small talk fades.

The summary is built from a template (who talked, when, the main topics, the facts learned)
so names and dates are never made up; a model, when given, may only replace the topic line
and is rejected if it names anything the session did not contain. Fading lowers a memory's
weight (search ranks it lower); nothing is deleted.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime
from typing import TYPE_CHECKING

from os1.brain.base import ChatModel, Message, Sampling, complete_json
from os1.db import now
from os1.errors import BackendError, NotFoundError
from os1.memory.base import Hit
from os1.memory.episodes import Turn
from os1.memory.facts import insert_memory
from os1.memory.search import content_words
from os1.memory.vectors import to_blob

if TYPE_CHECKING:
    from os1.memory.store import SqliteMemory

FADED_WEIGHT = 0.4
RECURRING_SESSIONS = 3  # a topic in this many sessions becomes an insight
_SMALL_TALK = re.compile(
    r"^(?:ok(?:ay)?|sure|thanks?(?: you)?|thx|cool|nice|great|yes|yeah|yep|no|nope|hi|hello|hey|"
    r"bye|good (?:night|morning)|lol|haha|hmm+|right|got it|sounds good|see you)\b[\s!.?]*$",
    re.I,
)
_EXTRA_STOP = frozenset(
    ["going", "want", "think", "good", "great", "well", "yeah", "okay", "thanks", "lot", "much", "time", "today", "day", "way", "make", "made", "been", "went", "see", "feel", "feeling", "pretty", "little", "bit", "maybe", "sure", "right", "kind"]
)
_SUMMARY_SCHEMA = {
    "type": "object",
    "properties": {"topics": {"type": "string", "maxLength": 160}},
    "required": ["topics"],
}


def topics_of(turns: list[Turn], n: int = 5) -> list[str]:
    counts: Counter[str] = Counter()
    for t in turns:
        for w in set(content_words(t.text)):
            if len(w) > 3 and w not in _EXTRA_STOP and not w.isdigit():
                counts[w] += 1
    return [w for w, c in counts.most_common(n) if c >= 1]


def unimportant(turn: Turn, derived: int) -> bool:
    return derived == 0 and (
        bool(_SMALL_TALK.match(turn.text.strip())) or len(content_words(turn.text)) < 3
    )


def _grounded(text: str, turns: list[Turn]) -> bool:
    """No capitalised word (a name, a place) that the session itself never used."""
    said = " ".join(t.text for t in turns).lower()
    names = re.findall(r"\b[A-Z][a-z]{2,}\b", text)
    return all(n.lower() in said for n in names if n not in ("The", "User"))


async def model_topics(model: ChatModel, turns: list[Turn]) -> str | None:
    convo = "\n".join(f"{t.speaker}: {t.text}" for t in turns)[-3000:]
    msgs = [
        Message("system", "In a few words, what was this conversation about?"),
        Message("user", convo),
    ]
    try:
        data = await complete_json(model, msgs, _SUMMARY_SCHEMA, Sampling(max_tokens=60))
    except BackendError:
        return None
    topics = str(data.get("topics", "")).strip() if isinstance(data, dict) else ""
    return topics if topics and _grounded(topics, turns) else None


def summary_text(turns: list[Turn], fact_texts: list[str], topics: str) -> str:
    when = datetime.fromtimestamp(turns[0].created).strftime("%A %d %B %Y")
    speakers = list(dict.fromkeys(t.speaker for t in turns))
    text = f"Conversation on {when} ({', '.join(speakers)}, {len(turns)} turns)"
    if topics:
        text += f" about {topics}"
    text += "."
    if fact_texts:
        text += " Learned: " + " ".join(fact_texts[:8])
    return text[:1500]


def _session_facts(store: SqliteMemory, session_id: str) -> list[tuple[str, str, str | None]]:
    rows = store.db.query(
        "SELECT m.id, m.text, f.supersedes FROM memories m JOIN facts f ON f.id = m.id "
        "WHERE m.session_id=? ORDER BY m.created",
        (session_id,),
    )
    return [(r["id"], r["text"], r["supersedes"]) for r in rows]


def _insights(
    store: SqliteMemory, session_id: str, topics: list[str]
) -> list[tuple[str, str, list[str]]]:
    """(id, text, sources): changes learned in this session, and topics that keep coming back."""
    out: list[tuple[str, str, list[str]]] = []
    for fid, text, old in _session_facts(store, session_id):
        if old is None:
            continue
        prev = store.db.query("SELECT text FROM memories WHERE id=?", (old,))
        if prev:
            change = f"Something changed: {text} (before: {prev[0][0]})"
            out.append((f"i-change-{fid}", change, [fid, old]))
    for topic in topics:
        rows = store.db.query(
            "SELECT id FROM memories WHERE kind='summary' AND text LIKE ? AND id != ?",
            (f"%{topic}%", f"sum-{session_id}"),
        )
        if len(rows) + 1 >= RECURRING_SESSIONS:
            ids = [r[0] for r in rows] + [f"sum-{session_id}"]
            text = f"A recurring topic: {topic} (in {len(ids)} conversations)."
            out.append((f"i-topic-{topic}", text, ids))
    return out


def reflect_session(store: SqliteMemory, session_id: str, model: ChatModel | None) -> list[Hit]:
    """Summarise ``session_id``, derive insights, fade small talk. Safe to run again."""
    from os1.memory.store import _run

    turns = store.episodes.turns(session_id)
    if not store.db.query("SELECT 1 FROM sessions WHERE id=?", (session_id,)):
        raise NotFoundError(f"No conversation with id '{session_id}'.")
    if not turns:
        return []
    topic_words = topics_of(turns)
    topics = ", ".join(topic_words)
    if model is not None:
        topics = _run(model_topics(model, turns)) or topics
    session_facts = _session_facts(store, session_id)
    text = summary_text(turns, [t for _, t, _ in session_facts], topics)
    summary_id = f"sum-{session_id}"
    derived = {
        r[0]: r[1] for r in store.db.query(
            "SELECT source_id, COUNT(*) FROM memory_sources WHERE source_id IN "
            "(SELECT id FROM turns WHERE session_id=?) AND memory_id != source_id "
            "AND memory_id NOT LIKE 'sum-%' "
            "GROUP BY source_id", (session_id,),
        )
    }  # fmt: skip
    fade = [t.id for t in turns if unimportant(t, derived.get(t.id, 0))]
    new = [(summary_id, "summary", text, [t.id for t in turns])]
    new += [(iid, "insight", itext, src) for iid, itext, src in _insights(store, session_id, topic_words)]
    vectors = store.embedder.embed([n[2] for n in new])
    with store.db.transaction() as conn:
        for (mid, kind, mtext, sources), vec in zip(new, vectors, strict=True):
            conn.execute("DELETE FROM memories WHERE id=?", (mid,))
            insert_memory(
                conn, mid, kind, mtext, turns[-1].created, sources, to_blob(vec),
                session_id=session_id, valid_from=turns[0].created,
            )  # fmt: skip
        conn.executemany(
            "UPDATE memories SET weight=? WHERE id=? AND weight > ?",
            [(FADED_WEIGHT, tid, FADED_WEIGHT) for tid in fade],
        )
        conn.execute(
            "INSERT OR REPLACE INTO reflected_sessions (session_id, reflected, turns) VALUES (?, ?, ?)",
            (session_id, now(), len(turns)),
        )
    store.index.removed([n[0] for n in new])
    store.index.refresh()
    return [store.get(mid) for mid, *_ in new]


def pending_sessions(store: SqliteMemory, idle_s: float) -> list[str]:
    """Sessions ended (or quiet for ``idle_s``) whose turns changed since the last reflection."""
    cutoff = now() - idle_s
    rows = store.db.query(
        "SELECT s.id, COUNT(t.id) AS n, MAX(t.created) AS last, s.ended, r.turns AS done "
        "FROM sessions s JOIN turns t ON t.session_id = s.id "
        "LEFT JOIN reflected_sessions r ON r.session_id = s.id GROUP BY s.id ORDER BY s.started"
    )
    return [
        r["id"] for r in rows
        if (r["ended"] is not None or r["last"] < cutoff) and r["done"] != r["n"]
    ]  # fmt: skip


def reflect_pending(store: SqliteMemory, idle_s: float, model: ChatModel | None) -> list[str]:
    """The background job: reflect every finished session not yet reflected. Returns their ids."""
    done = []
    for sid in pending_sessions(store, idle_s):
        reflect_session(store, sid, model)
        done.append(sid)
    return done
