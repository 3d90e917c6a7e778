"""Facts over time on Postgres: the same rules as os1.memory.facts (a changed value supersedes
the old one, a repeated one adds a source, an ended one closes it), on a psycopg cursor inside
the caller's transaction, for one user."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from os1.db import new_id
from os1.memory.base import Fact
from os1.memory.extract import SINGLE_RELATIONS, Candidate
from os1.memory.facts import RELATIONS, People

FACT_COLUMNS = (
    "m.id, m.text, m.created, m.valid_from, m.valid_to, m.source_ids, "
    "f.subject, f.predicate, f.value, f.superseded_by"
)


def fact_from_row(r: Sequence[Any]) -> Fact:
    return Fact(
        id=r[0], text=r[1], created=r[2], valid_from=r[3], valid_to=r[4],
        source_ids=tuple(r[5]), subject=r[6], predicate=r[7], value=r[8], superseded_by=r[9],
    )  # fmt: skip


@dataclass(frozen=True)
class Row:
    user: str
    id: str
    kind: str
    text: str
    created: float
    source_ids: Sequence[str]
    vector: Any
    speaker: str = ""
    session_id: str | None = None
    valid_from: float | None = None
    valid_to: float | None = None


def insert_memory(cur: Any, row: Row) -> None:
    from psycopg.types.json import Jsonb

    cur.execute(
        "INSERT INTO memories (user_id, id, kind, text, speaker, created, valid_from, valid_to, "
        "session_id, source_ids, embedding) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
        (row.user, row.id, row.kind, row.text, row.speaker, row.created, row.valid_from,
         row.valid_to, row.session_id, Jsonb(list(row.source_ids)), row.vector),
    )  # fmt: skip
    cur.executemany(
        "INSERT INTO memory_sources VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
        [(row.user, row.id, s) for s in row.source_ids],
    )


def versions(cur: Any, user: str, subject: str, predicate: str) -> list[Fact]:
    cur.execute(
        f"SELECT {FACT_COLUMNS} FROM facts f JOIN memories m ON m.user_id = f.user_id "
        "AND m.id = f.id WHERE f.user_id = %s AND lower(f.subject) = lower(%s) "
        "AND f.predicate = %s ORDER BY m.valid_from",
        (user, subject, predicate),
    )
    return [fact_from_row(r) for r in cur.fetchall()]


def _add_source(cur: Any, user: str, fact_id: str, source_id: str) -> None:
    cur.execute(
        "UPDATE memories SET source_ids = source_ids || to_jsonb(%s::text) WHERE user_id=%s "
        "AND id=%s AND NOT source_ids ? %s",
        (source_id, user, fact_id, source_id),
    )
    cur.execute(
        "INSERT INTO memory_sources VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
        (user, fact_id, source_id),
    )


def _close(cur: Any, user: str, ids: Sequence[str], when: float, by: str | None) -> None:
    for fid in ids:
        cur.execute(
            "UPDATE memories SET valid_to=%s WHERE user_id=%s AND id=%s", (when, user, fid)
        )
        if by is not None:
            cur.execute(
                "UPDATE facts SET superseded_by=%s WHERE user_id=%s AND id=%s", (by, user, fid)
            )


def apply_candidate(
    cur: Any, user: str, cand: Candidate, source_id: str, when: float, vector: Any,
    session_id: str | None,
) -> str | None:  # fmt: skip
    """Record ``cand`` as stated at ``when``; the id of the fact it made or touched."""
    # one writer per subject+predicate at a time: two servers hearing a change at once must not
    # both leave a 'current' value
    cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"{user}|{cand.subject}|{cand.predicate}",))
    current = [f for f in versions(cur, user, cand.subject, cand.predicate) if f.current]
    same = [f for f in current if f.value.casefold() == cand.value.casefold()]
    if cand.ended:
        _close(cur, user, [f.id for f in same], when, None)
        return same[0].id if same else None
    if same:
        _add_source(cur, user, same[0].id, source_id)
        return same[0].id
    fid = new_id("f")
    later = [f for f in current if f.valid_from > when] if not cand.multi else []
    valid_to = later[0].valid_from if later else None  # heard out of order: straight to history
    ended = [] if (cand.multi or later) else current
    insert_memory(
        cur, Row(user, fid, "fact", cand.text, when, [source_id], vector,
                 session_id=session_id, valid_from=when, valid_to=valid_to),
    )  # fmt: skip
    cur.execute(
        "INSERT INTO facts VALUES (%s, %s, %s, %s, %s, %s, %s)",
        (user, fid, cand.subject, cand.predicate, cand.value, later[0].id if later else None,
         ended[-1].id if ended else None),
    )  # fmt: skip
    _close(cur, user, [f.id for f in ended], when, fid)
    return fid


def known_people(cur: Any, user: str, subject: str) -> People:
    """Who is who for ``subject`` ('my sister' -> Anna), as os1.memory.facts.known_people."""
    cur.execute(
        "SELECT f.predicate, f.value FROM facts f JOIN memories m ON m.user_id = f.user_id "
        "AND m.id = f.id WHERE f.user_id = %s AND lower(f.subject) = lower(%s) "
        "AND m.valid_to IS NULL "
        "ORDER BY m.valid_from",
        (user, subject),
    )
    people = People({}, {})
    seen: dict[str, set[str]] = {}
    for predicate, value in cur.fetchall():
        if predicate in RELATIONS:
            seen.setdefault(predicate, set()).add(value)
            people.learn(predicate, value)
    for rel, names in seen.items():
        if len(names) > 1 and rel not in SINGLE_RELATIONS:
            people.named.pop(rel, None)
    return people
