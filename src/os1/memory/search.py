"""Hybrid recall: BM25 over the full-text index and cosine over vectors, combined.

Candidates are the union of both top lists; each gets its exact cosine plus a small share of
its normalised BM25 score (see :func:`combine`; reciprocal rank fusion, :func:`fuse`, is kept
for comparison in the benchmark). The memory's weight (lowered by reflection for small talk)
and whether a fact is still valid then scale the score.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from os1.db import Database
from os1.memory.vectors import Filter

RRF_K = 60
LEXICAL_WEIGHT = 0.2  # chosen on seeds 3-5 of bench/memory.py (0.1-0.3 tried); reported: seed 7
SUPERSEDED_FACTOR = 0.5

STOPWORDS = frozenset(
    ["a", "about", "above", "after", "again", "against", "all", "am", "an", "and", "any", "are", "aren't", "as", "at", "be", "because", "been", "before", "being", "below", "between", "both", "but", "by", "can", "can't", "cannot", "could", "couldn't", "did", "didn't", "do", "does", "doesn't", "doing", "don't", "down", "during", "each", "few", "for", "from", "further", "had", "hadn't", "has", "hasn't", "have", "haven't", "having", "he", "he'd", "he'll", "he's", "her", "here", "here's", "hers", "herself", "him", "himself", "his", "how", "how's", "i", "i'd", "i'll", "i'm", "i've", "if", "in", "into", "is", "isn't", "it", "it's", "its", "itself", "let's", "me", "more", "most", "mustn't", "my", "myself", "no", "nor", "not", "of", "off", "on", "once", "only", "or", "other", "ought", "our", "ours", "ourselves", "out", "over", "own", "same", "shan't", "she", "she'd", "she'll", "she's", "should", "shouldn't", "so", "some", "such", "than", "that", "that's", "the", "their", "theirs", "them", "themselves", "then", "there", "there's", "these", "they", "they'd", "they'll", "they're", "they've", "this", "those", "through", "to", "too", "under", "until", "up", "very", "was", "wasn't", "we", "we'd", "we'll", "we're", "we've", "were", "weren't", "what", "what's", "when", "when's", "where", "where's", "which", "while", "who", "who's", "whom", "why", "why's", "with", "won't", "would", "wouldn't", "you", "you'd", "you'll", "you're", "you've", "your", "yours", "yourself", "yourselves", "tell", "told", "say", "said", "remember", "know", "ever", "also", "just", "really", "still", "anything", "something", "thing", "things", "get", "got", "like", "did", "does", "mention", "mentioned", "talk", "talked"]
)


def content_words(text: str) -> list[str]:
    """Words that carry meaning, split the way FTS5's unicode61 tokenizer splits them."""
    words = re.findall(r"[\w']+", text.lower())
    out: list[str] = []
    for word in words:
        if word in STOPWORDS:
            continue
        out.extend(w for w in word.split("'") if len(w) > 1 and w not in STOPWORDS)
    return out


def query_words(text: str) -> list[str]:
    """The distinct content words a search looks for (at most 16), in order."""
    return list(dict.fromkeys(content_words(text)))[:16]


def fts_expression(text: str) -> str | None:
    """An FTS5 MATCH expression: any of the content words, each quoted (no syntax leaks)."""
    words = query_words(text)
    if not words:
        return None
    return " OR ".join('"' + w.replace('"', '""') + '"' for w in words)


def _where(flt: Filter) -> tuple[str, list[object]]:
    sql = ""
    params: list[object] = []
    if flt.kinds is not None:
        sql += f" AND m.kind IN ({','.join('?' * len(flt.kinds))})"
        params.extend(flt.kinds)
    if flt.since is not None:
        sql += " AND m.created >= ?"
        params.append(flt.since)
    if flt.until is not None:
        sql += " AND m.created < ?"
        params.append(flt.until)
    return sql, params


def bm25_scored(db: Database, expr: str, k: int, flt: Filter) -> list[tuple[str, float]]:
    """The ``k`` best BM25 matches passing ``flt`` as (id, score), score > 0, best first.
    Text counts twice as much as the speaker's name."""
    where, params = _where(flt)
    if not where:
        # the FTS table alone can stop after k rows ordered by rank: much faster at 100k
        rows = db.query(
            "SELECT m.id, r.rank FROM (SELECT rowid, rank FROM memory_fts "
            "WHERE memory_fts MATCH ? AND rank MATCH 'bm25(2.0, 1.0)' ORDER BY rank LIMIT ?) r "
            "JOIN memories m ON m.seq = r.rowid ORDER BY r.rank",
            (expr, k),
        )
    else:
        rows = db.query(
            "SELECT m.id, bm25(memory_fts, 2.0, 1.0) FROM memory_fts "
            f"JOIN memories m ON m.seq = memory_fts.rowid WHERE memory_fts MATCH ? {where} "
            "ORDER BY 2 LIMIT ?",
            (expr, *params, k),
        )
    return [(r[0], -float(r[1])) for r in rows]  # FTS5's bm25 is negative: lower is better


def bm25_ids(db: Database, expr: str, k: int, flt: Filter) -> list[str]:
    return [mid for mid, _ in bm25_scored(db, expr, k, flt)]


def combine(
    cosines: dict[str, float], lexical: Sequence[tuple[str, float]], alpha: float = LEXICAL_WEIGHT
) -> dict[str, float]:
    """Cosine plus ``alpha`` times BM25 scaled so the best lexical match is 1.

    A convex combination rather than reciprocal rank fusion: RRF lets a long tail of weak
    lexical matches (every turn mentioning "weekend") outrank the one turn that means the
    same as the question; measured on held-out seeds of bench/memory.py, this did better.
    """
    best = max((s for _, s in lexical), default=0.0)
    scores = dict(cosines)
    for mid, s in lexical:
        scores[mid] = scores.get(mid, 0.0) + (alpha * s / best if best > 0 else 0.0)
    return scores


def fuse(
    ranked_lists: Sequence[Sequence[str]],
    weights: Sequence[float] | None = None,
    k: int = RRF_K,
) -> dict[str, float]:
    """Weighted reciprocal rank fusion of several best-first id lists."""
    scores: dict[str, float] = {}
    for i, ranked in enumerate(ranked_lists):
        w = 1.0 if weights is None else weights[i]
        for rank, mid in enumerate(ranked, start=1):
            scores[mid] = scores.get(mid, 0.0) + w / (k + rank)
    return scores
