"""PgMemory: the MemoryStore on PostgreSQL + pgvector, many users in one database.

The same memory as SqliteMemory, row for row: turns indexed from the conversation log
(``episode_sessions``/``episode_turns``, the tables PgEpisodes keeps; a turn logged elsewhere
is copied there when observed), facts with the same supersession rules, summaries and insights
from reflection, core memory, cascading forget, transcript import and export (the same JSON:
an export of either store imports into the other). Every row carries ``user_id``; one PgMemory
serves one user.

Recall is the same hybrid as SQLite's: full-text rank (tsvector, GIN, in the narrow
``memory_terms`` table a trigger keeps in step) and cosine similarity (pgvector HNSW over
half-precision copies; see migration 0005), fused by os1.memory.search.combine (cosine plus
scaled lexical rank), then scaled by weight and fact validity. Embedding happens before a transaction opens, so row locks
are held only for SQL. Import, reflection and forgetting live in os1.scale.pgops.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from os1.brain.base import ChatModel
from os1.config import MemoryConfig
from os1.db import now
from os1.errors import InputError, NotFoundError, StorageError
from os1.memory import core
from os1.memory.base import Fact, Hit, ImportResult, Removed, When
from os1.memory.embed import Embedder, embedder
from os1.memory.episodes import Turn
from os1.memory.extract import Candidate
from os1.memory.search import SUPERSEDED_FACTOR, combine
from os1.memory.store import (
    Observing,
    Pending,
    check_text,
    collapse_repeats,
    embed_pending,
    extract_all,
    search_scope,
)
from os1.scale import pgfacts
from os1.scale.db import connect, migrate
from os1.scale.pgrows import (
    HIT_COLUMNS,
    as_vector,
    hit_from_row,
    kinds_filter,
    log_turn,
    tsquery,
)

# HNSW candidate list (at least the number of candidates asked for); iterative scan keeps
# filtered queries from coming up short. At 1M memories 100 cost p50 32 / p95 223 ms against
# 17 / 22 ms for 64 (bench/results/scale.json, notes)
EF_SEARCH = 64
DIM = 384
# the expression the HNSW index is built on (migration 0005): order by it, or no index is used
HALF = f"embedding::halfvec({DIM})"
RANK = "ts_rank"  # as good as ts_rank_cd in bench/memory.py --postgres, half the time
HNSW_INDEX = f"CREATE INDEX memories_embedding ON memories USING hnsw (({HALF}) halfvec_cosine_ops)"


_LEXICAL = ThreadPoolExecutor(4, thread_name_prefix="os1-pg-lexical")


class PgMemory(Observing):
    """Episodic, semantic and self memory for one user in a shared Postgres database.
    Thread-safe (one connection, used under a lock)."""

    def __init__(
        self,
        url: str,
        user_id: str = "local",
        embed_model: Embedder | None = None,
        config: MemoryConfig | None = None,
        model: ChatModel | None = None,
    ) -> None:
        if not user_id:
            raise InputError("A Postgres memory needs a user id.")
        migrate(url)
        self.url = url
        self.user = user_id
        self.config = config or MemoryConfig()
        self.model = model
        self._embedder = embed_model
        self._conn = connect(url)
        self._lock = threading.RLock()
        self._episodes: Any = None

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = embedder()
        return self._embedder

    @property
    def episodes(self) -> Any:
        """This user's conversation log in the same database (os1.scale.episodes.PgEpisodes)."""
        if self._episodes is None:
            from os1.scale.episodes import PgEpisodes

            self._episodes = PgEpisodes(self.url, self.user)
        return self._episodes

    def _cursor(self) -> Any:
        """A cursor in a fresh transaction; reconnects once if the server went away."""
        if self._conn.closed or self._conn.broken:
            self._conn = connect(self.url)
        return self._conn.cursor()

    def _run(self, fn: Any, *args: Any) -> Any:
        """``fn(cursor, *args)`` in one transaction (all of it or none of it is kept)."""
        import psycopg

        with self._lock:
            try:
                with self._conn.transaction(), self._cursor() as cur:
                    return fn(cur, *args)
            except psycopg.OperationalError as exc:
                raise StorageError(f"The database failed during a memory operation: {exc}") from exc

    # writing --------------------------------------------------------------------------------
    def prepare(
        self, turns: Sequence[Turn], extra: dict[str, list[Candidate]] | None = None
    ) -> Pending:
        """Fact candidates of each turn (who is who read from the database) and all vectors."""

        def read(cur: Any) -> tuple[list[list[Candidate]], list[str]]:
            return extract_all(
                turns, lambda subject: pgfacts.known_people(cur, self.user, subject),
                self.config.extract_facts, extra,
            )  # fmt: skip

        cands, fact_texts = self._run(read)
        return embed_pending(self.embedder, turns, cands, fact_texts, as_vector)

    def write(self, cur: Any, pending: Pending) -> list[Fact]:
        """Index prepared turns (already in the log) and apply their facts, in the caller's
        transaction; the facts the turns stated."""
        ids: list[str] = []
        for turn, vec, cands, fvecs in zip(
            pending.turns, pending.turn_vectors, pending.candidates, pending.fact_vectors,
            strict=True,
        ):  # fmt: skip
            pgfacts.insert_memory(cur, pgfacts.Row(
                self.user, turn.id, "turn", turn.text, turn.created, [turn.id], vec,
                speaker=turn.speaker, session_id=turn.session_id,
            ))  # fmt: skip
            for cand, fvec in zip(cands, fvecs, strict=True):
                fid = pgfacts.apply_candidate(
                    cur, self.user, cand, turn.id, turn.created, fvec, turn.session_id
                )
                if fid and fid not in ids:
                    ids.append(fid)
        return [f for f in (self._fact(cur, i) for i in ids) if f is not None]

    def _observe(self, turn: Turn, extra: list[Candidate]) -> list[Fact]:
        if not turn.text.strip():
            return []
        check_text(turn.text, f"Turn {turn.id}")
        if self._indexed(turn.id):
            return []  # already indexed: observing twice changes nothing
        pending = self.prepare([turn], {turn.id: extra})
        return list(self._run(self._write_turn, turn, pending))

    def _indexed(self, memory_id: str) -> bool:
        def run(cur: Any) -> bool:
            cur.execute("SELECT 1 FROM memories WHERE user_id=%s AND id=%s", (self.user, memory_id))
            return cur.fetchone() is not None

        return bool(self._run(run))

    def _write_turn(self, cur: Any, turn: Turn, pending: Pending) -> list[Fact]:
        # one writer per turn id: a second server observing the same turn waits, then skips
        cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"{self.user}|turn|{turn.id}",))
        cur.execute("SELECT 1 FROM memories WHERE user_id=%s AND id=%s", (self.user, turn.id))
        if cur.fetchone():
            return []
        log_turn(cur, self.user, turn)
        return self.write(cur, pending)

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
        since: When = None,
        until: When = None,
    ) -> list[Hit]:
        """Hybrid search. A time phrase in the query ("last week") filters when no
        ``since``/``until`` is given; superseded facts rank below current ones."""
        text, lo, hi = search_scope(query, limit, since, until)
        wanted = kinds_filter(kinds)
        expr = tsquery(text)
        if expr is None and (lo is not None or hi is not None):
            return list(self._run(self._recent, wanted, lo, hi, limit))
        depth = max(50, 5 * limit)
        # the full-text rank needs no vector: it runs on a pooled connection (another Postgres
        # backend, so the other core) while this thread embeds the query and scans the index
        lexical = _LEXICAL.submit(self._lexical, expr, wanted, lo, hi, depth) if expr else None
        qvec = self.embedder.embed_query(text or query)
        return list(self._run(self._hybrid, lexical, qvec, wanted, lo, hi, depth, limit))

    def _where(self, kinds: list[str] | None, lo: float | None, hi: float | None) -> tuple[str, list[Any]]:
        sql = "user_id = %s"
        params: list[Any] = [self.user]
        for clause, value in (("kind = ANY(%s)", kinds), ("created >= %s", lo), ("created < %s", hi)):
            if value is not None:
                sql += f" AND {clause}"
                params.append(value)
        return sql, params

    def _lexical(self, expr: str, kinds: list[str] | None, lo: float | None, hi: float | None,
                 depth: int) -> list[tuple[str, float]]:  # fmt: skip
        """The ``depth`` best full-text matches as (id, rank), best first."""
        from os1.scale.pool import pool_for

        where, params = self._where(kinds, lo, hi)

        def work(cur: Any) -> list[tuple[str, float]]:
            cur.execute(
                f"SELECT id, {RANK}(tsv, to_tsquery('english', %s)) AS r FROM memory_terms "
                f"WHERE {where} AND tsv @@ to_tsquery('english', %s) ORDER BY r DESC LIMIT %s",
                (expr, *params, expr, depth),
            )
            return [(r["id"], float(r["r"])) for r in cur.fetchall()]

        return pool_for(self.url).run(work)

    def _hybrid(self, cur: Any, pending: Future[list[tuple[str, float]]] | None, qvec: Any,
                kinds: list[str] | None, lo: float | None, hi: float | None, depth: int,
                limit: int) -> list[Hit]:  # fmt: skip
        where, params = self._where(kinds, lo, hi)
        cur.execute(f"SET LOCAL hnsw.ef_search = {max(EF_SEARCH, depth)}")
        cur.execute("SET LOCAL hnsw.iterative_scan = relaxed_order")
        q = as_vector(qvec)
        cur.execute(
            f"SELECT id, 1 - (embedding <=> %s) FROM memories WHERE {where} AND embedding IS NOT "
            f"NULL ORDER BY {HALF} <=> %s::halfvec({DIM}) LIMIT %s",
            (q, *params, q, depth),
        )
        cosines = {r[0]: float(r[1]) for r in cur.fetchall()}
        lexical = pending.result() if pending is not None else []
        missing = [mid for mid, _ in lexical if mid not in cosines]
        if missing:  # words matched but the meaning was not in the nearest list: its cosine too
            cur.execute(
                "SELECT id, 1 - (embedding <=> %s) FROM memories WHERE user_id=%s AND id = ANY(%s) "
                "AND embedding IS NOT NULL",
                (q, self.user, missing),
            )
            cosines.update((r[0], float(r[1])) for r in cur.fetchall())
        # the same fusion as the SQLite store (cosine plus scaled lexical rank), so both rank alike
        fused = combine(cosines, lexical)
        if not fused:
            return []
        cur.execute(
            f"SELECT {HIT_COLUMNS} FROM memories WHERE user_id=%s AND id = ANY(%s)",
            (self.user, list(fused)),
        )
        hits = []
        for r in cur.fetchall():
            score = max(fused[r[0]], 0.0) * float(r[6])
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

    def show(self, memory_id: str) -> dict[str, Any]:
        """One memory with its sources, what was derived from it and, for facts, its history."""
        hit = self.get(memory_id)

        def run(cur: Any) -> dict[str, Any]:
            out: dict[str, Any] = {"memory": hit.as_dict()}
            cur.execute(
                f"SELECT {HIT_COLUMNS} FROM memories WHERE user_id=%s AND id = ANY(%s) AND id != %s",
                (self.user, list(hit.source_ids), memory_id),
            )
            out["sources"] = [hit_from_row(r).as_dict() for r in cur.fetchall()]
            cur.execute(
                "SELECT memory_id FROM memory_sources WHERE user_id=%s AND source_id=%s "
                "AND memory_id != %s ORDER BY memory_id",
                (self.user, memory_id, memory_id),
            )
            out["derived"] = [r[0] for r in cur.fetchall()]
            if hit.kind == "fact":
                out["history"] = [f.__dict__ for f in self._history(cur, memory_id)]
            return out

        return dict(self._run(run))

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
        """Every version of the fact's subject+predicate, oldest first (the fact itself included)."""
        return list(self._run(self._history, fact_id))

    def _history(self, cur: Any, fact_id: str) -> list[Fact]:
        fact = self._fact(cur, fact_id)
        return [] if fact is None else pgfacts.versions(cur, self.user, fact.subject, fact.predicate)

    def list_memories(
        self, kinds: Sequence[str] | None = None, limit: int | None = None
    ) -> list[Hit]:
        """Everything remembered, newest first (score = the memory's weight)."""
        where, params = self._where(kinds_filter(kinds), None, None)

        def run(cur: Any) -> list[Hit]:
            cur.execute(
                f"SELECT {HIT_COLUMNS} FROM memories WHERE {where} "
                "ORDER BY created DESC, seq DESC LIMIT %s",
                (*params, limit),
            )
            return [hit_from_row(r) for r in cur.fetchall()]

        return list(self._run(run))

    # core memory ----------------------------------------------------------------------------
    def core_entries(self) -> list[tuple[str, str, str]]:
        def run(cur: Any) -> list[tuple[str, str, str]]:
            cur.execute(
                "SELECT block, key, value FROM memory_core WHERE user_id=%s ORDER BY block, updated",
                (self.user,),
            )
            return [(r[0], r[1], r[2]) for r in cur.fetchall()]

        return list(self._run(run))

    def core_text(self) -> str:
        """The always-in-context profile (os1.memory.core), at most memory.core_max_chars."""
        return core.compose(self.core_entries(), self.current_facts(), self.config.core_max_chars)

    def core_set(self, block: str, key: str, value: str) -> None:
        core.check(block, key, value)
        self._run(lambda cur: cur.execute(
            "INSERT INTO memory_core (user_id, block, key, value, updated) VALUES (%s,%s,%s,%s,%s) "
            "ON CONFLICT (user_id, block, key) DO UPDATE SET value=excluded.value, "
            "updated=excluded.updated",
            (self.user, block, key.strip(), " ".join(value.split()), now()),
        ))  # fmt: skip

    def core_remove(self, block: str, key: str) -> bool:
        core.check(block, key)

        def run(cur: Any) -> bool:
            cur.execute(
                "DELETE FROM memory_core WHERE user_id=%s AND block=%s AND key=%s",
                (self.user, block, key),
            )
            return bool(cur.rowcount)

        return bool(self._run(run))

    # reflection, forgetting, import/export (os1.scale.pgops) --------------------------------
    def reflect(self, session_id: str, model: ChatModel | None = None) -> list[Hit]:
        """Summarise a finished conversation, derive insights, fade small talk."""
        from os1.scale import pgops

        return pgops.reflect_session(self, session_id, model if model is not None else self.model)

    def reflect_pending(self, idle_s: float = 1800.0, model: ChatModel | None = None) -> list[str]:
        from os1.scale import pgops

        return pgops.reflect_pending(self, idle_s, model if model is not None else self.model)

    def forget(self, memory_id: str) -> list[str]:
        """Remove a memory (or a whole session) and everything derived from it; the ids removed."""
        return [r.id for r in self.forget_detailed(memory_id) if r.action == "removed"]

    def forget_detailed(self, memory_id: str) -> list[Removed]:
        from os1.scale import pgops

        return list(self._run(pgops.forget, self, memory_id))

    def import_transcript(
        self, source: str | Path | dict[str, Any], model: ChatModel | None = None
    ) -> ImportResult:
        from os1.scale import pgops

        return pgops.import_transcript(self, source, model if model is not None else self.model)

    def export(self) -> dict[str, Any]:
        from os1.scale import pgops

        return dict(self._run(pgops.export, self))

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    # the short name callers use; bound last so 'list[...]' above still means the builtin
    list = list_memories
