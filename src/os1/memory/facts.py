"""Facts over time: a changed value supersedes the old one, a repeated one is merged.

Every function here works on an open connection inside the caller's transaction, so a turn,
its facts and their supersessions are written all together or not at all.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from os1.db import new_id
from os1.memory.base import Fact
from os1.memory.extract import MULTI_RELATIONS, SINGLE_RELATIONS, USER, Candidate

FACT_COLUMNS = (
    "m.id, m.text, m.created, m.valid_from, m.valid_to, m.source_ids, "
    "f.subject, f.predicate, f.value, f.superseded_by"
)


def fact_from_row(r: sqlite3.Row) -> Fact:
    return Fact(
        id=r["id"],
        subject=r["subject"],
        predicate=r["predicate"],
        value=r["value"],
        text=r["text"],
        created=r["created"],
        valid_from=r["valid_from"],
        valid_to=r["valid_to"],
        superseded_by=r["superseded_by"],
        source_ids=tuple(json.loads(r["source_ids"])),
    )


def insert_memory(
    conn: sqlite3.Connection,
    mid: str,
    kind: str,
    text: str,
    created: float,
    source_ids: Sequence[str],
    vector: bytes | None,
    *,
    speaker: str = "",
    session_id: str | None = None,
    valid_from: float | None = None,
    valid_to: float | None = None,
    weight: float = 1.0,
) -> None:
    conn.execute(
        "INSERT INTO memories (id, kind, text, speaker, created, valid_from, valid_to, "
        "session_id, weight, source_ids, vector) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (mid, kind, text, speaker, created, valid_from, valid_to, session_id, weight,
         json.dumps(list(source_ids)), vector),
    )  # fmt: skip
    conn.executemany(
        "INSERT OR IGNORE INTO memory_sources (memory_id, source_id) VALUES (?, ?)",
        [(mid, s) for s in source_ids],
    )


def _add_source(conn: sqlite3.Connection, fact_id: str, source_id: str) -> None:
    row = conn.execute("SELECT source_ids FROM memories WHERE id=?", (fact_id,)).fetchone()
    ids = json.loads(row[0])
    if source_id not in ids:
        ids.append(source_id)
        conn.execute("UPDATE memories SET source_ids=? WHERE id=?", (json.dumps(ids), fact_id))
        conn.execute(
            "INSERT OR IGNORE INTO memory_sources (memory_id, source_id) VALUES (?, ?)",
            (fact_id, source_id),
        )


def _versions(conn: sqlite3.Connection, subject: str, predicate: str) -> list[sqlite3.Row]:
    return conn.execute(
        f"SELECT {FACT_COLUMNS} FROM facts f JOIN memories m ON m.id = f.id "
        "WHERE f.subject = ? AND f.predicate = ? ORDER BY m.valid_from",
        (subject, predicate),
    ).fetchall()


@dataclass(frozen=True)
class Applied:
    """What one candidate did: a new fact, a merge into an existing one, or nothing."""

    fact_id: str | None
    new: bool
    superseded: tuple[str, ...] = ()


def apply_candidate(
    conn: sqlite3.Connection, cand: Candidate, source_id: str, when: float, vector: bytes | None,
    session_id: str | None = None,
) -> Applied:  # fmt: skip
    """Record ``cand`` as stated at ``when`` in turn ``source_id``."""
    rows = _versions(conn, cand.subject, cand.predicate)
    current = [r for r in rows if r["valid_to"] is None]
    same = [r for r in current if r["value"].casefold() == cand.value.casefold()]
    if cand.ended:
        for r in same:
            conn.execute("UPDATE memories SET valid_to=? WHERE id=?", (when, r["id"]))
        return Applied(same[0]["id"] if same else None, False, tuple(r["id"] for r in same))
    if same:
        _add_source(conn, same[0]["id"], source_id)
        return Applied(same[0]["id"], False)
    fid = new_id("f")
    later = [r for r in current if r["valid_from"] > when] if not cand.multi else []
    if later:
        # heard out of order (an old transcript imported late): it goes straight to history
        valid_to: float | None = later[0]["valid_from"]
        superseded_by: str | None = later[0]["id"]
        ended: list[sqlite3.Row] = []
    else:
        valid_to, superseded_by = None, None
        ended = [] if cand.multi else current
    insert_memory(
        conn, fid, "fact", cand.text, when, [source_id], vector,
        session_id=session_id, valid_from=when, valid_to=valid_to,
    )  # fmt: skip
    conn.execute(
        "INSERT INTO facts (id, subject, predicate, value, superseded_by, supersedes) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (fid, cand.subject, cand.predicate, cand.value, superseded_by,
         ended[-1]["id"] if ended else None),
    )  # fmt: skip
    for r in ended:
        conn.execute("UPDATE memories SET valid_to=? WHERE id=?", (when, r["id"]))
        conn.execute("UPDATE facts SET superseded_by=? WHERE id=?", (fid, r["id"]))
    return Applied(fid, True, tuple(r["id"] for r in ended))


def current_facts(conn: sqlite3.Connection, subject: str | None = None) -> list[Fact]:
    sql = f"SELECT {FACT_COLUMNS} FROM facts f JOIN memories m ON m.id = f.id WHERE m.valid_to IS NULL"
    params: tuple[str, ...] = ()
    if subject is not None:
        sql += " AND f.subject = ?"
        params = (subject,)
    rows = conn.execute(sql + " ORDER BY f.subject, f.predicate, m.valid_from", params).fetchall()
    return [fact_from_row(r) for r in rows]


def get_fact(conn: sqlite3.Connection, fact_id: str) -> Fact | None:
    row = conn.execute(
        f"SELECT {FACT_COLUMNS} FROM facts f JOIN memories m ON m.id = f.id WHERE f.id = ?",
        (fact_id,),
    ).fetchone()
    return fact_from_row(row) if row else None


def history(conn: sqlite3.Connection, fact_id: str) -> list[Fact]:
    """Every version of the fact's subject+predicate, oldest first (the fact itself included)."""
    row = conn.execute("SELECT subject, predicate FROM facts WHERE id=?", (fact_id,)).fetchone()
    if row is None:
        return []
    return [fact_from_row(r) for r in _versions(conn, row["subject"], row["predicate"])]


RELATIONS = frozenset((*SINGLE_RELATIONS, *MULTI_RELATIONS))


@dataclass
class People:
    """Who is who for one speaker: 'my sister' -> Anna (when there is exactly one sister or
    the relation is single-valued), and Anna -> sister."""

    named: dict[str, str]
    relation_of: dict[str, str]

    def learn(self, relation: str, name: str) -> None:
        self.relation_of[name] = relation
        if relation in SINGLE_RELATIONS or self.named.get(relation, name) == name:
            self.named[relation] = name
        else:
            self.named.pop(relation, None)  # a second sister: 'my sister' is ambiguous now


def known_people(conn: sqlite3.Connection, subject: str = USER) -> People:
    rows = conn.execute(
        "SELECT f.predicate, f.value FROM facts f JOIN memories m ON m.id = f.id "
        "WHERE f.subject = ? AND m.valid_to IS NULL ORDER BY m.valid_from",
        (subject,),
    ).fetchall()
    people = People({}, {})
    seen: dict[str, set[str]] = {}
    for r in rows:
        if r["predicate"] in RELATIONS:
            seen.setdefault(r["predicate"], set()).add(r["value"])
            people.learn(r["predicate"], r["value"])
    for rel, names in seen.items():
        if len(names) > 1 and rel not in SINGLE_RELATIONS:
            people.named.pop(rel, None)
    return people
