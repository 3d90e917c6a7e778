"""PgMemory: the MemoryStore on PostgreSQL + pgvector, many users in one database.

Recall is the same hybrid as SQLite's: full-text rank (tsvector, GIN) and cosine distance
(pgvector HNSW), fused like the SQLite store (cosine plus scaled rank), scaled by weight and fact validity. Facts follow the
same supersession rules. Every row carries ``user_id``; one PgMemory serves one user.
Embedding happens before a transaction opens, so row locks are held only for SQL.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from os1.brain.base import ChatModel
from os1.db import now
from os1.errors import InputError, NotFoundError, StorageError
from os1.memory.base import KINDS, Fact, Hit
from os1.memory.embed import Embedder, embedder
from os1.memory.episodes import Turn
from os1.memory.extract import USER, rule_candidates
from os1.memory.search import SUPERSEDED_FACTOR, combine, content_words
from os1.memory.store import (
    MAX_QUERY,
    as_timestamp,
    check_text,
    collapse_repeats,
    embed_text,
    subject_of,
)
from os1.memory.timewindow import parse_window
from os1.scale import pgfacts
from os1.scale.db import connect, migrate

HIT_COLUMNS = "id, text, kind, created, valid_from, valid_to, weight, source_ids"
EF_SEARCH = 100  # HNSW candidate list; iterative scan keeps filtered queries from coming up short


def hit_from_row(r: Sequence[Any], score: float | None = None) -> Hit:
    return Hit(
        id=r[0], text=r[1], kind=r[2], created=r[3], valid_from=r[4], valid_to=r[5],
        score=float(r[6]) if score is None else score, source_ids=tuple(r[7]),
    )  # fmt: skip


def kinds_filter(kinds: Sequence[str] | None) -> list[str] | None:
    if kinds is None:
        return None
    bad = [k for k in kinds if k not in KINDS]
    if bad:
        raise InputError(f"Unknown memory kind '{bad[0]}'; kinds are: {', '.join(KINDS)}.")
    return list(kinds)


def tsquery(text: str) -> str | None:
    """Any of the content words, as a to_tsquery expression with nothing user-supplied left
    to parse (each word is quoted as a lexeme)."""
    words = list(dict.fromkeys(content_words(text)))[:16]
    if not words:
        return None
    return " | ".join("'" + w.replace("'", "") + "'" for w in words if w.replace("'", ""))


class PgMemory:
    """Episodic and semantic memory for one user in a shared Postgres database. Thread-safe."""

    def __init__(
        self, url: str, user_id: str = "local", embed_model: Embedder | None = None
    ) -> None:
        if not user_id:
            raise InputError("A Postgres memory needs a user id.")
        migrate(url)
        self.url = url
        self.user = user_id
        self._embedder = embed_model
        self._conn = connect(url)
        self._lock = threading.Lock()
        self.model: ChatModel | None = None

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = embedder()
        return self._embedder

    def _cursor(self) -> Any:
        """A cursor in a fresh transaction; reconnects once if the server went away."""
        if self._conn.closed or self._conn.broken:
            self._conn = connect(self.url)
        return self._conn.cursor()

    def _run(self, fn: Any, *args: Any) -> Any:
        import psycopg

        with self._lock:
            try:
                with self._conn.transaction(), self._cursor() as cur:
                    return fn(cur, *args)
            except psycopg.OperationalError as exc:
                raise StorageError(f"The database failed during a memory operation: {exc}") from exc

    # writing --------------------------------------------------------------------------------
    def observe(self, turn: Turn, model: ChatModel | None = None) -> list[Fact]:
        """Index a turn and apply the facts it states (rules only: see the report for models)."""
        if not turn.text.strip():
            return []
        check_text(turn.text, f"Turn {turn.id}")
        subject = subject_of(turn)
        cands = rule_candidates(turn.text, subject) if subject is not None else []
        vectors = self.embedder.embed([embed_text(turn)] + [c.text for c in cands])
        return list(self._run(self._write, turn, cands, vectors))

    async def aobserve(self, turn: Turn, model: ChatModel | None = None) -> list[Fact]:
        """:meth:`observe` off the event loop (embedding and SQL both block)."""
        return await asyncio.to_thread(self.observe, turn, model)

    def _write(self, cur: Any, turn: Turn, cands: list[Any], vectors: Any) -> list[Fact]:
        cur.execute(
            "SELECT 1 FROM memories WHERE user_id=%s AND id=%s FOR UPDATE", (self.user, turn.id)
        )
        if cur.fetchone():
            return []  # already indexed: observing twice changes nothing
        row = pgfacts.Row(
            self.user, turn.id, "turn", turn.text, turn.created, [turn.id], vectors[0],
            speaker=turn.speaker, session_id=turn.session_id,
        )  # fmt: skip
        try:
            pgfacts.insert_memory(cur, row)
        except Exception as exc:
            if type(exc).__name__ == "UniqueViolation":  # a second server indexed it first
                return []
            raise
        ids: list[str] = []
        for cand, vec in zip(cands, vectors[1:], strict=True):
            fid = pgfacts.apply_candidate(
                cur, self.user, cand, turn.id, turn.created, vec, turn.session_id
            )
            if fid and fid not in ids:
                ids.append(fid)
        return [f for f in (self._fact(cur, i) for i in ids) if f is not None]

    def _fact(self, cur: Any, fact_id: str) -> Fact | None:
        cur.execute(
            f"SELECT {pgfacts.FACT_COLUMNS} FROM facts f JOIN memories m ON m.user_id = f.user_id "
            "AND m.id = f.id WHERE f.user_id=%s AND f.id=%s",
            (self.user, fact_id),
        )
        r = cur.fetchone()
        return pgfacts.fact_from_row(r) if r else None

    # reading --------------------------------------------------------------------------------
    def search(
        self,
        query: str,
        limit: int = 10,
        kinds: Sequence[str] | None = None,
        since: float | Any = None,
        until: float | Any = None,
    ) -> list[Hit]:
        if not query.strip():
            raise InputError("Give some words to search for.")
        check_text(query, "The search text", MAX_QUERY)
        if not 1 <= limit <= 1000:
            raise InputError("The limit must be between 1 and 1000.")
        wanted = kinds_filter(kinds)
        lo, hi, text = as_timestamp(since), as_timestamp(until), query
        if since is None and until is None:
            window = parse_window(query)
            text, lo, hi = window.query, window.since, window.until
        expr = tsquery(text)
        if expr is None and (lo is not None or hi is not None):
            return list(self._run(self._recent, wanted, lo, hi, limit))
        qvec = self.embedder.embed_one(text or query)
        depth = max(50, 5 * limit)
        return list(self._run(self._hybrid, expr, qvec, wanted, lo, hi, depth, limit))

    def _where(self, kinds: list[str] | None, lo: float | None, hi: float | None) -> tuple[str, list[Any]]:
        sql = "user_id = %s"
        params: list[Any] = [self.user]
        for clause, value in (("kind = ANY(%s)", kinds), ("created >= %s", lo), ("created < %s", hi)):
            if value is not None:
                sql += f" AND {clause}"
                params.append(value)
        return sql, params

    def _hybrid(self, cur: Any, expr: str | None, qvec: Any, kinds: list[str] | None,
                lo: float | None, hi: float | None, depth: int, limit: int) -> list[Hit]:  # fmt: skip
        where, params = self._where(kinds, lo, hi)
        lexical: list[tuple[str, float]] = []
        if expr:
            cur.execute(
                f"SELECT id, ts_rank_cd(tsv, to_tsquery('english', %s)) AS r FROM memories "
                f"WHERE {where} AND tsv @@ to_tsquery('english', %s) ORDER BY r DESC LIMIT %s",
                (expr, *params, expr, depth),
            )
            lexical = [(r[0], float(r[1])) for r in cur.fetchall()]
        cur.execute(f"SET LOCAL hnsw.ef_search = {max(EF_SEARCH, depth)}")
        cur.execute("SET LOCAL hnsw.iterative_scan = relaxed_order")
        q = np.asarray(qvec, dtype=np.float32)
        cur.execute(
            f"SELECT id, 1 - (embedding <=> %s) FROM memories WHERE {where} "
            "AND embedding IS NOT NULL ORDER BY embedding <=> %s LIMIT %s",
            (q, *params, q, depth),
        )
        cosines = {r[0]: float(r[1]) for r in cur.fetchall()}
        # the same fusion as the SQLite store (cosine plus scaled BM25), so both rank alike
        fused = combine(cosines, lexical)
        if not fused:
            return []
        cur.execute(
            f"SELECT {HIT_COLUMNS} FROM memories WHERE user_id=%s AND id = ANY(%s)",
            (self.user, list(fused)),
        )
        hits = []
        for r in cur.fetchall():
            score = fused[r[0]] * float(r[6])
            if r[2] == "fact" and r[5] is not None:
                score *= SUPERSEDED_FACTOR
            hits.append(hit_from_row(r, score))
        hits.sort(key=lambda h: (-h.score, -h.created))
        return collapse_repeats(hits)[:limit]

    def _recent(self, cur: Any, kinds: list[str] | None, lo: float | None, hi: float | None,
                limit: int) -> list[Hit]:  # fmt: skip
        where, params = self._where(kinds, lo, hi)
        cur.execute(
            f"SELECT {HIT_COLUMNS} FROM memories WHERE {where} ORDER BY created DESC LIMIT %s",
            (*params, limit),
        )
        return [hit_from_row(r) for r in cur.fetchall()]

    def get(self, memory_id: str) -> Hit:
        def run(cur: Any) -> Any:
            cur.execute(
                f"SELECT {HIT_COLUMNS} FROM memories WHERE user_id=%s AND id=%s",
                (self.user, memory_id),
            )
            return cur.fetchone()

        row = self._run(run)
        if row is None:
            raise NotFoundError(
                f"No memory with id '{memory_id}'; run 'os1 memory list' to see the ids."
            )
        return hit_from_row(row)

    def current_facts(self, subject: str | None = None) -> list[Fact]:
        def run(cur: Any) -> list[Fact]:
            sql = (
                f"SELECT {pgfacts.FACT_COLUMNS} FROM facts f JOIN memories m ON "
                "m.user_id = f.user_id AND m.id = f.id WHERE f.user_id=%s AND m.valid_to IS NULL"
            )
            params: list[Any] = [self.user]
            if subject is not None:
                sql += " AND lower(f.subject) = lower(%s)"
                params.append(subject)
            cur.execute(sql + " ORDER BY f.subject, f.predicate, m.valid_from", params)
            return [pgfacts.fact_from_row(r) for r in cur.fetchall()]

        return list(self._run(run))

    def history(self, fact_id: str) -> list[Fact]:
        def run(cur: Any) -> list[Fact]:
            fact = self._fact(cur, fact_id)
            return [] if fact is None else pgfacts.versions(cur, self.user, fact.subject, fact.predicate)

        return list(self._run(run))

    def core_text(self) -> str:
        """What os1 always knows about the user: their current facts, one line each."""
        lines = [f"- {f.text}" for f in self.current_facts(USER)]
        return "About the user:\n" + "\n".join(lines) if lines else ""

    def reflect(self, session_id: str, model: ChatModel | None = None) -> list[Hit]:
        raise StorageError("Reflection is not available on the Postgres memory yet.")

    # forgetting, import/export --------------------------------------------------------------
    def forget(self, memory_id: str) -> list[str]:
        """Remove a memory (or a whole session) and everything derived from it; the ids removed.
        A fact that the removed one had superseded becomes current again."""
        removed = list(self._run(self._forget, memory_id))
        if not removed:
            raise NotFoundError(f"No memory or session '{memory_id}' to forget.")
        return removed

    def _forget(self, cur: Any, memory_id: str) -> list[str]:
        cur.execute(
            "SELECT id FROM memories WHERE user_id=%s AND (id=%s OR session_id=%s)",
            (self.user, memory_id, memory_id),
        )
        todo = [r[0] for r in cur.fetchall()]
        seen: list[str] = []
        while todo:
            seen.extend(i for i in todo if i not in seen)
            cur.execute(
                "SELECT DISTINCT memory_id FROM memory_sources WHERE user_id=%s AND "
                "source_id = ANY(%s) AND NOT memory_id = ANY(%s)",
                (self.user, todo, seen),
            )
            todo = [r[0] for r in cur.fetchall()]
        # restore what the forgotten facts had superseded (unless it is forgotten too)
        cur.execute(
            "UPDATE memories m SET valid_to = NULL FROM facts f WHERE m.user_id=%s AND "
            "f.user_id = m.user_id AND f.id = m.id AND f.superseded_by = ANY(%s) "
            "AND NOT m.id = ANY(%s)",
            (self.user, seen, seen),
        )
        cur.execute(
            "UPDATE facts SET superseded_by = NULL WHERE user_id=%s AND superseded_by = ANY(%s)",
            (self.user, seen),
        )
        cur.execute("DELETE FROM memories WHERE user_id=%s AND id = ANY(%s)", (self.user, seen))
        return seen

    def import_transcript(self, source: str | Path | dict[str, Any]) -> list[str]:
        raise StorageError("Importing transcripts into the Postgres memory is not available yet.")

    def export(self) -> dict[str, Any]:
        return {
            "format": "os1-memory",
            "user": self.user,
            "exported": now(),
            "memories": [h.as_dict() for h in self.list()],
            "facts": [f.__dict__ for f in self.current_facts()],
        }

    def list(self, kinds: Sequence[str] | None = None, limit: int | None = None) -> list[Hit]:
        where, params = self._where(kinds_filter(kinds), None, None)

        def run(cur: Any) -> list[Hit]:
            cur.execute(
                f"SELECT {HIT_COLUMNS} FROM memories WHERE {where} "
                "ORDER BY created DESC, seq DESC LIMIT %s",
                (*params, limit),
            )
            return [hit_from_row(r) for r in cur.fetchall()]

        return list(self._run(run))

    def close(self) -> None:
        with self._lock:
            self._conn.close()
