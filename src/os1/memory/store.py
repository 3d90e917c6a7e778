"""SqliteMemory: the built-in MemoryStore, in the same SQLite file as everything else.

Turns come from the Episodes log and are indexed (FTS5 + vectors); facts are extracted from
them (rules, plus a model as a grounded extra); reflection adds summaries and insights.
Embedding happens before a write transaction opens, so the lock is held only for SQL.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from os1.brain.base import ChatModel
from os1.config import MemoryConfig
from os1.db import Database
from os1.errors import InputError, NotFoundError
from os1.memory import core, facts, forget, reflect, transcript
from os1.memory.base import KINDS, Fact, Hit, ImportResult, Removed, When
from os1.memory.embed import Embedder, Vectors, embedder
from os1.memory.episodes import Episodes, Turn
from os1.memory.extract import (
    USER,
    Candidate,
    first_person,
    model_candidates,
    rule_candidates,
)
from os1.memory.schema import STEPS
from os1.memory.search import SUPERSEDED_FACTOR, combine, query_words
from os1.memory.timewindow import parse_window
from os1.memory.vectors import Filter, shared_index, to_blob

MAX_TEXT = 20_000  # characters in one remembered turn; longer input is refused, not cut
MAX_QUERY = 2_000
HIT_COLUMNS = "id, text, kind, created, valid_from, valid_to, weight, source_ids"


def check_text(text: str, what: str = "The text", limit: int = MAX_TEXT) -> str:
    """Refuse text memory cannot use: too long, or binary (NUL and other control bytes)."""
    if len(text) > limit:
        raise InputError(f"{what} is {len(text):,} characters; memory takes at most {limit:,}.")
    bad = sum(1 for ch in text if ord(ch) < 32 and ch not in "\n\r\t")
    if "\x00" in text or bad > max(2, len(text) // 100):
        raise InputError(f"{what} looks like binary data, not text; nothing was stored.")
    return text


def as_timestamp(value: When) -> float | None:
    if value is None or isinstance(value, float | int):
        return value
    return value.timestamp()


def hit_from_row(r: sqlite3.Row, score: float) -> Hit:
    return Hit(
        id=r["id"], text=r["text"], kind=r["kind"], created=r["created"],
        valid_from=r["valid_from"], valid_to=r["valid_to"], score=score,
        source_ids=tuple(json.loads(r["source_ids"])),
    )  # fmt: skip


def collapse_repeats(hits: list[Hit]) -> list[Hit]:
    """The same words said again are one result naming every turn that said them."""
    first: dict[tuple[str, str], int] = {}
    out: list[Hit] = []
    for h in hits:
        key = (h.kind, " ".join(h.text.lower().split()))
        if key not in first:
            first[key] = len(out)
            out.append(h)
            continue
        kept = out[first[key]]
        merged = kept.source_ids + tuple(s for s in h.source_ids if s not in kept.source_ids)
        out[first[key]] = replace(kept, source_ids=merged)
    return out


def subject_of(turn: Turn) -> str | None:
    """Whose first-person statements a turn holds: None for the assistant's own words."""
    if turn.role == "assistant":
        return None
    return USER if turn.role == "user" else turn.speaker


def embed_text(turn: Turn) -> str:
    return f"{turn.speaker}: {turn.text}" if turn.role == "other" else turn.text


def extract_all(
    turns: Sequence[Turn],
    known: Callable[[str], facts.People],
    enabled: bool = True,
    extra: dict[str, list[Candidate]] | None = None,
) -> tuple[list[list[Candidate]], list[str]]:
    """Fact candidates of each turn (rules, plus ``extra`` from a model where the rules did
    not decide), in order so that 'my sister' resolves to a sister named earlier; and the
    first-person text of every candidate, for its vector. ``known(subject)`` reads who is
    who so far (SQLite or Postgres)."""
    people_of: dict[str, facts.People] = {}
    cands: list[list[Candidate]] = []
    fact_texts: list[str] = []
    for turn in turns:
        subject = subject_of(turn)
        if subject is None or not enabled:
            cands.append([])
            continue
        if subject not in people_of:
            people_of[subject] = known(subject)
        people = people_of[subject]
        found = rule_candidates(turn.text, subject, people.named)
        ruled = {(c.subject, c.predicate) for c in found}
        # the model only adds what the rules did not already decide
        found += [
            c for c in (extra or {}).get(turn.id, [])
            if (c.subject, c.predicate) not in ruled
        ]  # fmt: skip
        for c in found:
            if c.subject == subject and c.predicate in facts.RELATIONS:
                people.learn(c.predicate, c.value)
        fact_texts += [first_person(c, people.relation_of) for c in found]
        cands.append(found)
    return cands, fact_texts


def embed_pending(
    embed: Embedder, turns: Sequence[Turn], cands: list[list[Candidate]], fact_texts: list[str],
    encode: Callable[[Vectors], Any],
) -> Pending:  # fmt: skip
    """One batched embedding of every turn and fact text; ``encode`` stores a vector."""
    matrix = embed.embed([embed_text(t) for t in turns] + fact_texts)
    vecs = [encode(v) for v in matrix]
    pending = Pending(list(turns), cands, vecs[: len(turns)])
    pos = len(turns)
    for cs in cands:
        pending.fact_vectors.append(vecs[pos : pos + len(cs)])
        pos += len(cs)
    return pending


@dataclass
class Pending:
    """Turns ready to write: their fact candidates and every vector, computed outside the lock."""

    turns: list[Turn]
    candidates: list[list[Candidate]]
    turn_vectors: list[Any] = field(default_factory=list)  # BLOBs (SQLite) or arrays
    fact_vectors: list[list[Any]] = field(default_factory=list)


def search_scope(
    query: str, limit: int, since: When, until: When
) -> tuple[str, float | None, float | None]:
    """A search's checked words and time window: a time phrase in the query ("last week")
    sets the window when no ``since``/``until`` is given, and leaves the query."""
    if not query.strip():
        raise InputError("Give some words to search for.")
    check_text(query, "The search text", MAX_QUERY)
    if not 1 <= limit <= 1000:
        raise InputError("The limit must be between 1 and 1000.")
    if since is None and until is None:
        window = parse_window(query)
        return window.query, window.since, window.until
    return query, as_timestamp(since), as_timestamp(until)


class Observing:
    """``observe`` and ``aobserve`` for a store that has ``model``, ``config`` and
    ``_observe(turn, extra)`` (the SQLite and the PostgreSQL store)."""

    model: ChatModel | None
    config: MemoryConfig

    def _observe(self, turn: Turn, extra: list[Candidate]) -> list[Fact]:
        raise NotImplementedError

    def _extracts(self, turn: Turn, model: ChatModel | None) -> ChatModel | None:
        model = model if model is not None else self.model
        wanted = subject_of(turn) is not None and self.config.extract_facts
        return model if wanted else None

    def observe(self, turn: Turn, model: ChatModel | None = None) -> list[Fact]:
        """Index a stored turn and extract its facts; returns the facts it stated.

        Text that is only whitespace is skipped (nothing to remember). A model, if given
        (or set on the store), only adds facts the text itself supports; rules run either way.
        """
        extra: list[Candidate] = []
        if (m := self._extracts(turn, model)) is not None:
            extra = _run(model_candidates(m, turn.text, subject_of(turn) or USER))
        return self._observe(turn, extra)

    async def aobserve(self, turn: Turn, model: ChatModel | None = None) -> list[Fact]:
        """:meth:`observe` for async callers: the model call does not block the event loop."""
        extra: list[Candidate] = []
        if (m := self._extracts(turn, model)) is not None:
            extra = await model_candidates(m, turn.text, subject_of(turn) or USER)
        return await asyncio.to_thread(self._observe, turn, extra)


class SqliteMemory(Observing):
    """Episodic, semantic and self memory for one user. Thread-safe (through Database)."""

    def __init__(
        self,
        db: Database,
        episodes: Episodes | None = None,
        config: MemoryConfig | None = None,
        model: ChatModel | None = None,
        embed_model: Embedder | None = None,
    ) -> None:
        self.db = db
        self.episodes = episodes or Episodes(db)
        db.migrate("memory", STEPS)
        self.config = config or MemoryConfig()
        self.model = model
        self._embedder = embed_model
        self.index = shared_index(db)
        self._query_cache: OrderedDict[str, Vectors] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None

    # embeddings -----------------------------------------------------------------------------
    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = embedder()
        return self._embedder

    def _query_vector(self, text: str) -> Vectors:
        with self._cache_lock:
            vec = self._query_cache.get(text)
            if vec is not None:
                self._query_cache.move_to_end(text)
                return vec
        vec = self.embedder.embed_query(text)
        with self._cache_lock:
            self._query_cache[text] = vec
            if len(self._query_cache) > 256:
                self._query_cache.popitem(last=False)
        return vec

    # writing --------------------------------------------------------------------------------
    def prepare(
        self, turns: Sequence[Turn], extra: dict[str, list[Candidate]] | None = None
    ) -> Pending:
        """Extract candidates (in order, so 'my sister' resolves) and embed everything."""
        with self.db.transaction() as conn:  # a consistent read of who is who
            cands, fact_texts = extract_all(
                turns, lambda subject: facts.known_people(conn, subject),
                self.config.extract_facts, extra,
            )  # fmt: skip
        return embed_pending(self.embedder, turns, cands, fact_texts, to_blob)

    def write(self, conn: sqlite3.Connection, pending: Pending) -> list[Fact]:
        """Insert prepared turns and apply their facts, inside the caller's transaction."""
        new_ids: list[str] = []
        for turn, vec, cands, fvecs in zip(
            pending.turns, pending.turn_vectors, pending.candidates, pending.fact_vectors,
            strict=True,
        ):  # fmt: skip
            facts.insert_memory(
                conn, turn.id, "turn", turn.text, turn.created, [turn.id], vec,
                speaker=turn.speaker, session_id=turn.session_id,
            )  # fmt: skip
            for cand, fvec in zip(cands, fvecs, strict=True):
                applied = facts.apply_candidate(
                    conn, cand, turn.id, turn.created, fvec, turn.session_id
                )
                if applied.fact_id and applied.fact_id not in new_ids:
                    new_ids.append(applied.fact_id)
        return [f for f in (facts.get_fact(conn, i) for i in new_ids) if f is not None]

    def _observe(self, turn: Turn, extra: list[Candidate]) -> list[Fact]:
        if not turn.text.strip():
            return []
        check_text(turn.text, f"Turn {turn.id}")
        if self.db.query("SELECT 1 FROM memories WHERE id=?", (turn.id,)):
            return []  # already indexed: observing twice changes nothing
        pending = self.prepare([turn], {turn.id: extra})
        with self.db.transaction() as conn:
            found = self.write(conn, pending)
        self.index.refresh()
        return found

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
        flt = Filter(checked_kinds(kinds), lo, hi)
        words = query_words(text)
        if not words and (flt.since is not None or flt.until is not None):
            return self._recent(flt, limit)
        depth = max(50, 5 * limit)
        self.index.sync()
        # BM25 (the in-memory mirror of FTS5, os1.memory.lexical) runs on the other core while
        # this thread embeds the query (llama.cpp or numpy, both outside the GIL)
        pending = self._pool().submit(self.index.bm25, words, depth, flt) if words else None
        qvec = self._query_vector(text or query)
        cosines = dict(self.index.search(qvec, depth, flt, fresh=False))
        lexical = pending.result() if pending is not None else []
        missing = [mid for mid, _ in lexical if mid not in cosines]
        cosines.update(self.index.similarity(qvec, missing))
        return self._rank(combine(cosines, lexical), limit)

    def _rank(self, fused: dict[str, float], limit: int) -> list[Hit]:
        """Apply weights and validity, best first. Rows are read in score order only as far
        as needed: weights are at most 1, so once the ``limit``-th hit beats the next raw
        score nothing further down can overtake it."""
        order = sorted(fused, key=lambda mid: -fused[mid])
        hits: list[Hit] = []
        start, step = 0, 2 * limit + 10
        while start < len(order):
            batch = order[start : start + step]
            start += step
            rows = self.db.query(
                f"SELECT {HIT_COLUMNS} FROM memories WHERE id IN (SELECT value FROM json_each(?))",
                (json.dumps(batch),),
            )
            for r in rows:
                score = max(fused[r["id"]], 0.0) * r["weight"]
                if r["kind"] == "fact" and r["valid_to"] is not None:
                    score *= SUPERSEDED_FACTOR
                hits.append(hit_from_row(r, score))
            hits.sort(key=lambda h: (-h.score, -h.created))
            best = collapse_repeats(hits)
            if len(best) >= limit and start < len(order) and best[limit - 1].score >= fused[order[start]]:
                break
        return collapse_repeats(hits)[:limit]

    def _recent(self, flt: Filter, limit: int) -> list[Hit]:
        """No words to match, only a time window: what was said then, newest first."""
        sql = f"SELECT {HIT_COLUMNS} FROM memories m WHERE 1=1"
        params: list[Any] = []
        if flt.kinds is not None:
            sql += " AND kind IN (SELECT value FROM json_each(?))"
            params.append(json.dumps(list(flt.kinds)))
        for op, value in ((">=", flt.since), ("<", flt.until)):
            if value is not None:
                sql += f" AND created {op} ?"
                params.append(value)
        rows = self.db.query(sql + " ORDER BY created DESC LIMIT ?", (*params, limit))
        return [hit_from_row(r, r["weight"]) for r in rows]

    def list_memories(
        self, kinds: Sequence[str] | None = None, limit: int | None = None
    ) -> list[Hit]:
        """Everything remembered, newest first (score = the memory's weight)."""
        flt = Filter(checked_kinds(kinds))
        sql = f"SELECT {HIT_COLUMNS} FROM memories"
        params: list[Any] = []
        if flt.kinds is not None:
            sql += " WHERE kind IN (SELECT value FROM json_each(?))"
            params.append(json.dumps(list(flt.kinds)))
        sql += " ORDER BY created DESC, seq DESC"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return [hit_from_row(r, r["weight"]) for r in self.db.query(sql, params)]

    def get(self, memory_id: str) -> Hit:
        rows = self.db.query(f"SELECT {HIT_COLUMNS} FROM memories WHERE id=?", (memory_id,))
        if not rows:
            raise NotFoundError(
                f"No memory with id '{memory_id}'; run 'os1 memory list' to see the ids."
            )
        return hit_from_row(rows[0], rows[0]["weight"])

    def show(self, memory_id: str) -> dict[str, Any]:
        """One memory with its sources, what was derived from it and, for facts, its history."""
        hit = self.get(memory_id)
        out: dict[str, Any] = {"memory": hit.as_dict()}
        with self.db.transaction() as conn:
            out["sources"] = [
                hit_from_row(r, r["weight"]).as_dict()
                for r in conn.execute(
                    f"SELECT {HIT_COLUMNS} FROM memories WHERE id IN "
                    "(SELECT value FROM json_each(?)) AND id != ?",
                    (json.dumps(list(hit.source_ids)), memory_id),
                )
            ]
            out["derived"] = [
                r[0] for r in conn.execute(
                    "SELECT memory_id FROM memory_sources WHERE source_id=? AND memory_id != ?",
                    (memory_id, memory_id),
                )
            ]  # fmt: skip
            if hit.kind == "fact":
                out["history"] = [f.__dict__ for f in facts.history(conn, memory_id)]
        return out

    def current_facts(self, subject: str | None = None) -> list[Fact]:
        with self.db.transaction() as conn:
            return facts.current_facts(conn, subject)

    def history(self, fact_id: str) -> list[Fact]:
        with self.db.transaction() as conn:
            return facts.history(conn, fact_id)

    # core memory ----------------------------------------------------------------------------
    def core_text(self) -> str:
        return core.core_text(self, self.config.core_max_chars)

    def core_set(self, block: str, key: str, value: str) -> None:
        core.set_entry(self.db, block, key, value)

    def core_remove(self, block: str, key: str) -> bool:
        return core.remove_entry(self.db, block, key)

    # reflection, forgetting, import/export --------------------------------------------------
    def reflect(self, session_id: str, model: ChatModel | None = None) -> list[Hit]:
        return reflect.reflect_session(self, session_id, model if model is not None else self.model)

    def reflect_pending(self, idle_s: float = 1800.0, model: ChatModel | None = None) -> list[str]:
        return reflect.reflect_pending(self, idle_s, model if model is not None else self.model)

    def forget(self, memory_id: str) -> list[str]:
        """Remove a memory (or a whole session) and everything derived from it; the ids removed."""
        return [r.id for r in self.forget_detailed(memory_id) if r.action == "removed"]

    def forget_detailed(self, memory_id: str) -> list[Removed]:
        return forget.forget(self, memory_id)

    def import_transcript(
        self, source: str | Path | dict[str, Any], model: ChatModel | None = None
    ) -> ImportResult:
        return transcript.import_transcript(self, source, model)

    def export(self) -> dict[str, Any]:
        return transcript.export(self)

    def _pool(self) -> ThreadPoolExecutor:
        with self._cache_lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(1, thread_name_prefix="os1-memory-bm25")
            return self._executor

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None
        self.db.close()

    # the short name callers use; bound last so 'list[...]' above still means the builtin
    list = list_memories


def checked_kinds(kinds: Sequence[str] | None) -> tuple[str, ...] | None:
    """``kinds`` as a tuple, or InputError naming the first unknown kind."""
    if kinds is None:
        return None
    bad = [k for k in kinds if k not in KINDS]
    if bad:
        raise InputError(f"Unknown memory kind '{bad[0]}'; kinds are: {', '.join(KINDS)}.")
    return tuple(kinds)


def _run(coro: Any) -> Any:
    """Run a coroutine from sync code, also when the caller is inside an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    box: list[Any] = []
    thread = threading.Thread(target=lambda: box.append(asyncio.run(coro)))
    thread.start()
    thread.join()
    return box[0] if box else []
