"""Presence: decide what kind of answer a turn needs before anything is generated.

The embedded 135M model cannot be trusted with facts, names or its own identity. So recall
decides what is true and a template states it; identity comes from the stored persona; "I
don't know" is said when memory has nothing relevant, and (with the packaged model) when asked
about the wider world; the model only adds warm wording for small talk and comfort, and that
wording is filtered (see polish.py). Pure functions plus one injected ``recall`` callable; no
I/O of its own.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import numpy as np

from os1.engine.lexicon import STOP, content_words, relations
from os1.engine.plan import Plan
from os1.mind.persona import Persona
from os1.text import FLIPS, second_person


@dataclass(frozen=True)
class Candidate:
    """A memory that may answer the question."""

    id: str
    text: str
    created: float
    kind: str = "turn"
    superseded: bool = False  # a later statement contradicts it


Recall = Callable[[str], Awaitable[Sequence[Candidate]]]
Similarity = Callable[[str, Sequence[str]], Sequence[float]]

PERSONA_Q = re.compile(
    r"\b(your name|who are you|what are you|about yourself|call you|who am i talking|"
    r"why .*name|name yourself|did you choose|are you (a|an|real|alive)|your (voice|mood)|"
    r"how do you feel|what do you like)\b"
)
PERSONAL_Q = re.compile(
    r"\b(my|me|i|i'm|i've|i'd|we|our|remember|told you|mentioned|did i|do i|have i|was i|am i)\b"
)
QUESTION_START = re.compile(
    r"^(who|what|what's|whats|when|where|which|whose|how|why|do|did|does|is|was|are|were|"
    r"have|has|can you remember|remind me|remember)\b"
)
COMFORT = re.compile(
    r"\b(sad|tired|exhausted|lonely|alone|stressed|anxious|worried|scared|afraid|hurt|cry|"
    r"crying|depressed|upset|angry|awful|terrible|horrible|rough|hard day|long day|bad day|"
    r"divorce|divorced|broke up|breakup|break-up|died|passed away|funeral|miss (him|her|them)|"
    r"fired|laid off|sick|ill|papers came|can't sleep|overwhelmed|heartbroken|miserable)\b"
)
GREETING = re.compile(
    r"^(hi|hello|hey|good (morning|evening|afternoon|night)|morning|evening|yo|howdy)\b"
)
ADVICE = re.compile(
    r"\b(should|could|can|shall|might) (i|we)\b|\bhow (do|can|should|would) (i|we)\b|"
    r"\bwhat do you think\b|\bany (ideas|advice|tips)\b"
)
RECALL_HINT = re.compile(
    r"\b(again|remember|remind me|told you|mentioned|last (week|time|month))\b|"
    r"^(who|what|which|where) (was|were) (the|that)\b|"
    r"\b(that|the) (friend|guy|woman|man|girl|boy|place|book|restaurant|movie|film|song)\b"
)
WH_START = re.compile(r"^(who|whose|what|what's|when|where|which|how)\b")
NOW = re.compile(r"\b(now|these days|nowadays|currently|at the moment|any ?more|lately)\b")
NAME_IN_QUESTION = re.compile(r"(?<!^)\b[A-Z][a-z]+\b")
FUNNY = re.compile(r"\b(joke|funny|make me laugh|cheer me up|something silly)\b")
# "What is the capital of France?", "Is it going to rain tomorrow?": about the world, not the
# user nor os1 (a question with "you" in it is put to os1 and is conversation)
WORLD_START = re.compile(r"^(who|whose|what|what's|whats|when|where|which|how|why|is|are|was|"
                         r"were|does|did|will|can|could)\b")
SMALL_TALK_Q = re.compile(r"\bhow are you\b|\bhow('s| is) it going\b|\bwhat'?s (up|new)\b")
TO_OS = re.compile(r"\b(you|your|you're|yours|yourself)\b")
# "Send the photos to my mother", "Can you check if my flight is on time?": something to do
# that no skill's intent took (those are matched before the plan)
REQUEST = re.compile(
    r"^(?:(?:please|ok|okay|so|and|now)\s*,?\s+)?(?:(?:can|could|would|will) you (?:please )?)?"
    r"(?P<verb>set|add|cancel|book|call(?! me\b)|ring|text|send|forward|reply|email|e-mail|"
    r"schedule|move|delete|remove|archive|mark|turn(?= (?:the|it|my|off|on|up|down)\b)|play|"
    r"open|show|find|start|put|tidy|sort|proofread|summari[sz]e|draft|write|order|buy|pay|read|"
    r"check(?! (?:this|that|it) out\b)|make(?! sure\b| me\b| it\b)|tell(?! me\b| us\b))\b"
)


def classify(text: str) -> str:
    low = text.lower().strip()
    if PERSONA_Q.search(low) and not re.search(r"\bmy\b", low):
        return "persona"
    if FUNNY.search(low):
        return "funny"
    if REQUEST.match(low):
        return "request"
    is_question = low.endswith("?") or bool(QUESTION_START.match(low))
    names = [n for n in NAME_IN_QUESTION.findall(text.strip()) if n != "I"]
    # "When is Paul's wedding?", "Which city does Amy live in?": about someone in their life
    # (a name the question is about: "Paul's", "does Amy"; not "the capital of France")
    about = [n for n in names if re.search(rf"\b(?:does|did|do|has|had) {n}\b|\b{n}'s\b", text)]
    names = names if low.startswith(("who", "whose")) else about if WH_START.match(low) else []
    personal = PERSONAL_Q.search(low) or RECALL_HINT.search(low) or names
    if is_question and not GREETING.match(low) and personal:
        if not ADVICE.search(low):
            return "recall"
        if re.search(r"\bmy\b", low):
            return "maybe_recall"  # "how do I take my coffee?" is memory; "how do I fix my bike?" is not
    if FUNNY.search(low):
        return "funny"
    if COMFORT.search(low):
        return "comfort"
    if GREETING.match(low) or SMALL_TALK_Q.search(low):
        return "greeting"
    if is_question and not personal and WORLD_START.match(low) and not TO_OS.search(low):
        return "world"
    return "chat"


def best_sentence(text: str, question: str, sim: Similarity) -> str:
    """The part of a memory that answers: all of a short one (a change is often told in two
    sentences, "X and I broke up. I'm seeing Y now."), else the most similar sentence."""
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if s.strip()]
    if len(sentences) <= 2 and len(text.split()) <= 30:
        return text.strip()
    scores = sim(question, sentences)
    return sentences[int(np.argmax(scores))]


def pick(key: str, options: Sequence[str]) -> str:
    """A stable, varied choice: the same question gets the same wording, others differ."""
    return options[zlib.crc32(key.encode("utf-8")) % len(options)]


def relevant(
    question: str, cands: Sequence[Candidate], sim: Similarity, threshold: float = 0.30
) -> list[tuple[float, Candidate]]:
    """Candidates that really answer ``question``, best first.

    Similarity alone confuses "my brother" with "my sister", so a relation word in the
    question must appear in the memory too; and a weakly similar memory needs a shared
    content word.
    """
    live = [c for c in cands if not c.superseded and c.text.strip()]
    if not live:
        return []
    scores = sim(question, [c.text for c in live])
    q_rel = relations(question)
    q_words = content_words(question)
    out = []
    for score, cand in zip(scores, live, strict=True):
        c_words = content_words(cand.text)
        if q_rel and not (q_rel & (relations(cand.text) | c_words)):
            continue
        overlap = len(q_words & c_words)
        if score >= threshold + 0.22 or (score >= threshold and overlap >= 1):
            # shared words break near-ties: "where did Charles move?" wants the memory about
            # moving, not the one that only names Charles
            out.append((float(score) + 0.03 * min(overlap, 3), cand))
    out.sort(key=lambda sc: (-sc[0], -sc[1].created))
    if len(out) > 1:
        # a state that changed: among near-equal answers the newest is the truth now (and
        # "now", "these days" ask for exactly that, so the window is wider)
        top = out[0][0]
        window = 0.2 if NOW.search(question.lower()) else 0.08
        close = [sc for sc in out if top - sc[0] <= window]
        newest = max(close, key=lambda sc: sc[1].created)
        out.remove(newest)
        out.insert(0, newest)
    return out


DONT_KNOW = (
    "I don't think you've told me that yet, {name}. Will you tell me?",
    "Hmm, I don't know that one, {name}. You haven't mentioned it to me.",
    "I don't know, {name}; that's not something you've told me. I'd like to hear, though.",
)
RECALL = (
    "You told me {fact}.",
    "If I remember right, {fact}.",
    "From what you told me: {fact}.",
)
COMFORT_OPEN = (
    "Oh, {name}, I'm so sorry.",
    "{name}, that sounds really hard.",
    "I'm here, {name}.",
)
COMFORT_CLOSE = (
    "Do you want to tell me about it? I'm listening.",
    "Take your time. I'm right here with you.",
    "You don't have to carry it alone tonight.",
)
GREET = ("Hi, {name}!", "Hey, {name}.", "There you are, {name}.", "Hello, you.")
GREET_CLOSE = (
    "It's good to hear from you. How are you, really?",
    "I was hoping you'd say hello. What's on your mind?",
)
LISTEN = (
    "Tell me more, {name}. I'm listening.",
    "Go on, I'm curious where this is going.",
    "I'm with you. What happened next?",
)
JOKES = (
    "Okay: I tried to write a joke about time travel, but you didn't like it yesterday.",
    "Why don't skeletons fight each other? They don't have the guts.",
    "I'd tell you a joke about construction, but I'm still working on it.",
    "Parallel lines have so much in common. It's a shame they'll never meet.",
    "I told my calendar a joke once. It said it didn't have the time.",
    "What do you call a fake noodle? An impasta. I'm sorry. I'm not sorry.",
    "I'm reading a book about anti-gravity. It's impossible to put down.",
    "Why did the scarecrow win an award? He was outstanding in his field.",
)
NO_WORLD = (
    "I'd only be guessing, {name}: you haven't told me, and the small model I run on here "
    "can't be trusted with facts. Connect a bigger one and I can try (os1 config set "
    "brain.backend openai).",
    "I don't want to make that up, {name}. It's nothing you've told me, and my built-in model "
    "is too small to know things like that; with a bigger model connected (os1 config set "
    "brain.backend openai) I can answer.",
)
CANNOT = (
    "I can't do that from a conversation yet, {name}{hint}.",
    "That's not something I can do from here yet, {name}{hint}.",
)
CAN = ("In a conversation I can tell you what's new in your mail, read and change your calendar, "
       "set reminders and timers, and look up your contacts.")
# where the same thing can be done instead ('os1 --help' lists everything); each starts
# '; os1', which a voice leaves out (os1.voice.tts.speakable): a command is for the screen
_TIDY = "; os1 files tidy FOLDER tidies a folder"
_LETTERS = "; os1 letters writes letters in your voice, and os1 mail draft drafts replies"
REQUEST_HINTS = {
    "proofread": "; os1 proofread FILE checks a document",
    "tidy": _TIDY,
    "sort": _TIDY,
    "reply": "; os1 mail draft writes a reply in your style, and os1 mail send sends it",
    "forward": "; os1 mail send sends mail once you approve",
    "write": _LETTERS,
    "draft": _LETTERS,
    "archive": "; os1 mail cleanup archives newsletters, and os1 rules keeps doing it",
    "mark": "; os1 mail flag marks messages read or flagged",
    "read": "; os1 mail show shows a message, and asking me what's new sums up your mail",
}
PERSONA = (
    "I'm {os}. I chose the name myself, the day we met.",
    "My name is {os}, {name}. I picked it on my first day with you.",
)


def fact_clause(sentence: str) -> str:
    """Reported speech that fits after "You told me ...": keep names capitalised."""
    sentence = re.sub(r"(?i)\bthe user's\b", "my", sentence)  # facts are stored in the third
    sentence = re.sub(r"(?i)\bthe user\b", "I", sentence)  # person; say them like the rest
    clause = second_person(sentence)
    first = clause.split(" ", 1)[0].lower().strip(",.")
    if first in STOP or first in FLIPS.values():
        clause = clause[:1].lower() + clause[1:]
    return re.sub(
        r"([.!?])\s+(you|your)\b", lambda m: f"{m.group(1)} {m.group(2).capitalize()}", clause
    )


async def plan_turn(
    text: str, persona: Persona, recall: Recall | None, sim: Similarity | None,
    capable: bool = False,
) -> Plan:
    """``capable``: the chat model can be trusted with facts about the world and with tools (a
    model the user connected, not the packaged 135M one), so it is let answer those turns."""
    kind = classify(text)
    name = persona.user_name
    if kind == "persona":
        return Plan(
            "persona",
            say=pick(text, PERSONA).format(os=persona.os_name, name=name),
            generate=False,
            reason="identity comes from the stored persona",
        )
    if kind in ("recall", "maybe_recall") and sim is not None:
        hits = relevant(text, await recall(text), sim) if recall is not None else []
        if hits:
            cand = hits[0][1]
            fact = fact_clause(best_sentence(cand.text, text, sim))
            return Plan(
                "recall",
                say=pick(text, RECALL).format(fact=fact),
                generate=False,
                recalled=((cand.id, cand.text),),
                reason="answered from memory",
            )
        if kind == "recall":
            return Plan(
                "dont_know",
                say=pick(text, DONT_KNOW).format(name=name),
                generate=False,
                reason="nothing relevant in memory",
            )
        kind = "chat"  # advice about their own things, nothing remembered: just talk
    if kind == "request" and not capable:
        verb = REQUEST.match(text.lower().strip())
        hint = REQUEST_HINTS.get(verb.group("verb") if verb else "", "")
        return Plan(
            "cannot",
            say=pick(text, CANNOT).format(name=name, hint=hint) + " " + CAN,
            generate=False,
            reason="a request no skill takes; the packaged model would pretend to do it",
        )
    if kind == "world" and not capable:
        return Plan(
            "no_world",
            say=pick(text, NO_WORLD).format(name=name),
            generate=False,
            reason="a question about the world, and the packaged model would make facts up",
        )
    if kind == "funny":
        return Plan(
            "funny",
            say=pick(text + name, JOKES),
            generate=False,
            reason="humour from the repertoire: the small model's own jokes misfire",
        )
    if kind == "comfort":
        return Plan(
            "comfort",
            say=pick(text, COMFORT_OPEN).format(name=name),
            max_tokens=40,
            polish=True,
            fallback=pick(text, COMFORT_CLOSE),
            reason="the user is hurting",
        )
    if kind == "greeting":
        return Plan(
            "greeting",
            say=pick(text, GREET).format(name=name),
            max_tokens=32,
            polish=True,
            fallback=pick(text, GREET_CLOSE),
            reason="small talk",
        )
    return Plan(
        "chat",
        max_tokens=64,
        polish=True,
        fallback=pick(text, LISTEN).format(name=name),
        reason="open conversation",
    )


TONE = {
    "comfort": (
        "I'm so sorry you're going through this.",
        "That sounds really painful, and it makes sense you feel this way.",
        "I'm here with you, and you don't have to face it alone.",
        "Be gentle with yourself tonight; you've been carrying a lot.",
        "Do you want to talk about it?",
    ),
    "greeting": (
        "It's good to hear from you.",
        "How has your day been?",
        "I missed talking with you.",
        "What's on your mind today?",
    ),
}
Judge = Callable[[str, str, str], bool]


def make_judge(sim: Similarity) -> Judge:
    """Keep a generated sentence only if it sounds like the moment calls for: near the
    exemplars for comfort and greetings, on the user's topic for open chat."""

    def judge(kind: str, sentence: str, user_text: str) -> bool:
        if kind in TONE:
            return max(sim(sentence, TONE[kind])) >= 0.42
        return sim(user_text, [sentence])[0] >= 0.2

    return judge
