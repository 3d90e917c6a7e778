"""How good a letter is, for choosing the book's letters: long enough (but not rambling),
specific (names, places, dates from a real life) and free of repetition. Score in [0, 1].
Pure functions; imports only this package's facts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from os1.skills.writing.facts import specific_words

GOOD = 0.7  # a letter scoring this or more is good enough for the book


@dataclass(frozen=True)
class Quality:
    score: float
    length: float
    specificity: float
    freshness: float
    words: int

    def reason(self) -> str:
        notes = []
        if self.length < 0.7:
            notes.append(f"{'short' if self.words < 200 else 'long'} ({self.words} words)")
        if self.specificity < 0.7:
            notes.append("few specifics")
        if self.freshness < 0.7:
            notes.append("repeats itself")
        return ", ".join(notes) or "good"


def _length_score(n: int) -> float:
    if n < 60:
        return 0.0
    if n < 120:
        return (n - 60) / 60
    if n <= 450:
        return 1.0
    return max(0.3, 1.0 - (n - 450) / 700)


def _freshness(text: str) -> float:
    words = re.findall(r"[a-z']+", text.lower())
    grams = [tuple(words[i:i + 3]) for i in range(len(words) - 2)]
    if not grams:
        return 0.0
    repeated = 1 - len(set(grams)) / len(grams)
    sentences = [s.strip().lower() for s in re.split(r"[.!?]+", text) if len(s.split()) > 3]
    dup_sentences = len(sentences) - len(set(sentences))
    return max(0.0, 1.0 - 4 * repeated - 0.25 * dup_sentences)


def judge(text: str) -> Quality:
    n = len(text.split())
    length = _length_score(n)
    specificity = min(1.0, specific_words(text) / 6)
    freshness = _freshness(text)
    score = round(0.35 * length + 0.35 * specificity + 0.3 * freshness, 3)
    return Quality(score, round(length, 3), round(specificity, 3), round(freshness, 3), n)
