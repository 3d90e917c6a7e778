"""Growth: a private journal os1 writes after each session, and a self-model that changes.

An entry says what os1 learned about the user and about itself. Facts come only from what the
user actually said (pattern templates over their own words), never from the model; the model
may only pick the one "next time I want to..." intention out of a closed list, under a JSON
schema. The self-model is counters (topics, the user's moods, people mentioned, traits os1
leans into) that grow session by session; each entry keeps a snapshot, so the change is
visible. Entries are the user's: ``os1 journal`` shows all of them.
Imports os1.db, os1.brain.base, os1.errors, os1.memory.episodes, os1.mind.affect,
os1.initiative.clock.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from os1.db import Database, new_id
from os1.errors import Os1Error
from os1.initiative.clock import Clock, SystemClock, local
from os1.mind.affect import Affect, appraise
from os1.text import second_person

if TYPE_CHECKING:
    from os1.brain.base import ChatModel
    from os1.memory.episodes import Episodes, Turn

SCHEMA = [
    """
    CREATE TABLE journal_entries (
        id TEXT PRIMARY KEY,
        session_id TEXT NOT NULL UNIQUE,
        ts REAL NOT NULL,
        body TEXT NOT NULL,
        text TEXT NOT NULL
    );
    CREATE TABLE journal_self (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
]

TOPICS: dict[str, tuple[str, ...]] = {
    "work": ("work", "job", "boss", "office", "meeting", "meetings", "deadline", "project",
             "colleague", "colleagues", "career", "client", "clients", "report"),
    "family": ("mom", "mum", "dad", "mother", "father", "sister", "brother", "family", "son",
               "daughter", "parents", "grandma", "grandpa", "aunt", "uncle", "kids"),
    "love": ("girlfriend", "boyfriend", "wife", "husband", "partner", "date", "dating",
             "relationship", "divorce", "marriage", "crush"),
    "friends": ("friend", "friends", "party", "hang", "buddy"),
    "health": ("doctor", "sick", "ill", "health", "gym", "run", "running", "pain", "hospital",
               "headache", "exercise"),
    "sleep": ("sleep", "slept", "insomnia", "nap", "tired", "bed"),
    "money": ("money", "rent", "bills", "salary", "budget", "debt", "pay"),
    "writing": ("write", "writing", "letter", "letters", "novel", "poem", "story", "book"),
    "reading": ("read", "reading", "books", "author"),
    "music": ("music", "song", "songs", "piano", "guitar", "concert", "band", "sing"),
    "travel": ("trip", "travel", "flight", "vacation", "holiday", "beach", "train"),
    "food": ("dinner", "lunch", "breakfast", "cook", "cooking", "restaurant", "food"),
    "games": ("game", "games", "gaming", "play", "played"),
    "nature": ("walk", "park", "hike", "mountains", "garden", "sea", "ocean", "rain"),
}

# The user's mood tags -> the trait os1 leans into when it meets them.
TRAIT_FOR = {
    "sadness": "gentle", "grief": "gentle", "loneliness": "present", "stress": "steadying",
    "anger": "steadying", "tiredness": "gentle", "joy": "playful", "excitement": "playful",
    "pride": "encouraging", "gratitude": "warm", "affection": "warm", "calm": "easy-going",
}

ADJECTIVE = {
    "sadness": "sad", "grief": "grieving", "loneliness": "lonely", "stress": "stressed",
    "anger": "angry", "tiredness": "tired", "joy": "happy", "excitement": "excited",
    "pride": "proud", "gratitude": "grateful", "affection": "affectionate", "calm": "calm",
}

_REL = ("sister|brother|mother|mom|mum|father|dad|wife|husband|partner|friend|boss|daughter|"
        "son|dog|cat|girlfriend|boyfriend")
FACT_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(rf"\b(?i:my) ({_REL})(?:'s name)? is ([A-Z][a-z]+)"), "your {0} is {1}"),
    (re.compile(r"\bI(?:'m| am) (an? [a-z][a-z ]{2,30}[a-z])"), "you are {0}"),
    (re.compile(r"\bI work (as|at|for|in) ([^.,!?;]{2,40})"), "you work {0} {1}"),
    (re.compile(r"\bI live in ([^.,!?;]{2,40})"), "you live in {0}"),
    (re.compile(r"\bI (?:really )?(love|like|enjoy|hate|prefer) ([^.,!?;]{2,40})"),
     "you {0} {1}"),
)
_NOT_NAMES = frozenset((
    "I", "I'm", "I've", "I'll", "I'd", "OK", "Okay", "Hi", "Hello", "Hey", "Thanks", "Thank",
    "Yes", "No", "So", "But", "And", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
    "Saturday", "Sunday", "January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December", "Today", "Tomorrow", "Yesterday", "The", "A",
    "What", "When", "Why", "How", "Where", "Who", "Maybe", "Well", "Oh", "Please", "Good", "Sorry",
))


@dataclass
class Entry:
    id: str
    session_id: str
    ts: float
    day: str
    turns: int
    topics: list[str]
    people: list[str]
    learned_about_user: list[str]
    user_moods: list[str]
    learned_about_self: list[str]
    traits: list[str]
    next_time: str
    text: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class SelfModel:
    sessions: int = 0
    turns: int = 0
    topics: dict[str, int] = field(default_factory=dict)
    user_moods: dict[str, int] = field(default_factory=dict)
    people: dict[str, int] = field(default_factory=dict)
    trait_scores: dict[str, int] = field(default_factory=dict)
    questions_asked: int = 0

    def traits(self, n: int = 3) -> list[str]:
        ranked = sorted(self.trait_scores.items(), key=lambda kv: (-kv[1], kv[0]))
        return [t for t, _ in ranked[:n]]

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["traits"] = self.traits()
        return d


_CLAUSE_END = re.compile(r"\s+(?:and|but|so|because|though|although|which|when)(?:\s.*)?$")


def learned_facts(user_texts: Sequence[str], limit: int = 4) -> list[str]:
    """What the user said about themselves, turned to 'you ...'; their words, not the model's."""
    out: list[str] = []
    for text in user_texts:
        for pattern, template in FACT_PATTERNS:
            for m in pattern.finditer(text):
                parts = (second_person(_CLAUSE_END.sub("", g)) for g in m.groups())
                fact = template.format(*parts)
                if fact not in out:
                    out.append(fact)
    return out[:limit]


def topics_of(texts: Sequence[str]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for text in texts:
        words = set(re.findall(r"[a-z]+", text.lower()))
        for topic, cues in TOPICS.items():
            if words.intersection(cues):
                counts[topic] += 1
    return counts


def people_in(texts: Sequence[str]) -> list[str]:
    """Capitalised words that are not the first of a sentence: likely names (Amy, Paul)."""
    seen: list[str] = []
    for text in texts:
        for sentence in re.split(r"[.!?]\s+|\n", text):
            for word in re.findall(r"[A-Za-z']+", sentence)[1:]:
                if (word[0].isupper() and word[1:].islower() and word not in _NOT_NAMES
                        and word not in seen):
                    seen.append(word)
    return seen


def join_words(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def intentions(topics: Sequence[str], people: Sequence[str], moods: Sequence[str]) -> list[str]:
    """The closed list the model may choose "next time" from; every option is grounded."""
    options = [f"ask how {t} is going" for t in topics[:2]]
    options += [f"ask about {p}" for p in people[:2]]
    if moods:
        options.append("check in on how you are feeling")
    options += ["listen more than I talk", "be a little more playful"]
    return options


class Journal:
    def __init__(
        self,
        db: Database,
        episodes: Episodes,
        *,
        clock: Clock | None = None,
        affect: Affect | None = None,
        model: ChatModel | Callable[[], ChatModel] | None = None,
        facts: Callable[[str], list[str]] | None = None,
    ) -> None:
        """``model`` may be a factory, so a daemon loads the model only when it reflects."""
        self.db = db
        self.episodes = episodes
        self.clock = clock or SystemClock()
        self.affect = affect
        self.model = model
        self.facts = facts  # optional: facts the memory store learned in a session
        db.migrate("journal", SCHEMA)

    # self-model ----------------------------------------------------------------------
    def self_model(self) -> SelfModel:
        rows = self.db.query("SELECT value FROM journal_self WHERE key='model'")
        return SelfModel(**json.loads(rows[0][0])) if rows else SelfModel()

    # entries -------------------------------------------------------------------------
    def entries(self, limit: int = 20) -> list[Entry]:
        rows = self.db.query(
            "SELECT body, text FROM journal_entries ORDER BY ts DESC LIMIT ?", (limit,)
        )
        return [Entry(**{**json.loads(r["body"]), "text": r["text"]}) for r in rows]

    def entry_for(self, session_id: str) -> Entry | None:
        rows = self.db.query(
            "SELECT body, text FROM journal_entries WHERE session_id=?", (session_id,)
        )
        return Entry(**{**json.loads(rows[0]["body"]), "text": rows[0]["text"]}) if rows else None

    async def reflect_pending(self, idle_s: float = 1800.0) -> list[Entry]:
        """Reflect on every session that ended (or went quiet ``idle_s`` ago) without an entry."""
        done = {r[0] for r in self.db.query("SELECT session_id FROM journal_entries")}
        out: list[Entry] = []
        for s in self.episodes.sessions():
            if s["id"] in done:
                continue
            turns = self.episodes.turns(s["id"])
            if not turns:
                continue
            quiet = self.clock.now() - turns[-1].created >= idle_s
            if s["ended"] is not None or quiet:
                entry = await self.reflect(s["id"])
                if entry:
                    out.append(entry)
        return out

    async def reflect(self, session_id: str) -> Entry | None:
        """Write the entry for one session (once: a second call returns the first entry)."""
        existing = self.entry_for(session_id)
        if existing:
            return existing
        turns = self.episodes.turns(session_id)
        user = [t.text for t in turns if t.role == "user"]
        if not user:
            return None
        before = self.self_model()
        entry, after = self._compose(session_id, turns, user, before)
        entry.next_time = await self._choose_intention(
            intentions(entry.topics, entry.people, entry.user_moods), entry
        )
        entry.text = render(entry)
        body = json.dumps({k: v for k, v in entry.as_dict().items() if k != "text"})
        with self.db.transaction() as c:
            cur = c.execute(
                "INSERT OR IGNORE INTO journal_entries VALUES (?, ?, ?, ?, ?)",
                (entry.id, session_id, entry.ts, body, entry.text),
            )
            if cur.rowcount == 1:  # only the writer of the entry grows the self-model
                c.execute(
                    "INSERT INTO journal_self VALUES ('model', ?) "
                    "ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                    (json.dumps(asdict(after)),),
                )
        return self.entry_for(session_id)

    def _compose(
        self, session_id: str, turns: Sequence[Turn], user: list[str], before: SelfModel
    ) -> tuple[Entry, SelfModel]:
        replies = [t.text for t in turns if t.role == "assistant"]
        topics = [t for t, _ in topics_of(user).most_common(3)]
        people = people_in(user)[:4]
        moods = Counter(tag for text in user for tag in appraise(text).tags)
        facts = learned_facts(user)
        if self.facts:
            facts += [f for f in self.facts(session_id) if f not in facts][:4]
        after = SelfModel(**json.loads(json.dumps(asdict(before))))
        after.sessions += 1
        after.turns += len(turns)
        after.questions_asked += sum(r.count("?") for r in replies)
        for bucket, counts in ((after.topics, Counter(topics)), (after.user_moods, moods),
                               (after.people, Counter(people))):
            for k, n in counts.items():
                bucket[k] = bucket.get(k, 0) + n
        for mood, n in moods.items():
            trait = TRAIT_FOR[mood]
            after.trait_scores[trait] = after.trait_scores.get(trait, 0) + n
        if sum(r.count("?") for r in replies) >= 2:
            after.trait_scores["curious"] = after.trait_scores.get("curious", 0) + 1
        about_self = self._about_self(before, after, user, replies, turns)
        ts = self.clock.now()
        entry = Entry(new_id("jn"), session_id, ts, local(self.clock, ts).date().isoformat(),
                      len(turns), topics, people, facts, [m for m, _ in moods.most_common(3)],
                      about_self, after.traits(), "")
        return entry, after

    def _about_self(self, before: SelfModel, after: SelfModel, user: Sequence[str],
                    replies: Sequence[str], turns: Sequence[Turn]) -> list[str]:
        lines: list[str] = []
        new = [t for t in after.traits() if t not in before.traits()]
        if new:
            lines.append(f"I'm leaning into being {join_words(new)} with you.")
        elif after.traits():
            lines.append(f"I'm still {join_words(after.traits())} with you.")
        said = sum(len(r.split()) for r in replies)
        heard = sum(len(u.split()) for u in user)
        if said > 2 * max(heard, 1):
            lines.append("I talked more than I listened.")
        elif replies and heard > 2 * max(said, 1):
            lines.append("I mostly listened, which felt right.")
        if self.affect and turns:
            arc = self.affect.history(turns[0].created)
            arc = [s for s in arc if s.ts <= turns[-1].created + 1]
            if arc and arc[0].mood != arc[-1].mood:
                lines.append(f"I began {arc[0].mood} and ended {arc[-1].mood}.")
        return lines

    async def _choose_intention(self, options: list[str], entry: Entry) -> str:
        fallback = options[0]
        if self.model is None:
            return fallback
        from os1.brain.base import Message, Sampling, complete_json

        try:
            model = self.model() if callable(self.model) else self.model
        except Os1Error:
            return fallback
        schema = {"type": "object", "properties": {"next_time": {"enum": options}},
                  "required": ["next_time"]}
        prompt = (f"You talked with your user about {join_words(entry.topics) or 'small things'}; "
                  f"they seemed {join_words([ADJECTIVE[m] for m in entry.user_moods]) or 'fine'}. "
                  "What do you want to do next time? Answer in JSON.")
        try:
            out = await complete_json(model, [Message("user", prompt)], schema,
                                      Sampling(max_tokens=40, temperature=0.0, seed=7))
        except Os1Error:
            return fallback
        choice = out.get("next_time") if isinstance(out, dict) else None
        return choice if choice in options else fallback


def render(e: Entry) -> str:
    lines = [f"{e.day}. We talked"
             + (f" about {join_words(e.topics)}" if e.topics else "")
             + f" ({e.turns} turns)."]
    if e.people:
        lines.append(f"You mentioned {join_words(e.people)}.")
    if e.learned_about_user:
        lines.append("What I learned about you: " + "; ".join(e.learned_about_user) + ".")
    if e.user_moods:
        lines.append(f"You seemed {join_words([ADJECTIVE.get(m, m) for m in e.user_moods])}.")
    lines.extend(e.learned_about_self)
    if e.next_time:
        lines.append(f"Next time I want to {e.next_time}.")
    return " ".join(lines)
