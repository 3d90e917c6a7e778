"""Exact nearest-neighbour search over an in-memory float32 matrix mirrored from SQLite.

Vectors live in SQLite as float16 BLOBs (half the disk, no visible loss in ranking) and are
loaded into one contiguous float32 matrix on first search. One matrix-vector product over
100k x 384 floats takes a few milliseconds here, so no approximate index is needed at the
scale of one person's memories. Another process writing the same database is noticed through
SQLite's ``PRAGMA data_version`` and picked up before the next search.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from os1.db import Database
from os1.memory.embed import DIM
from os1.memory.lexical import LexicalIndex

Vectors = npt.NDArray[np.float32]


def to_blob(vec: Vectors) -> bytes:
    return np.asarray(vec, dtype=np.float16).tobytes()


def from_blobs(blobs: Sequence[bytes]) -> Vectors:
    if not blobs:
        return np.zeros((0, DIM), dtype=np.float32)
    flat = np.frombuffer(b"".join(blobs), dtype=np.float16)
    return flat.reshape(len(blobs), DIM).astype(np.float32)


@dataclass(frozen=True)
class Filter:
    kinds: tuple[str, ...] | None = None
    since: float | None = None
    until: float | None = None

    @property
    def empty(self) -> bool:
        return self.kinds is None and self.since is None and self.until is None


APPROX_FROM = 30_000  # rows; below this every search is one exact scan
REDUCED_DIM = 64  # on bench/memory.py's 100k set 48 still kept recall@50 at 0.999, 32 fell to 0.92
SHORTLIST = 1000  # rows re-scored exactly after the reduced scan (at least 20 x k)


class VectorIndex:
    """Rows of ``memories`` that have a vector, as (ids, kinds, created, matrix).

    From ``approx_from`` rows on, a search first scans a 64-dimensional projection (the
    top principal directions of the stored vectors) for a shortlist, then scores the
    shortlist exactly: at 100k rows the full scan alone took ~6 ms here, and a 128-dimensional
    projection 2.5 ms; 64 dimensions (25 MB at 100k rows, inside the CPU's cache) take ~0.9 ms
    and still found the exact top 50 for every query of bench/memory.py.
    """

    def __init__(self, db: Database, approx_from: int = APPROX_FROM) -> None:
        self.db = db
        self.approx_from = approx_from
        self._lock = threading.RLock()
        self._loaded = False
        self._version: int | None = None
        self.lexical = LexicalIndex()
        self._clear()

    def _clear(self) -> None:
        self._ids: list[str] = []
        self._row: dict[str, int] = {}
        self._kinds: list[str] = []
        self._kind_codes = np.zeros(0, dtype=np.int8)
        self._created = np.zeros(0, dtype=np.float64)
        self._matrix = np.zeros((0, DIM), dtype=np.float32)
        self._n = 0
        self._max_seq = 0
        self._basis: Vectors | None = None  # (DIM, REDUCED_DIM)
        self._reduced = np.zeros((0, REDUCED_DIM), dtype=np.float32)
        self._basis_rows = 0
        self.lexical.clear()

    def __len__(self) -> int:
        with self._lock:
            self._sync()
            return self._n

    # keeping in step with the database ----------------------------------------------------
    def _data_version(self) -> int:
        return int(self.db.query("PRAGMA data_version")[0][0])

    def _sync(self) -> None:
        """Load on first use; afterwards pick up rows other processes committed."""
        version = self._data_version()
        if self._loaded and version == self._version:
            return
        if not self._loaded:
            self._clear()
        self._append_rows(self._max_seq)
        count = self.db.query("SELECT COUNT(*) FROM memories WHERE vector IS NOT NULL")[0][0]
        if count != self._n:  # something was deleted elsewhere: rebuild from scratch
            self._clear()
            self._append_rows(0)
        self._loaded = True
        self._version = version

    def _append_rows(self, after_seq: int) -> None:
        rows = self.db.query(
            "SELECT seq, id, kind, created, vector, text, speaker FROM memories "
            "WHERE seq > ? AND vector IS NOT NULL ORDER BY seq",
            (after_seq,),
        )
        if rows:
            self._max_seq = max(self._max_seq, int(rows[-1]["seq"]))
        rows = [r for r in rows if r["id"] not in self._row]  # this process mirrored these
        if rows:
            self._append(
                [r["id"] for r in rows],
                [r["kind"] for r in rows],
                [r["created"] for r in rows],
                from_blobs([r["vector"] for r in rows]),
            )
            self.lexical.add(
                [r["id"] for r in rows], [_code(r["kind"]) for r in rows],
                [r["created"] for r in rows], [r["text"] for r in rows],
                [r["speaker"] for r in rows],
            )  # fmt: skip

    def _append(
        self, ids: list[str], kinds: list[str], created: list[float], vecs: Vectors
    ) -> None:
        need = self._n + len(ids)
        if need > self._matrix.shape[0]:
            cap = max(need, 2 * self._matrix.shape[0], 1024)
            self._matrix = np.resize(self._matrix, (cap, DIM))
            self._created = np.resize(self._created, cap)
            self._kind_codes = np.resize(self._kind_codes, cap)
            self._reduced = np.resize(self._reduced, (cap, REDUCED_DIM))
        sl = slice(self._n, need)
        self._matrix[sl] = vecs
        if self._basis is not None:
            self._reduced[sl] = vecs @ self._basis
        self._created[sl] = created
        self._kind_codes[sl] = [_code(k) for k in kinds]
        for i, mid in enumerate(ids):
            self._row[mid] = self._n + i
        self._ids.extend(ids)
        self._kinds.extend(kinds)
        self._n = need
        if need >= self.approx_from and need > 2 * self._basis_rows:
            self._fit_projection()

    def _fit_projection(self) -> None:
        """Principal directions (uncentred, so dot products carry over) of a sample."""
        n = self._n
        rng = np.random.default_rng(0)
        sample = self._matrix[rng.choice(n, size=min(n, 20_000), replace=False)]
        # the right singular vectors are the eigenvectors of the 384 x 384 Gram matrix: an
        # order of magnitude cheaper than an SVD of the sample itself
        _, vecs = np.linalg.eigh(sample.T.astype(np.float64) @ sample)
        top = vecs[:, ::-1][:, :REDUCED_DIM]
        self._basis = np.ascontiguousarray(top, dtype=np.float32)
        self._reduced[:n] = self._matrix[:n] @ self._basis
        self._basis_rows = n

    # changes made through this process ----------------------------------------------------
    # Our own commits do not change data_version: after writing, the store calls refresh()
    # (new rows) or removed() (deleted rows) so this process sees its own changes at once.
    def refresh(self) -> None:
        with self._lock:
            if self._loaded:
                self._append_rows(self._max_seq)

    def removed(self, ids: Sequence[str]) -> None:
        with self._lock:
            if not self._loaded:
                return
            self.lexical.remove(ids)
            for mid in ids:
                row = self._row.pop(mid, None)
                if row is None:
                    continue
                last = self._n - 1
                if row != last:  # move the last row into the hole
                    moved = self._ids[last]
                    self._matrix[row] = self._matrix[last]
                    self._created[row] = self._created[last]
                    self._kind_codes[row] = self._kind_codes[last]
                    self._reduced[row] = self._reduced[last]
                    self._ids[row], self._kinds[row] = moved, self._kinds[last]
                    self._row[moved] = row
                self._ids.pop()
                self._kinds.pop()
                self._n = last

    # search -------------------------------------------------------------------------------
    def sync(self) -> None:
        """Catch up with other processes now (search does this itself unless told not to)."""
        with self._lock:
            self._sync()

    def search(
        self, query: Vectors, k: int, where: Filter | None = None, *, fresh: bool = True
    ) -> list[tuple[str, float]]:
        """The ``k`` most similar rows passing ``where``, as (id, cosine) best first.
        ``fresh=False`` skips the database check (the caller just ran :meth:`sync`)."""
        with self._lock:
            if fresh or not self._loaded:
                self._sync()
            n = self._n
            if n == 0 or k <= 0:
                return []
            query = query.astype(np.float32)
            mask = None if where is None or where.empty else self._mask(where)
            if self._basis is not None and n > max(SHORTLIST, 20 * k):
                return self._two_stage(query, k, mask)
            scores = self._matrix[:n] @ query
            if mask is not None:
                scores = np.where(mask, scores, np.float32(-2.0))
            return self._best(np.arange(n), scores, k)

    def _two_stage(
        self, query: Vectors, k: int, mask: npt.NDArray[np.bool_] | None
    ) -> list[tuple[str, float]]:
        assert self._basis is not None
        n = self._n
        rough = self._reduced[:n] @ (query @ self._basis)
        if mask is not None:
            rough = np.where(mask, rough, np.float32(-2.0))
        size = max(SHORTLIST, 20 * k)
        short = np.argpartition(-rough, size - 1)[:size]
        short = short[rough[short] > -1.5]
        return self._best(short, self._matrix[short] @ query, k)

    def _best(
        self, rows: npt.NDArray[np.intp], scores: Vectors, k: int
    ) -> list[tuple[str, float]]:
        """The ``k`` best of ``rows`` (with their ``scores``), best first; -2 = filtered."""
        if len(rows) == 0:
            return []
        k = min(k, len(rows))
        top = np.argpartition(-scores, k - 1)[:k] if k < len(rows) else np.arange(len(rows))
        top = top[np.argsort(-scores[top])]
        return [(self._ids[rows[i]], float(scores[i])) for i in top if scores[i] > -1.5]

    def bm25(self, words: Sequence[str], k: int, where: Filter | None = None) -> list[tuple[str, float]]:
        """The ``k`` best BM25 matches for any of ``words`` passing ``where``, as (id, score)
        best first: FTS5's ranking, from the in-memory mirror (os1.memory.lexical)."""
        with self._lock:
            if not self._loaded:
                self._sync()
            allowed = None
            if where is not None and not where.empty:
                codes = None if where.kinds is None else [_code(k) for k in where.kinds]
                allowed = self.lexical.mask(codes, where.since, where.until)
            slots, scores = self.lexical.scores(words, allowed)
            if len(slots) == 0:
                return []
            if len(slots) > k:
                top = np.argpartition(-scores, k - 1)[:k]
                slots, scores = slots[top], scores[top]
            order = np.argsort(-scores, kind="stable")
            ids = self.lexical.slot_ids(slots[order])
            return [(mid, float(x)) for mid, x in zip(ids, scores[order], strict=True)]

    def similarity(self, query: Vectors, ids: Sequence[str]) -> dict[str, float]:
        """Cosine of ``query`` with each of ``ids`` that has a vector."""
        with self._lock:
            rows = [(mid, self._row[mid]) for mid in ids if mid in self._row]
            if not rows:
                return {}
            sims = self._matrix[[r for _, r in rows]] @ query.astype(np.float32)
            return {mid: float(x) for (mid, _), x in zip(rows, sims, strict=True)}

    def _mask(self, where: Filter) -> npt.NDArray[np.bool_]:
        n = self._n
        mask = np.ones(n, dtype=bool)
        if where.kinds is not None:
            mask &= np.isin(self._kind_codes[:n], [_code(k) for k in where.kinds])
        if where.since is not None:
            mask &= self._created[:n] >= where.since
        if where.until is not None:
            mask &= self._created[:n] < where.until
        return mask


_CODES = {"turn": 0, "fact": 1, "summary": 2, "insight": 3}


def _code(kind: str) -> int:
    return _CODES.get(kind, 9)


_SHARED: weakref.WeakKeyDictionary[Database, VectorIndex] = weakref.WeakKeyDictionary()
_SHARED_LOCK = threading.Lock()


def shared_index(db: Database) -> VectorIndex:
    """One mirror per open Database: every store on that connection sees the others' writes
    (another connection's commits show in ``PRAGMA data_version``; this one's do not)."""
    with _SHARED_LOCK:
        index = _SHARED.get(db)
        if index is None:
            index = _SHARED[db] = VectorIndex(db)
        return index
