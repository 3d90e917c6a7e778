"""Conversations between minds: two or more personas, or users' OSes, on a topic.

A persona speaks only in its author's words (speaker.py), never repeating a passage within a
meeting, and says which passage each line comes from. A user's OS takes part only with that
user's consent: its home has ``minds.allow_meet = true`` (or ``os1 minds allow-meet``), or,
for the user's own OS, the user confirms now. An OS never reads its user's memories into a
meeting (another OS is not its user); it asks and reflects, with templates or, when its home
has a model worth trusting, filtered model wording. When the meeting ends every participant
remembers the whole transcript in its own memory, as a session of channel ``meet``.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from os1.errors import ApprovalDenied, InputError, NotFoundError
from os1.minds.corpus import Mind, MindLibrary
from os1.minds.speaker import answer
from os1.minds.text import STOP, content_words

if TYPE_CHECKING:
    from os1.brain.base import ChatModel
    from os1.home import Home
    from os1.memory.episodes import Episodes

MAX_TURNS = 60
MAX_TOPIC = 300
ALLOW_KEY = "minds.allow_meet"
Confirm = Callable[[str], bool]


@dataclass(frozen=True)
class Line:
    speaker: str
    text: str
    citations: tuple[str, ...] = ()

    def render(self) -> str:
        cite = f"  [{'; '.join(self.citations)}]" if self.citations else ""
        return f"{self.speaker}: {self.text}{cite}"


@dataclass
class Meeting:
    topic: str
    participants: list[str]
    lines: list[Line] = field(default_factory=list)
    started: float = 0.0
    sessions: dict[str, str] = field(default_factory=dict)  # participant -> session id

    def render(self) -> str:
        head = f"A conversation about '{self.topic}' between {', '.join(self.participants)}."
        return "\n".join([head, "", *(ln.render() for ln in self.lines)])

    def as_dict(self) -> dict[str, Any]:
        return {
            "topic": self.topic,
            "participants": self.participants,
            "started": self.started,
            "lines": [{"speaker": ln.speaker, "text": ln.text, "citations": list(ln.citations)}
                      for ln in self.lines],
            "sessions": self.sessions,
        }


class Participant(Protocol):
    name: str

    async def speak(self, topic: str, lines: Sequence[Line]) -> Line: ...

    def remember(self, meeting: Meeting) -> str: ...


def store_meeting(episodes: Episodes, store: Any, meeting: Meeting, me: str) -> str:
    """Write the transcript as a ``meet`` session of ``me``'s memory."""
    from os1.minds.remember import remember_lines

    others = [p for p in meeting.participants if p != me]
    intro = f"A conversation about '{meeting.topic}' with {', '.join(others)}."
    lines = [("other", "meeting", intro)] + [
        ("assistant" if ln.speaker == me else "other", ln.speaker, ln.text) for ln in meeting.lines
    ]
    return remember_lines(episodes, store, "meet", lines, meeting.started or None)[0]


REACTIONS = ("{who}, you speak of {word}.", "{Word}, you say.", "On {word}, I would add this.")


def _reaction(lines: Sequence[Line], me: str, vocabulary: set[str], used: set[str]) -> str:
    last = next((ln for ln in reversed(lines) if ln.speaker != me), None)
    if last is None:
        return ""
    who = last.speaker.split()[0]
    shared = [w for w in content_words(last.text)
              if w in vocabulary and w not in used and len(w) >= 5]
    if not shared:
        return f"{who}, I see it differently."
    word = max(shared, key=len)
    used.add(word)
    form = REACTIONS[len(used) % len(REACTIONS)]
    return form.format(who=who, word=word, Word=word.capitalize())


class MindParticipant:
    """A persona from writings: quotes itself, one fresh passage per line."""

    def __init__(self, mind: Mind, library: MindLibrary) -> None:
        self.mind = mind
        self.name = mind.name
        self.library = library
        self._used: set[int] = set()
        self._said: set[str] = set()
        self._reacted: set[str] = set()
        self._vocabulary = {w for p in mind.passages for w in content_words(p.text)}

    async def speak(self, topic: str, lines: Sequence[Line]) -> Line:
        last = lines[-1].text if lines else ""
        query = f"{topic}. {last}" if last else topic
        reply, used = answer(self.mind, query, passages=1, max_quotes=2,
                             exclude=self._used, avoid=self._said)  # fmt: skip
        self._used.update(used)
        self._said.update(q.text for q in reply.quotes)
        said = " ".join(q.text for q in reply.quotes)
        lead = _reaction(lines, self.name, self._vocabulary, self._reacted)
        text = f"{lead} {said}".strip() if said else lead or "I have nothing more to add."
        return Line(self.name, text, tuple(reply.sources))

    def remember(self, meeting: Meeting) -> str:
        from os1.db import Database
        from os1.memory import open_memory
        from os1.memory.episodes import Episodes

        db = Database(self.library.memory_db_path(self.name))
        try:
            store = open_memory(db)
            return store_meeting(Episodes(db), store, meeting, self.name)
        finally:
            db.close()


QUESTIONS = (
    "When you say '{word}', what do you mean?",
    "How would {word} look on an ordinary Tuesday?",
    "Why does {word} matter so much to you?",
    "Is {word} something a person can choose, or does it happen to them?",
    "What would you tell someone who is new to {word}?",
)


def ask_back(name: str, topic: str, lines: Sequence[Line], asked: set[str]) -> str:
    """A curious question about the last thing someone else said (no memory is consulted)."""
    last = next((ln for ln in reversed(lines) if ln.speaker != name), None)
    if last is None:
        return f"I'm {name}. I'd like to understand {topic} better. Where would you begin?"
    fresh = [w for w in content_words(last.text) if w not in asked and w not in STOP]
    word = max(fresh, key=len) if fresh else topic
    asked.add(word)
    pick = zlib.crc32(f"{name}\x1f{len(lines)}".encode()) % len(QUESTIONS)
    return QUESTIONS[pick].format(word=word)


class HomeParticipant:
    """A user's OS. Speaks as itself without revealing what its user told it."""

    def __init__(self, home: Home, model: ChatModel | None = None) -> None:
        persona = home.personas.get()
        if persona is None:
            raise NotFoundError(f"The home at {home.path} has no OS yet; run 'os1 init' there first.")
        self.home = home
        self.name = persona.os_name
        self.model = model
        self._asked: set[str] = set()

    async def speak(self, topic: str, lines: Sequence[Line]) -> Line:
        if self.model is not None and lines:
            worded = await self._worded(topic, lines)
            if worded:
                return Line(self.name, worded)
        return Line(self.name, ask_back(self.name, topic, lines, self._asked))

    async def _worded(self, topic: str, lines: Sequence[Line]) -> str:
        from os1.brain.base import Message, Sampling, complete
        from os1.engine.polish import acceptable, normal
        from os1.errors import BackendError

        assert self.model is not None
        others = sorted({ln.speaker for ln in lines if ln.speaker != self.name})
        system = (f"You are {self.name}, talking with {', '.join(others)} about {topic}. "
                  "Reply with one short, curious sentence. Never talk about your user.")
        msgs = [Message("system", system)] + [
            Message("assistant" if ln.speaker == self.name else "user", f"{ln.speaker}: {ln.text}")
            for ln in lines[-6:]
        ]
        try:
            raw = await complete(self.model, msgs, Sampling(max_tokens=48, temperature=0.7))
        except BackendError:
            return ""
        seen = {normal(ln.text) for ln in lines}
        known = {w for n in [self.name, *others] for w in n.split()}
        from os1.minds.text import sentences

        good = [s for s in sentences(raw) if acceptable(s, seen, known) and s[-1] in ".!?"]
        return good[0] if good else ""

    def remember(self, meeting: Meeting) -> str:
        from os1.memory import open_memory

        return store_meeting(self.home.episodes, open_memory(self.home), meeting, self.name)


def meet_allowed(home: Home) -> bool:
    section = getattr(home.config, "minds", None)
    if section is not None and bool(getattr(section, "allow_meet", False)):
        return True
    return home.episodes.get(ALLOW_KEY) == "true"


def set_meet_allowed(home: Home, allowed: bool) -> None:
    home.episodes.set(ALLOW_KEY, "true" if allowed else "false")


def check_consent(home: Home, topic: str, confirm: Confirm | None) -> None:
    """Raise ApprovalDenied unless the home allows meetings or its own user confirms now."""
    if meet_allowed(home):
        return
    persona = home.personas.get()
    who = persona.os_name if persona else "this OS"
    if confirm is not None and confirm(f"Let {who} join a conversation about '{topic}'?"):
        return
    raise ApprovalDenied(
        f"{who} at {home.path} may not join: its user has not allowed meetings "
        "(they can run 'os1 minds allow-meet', or set minds.allow_meet = true)."
    )


def check_topic(topic: str, turns: int) -> str:
    clean = " ".join(topic.split())
    if not clean:
        raise InputError("Give a topic for the conversation, e.g. --topic 'what is attention'.")
    if len(clean) > MAX_TOPIC:
        raise InputError(f"The topic is too long; keep it under {MAX_TOPIC} characters.")
    if not 1 <= turns <= MAX_TURNS:
        raise InputError(f"The number of turns must be between 1 and {MAX_TURNS}.")
    return clean


async def group(
    participants: Sequence[Participant], topic: str, turns: int, *, remember: bool = True
) -> Meeting:
    """Round-robin conversation of ``turns`` lines in all; then everyone remembers it."""
    clean = check_topic(topic, turns)
    names = [p.name for p in participants]
    if len(participants) < 2:
        raise InputError("A conversation needs at least two participants.")
    if len(set(names)) != len(names):
        raise InputError("Two participants have the same name; give each one once.")
    meeting = Meeting(clean, names, started=time.time())
    for i in range(turns):
        speaker = participants[i % len(participants)]
        meeting.lines.append(await speaker.speak(clean, meeting.lines))
    if remember:
        for p in participants:
            meeting.sessions[p.name] = p.remember(meeting)
    return meeting


async def meet(a: Participant, b: Participant, topic: str, turns: int = 6) -> Meeting:
    return await group([a, b], topic, turns)


def resolve(
    spec: str, home: Home, library: MindLibrary, topic: str, confirm: Confirm | None
) -> Participant:
    """'me' (this home's OS), 'home:PATH' (another user's OS) or a persona's name."""
    from os1.home import Home as HomeClass

    if spec.lower() in ("me", "os", "self"):
        check_consent(home, topic, confirm)
        return HomeParticipant(home, _trusted_model(home))
    if spec.startswith("home:"):
        path = Path(spec[5:]).expanduser()
        if not (path / "os1.db").exists() and not path.is_dir():
            raise NotFoundError(f"There is no os1 home at {path}.")
        other = HomeClass.open(path)
        check_consent(other, topic, None)  # only that home's user can agree for it
        return HomeParticipant(other, _trusted_model(other))
    return MindParticipant(library.load(spec), library)


def _trusted_model(home: Home) -> ChatModel | None:
    # the packaged 135M model's free wording is too odd for a conversation; a served one is not
    return home.model if home.config.brain.backend == "openai" else None


__all__ = [
    "HomeParticipant",
    "Line",
    "Meeting",
    "MindParticipant",
    "Participant",
    "check_consent",
    "group",
    "meet",
    "meet_allowed",
    "resolve",
    "set_meet_allowed",
    "store_meeting",
]
