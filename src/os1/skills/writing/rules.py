"""Grammar and style rules for proofreading: pure functions from text to suggestions.

Each rule is a regular expression with a fix (or only a hint). Rules are deliberately narrow:
a confusion (their/there, its/it's, your/you're) is flagged only in a context where one reading
is clearly wrong, so a correct sentence is rarely touched. Imports nothing from os1.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Suggestion:
    """Replace ``text[start:end]`` (``original``) by ``replacement``; ``None`` = a hint only."""

    start: int
    end: int
    original: str
    replacement: str | None
    kind: str  # "spelling" | "grammar" | "style"
    message: str

    @property
    def fixable(self) -> bool:
        return self.replacement is not None and self.replacement != self.original

    def as_dict(self) -> dict[str, object]:
        return {"start": self.start, "end": self.end, "original": self.original,
                "replacement": self.replacement, "kind": self.kind, "message": self.message}


def match_case(template: str, word: str) -> str:
    """``word`` with the capitalisation of ``template`` (Their -> There, THEIR -> THERE)."""
    if template.isupper() and len(template) > 1:
        return word.upper()
    if template[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


# a/an ---------------------------------------------------------------------------------
# Vowel letters that sound like consonants, and silent h: the usual exceptions.
CONSONANT_SOUND = re.compile(
    r"^(uni(?!nt|mp|nh|nd|dent)|use|usu|ura|uro|eu|ewe|one\b|once|ubiq|utens|utop|uter|uti)",
    re.I)
VOWEL_SOUND_H = re.compile(r"^(hour|honest|honou?r|heir|herb(?!al|ert))", re.I)
# Letters read one by one ("an MBA", "a UFO"): a capital string, first letter's name decides.
VOWEL_NAMED_LETTERS = set("AEFHILMNORSX")


def wants_an(word: str) -> bool:
    if len(word) > 1 and word.isupper() and word.isalpha():
        return word[0] in VOWEL_NAMED_LETTERS
    if VOWEL_SOUND_H.match(word):
        return True
    if CONSONANT_SOUND.match(word):
        return False
    return word[:1].lower() in "aeiou"


ARTICLE = re.compile(r"\b(a|an|A|An|AN)\s+([A-Za-z][\w'-]*)")


def article_rule(text: str) -> Iterator[Suggestion]:
    for m in ARTICLE.finditer(text):
        art, word = m.group(1), m.group(2)
        if word.lower() in {"a", "an", "the"} or text[m.end():m.end() + 1] in {".", "-"}:
            continue
        right = "an" if wants_an(word) else "a"
        if art.lower() != right:
            fixed = match_case(art, right)
            yield Suggestion(m.start(1), m.end(1), art, fixed, "grammar",
                             f"'{fixed.lower()}' goes before '{word}'")


# repeated words ---------------------------------------------------------------------------
REPEATED = re.compile(r"\b([A-Za-z']+)(\s+)(\1)\b", re.I)
REPEAT_OK = {"had", "that", "is", "ha", "bye", "no", "very", "so", "tut", "knock", "really"}


def repeated_rule(text: str) -> Iterator[Suggestion]:
    for m in REPEATED.finditer(text):
        if m.group(1).lower() in REPEAT_OK:
            continue
        yield Suggestion(m.start(), m.end(), m.group(0), m.group(1), "grammar",
                         f"'{m.group(1)}' is written twice")


# capitals ----------------------------------------------------------------------------------
ABBREVIATIONS = {"e.g", "i.e", "etc", "mr", "mrs", "ms", "dr", "vs", "st", "jr", "sr", "cf",
                 "approx", "no", "p", "pp", "vol", "fig", "a.m", "p.m"}
AFTER_STOP = re.compile(r"([A-Za-z.]+)?([.!?])(\s+)([\"'“‘(]?)([a-z])")
LONE_I = re.compile(r"(?<![\w'’-])i(?=(\s|'m\b|'ve\b|'ll\b|'d\b|[,.;:!?]|$))")


def capital_rule(text: str) -> Iterator[Suggestion]:
    for m in AFTER_STOP.finditer(text):
        before = (m.group(1) or "").lower()
        if m.group(2) == "." and (before in ABBREVIATIONS or re.fullmatch(r"([a-z]\.)+[a-z]?",
                                                                           before)):
            continue
        i = m.start(5)
        yield Suggestion(i, i + 1, m.group(5), m.group(5).upper(), "grammar",
                         "a sentence starts with a capital letter")
    first = re.match(r"\s*([\"'“‘(]?)([a-z])", text)
    if first and not re.match(r"\s*\S*(://|@)", text):
        i = first.start(2)
        yield Suggestion(i, i + 1, first.group(2), first.group(2).upper(), "grammar",
                         "a sentence starts with a capital letter")
    for m in LONE_I.finditer(text):
        yield Suggestion(m.start(), m.end(), "i", "I", "grammar", "'I' is always a capital")


# confusions ---------------------------------------------------------------------------------
POSSESSED = (r"(own|house|home|car|cars|kids|children|child|son|daughter|parents|mother|father|"
             r"mom|dad|family|friends?|dog|cat|names?|jobs?|work|wedding|anniversary|"
             r"birthday|life|lives|hands?|eyes|hearts?|letters?|room|garden|way|money|phone|roots|"
             r"leaves|colou?r|tail|place|shape|size|purpose|value|owners?)")
BE_AFTER = r"(is|are|was|were|isn't|aren't|wasn't|weren't|has\s+been|have\s+been|will\s+be)"
VERBISH = (r"(going|coming|not|always|never|doing|getting|being|so|very|too|really|"
           r"right|wrong|welcome|sure|here|there|the\s+best|a|an|making|having|leaving)")


@dataclass(frozen=True)
class Confusion:
    pattern: re.Pattern[str]
    group: int  # the group holding the confused word
    fix: str
    why: str


def _c(regex: str, fix: str, why: str, group: int = 1) -> Confusion:
    return Confusion(re.compile(regex, re.I), group, fix, why)


CONFUSIONS = [
    _c(rf"\b(their)\s+{BE_AFTER}\b", "there", "'there is/are' points to something; "
       "'their' means belonging to them"),
    _c(rf"\b(there|they're|theyre)\s+{POSSESSED}\b", "their",
       "'their' means belonging to them"),
    _c(r"\b(their)(?=\s*[.,!?;:])", "there", "'their' needs a noun after it; "
       "'there' means that place"),
    _c(r"\b(their|there)\s+(going|coming|not\s+going|always|never|doing|getting|being)\b",
       "they're", "'they're' is short for 'they are'"),
    _c(r"\b(its)\s+(a|an|the|been|not|going|time|so|very|too|my|your|our|getting|"
       r"raining|true|okay|ok|fine|just|all|over|late|early|hard|easy|nice)\b", "it's",
       "'it's' is short for 'it is' or 'it has'"),
    _c(rf"\b(it's|it’s)\s+{POSSESSED}\b", "its", "'its' means belonging to it"),
    _c(rf"\b(your)\s+{VERBISH}\b", "you're", "'you're' is short for 'you are'"),
    _c(rf"\b(you're|you’re|youre)\s+{POSSESSED}\b", "your", "'your' means belonging to you"),
    _c(r"\b(more|less|better|worse|rather|greater|smaller|bigger|larger|older|younger|"
       r"faster|slower|higher|lower|fewer|other|sooner|later|happier|easier|harder)\s+"
       r"(then)\b", "than", "comparisons take 'than'", group=2),
    _c(r"\b(?:could|would|should|must|might)\s+(of)\b", "have",
       "'could have', not 'could of'"),
]


def confusion_rule(text: str) -> Iterator[Suggestion]:
    for c in CONFUSIONS:
        for m in c.pattern.finditer(text):
            word = m.group(c.group)
            if c.fix == "your" and re.match(r"\s*(so|very|too)\b", text[m.end():]):
                continue
            fixed = match_case(word, c.fix)
            if fixed != word:
                yield Suggestion(m.start(c.group), m.end(c.group), word, fixed, "grammar",
                                 c.why)


# style --------------------------------------------------------------------------------------
FILLERS = {
    "very": "", "really": "", "basically": "", "actually": "", "literally": "",
    "totally": "", "just": "", "quite": "", "somewhat": "",
    "in order to": "to", "due to the fact that": "because", "at this point in time": "now",
    "each and every": "every", "in the event that": "if",
}
# A filler that carries meaning before these words stays ("very much", "just as", "quite a").
FILLER_KEEP = re.compile(r"\s*(much|well|own|first|last|best|end|few|little|as|like|now|then|"
                         r"because|in\s+case|a|an|the|right|so|do|did|does|is|am|are)\b", re.I)
FILLER = re.compile(r"\b(" + "|".join(sorted(map(re.escape, FILLERS), key=len, reverse=True))
                    + r")\b(,?\s?)", re.I)
LONG_SENTENCE_WORDS = 35
SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+[\"'”’)]*|\n|$)")
IRREGULAR_PARTICIPLES = (
    "done|made|given|taken|written|seen|known|shown|told|sent|built|held|kept|left|lost|"
    "paid|said|sold|spent|found|brought|bought|caught|taught|thought|chosen|broken|"
    "driven|eaten|forgotten|forgiven|hidden|spoken|stolen|worn|torn|born|won|hit|put|set|"
    "cut|read|led|fed|met|begun|drawn|grown|thrown|understood")
PASSIVE = re.compile(rf"\b(am|is|are|was|were|be|been|being)\s+(?:\w+ly\s+)?"
                     rf"(\w+ed|{IRREGULAR_PARTICIPLES})\b(\s+by\b)?", re.I)
ADJECTIVE_ED = {"tired", "interested", "excited", "married", "bored", "worried", "scared",
                "pleased", "surprised", "used", "supposed", "engaged", "prepared", "retired",
                "tied", "concerned", "blessed", "devoted", "determined", "related", "based",
                "convinced", "exhausted", "amazed", "ashamed", "confused", "disappointed",
                "embarrassed", "frightened", "relieved", "satisfied", "shocked", "thrilled",
                "touched", "moved", "need", "red", "bed", "shed", "wed", "sacred", "naked"}


def filler_rule(text: str) -> Iterator[Suggestion]:
    for m in FILLER.finditer(text):
        word = m.group(1)
        fix = FILLERS[word.lower()]
        if fix:
            yield Suggestion(m.start(1), m.end(1), word, match_case(word, fix), "style",
                             f"'{fix}' says the same in fewer words")
        elif not FILLER_KEEP.match(text, m.end(1)):
            end, fix = m.end(), ""
            if word[:1].isupper() and m.end() < len(text) and text[m.end()].islower():
                end, fix = m.end() + 1, text[m.end()].upper()  # the next word starts it now
            yield Suggestion(m.start(), end, text[m.start():end], fix, "style",
                             f"'{word}' is a filler word; the sentence is stronger without it")


def long_sentence_rule(text: str) -> Iterator[Suggestion]:
    for m in SENTENCE.finditer(text):
        words = m.group(0).split()
        if len(words) > LONG_SENTENCE_WORDS:
            s = m.start() + len(m.group(0)) - len(m.group(0).lstrip())
            yield Suggestion(s, m.end(), m.group(0).strip(), None, "style",
                             f"a long sentence ({len(words)} words); consider splitting it")


def passive_rule(text: str) -> Iterator[Suggestion]:
    for m in PASSIVE.finditer(text):
        if m.group(2).lower() in ADJECTIVE_ED and not m.group(3):
            continue
        yield Suggestion(m.start(), m.end(), m.group(0), None, "style",
                         "passive voice; an active verb may read more directly")


Rule = Callable[[str], Iterator[Suggestion]]
GRAMMAR_RULES: tuple[Rule, ...] = (article_rule, repeated_rule, capital_rule, confusion_rule)
STYLE_RULES: tuple[Rule, ...] = (filler_rule, long_sentence_rule, passive_rule)
