"""Facts from what someone said: rules first, a small model only as a grounded extra.

Pure functions except :func:`model_candidates`, which asks a ChatModel for JSON-schema
constrained output and keeps only what the text itself supports (the embedded model is far
too small to be trusted with names or values it did not read).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from os1.brain.base import ChatModel, Message, Sampling, complete_json
from os1.errors import BackendError

USER = "user"

SINGLE_RELATIONS = (
    "wife", "husband", "partner", "girlfriend", "boyfriend", "fiance", "fiancee", "mother",
    "mom", "mum", "father", "dad", "boss", "manager", "landlord", "therapist", "doctor",
)  # fmt: skip
MULTI_RELATIONS = (
    "sister", "brother", "friend", "best friend", "colleague", "coworker", "son", "daughter",
    "cousin", "aunt", "uncle", "niece", "nephew", "grandmother", "grandfather", "grandma",
    "grandpa", "neighbour", "neighbor", "roommate", "flatmate", "kid", "child", "dog", "cat",
    "puppy", "kitten", "bird", "rabbit", "hamster", "horse", "pet",
)  # fmt: skip
MULTI_PREDICATES = frozenset({*MULTI_RELATIONS, "does", "allergy", "plays", "speaks", "hobby"})
_RELATION_SET = frozenset((*SINGLE_RELATIONS, *MULTI_RELATIONS))
_RELATIONS = "|".join(sorted((*SINGLE_RELATIONS, *MULTI_RELATIONS), key=len, reverse=True))
_JOB_WORDS = (
    "nurse", "doctor", "teacher", "engineer", "developer", "programmer", "designer", "lawyer",
    "chef", "cook", "artist", "writer", "musician", "student", "scientist", "accountant",
    "architect", "pilot", "dentist", "pharmacist", "journalist", "photographer", "farmer",
    "carpenter", "electrician", "plumber", "mechanic", "firefighter", "paramedic", "librarian",
    "professor", "researcher", "consultant", "analyst", "manager", "barista", "waiter",
    "waitress", "baker", "butcher", "painter", "sculptor", "filmmaker", "actor", "actress",
    "director", "producer", "editor", "translator", "therapist", "psychologist", "vet",
    "veterinarian", "surgeon", "counselor", "counsellor", "cashier", "driver", "soldier",
    "police officer", "officer", "entrepreneur", "freelancer", "retiree", "tutor", "coach",
    "dancer", "singer", "poet", "novelist", "biologist", "chemist", "physicist", "economist",
)  # fmt: skip
_PRONOUNS = frozenset(
    ["it", "that", "this", "them", "those", "these", "you", "him", "her", "me", "us", "there", "here", "one", "so", "what", "something", "anything", "everything", "nothing"]
)
_NOT_NAMES = frozenset(  # capitalised words that start sentences but name nobody
    re.findall(r"\S+", """I The A An My Our We You He She They It This That These Those There Then So And But Yes
    No Oh Well Today Yesterday Tomorrow Tonight Also Just Maybe Hi Hello Hey Thanks Okay Ok
    Sure What When Where Why How Who Which If Because Last Next Now Some Many Most All Every
    Each Another Other Such Both Few Lots Nobody Everyone Everybody Someone Somebody People
    Life Work Things Days Mornings Evenings Weekends Sometimes Usually Always Never Often
    Still Really Actually Honestly Anyway Besides Plus Apparently Luckily Sadly Unfortunately
    Hopefully Mine Yours Here Please Let Good Great Nice Wow Haha Lol Sorry Monday Tuesday
    Wednesday Thursday Friday Saturday Sunday January February March April May June July
    August September October November December""")
)
_STOP = (
    r"\s+(?:and|but|because|since|so|which|who|where|when|while|with|after|before|until|now|"
    r"anymore|any more|last|next|this|these|ago|yesterday|today|tomorrow|recently|again|"
    r"though|although|if|as well|too|lately|already|right now|for now|these days)\b|[,;:!?()]"
)
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*"
_DATE = (
    rf"(?:(?:next|this|on)\s+)?(?:\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?"
    rf"{_MONTH}(?:,?\s+\d{{4}})?|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?|"
    r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)|tomorrow)"
)
_TITLE = r"(?:Dr|Mr|Mrs|Ms|Mx|Prof)\.?\s"  # "Dr. Okafor" is one name, not "Dr" and a sentence
_NAME = r"((?:" + _TITLE + r")?[A-Z][a-zA-Z'\-]+(?:\s+[A-Z][a-zA-Z'\-]+)?)"


@dataclass(frozen=True)
class Candidate:
    """A fact as extracted, before the store decides whether it is new, repeated or a change."""

    subject: str
    predicate: str
    value: str
    text: str
    ended: bool = False  # "I no longer live in X": closes a current fact, adds no new value

    @property
    def multi(self) -> bool:
        return self.predicate in MULTI_PREDICATES


# -- rendering -------------------------------------------------------------------------------
def who(subject: str) -> str:
    return "The user" if subject == USER else subject


def whose(subject: str) -> str:
    name = who(subject)
    return name + ("'" if name.endswith("s") else "'s")


def _article(word: str) -> str:
    return ("an " if word[:1].lower() in "aeiou" else "a ") + word


def render(subject: str, predicate: str, value: str) -> str:
    """One plain sentence for a fact (stored as its text, shown to the user and the model)."""
    s = who(subject)
    if predicate == "name":
        return f"{whose(subject)} name is {value}."
    if predicate in ("lives in", "works at", "is from", "studies", "plays", "speaks"):
        verb = {"lives in": "lives in", "works at": "works at", "is from": "is from"}
        return f"{s} {verb.get(predicate, predicate)} {value}."
    if predicate == "job":
        return f"{s} works as {_article(value)}."
    if predicate == "age":
        return f"{s} is {value} years old."
    if predicate == "allergy":
        return f"{s} is allergic to {value}."
    if predicate == "does":
        return f"{s} {value}."
    if predicate.startswith("opinion of "):
        return f"{s} {value} {predicate[len('opinion of '):]}."
    if predicate.startswith("date of "):
        return f"{whose(subject)} {predicate[len('date of '):]} is {value}."
    return f"{whose(subject)} {predicate} is {value}."


_FIRST = {
    "lives in": "I live in {}.", "works at": "I work at {}.", "is from": "I am from {}.",
    "studies": "I study {}.", "plays": "I play {}.", "speaks": "I speak {}.",
    "age": "I am {} years old.", "allergy": "I am allergic to {}.", "name": "My name is {}.",
}  # fmt: skip


def first_person(cand: Candidate, relation_of: Mapping[str, str]) -> str:
    """The fact as the user would say it, for embedding: questions come as 'my'/'I', so
    'My dog is Bruno.' lies nearer 'what is my puppy called?' than 'The user's dog is Bruno.'.
    A person the user named gets the relation back: 'My partner Zoe works as a nurse.'."""
    pred, value = cand.predicate, cand.value
    if cand.subject != USER:
        rel = relation_of.get(cand.subject)
        return f"My {rel} {cand.text}" if rel else cand.text
    if pred in _FIRST:
        return _FIRST[pred].format(value)
    if pred == "job":
        return f"I work as {_article(value)}."
    if pred == "does":
        return cand.text
    if pred.startswith("opinion of "):
        return f"I {'like' if value == 'likes' else 'dislike'} {pred[len('opinion of '):]}."
    if pred.startswith("date of "):
        return f"My {pred[len('date of '):]} is {value}."
    return f"My {pred} is {value}."


# -- cleaning ---------------------------------------------------------------------------------
def _cut(value: str) -> str:
    value = re.split(_STOP, value, maxsplit=1)[0]
    return value.strip(" .'\"").strip()


def _place(value: str) -> str:
    """A capitalised run if the phrase has one ("New York City"), else the cut phrase."""
    value = _cut(value)
    m = re.match(r"(?:the\s+)?((?:[A-Z][\w'\-]*)(?:\s+(?:of|de|del|la|le|am|upon|on)?\s*[A-Z][\w'\-]*)*)", value)
    return m.group(1) if m else value


def _role(value: str) -> str:
    """'a carpenter in Ghent at the docks' -> 'carpenter'."""
    return re.sub(r"^(?:an?|the)\s+", "", _cut(re.split(r"\s+(?:at|for|in)\s+", value)[0]))


def _ok(value: str, max_words: int = 6) -> bool:
    words = value.split()
    return 0 < len(words) <= max_words and value.lower() not in _PRONOUNS


def _name_ok(name: str) -> bool:
    return name.split()[0] not in _NOT_NAMES


# -- rules ------------------------------------------------------------------------------------
_I = r"(?:^|\b)(?:i|we)"
_FIRST_PERSON: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\b(?i:my name is) " + _NAME + r"|\b(?i:i'm|i am) called " + _NAME + r"|\b(?i:call me) " + _NAME), "name"),
    (re.compile(_I + r"(?:'ve| have)? (?:just |recently |finally )?(?:moved|relocated) (?:back )?to (.+)", re.I), "lives in"),
    (re.compile(_I + r"(?:'m| am)? (?:now |currently |still )?(?:live|living|based) in (.+)", re.I), "lives in"),
    (re.compile(_I + r"(?:'m| am) (?:originally )?from (.+)", re.I), "is from"),
    (re.compile(_I + r" grew up in (.+)", re.I), "is from"),
    (re.compile(_I + r" (?:now |currently )?(?:work|am working|'m working) (?:as|as a|as an) (.+)", re.I), "job"),
    (re.compile(_I + r" (?:got|have|started|took) (?:a |my |the )?(?:new )?job as (?:an? )?(.+)", re.I), "job"),
    (re.compile(r"\bmy (?:new )?job is (?:being )?(?:an? )?(.+)", re.I), "job"),
    (re.compile(_I + r"(?:'m| am) (?:now |still |currently )?(?:an? )(" + "|".join(_JOB_WORDS) + r")\b", re.I), "job"),
    (re.compile(_I + r"(?:'ve| have)? (?:just )?became (?:an? )?(.+)", re.I), "job"),
    (re.compile(_I + r" (?:now |currently )?(?:work|am working|'m working|started working|started) (?:at|for) (.+)", re.I), "works at"),
    (re.compile(_I + r" (?:got a job|joined|was hired) (?:at |by )?(.+)", re.I), "works at"),
    (re.compile(_I + r"(?:'m| am) (\d{1,3}) (?:years old|now)?", re.I), "age"),
    (re.compile(_I + r" (?:just )?turned (\d{1,3})\b", re.I), "age"),
    (re.compile(_I + r"(?:'m| am) allergic to (.+)", re.I), "allergy"),
    (re.compile(_I + r"(?:'m| am)? (?:study|studying|majoring in) (.+)", re.I), "studies"),
    (re.compile(_I + r" (?:play|am playing) (?:the )?(.+)", re.I), "plays"),
    (re.compile(_I + r" speak (.+)", re.I), "speaks"),
    (re.compile(r"\bmy birthday is (?:on )?(" + _DATE + r")", re.I), "birthday"),
    (re.compile(_I + r" was born (?:on |in )?(" + _DATE + r"|\d{4})", re.I), "born"),
]  # fmt: skip
_OPINION = re.compile(
    _I + r" (?:really |absolutely |totally |kind of |also |still )?"
    r"(love|like|enjoy|adore|prefer|hate|dislike|can't stand|cannot stand|don't like|do not like|"
    r"don't enjoy|no longer like|don't really like|detest) (.+)",
    re.I,
)
_NEGATIVE = ("hate", "dislike", "can't", "cannot", "don't", "do not", "no longer", "detest")
_ENDED = re.compile(
    _I + r" (?:no longer|don't|do not) (live in|work at|work for|work as) (.+)", re.I
)
_FAVOURITE = re.compile(r"\bmy (?:all-time )?favou?rite ([a-z]+(?: [a-z]+)?) (?:is|are) (.+)", re.I)
_EVENT_DATE = re.compile(
    r"\bmy ([a-z]+(?: [a-z]+)?) is (?:on|set for|scheduled for) (" + _DATE + r")", re.I
)
_HAVE_EVENT = re.compile(
    _I + r" (?:have|'ve got|have got) (?:a |an |my |the )?([a-z]+(?: [a-z]+)?) (?:on|next) (" + _DATE + r")",
    re.I,
)  # fmt: skip
_MY_REL = r"\b(?i:my (?:(?:older|younger|little|big|best|new|old|twin) )?(" + _RELATIONS + r"))"
_REL_NAMED = re.compile(
    _MY_REL + r"(?i:(?:'s name)? (?:is called|is named|'s called|'s named|is|was called|named|called)) "
    + _NAME
)
_REL_APPOS = re.compile(_MY_REL + r",? " + _NAME + r",?(.*)")
_NAME_IS_REL = re.compile(_NAME + r" is my (?:(?:older|younger|little|big|best|new|old) )?(" + _RELATIONS + r")\b")
_HAVE_PET = re.compile(
    _I + r" (?:have|got|adopted) (?:a|an|two|three)? ?(?:new )?(?:little )?(dog|cat|puppy|kitten|bird|rabbit|hamster|horse) "
    r"(?:called|named) " + _NAME, re.I,
)  # fmt: skip
_RENAMED = re.compile(  # "we renamed the dog Waffles": the same slot as "my dog is called X"
    r"\b(?i:(?:we|I|they)(?: have|'ve)? (?:renamed|re-named) (?:the|my|our) (" + _RELATIONS
    + r") (?:to )?)" + _NAME
)  # fmt: skip
_REL_CLAUSE = re.compile(r"\bmy (?:(?:older|younger|little|big|best|new|old|twin) )?(" + _RELATIONS + r") (.+)", re.I)
_PERSON_CLAUSE = re.compile(r"(?:^|[.!?]\s+|,\s*|\band\s+)" + _NAME + r" (.+)")


_ABBREV = r"(?<!\bDr\.)(?<!\bMr\.)(?<!\bMs\.)(?<!\bMx\.)(?<!\bMrs\.)(?<!\bProf\.)(?<!\bSt\.)"


def _sentences(text: str) -> list[str]:
    parts = re.split(_ABBREV + r"(?<=[.!?])\s+|\n+|;\s*|,\s*(?:and|but)\s+(?=I\b)|\s+(?:and|but)\s+(?=I\b)", text)
    return [p.strip() for p in parts if p and p.strip()]


def _first_person(sentence: str, subject: str, known: Mapping[str, str]) -> Iterable[Candidate]:
    for pattern, predicate in _FIRST_PERSON:
        for m in pattern.finditer(sentence):
            raw = next(g for g in m.groups() if g)
            if predicate == "name":
                value = raw.strip()
                if not _name_ok(value):
                    continue
            elif predicate in ("lives in", "is from", "works at"):
                value = _place(raw)
            elif predicate == "job":
                at = re.match(r"(.+?)\s+(at|for|in)\s+(.+)", raw)
                role, place = (at.group(1), at.group(3)) if at else (raw, "")
                place = "" if at and at.group(2) == "in" else place  # "a nurse in Porto"
                value = re.sub(r"^(?:an?|the)\s+", "", _cut(role))
                yield from _workplace(subject, place)
            else:
                value = _cut(raw)
            if predicate == "age" and not 0 < int(value) < 130:
                continue
            if _ok(value):
                yield Candidate(subject, predicate, value, render(subject, predicate, value))


def _workplace(subject: str, rest: str) -> Iterable[Candidate]:
    place = _place(rest)
    if place and place[0].isupper() and _ok(place):
        yield Candidate(subject, "works at", place, render(subject, "works at", place))


def _opinions(sentence: str, subject: str, known: Mapping[str, str]) -> Iterable[Candidate]:
    for m in _OPINION.finditer(sentence):
        verb, thing = m.group(1).lower(), _cut(m.group(2))
        thing = re.sub(r"^(?:it when|the|to)\s+", "", thing) if thing.lower().startswith("to ") else thing
        if not _ok(thing, 5) or thing.split()[0].lower() in _PRONOUNS:
            continue
        value = "dislikes" if verb.startswith(_NEGATIVE) else "likes"
        pred = f"opinion of {thing.lower()}"
        yield Candidate(subject, pred, value, render(subject, pred, value))
    for m in _FAVOURITE.finditer(sentence):
        what, value = m.group(1).lower(), _cut(m.group(2))
        if _ok(value):
            pred = f"favourite {what}"
            yield Candidate(subject, pred, value, render(subject, pred, value))


def _dates(sentence: str, subject: str, known: Mapping[str, str]) -> Iterable[Candidate]:
    for pattern in (_EVENT_DATE, _HAVE_EVENT):
        for m in pattern.finditer(sentence):
            event, when = m.group(1).lower(), m.group(2).strip()
            if event in ("birthday",) or event.split()[0] in _PRONOUNS:
                continue
            pred = f"date of {event}"
            yield Candidate(subject, pred, when, render(subject, pred, when))


def _ended(sentence: str, subject: str, known: Mapping[str, str]) -> Iterable[Candidate]:
    for m in _ENDED.finditer(sentence):
        what = m.group(1).lower()
        predicate = {"live in": "lives in", "work as": "job"}.get(what, "works at")
        value = _place(m.group(2)) if predicate != "job" else _cut(m.group(2))
        value = re.sub(r"^(?:an?|the)\s+", "", value)
        if _ok(value):
            text = f"{who(subject)} no longer: {render(subject, predicate, value)}"
            yield Candidate(subject, predicate, value, text, ended=True)


def _relations(sentence: str, subject: str) -> Iterable[tuple[str, str]]:
    """(relation, name) pairs: "my sister is called Anna", "my friend Tom ...", "Anna is my sister"."""
    for m in _REL_NAMED.finditer(sentence):
        yield m.group(1).lower(), m.group(2)
    for m in _REL_APPOS.finditer(sentence):
        if m.group(2).split()[0] not in ("Is", "Was"):
            yield m.group(1).lower(), m.group(2)
    for m in _NAME_IS_REL.finditer(sentence):
        yield m.group(2).lower(), m.group(1)
    for m in _HAVE_PET.finditer(sentence):
        yield m.group(1).lower(), m.group(2)
    for m in _RENAMED.finditer(sentence):
        yield m.group(1).lower(), m.group(2)


def _about_person(person: str, clause: str) -> Iterable[Candidate]:
    """What a clause says about someone else: 'lives in Rome', 'makes films', 'is a nurse'."""
    clause = clause.strip()
    rules = [
        (r"(?:lives|is living|is based) in (.+)", "lives in", _place),
        (r"(?:has )?(?:just |recently )?moved to (.+)", "lives in", _place),
        (r"(?:works|is working) as (?:an? )?(.+)", "job", _role),
        (r"(?:works|is working) (?:at|for) (.+)", "works at", _place),
        (r"is (?:an? )(" + "|".join(_JOB_WORDS) + r")\b", "job", _cut),
        (r"is allergic to (.+)", "allergy", _cut),
        (r"is (\d{1,3}) years old", "age", _cut),
    ]
    for rule, predicate, clean in rules:
        m = re.match(rule, clause, re.I)
        if m:
            value = clean(m.group(1))
            if _ok(value):
                yield Candidate(person, predicate, value, render(person, predicate, value))
            return
    m = re.match(r"((?:really )?(?:love|like|enjoy|hate)s) (.+)", clause, re.I)
    if m is None:
        m = re.match(r"([a-z]+s) (.+)", clause)  # a present-tense verb: "makes films"
        if m and m.group(1) not in ("is", "was", "has", "says", "thinks", "does", "seems", "always"):
            value = _cut(clause)
            if _ok(value, 8) and len(value.split()) >= 2:
                yield Candidate(person, "does", value, render(person, "does", value))


def _people(sentence: str, subject: str, known: Mapping[str, str]) -> Iterable[Candidate]:
    names: dict[str, str] = {}
    for relation, name in _relations(sentence, subject):
        if not _name_ok(name):
            continue
        names[relation] = name
        pred = relation
        yield Candidate(subject, pred, name, render(subject, pred, name))
        for m in re.finditer(re.escape(name) + r",? (.+)", sentence):
            yield from _about_person(name, m.group(1))
    for m in _REL_CLAUSE.finditer(sentence):
        relation, rest = m.group(1).lower(), m.group(2)
        if relation in names or re.match(r"(?:is|'s|was) (?:called|named)|[A-Z]", rest):
            continue
        person = names.get(relation) or known.get(relation) or f"{whose(subject)} {relation}"
        yield from _about_person(person, rest)
    for m in _PERSON_CLAUSE.finditer(sentence):
        name = m.group(1)
        if _name_ok(name) and name not in names.values():
            yield from _about_person(name, m.group(2))


_PRONOUN_CLAUSE = re.compile(r"(?:^|\b(?:and|but)\s+|,\s*)(?:she|he)('s)? (.+)", re.I)


def _pronouns(sentence: str, last_person: str | None) -> Iterable[Candidate]:
    """'... Anna, and she lives in Rome': she/he is the person just named."""
    if last_person is None:
        return
    for m in _PRONOUN_CLAUSE.finditer(sentence):
        yield from _about_person(last_person, ("is " if m.group(1) else "") + m.group(2))


def rule_candidates(
    text: str, subject: str = USER, known: Mapping[str, str] | None = None
) -> list[Candidate]:
    """Facts stated in ``text`` by ``subject`` (``known`` maps relation -> name: 'my sister')."""
    known = known or {}
    out: list[Candidate] = []
    last_person: str | None = None
    for sentence in _sentences(text):
        if sentence.endswith("?"):
            continue  # questions state nothing
        found: list[Candidate] = []
        for gen in (_ended, _first_person, _opinions, _dates, _people):
            found.extend(gen(sentence, subject, known))
        people = [c.value for c in found if c.subject == subject and c.predicate in _RELATION_SET]
        last_person = people[-1] if people else last_person
        found.extend(_pronouns(sentence, last_person))
        out.extend(found)
    return dedupe(out)


def dedupe(cands: Iterable[Candidate]) -> list[Candidate]:
    seen: set[tuple[str, str, str]] = set()
    out: list[Candidate] = []
    for c in cands:
        key = (c.subject.lower(), c.predicate, c.value.lower())
        if key in seen:
            continue
        seen.add(key)
        out.append(c)
    return out


# -- model extraction (an extra, never trusted on its own) --------------------------------
MODEL_PREDICATES = ["name", "lives in", "job", "works at", "is from", "age", "allergy", "studies", "plays"]
SCHEMA = {
    "type": "object",
    "properties": {
        "facts": {
            "type": "array",
            "maxItems": 3,
            "items": {
                "type": "object",
                "properties": {
                    "subject": {"type": "string", "maxLength": 40},
                    "predicate": {"enum": MODEL_PREDICATES},
                    "value": {"type": "string", "maxLength": 60},
                },
                "required": ["subject", "predicate", "value"],
            },
        }
    },
    "required": ["facts"],
}
_PROMPT = (
    "List facts the speaker states about themselves or people they know. Use subject 'I' for "
    "the speaker. Copy names and values exactly from the text. If there are none, return an "
    "empty list."
)


def grounded(subject: str, value: str, text: str) -> bool:
    """Every word of the value (and any named subject) must literally occur in ``text``."""
    low = text.lower()
    words = re.findall(r"[\w'\-]+", value.lower())
    if not words or not all(re.search(r"\b" + re.escape(w) + r"\b", low) for w in words):
        return False
    return subject == USER or bool(re.search(r"\b" + re.escape(subject.lower()) + r"\b", low))


def plausible(predicate: str, value: str, text: str) -> bool:
    """Reject values of the wrong shape: a person's name as a job, words as an age."""
    if predicate == "age":
        return value.isdigit()
    if predicate in ("job", "studies", "plays", "allergy"):
        names = set(re.findall(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+", text))
        return not any(w in names for w in value.split())
    return True


async def model_candidates(model: ChatModel, text: str, subject: str = USER) -> list[Candidate]:
    """Ask ``model`` for facts in ``text``; keep only grounded ones. Never raises for bad output."""
    messages = [Message("system", _PROMPT), Message("user", text[:2000])]
    try:
        data = await complete_json(model, messages, SCHEMA, Sampling(max_tokens=160, temperature=0.0))
    except BackendError:
        return []
    out: list[Candidate] = []
    items = data.get("facts", []) if isinstance(data, dict) else []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        subj = str(item.get("subject", "")).strip()
        pred, value = str(item.get("predicate", "")), _cut(str(item.get("value", "")))
        subj = subject if subj.lower() in ("i", "me", "user", "speaker", "the speaker", "") else subj
        if pred not in MODEL_PREDICATES or not _ok(value) or not grounded(subj, value, text):
            continue
        if subj != subject and not (re.fullmatch(_NAME, subj) and _name_ok(subj)):
            continue
        if not plausible(pred, value, text):
            continue
        out.append(Candidate(subj, pred, value, render(subj, pred, value)))
    return out
