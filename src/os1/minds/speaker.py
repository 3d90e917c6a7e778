"""Answering as a persona: its own words, retrieved and cited, never invented.

Retrieval mixes MiniLM cosine (meaning) with word overlap (the asker's exact terms); the best
sentences of the best passages are quoted verbatim, each followed by a numbered citation,
and the sources are listed. The only words that are not the author's are a short opener
chosen from templates by how close the best passage is (and, when nothing is close, an honest
"I never wrote about that"). No model generates anything here: a 135M model paraphrasing a
philosopher would put words in their mouth.
"""

from __future__ import annotations

import zlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

import numpy as np

from os1.errors import InputError
from os1.minds.corpus import Mind, Passage, Vectors, embed
from os1.minds.text import content_words, sentences

MAX_QUESTION = 2000
CLOSE = 0.45  # cosine above which a passage speaks to the question directly
FAR = 0.30  # below this the persona has not written about it
LEXICAL_WEIGHT = 0.25
MIN_QUOTE_WORDS = 10
QUESTION_WORDS = {"think", "deal", "feel", "tell", "know", "believe", "fix", "best",
                  "want", "need", "important", "good", "bad", "right", "wrong"}

DIRECT = ("", "As I wrote once:", "I have said it before:")
NEAR = ("Not in those words, but I wrote:", "The nearest I came to it:", "Perhaps this:")


@dataclass(frozen=True)
class Quote:
    text: str
    citation: str
    score: float


@dataclass(frozen=True)
class Answer:
    persona: str
    text: str  # the reply with [n] markers
    quotes: list[Quote] = field(default_factory=list)
    on_topic: bool = True

    @property
    def sources(self) -> list[str]:
        out: list[str] = []
        for q in self.quotes:
            if q.citation not in out:
                out.append(q.citation)
        return out

    def render(self) -> str:
        lines = [self.text]
        if self.sources:
            lines.append("")
            lines += [f"[{i}] {c}" for i, c in enumerate(self.sources, 1)]
        return "\n".join(lines)


def _lexical(query_words: set[str], passages: Sequence[Passage]) -> Vectors:
    if not query_words:
        return np.zeros(len(passages), dtype=np.float32)
    scores = [len(query_words & set(content_words(p.text))) / len(query_words) for p in passages]
    return np.asarray(scores, dtype=np.float32)


def rank_passages(
    mind: Mind, query: str, query_vec: Vectors, exclude: Collection[int] = ()
) -> list[tuple[int, float, float]]:
    """(passage index, combined score, cosine), best first."""
    cos = mind.vectors @ query_vec
    lex = _lexical(set(content_words(query)), mind.passages)
    combined = (1 - LEXICAL_WEIGHT) * cos + LEXICAL_WEIGHT * lex
    order = np.argsort(-combined)
    return [(int(i), float(combined[i]), float(cos[i])) for i in order if int(i) not in exclude]


def quote_units(text: str, min_words: int = MIN_QUOTE_WORDS) -> list[str]:
    """Sentences, with short ones joined to the next so a quote keeps its sense."""
    out: list[str] = []
    current: list[str] = []
    for s in sentences(text):
        current.append(s)
        if sum(len(c.split()) for c in current) >= min_words:
            out.append(" ".join(current))
            current = []
    if current:
        if out and sum(len(c.split()) for c in current) < min_words // 2:
            out[-1] += " " + " ".join(current)
        else:
            out.append(" ".join(current))
    return out


def best_sentences(
    passages: Sequence[Passage], query_vec: Vectors, limit: int, avoid: Collection[str] = ()
) -> list[Quote]:
    """The sentences of ``passages`` closest to the question, in the order they were written."""
    found = [(p, u) for p in passages for u in quote_units(p.text) if u not in avoid]
    if not found:
        return []
    vecs = embed([s for _, s in found])
    sims = vecs @ query_vec
    top = sorted(np.argsort(-sims)[:limit].tolist())
    return [Quote(found[i][1], found[i][0].citation, float(sims[i])) for i in top]


def opener(mind: Mind, question: str, closeness: float) -> str:
    pick = zlib.crc32(f"{mind.slug}\x1f{question}".encode())
    if closeness >= CLOSE:
        return DIRECT[pick % len(DIRECT)]
    return NEAR[pick % len(NEAR)]


def compose(quotes: Sequence[Quote], lead: str) -> tuple[str, list[Quote]]:
    """The reply text: the opener, then each quote followed by its source number."""
    sources: list[str] = []
    parts = [lead] if lead else []
    for q in quotes:
        if q.citation not in sources:
            sources.append(q.citation)
        parts.append(f"{q.text} [{sources.index(q.citation) + 1}]")
    return " ".join(parts), list(quotes)


def check_question(question: str) -> str:
    q = " ".join(question.split())
    if not q:
        raise InputError("Ask something: the question is empty.")
    if len(q) > MAX_QUESTION:
        raise InputError(f"The question is too long; keep it under {MAX_QUESTION} characters.")
    return q


def answer(
    mind: Mind,
    question: str,
    *,
    passages: int = 2,
    max_quotes: int = 3,
    exclude: Collection[int] = (),
    avoid: Collection[str] = (),
) -> tuple[Answer, list[int]]:
    """Answer ``question`` in ``mind``'s words. Returns the answer and the passages it used."""
    q = check_question(question)
    qvec = embed([q])[0]
    ranked = rank_passages(mind, q, qvec, exclude)
    if not ranked:
        ranked = rank_passages(mind, q, qvec)  # everything was used already: start again
    best_cos = ranked[0][2]
    used = [i for i, _, _ in ranked[:passages]]
    quotes = best_sentences([mind.passages[i] for i in used], qvec, max_quotes, avoid)
    if best_cos < FAR:
        lead = f"I never wrote about {_subject(q)} as such. What comes closest:"
        text, qs = compose(quotes[:1], lead)
        return Answer(mind.name, text, qs, on_topic=False), used[:1]
    text, qs = compose(quotes, opener(mind, q, best_cos))
    return Answer(mind.name, text, qs), used


def _subject(question: str) -> str:
    cw = [w for w in content_words(question) if w not in QUESTION_WORDS]
    return " ".join(cw[:3]) if cw else "that"


def ask(mind: Mind, question: str) -> Answer:
    return answer(mind, question)[0]


__all__ = ["Answer", "Quote", "answer", "ask", "best_sentences", "check_question", "rank_passages"]
