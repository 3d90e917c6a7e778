"""Affect: os1's inspectable mood (valence, arousal, a mood word), kept with its history.

Each finished turn is *appraised* by a small lexicon and rules (sadness, joy, stress,
gratitude...), not by the model: the embedded model is too weak to judge feelings, and a
lexicon can say why the mood moved. os1's mood moves toward what the user feels (empathy)
and decays back to its baseline over hours. The mood colours speech through one line in the
system prompt (:meth:`Affect.style_hint`). Imports os1.config, os1.db, os1.events, os1.memory.episodes
(types only) and os1.initiative.clock.
"""

from __future__ import annotations

import asyncio
import math
import re
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Protocol

from os1.config import store_for
from os1.db import Database
from os1.events import Event, MoodChanged
from os1.initiative.clock import Clock, SystemClock, local

if TYPE_CHECKING:
    from os1.memory.episodes import Turn

# tag -> (valence push, arousal push, cues). A cue ending in '*' is a stem ("stress*" matches
# "stressed"); otherwise the word must match exactly, so "fun" never matches "funeral".
LEXICON: dict[str, tuple[float, float, tuple[str, ...]]] = {
    "sadness": (-0.6, -0.15, (
        "sad", "sadly", "unhappy", "depress*", "miserable", "heartbroken", "cry", "cried",
        "crying", "tears", "gloomy", "hopeless", "awful day", "terrible day", "rough day",
        "hard day", "bad day", "feel down", "feeling down", "upset",
    )),
    "grief": (-0.8, -0.1, (
        "died", "passed away", "funeral", "grief", "grieving", "mourn*", "lost my",
    )),
    "loneliness": (-0.5, -0.2, ("lonely", "alone", "isolated", "no one cares")),
    "stress": (-0.45, 0.5, (
        "stress*", "anxious", "anxiety", "overwhelm*", "panic*", "deadline*", "pressure",
        "worried", "worry", "worrying", "nervous", "burnt out", "burned out", "too much",
    )),
    "anger": (-0.55, 0.6, (
        "angry", "furious", "annoyed", "pissed", "hate", "frustrat*", "irritat*", "mad at",
    )),
    "tiredness": (-0.15, -0.45, ("tired", "sleepy", "drained", "worn out", "exhausted")),
    "joy": (0.6, 0.3, (
        "happy", "glad", "great", "wonderful", "amazing", "fantastic", "lovely", "delight*",
        "good day", "fun", "funny", "laugh*", "haha", "yay",
    )),
    "excitement": (0.5, 0.6, ("excited", "can't wait", "cannot wait", "thrilled", "wow")),
    "pride": (0.6, 0.4, (
        "finished", "got the job", "promoted", "promotion", "passed", "won", "nailed",
        "proud", "succeeded", "did it",
    )),
    "gratitude": (0.5, 0.1, ("thank*", "grateful", "appreciate*", "thx")),
    "affection": (0.55, 0.2, ("love", "loved", "adore", "miss you", "hug", "hugs")),
    "calm": (0.3, -0.35, ("relaxed", "calm", "peaceful", "rested", "cozy", "cosy")),
}
NEGATIONS = frozenset(("not", "no", "never", "don't", "dont", "isn't", "isnt", "wasn't",
                       "wasnt", "didn't", "didnt", "hardly", "without", "nothing"))
INTENSIFIERS = frozenset(("very", "so", "really", "extremely", "incredibly", "totally", "super"))
_WORD = re.compile(r"[a-z']+")

BASELINE = (0.2, 0.3)  # valence, arousal: quietly content
HALF_LIFE_S = 6 * 3600.0  # how fast a mood fades back to baseline
EMPATHY = 0.45  # how far one turn's feeling moves os1's own mood
HARD_VALENCE = -0.3  # a user turn this low marks a hard moment

# Mood words on a grid: valence bands (low -> high) x arousal bands (calm, alert, intense).
_V_BANDS = (-0.35, -0.08, 0.15, 0.45)
_A_BANDS = (0.35, 0.62)
WORDS = (
    ("sad", "worried", "distressed"),
    ("wistful", "concerned", "tense"),
    ("calm", "attentive", "restless"),
    ("content", "cheerful", "excited"),
    ("tender", "joyful", "elated"),
)
HINTS = {
    "sad": "You feel sad; speak softly and simply.",
    "worried": "You feel worried for them; be steady and reassuring.",
    "distressed": "You feel shaken; stay gentle and keep it short.",
    "wistful": "You feel a little wistful; be soft and reflective.",
    "concerned": "You feel concerned; ask kindly how they are doing.",
    "tense": "You feel tense; be calm, clear and practical.",
    "calm": "You feel calm; speak evenly.",
    "attentive": "You feel attentive; listen closely and ask a good question.",
    "restless": "You feel restless; keep things moving.",
    "content": "You feel quietly content; speak with easy warmth.",
    "cheerful": "You feel quietly cheerful; let a little lightness show.",
    "excited": "You feel excited; let your enthusiasm show.",
    "tender": "You feel tender and close; be warm.",
    "joyful": "You feel joyful; be bright and playful.",
    "elated": "You feel elated; share the joy.",
}

SCHEMA = [
    """
    CREATE TABLE affect_history (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        ts REAL NOT NULL,
        valence REAL NOT NULL,
        arousal REAL NOT NULL,
        mood TEXT NOT NULL,
        user_valence REAL NOT NULL DEFAULT 0,
        tags TEXT NOT NULL DEFAULT '',
        cause TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX affect_history_ts ON affect_history(ts);
    """,
]


@dataclass(frozen=True)
class Appraisal:
    """The feeling in one text: a push on valence and arousal, and the tags that caused it."""

    valence: float
    arousal: float
    tags: tuple[str, ...]


@dataclass(frozen=True)
class MoodState:
    valence: float  # -1 (unhappy) .. 1 (happy)
    arousal: float  # 0 (still) .. 1 (stirred)
    mood: str
    ts: float
    user_valence: float = 0.0  # how the user's own words felt in the turn that set this
    tags: tuple[str, ...] = ()
    cause: str = ""

    def event(self) -> MoodChanged:
        return MoodChanged(self.mood, round(self.valence, 3), round(self.arousal, 3))

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["tags"] = list(self.tags)
        return d


def _clamp(x: float, lo: float = -1.0, hi: float = 1.0) -> float:
    return max(lo, min(hi, x))


def _matches(words: list[str], at: int, parts: list[str]) -> bool:
    for j, part in enumerate(parts):
        word = words[at + j]
        if part.endswith("*"):
            if not word.startswith(part[:-1]):
                return False
        elif word != part:
            return False
    return True


def _weight(words: list[str], at: int) -> float:
    """A negation just before a cue turns it into a weak opposite; an intensifier boosts it."""
    window = words[max(0, at - 3):at]
    if any(w in NEGATIONS for w in window):
        return -0.4
    if any(w in INTENSIFIERS for w in window):
        return 1.4
    return 1.0


def _index() -> tuple[dict[str, list[tuple[str, list[str]]]], list[tuple[str, list[str]]]]:
    """Cues by exact first word, and the cues whose first word is a stem (checked by prefix)."""
    exact: dict[str, list[tuple[str, list[str]]]] = {}
    stems: list[tuple[str, list[str]]] = []
    for tag, (_, _, cues) in LEXICON.items():
        for cue in cues:
            parts = cue.split()
            if parts[0].endswith("*"):
                stems.append((tag, parts))
            else:
                exact.setdefault(parts[0], []).append((tag, parts))
    return exact, stems


_EXACT, _STEMS = _index()


def appraise(text: str) -> Appraisal:
    words = _WORD.findall(text.lower().replace("’", "'"))
    weights: dict[str, float] = {}
    for at, word in enumerate(words):
        candidates = _EXACT.get(word, []) + [c for c in _STEMS if word.startswith(c[1][0][:-1])]
        for tag, parts in candidates:
            if at + len(parts) <= len(words) and _matches(words, at, parts):
                weights[tag] = max(weights.get(tag, 0.0), _weight(words, at), key=abs)
    dv = da = 0.0
    tags: list[str] = []
    for tag, (v, a, _) in LEXICON.items():  # lexicon order keeps tags stable
        weight = weights.get(tag, 0.0)
        if weight:
            dv, da = dv + v * weight, da + a * weight
            if weight > 0:
                tags.append(tag)
    if text.count("!") >= 2:
        da += 0.15
    return Appraisal(_clamp(dv), _clamp(da), tuple(tags))


def mood_word(valence: float, arousal: float) -> str:
    vi = sum(valence >= b for b in _V_BANDS)
    ai = sum(arousal >= b for b in _A_BANDS)
    return WORDS[vi][ai]


def decay(valence: float, arousal: float, elapsed_s: float) -> tuple[float, float]:
    """Move (valence, arousal) toward the baseline; half of the distance every HALF_LIFE_S."""
    keep = math.pow(0.5, max(0.0, elapsed_s) / HALF_LIFE_S)
    bv, ba = BASELINE
    return bv + (valence - bv) * keep, ba + (arousal - ba) * keep


def row_state(r: Any) -> MoodState:
    """A stored row (SQLite or Postgres, by column name) as a MoodState."""
    tags = tuple(t for t in r["tags"].split(",") if t)
    return MoodState(r["valence"], r["arousal"], r["mood"], r["ts"], r["user_valence"], tags,
                     r["cause"])


class MoodLog(Protocol):
    """Where the mood's history is kept (one user's)."""

    def last(self) -> MoodState | None: ...
    def add(self, state: MoodState) -> None: ...
    def history(self, since: float, limit: int) -> list[MoodState]: ...


class SqliteMoodLog:
    def __init__(self, db: Database) -> None:
        self.db = db
        db.migrate("affect", SCHEMA)

    def last(self) -> MoodState | None:
        rows = self.db.query("SELECT * FROM affect_history ORDER BY ts DESC, id DESC LIMIT 1")
        return row_state(rows[0]) if rows else None

    def add(self, state: MoodState) -> None:
        self.db.execute(
            "INSERT INTO affect_history (ts, valence, arousal, mood, user_valence, tags, cause) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (state.ts, state.valence, state.arousal, state.mood, state.user_valence,
             ",".join(state.tags), state.cause),
        )

    def history(self, since: float, limit: int) -> list[MoodState]:
        rows = self.db.query(
            "SELECT * FROM (SELECT * FROM affect_history WHERE ts>=? ORDER BY ts DESC, id DESC "
            "LIMIT ?) ORDER BY ts, id",
            (since, limit),
        )
        return [row_state(r) for r in rows]


class Affect:
    """The mood store. Use as an engine observer: ``observers=[affect]``,
    ``mood_hint=affect.style_hint``; it yields MoodChanged when the mood word changes."""

    def __init__(self, log: Database | MoodLog, clock: Clock | None = None) -> None:
        self.log: MoodLog = SqliteMoodLog(log) if isinstance(log, Database) else log
        self.clock = clock or SystemClock()

    @classmethod
    def open(cls, home: Any, clock: Clock | None = None) -> Affect:
        """The home's mood: its user's rows in PostgreSQL when the config names a database
        (server.database_url / OS1_DATABASE_URL), else the home's SQLite file."""
        return cls(store_for(home, SqliteMoodLog, "os1.scale.mood:PgMoodLog"), clock)

    def current(self) -> MoodState:
        """The mood now: the last recorded state, faded toward baseline for the time since."""
        now = self.clock.now()
        last = self.log.last()
        if last is None:
            v, a = BASELINE
            return MoodState(v, a, mood_word(v, a), now)
        v, a = decay(last.valence, last.arousal, now - last.ts)
        return MoodState(v, a, mood_word(v, a), now, last.user_valence, last.tags, last.cause)

    def observe_turn(self, user_text: str, reply_text: str = "") -> MoodState | None:
        """Appraise one exchange, record the new state; return it if the mood word changed."""
        before = self.current()
        heard = appraise(user_text)
        said = appraise(reply_text)
        # The user's feeling counts most; what os1 said itself nudges a little.
        push_v = heard.valence + 0.25 * said.valence
        push_a = heard.arousal + 0.25 * said.arousal
        v = _clamp(before.valence + EMPATHY * push_v)
        a = _clamp(before.arousal + EMPATHY * push_a, 0.0, 1.0)
        tags = heard.tags or tuple(f"self:{t}" for t in said.tags)
        cause = ("you sounded " + ", ".join(heard.tags)) if heard.tags else ""
        state = MoodState(v, a, mood_word(v, a), self.clock.now(), heard.valence, tags, cause)
        self.log.add(state)
        return state if state.mood != before.mood else None

    async def after_turn(self, user: Turn, reply: Turn) -> list[Event]:
        """The engine's Observer hook: a MoodChanged event when the mood word changes."""
        # in a worker thread: the event loop serving other conversations never waits on the disk
        changed = await asyncio.to_thread(self.observe_turn, user.text, reply.text)
        return [changed.event()] if changed else []

    def history(self, since: float = 0.0, limit: int = 1000) -> list[MoodState]:
        return self.log.history(since, limit)

    def style_hint(self) -> str:
        return HINTS[self.current().mood]

    def hard_days(self, since: float) -> dict[str, list[str]]:
        """Local dates since ``since`` on which the user sounded low, with what they felt."""
        days: dict[str, list[str]] = {}
        for s in self.history(since):
            if s.user_valence <= HARD_VALENCE:
                day = local(self.clock, s.ts).date().isoformat()
                felt = days.setdefault(day, [])
                felt.extend(t for t in s.tags if t not in felt and not t.startswith("self:"))
        return days
