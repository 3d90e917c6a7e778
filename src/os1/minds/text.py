"""Words, sentences and paragraphs: the small text tools the rest of os1.minds shares. Pure."""

from __future__ import annotations

import re

WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]|[A-Za-z]")
PARAGRAPH_BREAK = re.compile(r"\n\s*\n")

# Function words: what an author uses without thinking, the classic stylometric signal.
_FUNCTION_TEXT = (
    "a about after all also an and any are as at be because been but by can could do for "
    "from had has have he her here him his how i if in into is it its just may me might more "
    "most must my no not now of on one only or our out over own perhaps so some such than "
    "that the their them then there these they this those though thus to too under upon us "
    "very was we were what when where which while who whom why will with without would yet "
    "you your"
)
FUNCTION_WORDS = tuple(_FUNCTION_TEXT.split())
_MORE_STOP = (
    "am did does doing done don't i'm it's let's ever every each other another many much few "
    "being become becomes became shall should say says said make makes made like even also "
    "get gets got go goes went way ways thing things nothing something anything everything "
    "same itself himself herself themselves ourselves myself yourself whose both either "
    "neither nor whether until before again once off down up through between against "
    "during above below further"
)
STOP = set(FUNCTION_WORDS) | set(_MORE_STOP.split())


def words(text: str) -> list[str]:
    return [w.lower().replace("’", "'") for w in WORD.findall(text)]


def content_words(text: str) -> list[str]:
    return [w for w in words(text) if w not in STOP and len(w) > 2]


def sentences(text: str) -> list[str]:
    flat = " ".join(text.split())
    return [s.strip() for s in re.split(r"(?<=[.!?])[\"'”’)]*\s+(?=[\"'“‘(]?[A-Z0-9])", flat)
            if s.strip()]


def paragraphs(text: str) -> list[str]:
    return [" ".join(p.split()) for p in PARAGRAPH_BREAK.split(text) if p.strip()]


def split_long(paragraph: str, max_words: int) -> list[str]:
    """Cut a long paragraph at sentence ends into pieces of at most about ``max_words``."""
    if len(paragraph.split()) <= max_words:
        return [paragraph]
    out: list[str] = []
    current: list[str] = []
    count = 0
    for s in sentences(paragraph):
        n = len(s.split())
        if current and count + n > max_words:
            out.append(" ".join(current))
            current, count = [], 0
        current.append(s)
        count += n
    if current:
        out.append(" ".join(current))
    return out


def ngrams(tokens: list[str], n: int) -> list[tuple[str, ...]]:
    return [tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]


__all__ = [
    "FUNCTION_WORDS",
    "STOP",
    "content_words",
    "ngrams",
    "paragraphs",
    "sentences",
    "split_long",
    "words",
]
