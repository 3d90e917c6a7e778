"""A writer's style profile from their passages: pure counting, no model.

Sentence length, vocabulary, favourite words (used often and across many pieces), themes
(tf-idf per source file: what each piece is about), signature phrases (word sequences the
writer returns to in different places) and the function-word profile stylometry uses to tell
one writer from another.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from os1.minds.text import FUNCTION_WORDS, STOP, content_words, ngrams, sentences, words

WINDOW = 100  # words per window for the type-token ratio, so long corpora are comparable


@dataclass(frozen=True)
class StyleProfile:
    sentences: int
    words: int
    mean_sentence_words: float
    sd_sentence_words: float
    mean_word_length: float
    vocabulary: int
    type_token_ratio: float
    question_rate: float
    exclamation_rate: float
    first_person_rate: float
    second_person_rate: float
    favourite_words: list[str] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)
    signature_phrases: list[str] = field(default_factory=list)
    function_profile: dict[str, float] = field(default_factory=dict)

    def summary(self) -> str:
        length = (
            "short" if self.mean_sentence_words < 12
            else "long" if self.mean_sentence_words > 22 else "medium-length"
        )
        parts = [
            f"Writes {length} sentences (about {self.mean_sentence_words:.0f} words)",
            f"a vocabulary of {self.vocabulary} words",
        ]
        if self.question_rate >= 0.1:
            parts.append(f"asks questions often ({self.question_rate:.0%} of sentences)")
        if self.second_person_rate > self.first_person_rate:
            parts.append("speaks to the reader as 'you'")
        elif self.first_person_rate > 0.02:
            parts.append("speaks in the first person")
        return "; ".join(parts) + "."


def _ttr(tokens: list[str]) -> float:
    if len(tokens) <= WINDOW:
        return len(set(tokens)) / max(len(tokens), 1)
    ratios = [len(set(tokens[i : i + WINDOW])) / WINDOW
              for i in range(0, len(tokens) - WINDOW + 1, WINDOW // 2)]
    return statistics.fmean(ratios)


def function_profile(text: str) -> dict[str, float]:
    tokens = words(text)
    counts = Counter(t for t in tokens if t in FUNCTION_WORDS)
    total = max(len(tokens), 1)
    return {w: counts[w] / total for w in FUNCTION_WORDS}


def favourite_words(texts_by_source: dict[str, list[str]], limit: int = 12) -> list[str]:
    """Content words used often *and* in many pieces (not one essay's topic)."""
    counts: Counter[str] = Counter()
    spread: Counter[str] = Counter()
    for texts in texts_by_source.values():
        seen: set[str] = set()
        for t in texts:
            cw = content_words(t)
            counts.update(cw)
            seen.update(cw)
        spread.update(seen)
    n = max(len(texts_by_source), 1)
    scored = {w: c * (spread[w] / n) for w, c in counts.items() if c >= 2}
    return [w for w, _ in sorted(scored.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]]


def themes(texts_by_source: dict[str, list[str]], per_source: int = 3, limit: int = 12) -> list[str]:
    """tf-idf over source files: the words that make each piece about something."""
    docs = {src: Counter(w for t in texts for w in content_words(t))
            for src, texts in texts_by_source.items()}
    n = len(docs)
    df: Counter[str] = Counter()
    for c in docs.values():
        df.update(c.keys())
    total: dict[str, float] = {}
    for c in docs.values():
        size = sum(c.values()) or 1
        scored = {w: (k / size) * (math.log((1 + n) / (1 + df[w])) + 1) for w, k in c.items()
                  if k >= 2}
        for w, s in sorted(scored.items(), key=lambda kv: (-kv[1], kv[0]))[:per_source]:
            total[w] = total.get(w, 0.0) + s
    return [w for w, _ in sorted(total.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]]


def signature_phrases(passages: Sequence[str], limit: int = 10) -> list[str]:
    """Word sequences (2-5 words) the writer uses in at least two different passages."""
    where: dict[tuple[str, ...], set[int]] = {}
    for i, p in enumerate(passages):
        for s in sentences(p):
            tokens = words(s)
            for n in range(2, 6):
                for g in ngrams(tokens, n):
                    if all(w in STOP for w in g) or g[0] in ("and", "of") or g[-1] in STOP:
                        continue
                    where.setdefault(g, set()).add(i)
    repeated = {g: len(ix) for g, ix in where.items() if len(ix) >= 2}
    ranked = sorted(repeated, key=lambda g: (-(repeated[g] * len(g)), g))
    out: list[tuple[str, ...]] = []
    for g in ranked:
        # keep "the river does not hurry", not also its parts "river does" / "does not hurry"
        if any(_inside(g, longer) and repeated[longer] >= repeated[g] for longer in out):
            continue
        out.append(g)
        if len(out) >= limit:
            break
    return [" ".join(g) for g in out]


def _inside(short: tuple[str, ...], long: tuple[str, ...]) -> bool:
    k = len(short)
    return k < len(long) and any(long[i : i + k] == short for i in range(len(long) - k + 1))


def profile(texts_by_source: dict[str, list[str]]) -> StyleProfile:
    passages = [t for texts in texts_by_source.values() for t in texts]
    all_sentences = [s for p in passages for s in sentences(p)]
    lengths = [len(words(s)) for s in all_sentences] or [0]
    tokens = words(" ".join(passages))
    total = max(len(tokens), 1)
    n_sent = max(len(all_sentences), 1)
    first = sum(t in ("i", "me", "my", "mine", "myself") for t in tokens)
    second = sum(t in ("you", "your", "yours", "yourself") for t in tokens)
    return StyleProfile(
        sentences=len(all_sentences),
        words=len(tokens),
        mean_sentence_words=statistics.fmean(lengths),
        sd_sentence_words=statistics.pstdev(lengths),
        mean_word_length=statistics.fmean(len(t) for t in tokens) if tokens else 0.0,
        vocabulary=len(set(tokens)),
        type_token_ratio=_ttr(tokens),
        question_rate=sum(s.endswith("?") for s in all_sentences) / n_sent,
        exclamation_rate=sum(s.endswith("!") for s in all_sentences) / n_sent,
        first_person_rate=first / total,
        second_person_rate=second / total,
        favourite_words=favourite_words(texts_by_source),
        themes=themes(texts_by_source),
        signature_phrases=signature_phrases(passages),
        function_profile=function_profile(" ".join(passages)),
    )


__all__ = ["StyleProfile", "function_profile", "profile"]
