"""Duplicate detection for tidying.

Exact: files of equal size, then equal first 64 KiB, then equal full BLAKE2b hash (so most
files are never read). Near: text-like files whose word-shingle sets overlap strongly,
found with MinHash signatures and LSH banding (numpy), then checked by the estimated
Jaccard similarity. Unreadable files are skipped and named, never fatal.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from os1.skills.files.scan import Entry

CHUNK = 1 << 16
TEXT_EXTS = {"txt", "md", "markdown", "rst", "csv", "tsv", "json", "xml", "html", "htm", "tex",
             "log", "py", "js", "ts", "java", "c", "h", "cpp", "go", "rs", "rb", "sh", "yaml",
             "yml", "toml", "ini", "cfg", "sql", "css", "srt", "org", "eml"}
NEAR_MAX_BYTES = 1 << 20
NEAR_THRESHOLD = 0.7
PERMS = 64
BANDS = 16  # 16 bands of 4 rows: pairs at Jaccard 0.7 become candidates ~99% of the time
_RNG = np.random.default_rng(20240601)
_A = _RNG.integers(1, 1 << 63, size=PERMS, dtype=np.uint64) | np.uint64(1)  # odd
_B = _RNG.integers(0, 1 << 63, size=PERMS, dtype=np.uint64)
_M = _RNG.integers(1, 1 << 63, size=3, dtype=np.uint64) | np.uint64(1)
_WORD = re.compile(rb"[a-z0-9]+")

Progress = Callable[[int], None]


@dataclass
class Duplicates:
    exact: list[list[Entry]] = field(default_factory=list)  # each group: same bytes
    near: list[tuple[Entry, Entry, float]] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    bytes_read: int = 0


def _digest(path: str, limit: int | None, dup: Duplicates) -> bytes | None:
    h = hashlib.blake2b(digest_size=20)
    try:
        with open(path, "rb") as fh:
            left = limit if limit is not None else -1
            while left != 0:
                block = fh.read(CHUNK if left < 0 else min(CHUNK, left))
                if not block:
                    break
                dup.bytes_read += len(block)
                h.update(block)
                left = left - len(block) if left > 0 else left
    except OSError:
        return None
    return h.digest()


def _split(groups: Iterable[list[Entry]], root: str, limit: int | None,
           dup: Duplicates) -> list[list[Entry]]:
    out: list[list[Entry]] = []
    for group in groups:
        by_hash: dict[bytes, list[Entry]] = defaultdict(list)
        for e in group:
            digest = _digest(os.path.join(root, e.rel), limit, dup)
            if digest is None:
                dup.unreadable.append(e.rel)
            else:
                by_hash[digest].append(e)
        out.extend(g for g in by_hash.values() if len(g) > 1)
    return out


def find_exact(entries: list[Entry], root: str, dup: Duplicates,
               progress: Progress | None = None) -> None:
    by_size: dict[int, list[Entry]] = defaultdict(list)
    for e in entries:
        if e.size > 0:
            by_size[e.size].append(e)
    # The same inode twice (hard links) is one file, not a duplicate.
    groups = [list({(e.dev, e.ino): e for e in g}.values()) for g in by_size.values()]
    groups = [g for g in groups if len(g) > 1]
    if progress:
        progress(sum(len(g) for g in groups))
    groups = _split(groups, root, CHUNK, dup)
    big = [g for g in groups if g[0].size > CHUNK]
    small = [g for g in groups if g[0].size <= CHUNK]
    dup.exact = sorted(small + _split(big, root, None, dup), key=lambda g: g[0].rel)


def shingles(data: bytes) -> np.ndarray:
    """Hashes of the word 3-grams of ``data`` (unique). Python's hash() is salted per process,
    which is fine: signatures are compared within one run and never stored."""
    words = _WORD.findall(data.lower())
    if not words:
        return np.empty(0, dtype=np.uint64)
    w = np.fromiter(map(hash, words), dtype=np.int64, count=len(words)).view(np.uint64)
    if len(w) < 3:
        return np.unique(w)
    return np.unique(w[:-2] * _M[0] + w[1:-1] * _M[1] + w[2:] * _M[2])


def minhash(sh: np.ndarray) -> np.ndarray:
    # Multiply-add with uint64 wrap-around: a cheap universal hash family for MinHash.
    return (_A[:, None] * sh[None, :] + _B[:, None]).min(axis=1)  # type: ignore[no-any-return]


def is_text_like(e: Entry) -> bool:
    ext = e.name.rsplit(".", 1)[-1].lower() if "." in e.name else ""
    return ext in TEXT_EXTS and 0 < e.size <= NEAR_MAX_BYTES


def find_near(entries: list[Entry], root: str, dup: Duplicates,
              progress: Progress | None = None) -> None:
    exact_of = {e.rel: i for i, g in enumerate(dup.exact) for e in g}
    cands = [e for e in entries if is_text_like(e)]
    sigs: list[np.ndarray] = []
    kept: list[Entry] = []
    for n, e in enumerate(cands):
        try:
            with open(os.path.join(root, e.rel), "rb") as fh:
                data = fh.read(NEAR_MAX_BYTES)
        except OSError:
            dup.unreadable.append(e.rel)
            continue
        sh = shingles(data)
        if sh.size < 4:  # too little text to judge similarity
            continue
        sigs.append(minhash(sh))
        kept.append(e)
        if progress and n % 500 == 0:
            progress(n)
    if not kept:
        return
    matrix = np.stack(sigs)
    rows = PERMS // BANDS
    pairs: set[tuple[int, int]] = set()
    for b in range(BANDS):
        buckets: dict[bytes, list[int]] = defaultdict(list)
        band = np.ascontiguousarray(matrix[:, b * rows:(b + 1) * rows])
        for i in range(len(kept)):
            buckets[band[i].tobytes()].append(i)
        for members in buckets.values():
            if 1 < len(members) <= 50:
                pairs.update((i, j) for x, i in enumerate(members) for j in members[x + 1:])
    for i, j in sorted(pairs):
        a, b2 = kept[i], kept[j]
        if a.rel in exact_of and exact_of[a.rel] == exact_of.get(b2.rel):
            continue
        sim = float((matrix[i] == matrix[j]).mean())
        if sim >= NEAR_THRESHOLD:
            dup.near.append((a, b2, sim))
    dup.near.sort(key=lambda t: (t[0].rel, t[1].rel))


def find_duplicates(entries: list[Entry], root: str, near: bool = True,
                    progress: Progress | None = None) -> Duplicates:
    dup = Duplicates()
    find_exact(entries, root, dup, progress)
    if near:
        find_near(entries, root, dup, progress)
    return dup
