"""Filtering the model's free wording, sentence by sentence, as it streams.

A sentence is dropped when it disclaims being an AI, repeats itself or an earlier sentence,
names a person nobody mentioned, or reads like prompt debris. At most ``max_sentences`` pass;
if none does, the plan's fallback line is said instead. Pure functions.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable, Iterable

DISCLAIMER = re.compile(
    r"(as an? (ai|language|artificial|digital|virtual|computer)|language model|"
    r"\bi('m| am) (an? )?(ai|bot|chatbot|program|machine|assistant|virtual)|artificial intelligence|"
    r"i (do not|don't) have (feelings|emotions|the ability|the capabilit|the capacity|personal|"
    r"a body|access)|(text-based|virtual|digital|\bai) (ai )?(assistant|model|program|chatbot)|"
    r"sorry for any inconvenience|"
    r"\bi (cannot|can't|am unable to|'m unable to|am not able to|'m not able to) "
    r"(feel|experience|browse|access|provide|help with that)|openai|chatgpt|"
    r"i'm sorry,? but|as a (helpful|friendly)|my (programming|training|creators?|developers?))",
    re.IGNORECASE,
)
DEBRIS = re.compile(r"(^|\s)(user|assistant|system)\s*:|<\|?|\|>|^#|\*\*|\[|\]|http", re.I)
# A sentence ends at . ! ? followed by space, or (the small model often omits the space) by a
# capital letter: "warm?What's" is two sentences, said back with a space between them.
SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*(?:\s+|(?=[A-Z][a-z]))")
CAPITALISED = re.compile(r"(?<![.!?]\s)(?<!^)\b([A-Z][a-z]{2,})\b")
COMMON_CAPS = set(
    [
        "I",
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
        "English",
        "Christmas",
        "God",
        "OK",
    ]
)
MAX_WORDS = 32


def normal(sentence: str) -> str:
    return re.sub(r"[^a-z ]", "", sentence.lower()).strip()


def loops(sentence: str) -> bool:
    w = normal(sentence).split()
    grams = [tuple(w[i : i + 3]) for i in range(len(w) - 2)]
    return len(grams) != len(set(grams))


def strangers(sentence: str, known: set[str]) -> bool:
    for word in CAPITALISED.findall(sentence):
        if word not in known and word not in COMMON_CAPS:
            return True
    return False


def repeats(sentence: str, seen: set[str]) -> bool:
    """Same words as something already said (word-set overlap), not just the same string."""
    mine = set(normal(sentence).split())
    for other in seen:
        theirs = set(other.split())
        if mine and theirs and len(mine & theirs) / len(mine | theirs) >= 0.6:
            return True
    return False


def acceptable(sentence: str, seen: set[str], known: set[str]) -> bool:
    s = sentence.strip()
    if len(s) < 2 or len(s.split()) > MAX_WORDS:
        return False
    if DISCLAIMER.search(s) or DEBRIS.search(s) or loops(s):
        return False
    if not normal(s) or repeats(s, seen):
        return False
    return not strangers(s, known)


async def polished(
    pieces: AsyncIterator[str],
    *,
    known_names: Iterable[str],
    avoid: Iterable[str] = (),
    max_sentences: int = 2,
    judge: Callable[[str], bool] = lambda s: True,
) -> AsyncIterator[str]:
    """Yield accepted sentences (each with a leading space) as soon as each is complete."""
    known = {n for name in known_names for n in name.split()}
    seen = {normal(s) for a in avoid for s in SENTENCE_END.split(a)}
    buf = ""
    passed = 0
    async for piece in pieces:
        buf += piece
        parts = SENTENCE_END.split(buf)
        buf = parts.pop()
        for sentence in parts:
            if acceptable(sentence, seen, known) and judge(sentence):
                seen.add(normal(sentence))
                passed += 1
                yield " " + sentence.strip()
                if passed >= max_sentences:
                    return
    tail = buf.strip()
    if (
        passed < max_sentences
        and tail
        and tail[-1] in ".!?"
        and acceptable(tail, seen, known)
        and judge(tail)
    ):
        yield " " + tail
