"""Spelling: pyspellchecker's English dictionary (shipped inside the wheel, so offline).

Proper nouns are left alone: a capitalised word in mid-sentence is a name, and a capitalised
word that starts a sentence is only corrected when a close correction exists. British
spellings (colour, realise, centre) are accepted. Imports os1.errors and .rules.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any

from os1.errors import BackendError
from os1.skills.writing.rules import Suggestion, match_case

WORD = re.compile(r"(?<![\w@/.:-])([A-Za-z]+(?:['’][A-Za-z]+)?)(?![\w@/-]|\.\w|:/)")
BRITISH = ((r"our$", "or"), (r"ise$", "ize"), (r"ised$", "ized"), (r"ising$", "izing"),
           (r"isation$", "ization"), (r"tre$", "ter"), (r"ogue$", "og"), (r"lled$", "led"),
           (r"lling$", "ling"), (r"ence$", "ense"))


@lru_cache(maxsize=1)
def checker() -> Any:
    try:
        from spellchecker import SpellChecker
    except ImportError as exc:
        raise BackendError("The spellchecker is not installed; run scripts/install.sh "
                           "(it needs the pyspellchecker package).") from exc
    return SpellChecker(language="en", distance=2)


def _known(word: str) -> bool:
    spell = checker()
    w = word.lower().replace("’", "'")
    if not spell.unknown([w]):
        return True
    if "'" in w:
        stem, _, tail = w.partition("'")
        if tail in {"s", "d", "ll", "ve", "re", "m", "t"} and not spell.unknown([stem]):
            return True
    variants = [re.sub(pat, rep, w) for pat, rep in BRITISH if re.search(pat, w)]
    if "our" in w:
        variants.append(w.replace("our", "or"))
    return any(not spell.unknown([v]) for v in variants)


def _correction(word: str) -> str | None:
    spell = checker()
    w = word.lower()
    if len(w) > 12:
        spell.distance = 1
    try:
        fixed = spell.correction(w)
    finally:
        spell.distance = 2
    return None if fixed is None or fixed == w else str(fixed)


def spelling_rule(text: str, known_words: Iterable[str] = ()) -> Iterator[Suggestion]:
    extra = {w.lower() for w in known_words}
    names = {m.group(1) for m in WORD.finditer(text)
             if m.group(1)[:1].isupper() and not starts_sentence(text, m.start())}
    cache: dict[str, str | bool | None] = {}
    for m in WORD.finditer(text):
        word = m.group(1)
        if len(word) < 2 or word.lower() in extra or (word.isupper() and len(word) > 1):
            continue
        capital = word[:1].isupper()
        if capital and (word in names or not starts_sentence(text, m.start())):
            continue
        key = word.lower()
        if key not in cache:
            cache[key] = True if _known(word) else _correction(word)
        fixed = cache[key]
        if fixed is True:
            continue
        if fixed is None or fixed is False:
            if not capital:
                yield Suggestion(m.start(1), m.end(1), word, None, "spelling",
                                 f"'{word}' is not in the dictionary")
            continue
        if capital and _distance_one(key, str(fixed)) is False:
            continue
        yield Suggestion(m.start(1), m.end(1), word, match_case(word, str(fixed)), "spelling",
                         f"'{word}' looks misspelt")


def starts_sentence(text: str, i: int) -> bool:
    """Whether the word at ``i`` begins a sentence, a line or the text."""
    j = i
    while j > 0 and text[j - 1] in "\"'“‘(":
        j -= 1
    k = j
    while k > 0 and text[k - 1].isspace():
        k -= 1
    if k == 0 or "\n" in text[k:j]:
        return True
    if k == j:
        return False
    while k > 0 and text[k - 1] in "\"'”’)":
        k -= 1
    return k > 0 and text[k - 1] in ".!?"


def _distance_one(a: str, b: str) -> bool:
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diffs = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diffs) == 1 or (len(diffs) == 2 and diffs[1] == diffs[0] + 1
                                   and a[diffs[0]] == b[diffs[1]])
    short, long_ = sorted((a, b), key=len)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))
