"""Forgetting with cascade: a memory, everything derived from it, everywhere, in one go.

Forgetting a turn deletes it from the episodic log, the full-text index (by trigger), the
vector index, and every fact, summary and insight whose sources include it (recursively).
A fact that had replaced an older value is removed and the older value becomes current
again, since the evidence for the change is gone. Forgetting a session id forgets all of its
turns and the session itself.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

from os1.errors import NotFoundError
from os1.memory.base import Removed

if TYPE_CHECKING:
    from os1.memory.store import SqliteMemory


def _targets(conn: sqlite3.Connection, memory_id: str) -> tuple[list[str], str | None]:
    """The ids to start from, and the session to delete too (when a session id was given)."""
    if conn.execute("SELECT 1 FROM sessions WHERE id=?", (memory_id,)).fetchone():
        turns = [r[0] for r in conn.execute("SELECT id FROM turns WHERE session_id=?", (memory_id,))]
        derived = [
            r[0] for r in conn.execute("SELECT id FROM memories WHERE session_id=?", (memory_id,))
        ]
        return list(dict.fromkeys(turns + derived)), memory_id
    if conn.execute("SELECT 1 FROM memories WHERE id=?", (memory_id,)).fetchone():
        return [memory_id], None
    if conn.execute("SELECT 1 FROM turns WHERE id=?", (memory_id,)).fetchone():
        return [memory_id], None  # a logged turn that was never indexed
    raise NotFoundError(f"No memory with id '{memory_id}'; run 'os1 memory list' to see the ids.")


def _restore_superseded(
    conn: sqlite3.Connection, fact_id: str, doomed: set[str]
) -> list[Removed]:
    """Undo what a removed fact did to the facts it replaced."""
    row = conn.execute("SELECT superseded_by FROM facts WHERE id=?", (fact_id,)).fetchone()
    successor = row[0] if row else None
    restored: list[Removed] = []
    older = conn.execute(
        "SELECT f.id, m.text FROM facts f JOIN memories m ON m.id = f.id WHERE f.superseded_by=?",
        (fact_id,),
    ).fetchall()
    for r in older:
        if r["id"] in doomed:
            continue
        if successor is None or successor in doomed:
            conn.execute("UPDATE memories SET valid_to=NULL WHERE id=?", (r["id"],))
            conn.execute("UPDATE facts SET superseded_by=NULL WHERE id=?", (r["id"],))
            restored.append(Removed(r["id"], "fact", r["text"], "restored"))
        else:  # A -> B -> C with B gone: A is now followed by C
            conn.execute("UPDATE facts SET superseded_by=? WHERE id=?", (successor, r["id"]))
    return restored


def _collect(conn: sqlite3.Connection, start: list[str]) -> list[str]:
    """``start`` plus every memory derived from any of them, transitively."""
    doomed: list[str] = []
    queue = list(start)
    while queue:
        mid = queue.pop(0)
        if mid in doomed:
            continue
        doomed.append(mid)
        queue.extend(
            r[0] for r in conn.execute(
                "SELECT memory_id FROM memory_sources WHERE source_id=?", (mid,)
            )
        )  # fmt: skip
    return doomed


def forget(store: SqliteMemory, memory_id: str) -> list[Removed]:
    """Delete ``memory_id`` and everything derived from it; report each thing touched."""
    report: list[Removed] = []
    with store.db.transaction() as conn:
        start, session = _targets(conn, memory_id)
        doomed = _collect(conn, start)
        doomed_set = set(doomed)
        for mid in doomed:
            row = conn.execute("SELECT kind, text, session_id FROM memories WHERE id=?", (mid,)).fetchone()
            if row is None:
                turn = conn.execute("SELECT text FROM turns WHERE id=?", (mid,)).fetchone()
                if turn is not None:
                    report.append(Removed(mid, "turn", turn[0]))
            else:
                if row["kind"] == "fact":
                    report.extend(_restore_superseded(conn, mid, doomed_set))
                report.append(Removed(mid, row["kind"], row["text"]))
                if row["kind"] == "summary" and row["session_id"]:
                    # the session's summary must be rebuilt without what was forgotten
                    conn.execute(
                        "DELETE FROM reflected_sessions WHERE session_id=?", (row["session_id"],)
                    )
            conn.execute("DELETE FROM memories WHERE id=?", (mid,))
            conn.execute("DELETE FROM turns WHERE id=?", (mid,))
            conn.execute("DELETE FROM memory_sources WHERE source_id=?", (mid,))
        if session is not None:
            conn.execute("DELETE FROM reflected_sessions WHERE session_id=?", (session,))
            conn.execute("DELETE FROM sessions WHERE id=?", (session,))
            report.append(Removed(session, "session", ""))
    store.index.removed(doomed)
    return report
