"""Word error counting for speech tests and the benchmark. Pure.

Two ways of comparing words, both reported by the benchmark so nobody is misled:

``basic``: lower case, punctuation dropped (hyphens split words); every other difference is an
error ("summarise" / "summarize", "six" / "6", "what's" / "what is" all count).

``normalise`` (the default): the usual English WER normalisation on top of that, applied to
reference and hypothesis alike, so only differences of wording count: spelled-out numbers
become digits ("twenty one", "21st" and "twenty-first" agree), common contractions are
expanded, British spellings map to American ones, "okay"/"ok" and "mister"/"mr" agree, and
hesitations ("um", "uh") are dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from os1.text import ordinal_suffix

_UNITS = {w: i for i, w in enumerate(
    ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
     "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
     "nineteen"]
)}
_TENS = {w: 10 * i for i, w in enumerate(
    ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
) if w != "_"}
_SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
_ORDINALS = {
    "first": "one", "second": "two", "third": "three", "fifth": "five", "eighth": "eight",
    "ninth": "nine", "twelfth": "twelve",
}

_CONTRACTIONS = {
    "won't": "will not", "can't": "can not", "cannot": "can not", "shan't": "shall not",
    "let's": "let us", "i'm": "i am", "ain't": "is not", "y'all": "you all",
}
_IS_WORDS = frozenset(
    ["it", "he", "she", "that", "there", "here", "what", "who", "where", "when", "how", "why",
     "everything", "nothing", "something", "someone", "everyone", "this"]
)
_SUFFIXES = (("n't", " not"), ("'re", " are"), ("'ve", " have"), ("'ll", " will"),
             ("'d", " would"), ("'m", " am"))

# British spellings mapped to American ones (a list, not a rule: "promise" is not "promize")
_SPELLING = {
    "ok": "okay", "mr": "mister", "mrs": "missus", "dr": "doctor", "st": "saint",
    "o'clock": "oclock",
    "colour": "color", "colours": "colors", "favourite": "favorite", "favourites": "favorites",
    "honour": "honor", "neighbour": "neighbor", "neighbours": "neighbors", "behaviour": "behavior",
    "flavour": "flavor", "humour": "humor", "labour": "labor", "harbour": "harbor",
    "centre": "center", "theatre": "theater", "metre": "meter", "metres": "meters",
    "kilometre": "kilometer", "kilometres": "kilometers", "litre": "liter", "fibre": "fiber",
    "summarise": "summarize", "summarised": "summarized", "organise": "organize",
    "organised": "organized", "organising": "organizing", "realise": "realize",
    "realised": "realized", "recognise": "recognize", "recognised": "recognized",
    "apologise": "apologize", "apologised": "apologized", "prioritise": "prioritize",
    "personalise": "personalize", "memorise": "memorize", "analyse": "analyze",
    "finalise": "finalize", "emphasise": "emphasize", "criticise": "criticize",
    "travelling": "traveling", "travelled": "traveled", "traveller": "traveler",
    "cancelled": "canceled", "cancelling": "canceling", "labelled": "labeled",
    "modelling": "modeling", "counselling": "counseling", "jewellery": "jewelry",
    "grey": "gray", "programme": "program", "programmes": "programs", "cheque": "check",
    "tyre": "tire", "tyres": "tires", "catalogue": "catalog", "dialogue": "dialog",
    "defence": "defense", "licence": "license", "offence": "offense", "practise": "practice",
    "enrol": "enroll", "fulfil": "fulfill", "aluminium": "aluminum", "pyjamas": "pajamas",
    "plough": "plow", "mould": "mold", "sceptical": "skeptical", "aeroplane": "airplane",
    "towards": "toward", "afterwards": "afterward", "learnt": "learned", "spelt": "spelled",
}
_FILLERS = frozenset(["um", "umm", "uh", "uhm", "er", "erm", "ah", "hmm", "mm", "mhm"])


def basic(text: str) -> list[str]:
    """Lower case, no punctuation; nothing else is forgiven."""
    text = text.lower().replace("’", "'")
    text = re.sub(r"[-–—/]", " ", text)
    words = re.sub(r"[^a-z0-9' ]", " ", text).split()
    return [w.strip("'") for w in words if w.strip("'")]


def _expand(word: str) -> str:
    if word in _CONTRACTIONS:
        return _CONTRACTIONS[word]
    if word.endswith("'s") and word[:-2] in _IS_WORDS:
        return word[:-2] + " is"
    for suffix, full in _SUFFIXES:
        if word.endswith(suffix) and len(word) > len(suffix):
            return word[: -len(suffix)] + full
    return word


def _ordinal(word: str) -> tuple[str, bool]:
    """'twenty-first' parts come in as 'first'; 'fourth' -> ('four', True)."""
    if word in _ORDINALS:
        return _ORDINALS[word], True
    if word.endswith("ieth") and word[:-4] + "y" in _TENS:
        return word[:-4] + "y", True
    if word.endswith("th") and word[:-2] in _UNITS:
        return word[:-2], True
    return word, False


def _numbers(words: list[str]) -> list[str]:
    """Runs of number words become digits: 'one hundred and five' -> '105'."""
    out: list[str] = []
    i = 0
    while i < len(words):
        total, current, used, ordinal = 0, 0, 0, False
        j = end = i
        while j < len(words) and not ordinal:
            word, ordinal = _ordinal(words[j])
            if word in _UNITS:
                if used and current % 10 != 0 and current < 100:
                    break  # "six seven" is two numbers, not one
                current += _UNITS[word]
            elif word in _TENS:
                if used and current % 100 != 0:
                    break
                current += _TENS[word]
            elif word in _SCALES and used:
                scale = _SCALES[word]
                if scale == 100:
                    current *= 100
                else:
                    total, current = total + current * scale, 0
            elif word == "and" and used and j + 1 < len(words) and (
                _ordinal(words[j + 1])[0] in _UNITS or _ordinal(words[j + 1])[0] in _TENS
            ):
                j += 1
                continue
            else:
                ordinal = False
                break
            used += 1
            j = end = j + 1
        if used:
            n = total + current
            out.append(f"{n}{ordinal_suffix(n)}" if ordinal else str(n))
            i = end  # an "and" that led to no further number is kept
        else:
            out.append(words[i])
            i += 1
    return out


def normalise(text: str) -> list[str]:
    """The usual English WER normalisation (see the module docstring)."""
    words: list[str] = []
    for word in basic(text):
        word = _SPELLING.get(word, word)
        words.extend(_expand(word).split())
    words = [w for w in words if w not in _FILLERS]
    return _numbers(words)


def word_errors(
    reference: str, hypothesis: str, norm: Callable[[str], list[str]] = normalise
) -> tuple[int, int]:
    """(substitutions + deletions + insertions, reference word count)."""
    ref, hyp = norm(reference), norm(hypothesis)
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        diagonal, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            diagonal, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, diagonal + (r != h))
    return row[len(hyp)], len(ref)
