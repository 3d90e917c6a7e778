"""Answering as a persona: quotes are the author's own sentences, each cited correctly."""

from __future__ import annotations

import re

import pytest

from os1.errors import InputError
from os1.minds.corpus import Mind
from os1.minds.speaker import answer, ask


def _passage_text(mind: Mind, citation: str) -> str:
    return next(p.text for p in mind.passages if p.citation == citation)


@pytest.mark.parametrize(
    ("who", "question", "source"),
    [
        ("venn", "How do I live with grief?", "on-grief.txt"),
        ("venn", "Why is silence important?", "on-silence.txt"),
        ("ashgrove", "What is duty?", "of-duty.txt"),
        ("ashgrove", "What makes a good friendship?", "of-friendship.txt"),
    ],
)
def test_answers_quote_and_cite(
    built_minds: dict[str, Mind], who: str, question: str, source: str
) -> None:
    mind = built_minds[who]
    reply = ask(mind, question)
    assert reply.on_topic
    assert reply.sources and reply.sources[0].startswith(source)
    for q in reply.quotes:
        assert q.text in _passage_text(mind, q.citation)  # verbatim, from the cited passage
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", reply.text)}
    assert markers == set(range(1, len(reply.sources) + 1))
    rendered = reply.render()
    assert f"[1] {reply.sources[0]}" in rendered


def test_off_topic_is_said_honestly(built_minds: dict[str, Mind]) -> None:
    reply = ask(built_minds["venn"], "What is the tax rate on cryptocurrency?")
    assert not reply.on_topic
    assert reply.text.startswith("I never wrote about")
    assert len(reply.quotes) == 1


def test_exclude_gives_fresh_passages(built_minds: dict[str, Mind]) -> None:
    mind = built_minds["ashgrove"]
    first, used = answer(mind, "What is reason?", passages=1)
    second, used2 = answer(mind, "What is reason?", passages=1, exclude=used)
    assert set(used).isdisjoint(used2)
    assert first.sources != second.sources


@pytest.mark.parametrize("question", ["", "   ", "x" * 2001])
def test_bad_questions(built_minds: dict[str, Mind], question: str) -> None:
    with pytest.raises(InputError):
        ask(built_minds["venn"], question)
