"""Checking a letter invents nothing: every name, place, date and number in it must occur in
the client's history (or in the occasion the user gave). Pure functions; imports only this
package's templates.
"""

from __future__ import annotations

import re
from functools import lru_cache

from os1.skills.writing.templates import template_words

MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
          "september", "october", "november", "december")
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
NUMBER_WORDS = ("two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
                "eleven", "twelve", "fifteen", "twenty", "thirty", "forty", "fifty", "sixty",
                "seventy", "eighty", "ninety", "hundred", "thousand", "second", "third",
                "fourth", "fifth", "tenth", "twentieth", "fiftieth", "dozen")
PRONOUNS = {"i", "i'm", "i've", "i'd", "i'll", "we", "you", "my", "your", "our", "we're",
            "you're", "we've", "you've", "it", "it's", "he", "she", "they", "there", "that",
            "this", "and", "but", "so", "then", "when", "if", "do", "the", "a", "an"}
TOKEN = re.compile(r"[A-Za-z][\w'’-]*|\d+(?:[,./:-]\d+)*(?:st|nd|rd|th|s)?")


@lru_cache(maxsize=1)
def _ours() -> frozenset[str]:
    return template_words() | PRONOUNS


def _sentence_initial(text: str, i: int) -> bool:
    j = i
    while j > 0 and text[j - 1] in " \t\"'“‘(":
        j -= 1
    return j == 0 or text[j - 1] in ".!?\n:"


def fact_tokens(text: str) -> list[str]:
    """The words of ``text`` that state a fact: names and places (capitalised words, except a
    sentence's first word when it is one of our own template words), digits, months, days and
    number words."""
    ours = _ours()
    found: list[str] = []
    for m in TOKEN.finditer(text):
        tok = m.group(0).rstrip("'’").replace("’", "'")
        low = tok.lower()
        dated = tok[0].isdigit() or low in MONTHS or low in DAYS or low in NUMBER_WORDS
        named = tok[0].isupper() and low not in PRONOUNS and not (
            _sentence_initial(text, m.start()) and low in ours)
        if dated or named:
            found.append(tok)
    return found


def _present(token: str, history: str) -> bool:
    base = re.sub(r"'s$", "", token)
    pattern = rf"(?<![\w]){re.escape(base)}(?![\w])"
    return re.search(pattern, history, re.I) is not None


def unsupported(text: str, history: str) -> list[str]:
    """Fact words in ``text`` that ``history`` never mentions (each once, in order)."""
    missing: list[str] = []
    for tok in fact_tokens(text):
        if tok not in missing and not _present(tok, history):
            missing.append(tok)
    return missing


def specific_words(text: str) -> int:
    """How many distinct fact words a text has: a measure of how specific it is."""
    return len({t.lower() for t in fact_tokens(text)})
