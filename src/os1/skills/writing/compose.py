"""Writing a letter in a client's voice from a plan: an opening for the occasion, two or three
memories from the relationship's history chosen for the occasion, a closing, and the client's
own sign-off. Sentences around the memories come from :mod:`.templates`; a chooser (seeded
random, or the small model picking among fixed options) only ever picks one of them, so a
fact can only reach the letter from the history. Pure apart from the optional embedder.
Imports os1.errors and this package's modules.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from os1.skills.writing import templates as T
from os1.skills.writing.facts import unsupported
from os1.skills.writing.perspective import pronoun_of, tidy, to_letter_voice
from os1.skills.writing.store import History
from os1.skills.writing.voice import Voice, apply_habits, learn_voice, split_letter

Chooser = Callable[[str, Sequence[str]], Awaitable[int]]
Embed = Callable[[Sequence[str]], Sequence[Sequence[float]]]
STOP = frozenset(
    ["a", "an", "the", "and", "or", "but", "of", "to", "in", "on", "at", "for", "with", "from", "by", "is", "was", "were", "be", "been", "are", "am", "it", "its", "this", "that", "these", "those", "i", "you", "we", "he", "she", "they", "me", "us", "him", "her", "them", "my", "your", "our", "his", "their", "as", "so", "if", "then", "than", "when", "while", "very", "just", "also", "not", "no", "yes", "do", "did", "does", "have", "has", "had", "will", "would", "can", "could", "should", "all", "any", "some", "every", "one", "about", "into", "over", "after", "before", "up", "down", "out"])
MEMORY_CUES = re.compile(r"\b(remember|the day|the night|the time|that summer|that winter|"
                         r"when we|when you|the year|we used to|you used to)\b", re.I)


@dataclass(frozen=True)
class Memory:
    source: str  # note id, or "letter:<id>" for a sentence from a past letter
    text: str  # as written in the history
    said: str  # as the client says it to the recipient
    score: float
    tone: str


@dataclass
class Letter:
    client: str
    recipient: str
    occasion: str
    category: str
    greeting: str
    paragraphs: list[str]
    sign_off: str
    signature: str
    memories: list[Memory]
    voice: Voice
    unsupported: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        tail = "\n".join(x for x in (self.sign_off, self.signature) if x)
        return "\n\n".join([self.greeting, *self.paragraphs, tail]).strip() + "\n"


def words(text: str) -> set[str]:
    out = set()
    for w in re.findall(r"[a-z']+", text.lower()):
        if w in STOP or len(w) < 3:
            continue
        out.add(re.sub(r"(ing|ed|es|s)$", "", w) if len(w) > 5 else w)
    return out


def category_of(occasion: str) -> str:
    low = occasion.lower()
    for name, cues in T.OCCASIONS.items():
        if any(c in low for c in cues):
            return name
    return "general"


def relation_kind(relation: str) -> str:
    low = relation.lower()
    if any(re.search(rf"\b{w}\b", low) for w in T.ROMANTIC):
        return "romantic"
    if any(re.search(rf"\b{w}", low) for w in T.FAMILY):
        return "family"
    return "friend"


def tone_of(text: str) -> str:
    low = text.lower()
    best, hits = "general", 0
    for tone, cues in T.TONES.items():
        n = sum(1 for c in cues if re.search(rf"\b{re.escape(c)}", low))
        if n > hits:
            best, hits = tone, n
    return best


def occasion_phrase(occasion: str, category: str) -> str:
    """'our 50th wedding anniversary' -> '50th wedding anniversary' for 'Happy ...'."""
    text = re.sub(r"^(for |on )?(our|my|your|his|her|their|the)\s+", "", occasion.strip(),
                  flags=re.I).rstrip(".!")
    cue = {"anniversary": "anniversary", "birthday": "birthday"}.get(category)
    if category == "holiday" and len(text.split()) <= 4:
        return text
    if cue and cue in text.lower() and len(text.split()) <= 5:
        return text
    return cue or ""


def candidate_memories(history: History) -> list[tuple[str, str]]:
    """(source, text): the notes, then remembering sentences from past letters to them."""
    found = [(n.id, n.text) for n in history.notes]
    name = history.recipient.name.lower()
    for letter in history.past_letters:
        if letter.recipient.lower() != name:
            continue
        _, lines, _, _ = split_letter(letter.body)
        for sentence in re.split(r"(?<=[.!?])\s+", " ".join(lines)):
            if MEMORY_CUES.search(sentence) and 6 <= len(sentence.split()) <= 45:
                found.append((f"letter:{letter.id}", sentence))
    return found


def rank_memories(history: History, occasion: str, category: str, used: set[str],
                  embed: Embed | None = None) -> list[tuple[str, str, float]]:
    """Candidates scored for the occasion: word overlap with the occasion and its themes,
    meaning (when an embedder is given), specificity; memories used before count less."""
    cands = candidate_memories(history)
    if not cands:
        return []
    want = words(occasion) | words(" ".join(T.OCCASION_THEMES.get(category, ())))
    sims: list[float] = [0.0] * len(cands)
    if embed is not None:
        vecs = embed([occasion or category, *[t for _, t in cands]])
        q = vecs[0]
        sims = [float(sum(a * b for a, b in zip(q, v, strict=True))) for v in vecs[1:]]
    ranked = []
    for (source, text), sim in zip(cands, sims, strict=True):
        w = words(text)
        score = len(w & want) / (1 + len(want) ** 0.5) + 1.5 * sim
        score += 0.1 * min(3, len(re.findall(r"\b[A-Z][a-z]+|\b\d{4}\b", text[1:])))
        score += 0.3 if not source.startswith("letter:") else 0.0
        if text in used or source in used:
            score -= 1.0
        ranked.append((source, text, score))
    ranked.sort(key=lambda r: -r[2])
    return ranked


def pick_memories(ranked: list[tuple[str, str, float]], k: int = 3) -> list[tuple[str, str,
                                                                                  float]]:
    """The best ``k`` that do not repeat each other (shared words < half)."""
    chosen: list[tuple[str, str, float]] = []
    for cand in ranked:
        w = words(cand[1])
        if any(len(w & words(c[1])) > 0.5 * min(len(w), len(words(c[1])) or 1)
               for c in chosen):
            continue
        chosen.append(cand)
        if len(chosen) == k:
            break
    if len(chosen) == 3 and chosen[2][2] < 0.25 * max(chosen[0][2], 0.01):
        chosen.pop()  # a weak third memory dilutes the letter
    return chosen


def seeded_chooser(seed: str) -> Chooser:
    rng = random.Random(int(hashlib.sha256(seed.encode()).hexdigest()[:12], 16))

    async def choose(_context: str, options: Sequence[str]) -> int:
        return rng.randrange(len(options))

    return choose


async def _pick(choose: Chooser, context: str, options: Sequence[str]) -> str:
    i = await choose(context, options)
    return options[i if 0 <= i < len(options) else 0]


def _address(voice: Voice, first_name: str, kind: str) -> str:
    if (voice.endearments and kind != "friend") or (voice.endearments and "friend" in \
            voice.endearments[0]):
        return voice.endearments[0]
    return first_name


def _greeted_name(voice: Voice) -> str:
    """'Paati' when the client's letters open 'Dear Paati,' rather than with the name."""
    if not voice.greeting or "{name}" in voice.greeting:
        return ""
    names = re.findall(r"\b[A-Z][\w'-]*", voice.greeting)
    return names[-1] if len(names) > 1 else ""


def _fill(template: str, address: str, occasion: str, first_name: str) -> str:
    if address == first_name and template.startswith("{address_cap}, "):
        rest = template[len("{address_cap}, "):]  # the greeting already names them
        template = rest[:1].upper() + rest[1:]
    out = template.replace("{address_cap}", address[:1].upper() + address[1:])
    return out.replace("{address}", address).replace("{occasion}", occasion)


def history_text(history: History, occasion: str = "") -> str:
    """Everything the letter may draw facts from."""
    rec, client = history.recipient, history.client
    parts = [client.name, client.profile, rec.name, rec.relation, rec.profile, occasion,
             *(f"{o.name} {o.relation} {o.profile}" for o in history.others),
             *(n.text for n in history.notes), *(x.body for x in history.past_letters),
             *(x.occasion for x in history.past_letters)]
    return "\n".join(p for p in parts if p)


def _voice_for(history: History) -> Voice:
    name = history.recipient.name.lower()
    past = [x for x in history.past_letters if x.kind == "past"]
    to_them = [x.body for x in past if x.recipient.lower() == name]
    others = [x.body for x in past if x.recipient.lower() != name]
    first = history.recipient.name.split()[0]
    return learn_voice(to_them, others, [history.recipient.name, first])


async def _memory_paragraphs(history: History, chosen: list[tuple[str, str, float]],
                             choose: Chooser, aliases: tuple[str, ...] = ()
                             ) -> tuple[list[str], list[Memory]]:
    client, rec = history.client, history.recipient
    rec_pronoun = pronoun_of(rec.relation, rec.profile)
    client_pronoun = pronoun_of("", client.profile)
    paragraphs, memories, said_before = [], [], set()
    for i, (source, text, score) in enumerate(chosen):
        said = to_letter_voice(text, client.name, rec.name, recipient_pronoun=rec_pronoun,
                               client_pronoun=client_pronoun, recipient_aliases=aliases)
        tone = tone_of(text)
        lead_tone = "mine" if said.startswith("I ") and tone in {"care", "general"} else tone
        thought_tone = "mine" if lead_tone == "mine" else tone
        leads = [s for s in T.LEAD_INS[lead_tone] + (T.NEXT_LEAD_INS if i else [])
                 if s not in said_before] or T.NEXT_LEAD_INS
        lead = await _pick(choose, said, leads)
        pool = T.REFLECTIONS[thought_tone] + T.REFLECTIONS["general"]
        thoughts = [s for s in dict.fromkeys(pool) if s not in said_before] or [
            s for group in T.REFLECTIONS.values() for s in group if s not in said_before]
        thought = await _pick(choose, said, thoughts[:3])
        said_before |= {lead, thought}
        paragraphs.append(f"{lead} {said} {thought}")
        memories.append(Memory(source, text, said, round(score, 3), tone))
    return paragraphs, memories


async def compose(history: History, occasion: str, *, chooser: Chooser | None = None,
                  embed: Embed | None = None, used: frozenset[str] = frozenset(),
                  k: int = 3) -> Letter:
    """A letter from ``history`` for ``occasion``; ``unsupported`` lists any fact the check
    could not find in the history (a sentence holding one is left out)."""
    rec, client = history.recipient, history.client
    category = category_of(occasion)
    kind = relation_kind(rec.relation)
    voice = _voice_for(history)
    first = _greeted_name(voice) or rec.name.split()[0]
    choose = chooser or seeded_chooser(
        f"{client.id}|{rec.id}|{occasion}|{len(history.past_letters)}")
    address = _address(voice, first, kind)
    opening = _fill(await _pick(choose, occasion, T.OPENINGS[category]), address,
                    occasion_phrase(occasion, category), first)
    chosen = pick_memories(rank_memories(history, occasion, category, set(used), embed), k)
    alias = _greeted_name(voice)
    middle, memories = await _memory_paragraphs(history, chosen, choose,
                                                (alias,) if alias else ())
    ending = await _pick(choose, occasion, T.CLOSINGS[category])
    said = words(" ".join([opening, *middle, ending]))
    fresh = [o for o in T.RELATION_CLOSINGS[kind] if not words(o) & said]
    closing = f"{ending} {await _pick(choose, occasion, fresh or T.RELATION_CLOSINGS[kind])}"
    paragraphs = [apply_habits(tidy(p), voice) for p in [opening, *middle, closing]]
    letter = Letter(client.name, rec.name, occasion, category, voice.greet(first), paragraphs,
                    voice.sign_off or T.DEFAULT_SIGN_OFF[kind],
                    voice.signature or client.name.split()[0], memories, voice)
    source = history_text(history, occasion)
    letter.unsupported = unsupported(letter.text, source)
    if letter.unsupported:  # never send an invented fact: drop what holds one
        letter.paragraphs = [p for p in letter.paragraphs if not unsupported(p, source)]
    return letter


def describe_memories(letter: Letter) -> list[str]:
    return [f"{m.text}  [{m.source}]" for m in letter.memories]
