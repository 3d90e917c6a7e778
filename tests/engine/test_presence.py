"""Presence planning with the real packaged embedding model (no chat model needed)."""

from collections.abc import Sequence
from pathlib import Path

import pytest

from os1.engine.presence import (
    Candidate,
    classify,
    make_judge,
    plan_turn,
    relevant,
    second_person,
)
from os1.engine.wiring import embed_similarity
from os1.mind.persona import Persona

P = Persona(os_name="Wren", user_name="Theodore")
sim = embed_similarity()


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("What's your name?", "persona"),
        ("who's Amy again?", "recall"),
        ("Where do I live now?", "recall"),
        ("what should I cook tonight?", "chat"),
        ("What is the capital of France?", "world"),
        ("Is it going to rain in Paris tomorrow?", "world"),
        ("What do you think of rain?", "chat"),
        ("How's it going?", "greeting"),
        ("Send the photos to my mother, please.", "request"),
        ("Can you check if my flight is on time?", "request"),
        ("Tell Rachel I'm running late.", "request"),
        ("Tell me a story about the sea.", "chat"),
        ("Call me by my first name from now on.", "chat"),
        ("Turn 3: tell me one more thing about the sea.", "chat"),
        ("Make sure you remember that.", "chat"),
        ("Check this out, I got the job!", "chat"),
        ("tell me a joke", "funny"),
        ("My divorce papers came today.", "comfort"),
        ("Good morning!", "greeting"),
        ("What's my sister's name?", "recall"),
        ("When is Paul's wedding?", "recall"),
        ("Which city does Amy live in?", "recall"),
        ("How do I take my coffee?", "maybe_recall"),
        ("How are you, Amy?", "greeting"),
    ],
)
def test_classify(text: str, kind: str) -> None:
    assert classify(text) == kind


def test_second_person() -> None:
    assert second_person("My friend Amy makes films and I love them.") == (
        "your friend Amy makes films and you love them"
    )
    assert second_person("I'm allergic to peanuts") == "you're allergic to peanuts"
    assert second_person("I was born in Ohio") == "you were born in Ohio"


def recall_of(*cands: Candidate):  # type: ignore[no-untyped-def]
    async def recall(q: str) -> Sequence[Candidate]:
        return list(cands)

    return recall


async def test_recall_states_the_fact_in_reported_speech() -> None:
    mem = recall_of(
        Candidate("t1", "My friend Amy makes documentaries.", 1.0),
        Candidate("t2", "I made pasta for dinner.", 2.0),
    )
    plan = await plan_turn("Who was the friend who makes films?", P, mem, sim)
    assert plan.kind == "recall" and not plan.generate
    assert "your friend Amy makes documentaries" in plan.say
    assert plan.recalled[0][0] == "t1"


async def test_relation_mismatch_is_dont_know() -> None:
    mem = recall_of(Candidate("t1", "My sister is called Ruth.", 1.0))
    plan = await plan_turn("What's my brother's name?", P, mem, sim)
    assert plan.kind == "dont_know" and "Ruth" not in plan.say and "Theodore" in plan.say


async def test_superseded_and_newest_win() -> None:
    old = Candidate("t1", "I live in Boston.", 1.0, superseded=True)
    new = Candidate("t2", "I moved to Denver last month.", 5.0)
    plan = await plan_turn("Where do I live now?", P, recall_of(old, new), sim)
    assert "Denver" in plan.say and "Boston" not in plan.say
    both = relevant(
        "Where do I live now?",
        [Candidate("a", "I live in Boston.", 1.0), Candidate("b", "I live in Denver now.", 9.0)],
        sim,
    )
    assert both[0][1].id == "b"


async def test_synonyms_titles_and_stored_facts_read_naturally() -> None:
    mem = recall_of(
        Candidate("f1", "The user's therapist is Dr. Okafor.", 1.0, kind="fact"),
        Candidate("t1", "My father was a carpenter.", 1.0),
    )
    plan = await plan_turn("Who is my therapist?", P, mem, sim)
    assert plan.say.endswith("your therapist is Dr. Okafor.") and "user" not in plan.say
    plan = await plan_turn("What was my dad's job?", P, mem, sim)
    assert "your father was a carpenter" in plan.say


async def test_advice_about_own_things_uses_memory_only_when_it_knows() -> None:
    mem = recall_of(Candidate("t1", "I drink my coffee black.", 1.0))
    plan = await plan_turn("How do I take my coffee?", P, mem, sim)
    assert plan.kind == "recall" and "black" in plan.say
    plan = await plan_turn("How do I fix my bike?", P, mem, sim)
    assert plan.kind == "chat" and plan.generate


@pytest.mark.parametrize(
    ("text", "kind", "said"),
    [
        # a question about the world: the small model would make the facts up
        ("What is the capital of France?", "no_world", ("Theodore", "brain.backend")),
        # a request no skill takes: the small model would pretend to do it
        ("Proofread the letter to the council.", "cannot", ("os1 proofread FILE", "reminders")),
    ],
)
async def test_the_small_model_does_not_pretend(text: str, kind: str, said: tuple[str, ...]
                                                ) -> None:
    plan = await plan_turn(text, P, None, sim)
    assert plan.kind == kind and not plan.generate
    assert all(words in plan.say for words in said), plan.say
    # a model the user connected knows more and has the tools: it is let answer
    plan = await plan_turn(text, P, None, sim, capable=True)
    assert plan.kind == "chat" and plan.generate


async def test_persona_from_store_not_model() -> None:
    plan = await plan_turn("who are you?", P, None, sim)
    assert "Wren" in plan.say and not plan.generate


async def test_comfort_opens_with_name_and_filters() -> None:
    plan = await plan_turn("I had a terrible day", P, None, sim)
    assert plan.kind == "comfort" and plan.polish and "Theodore" in plan.say and plan.fallback
    judge = make_judge(sim)
    assert judge("comfort", "I'm so sorry, that sounds exhausting.", "terrible day")
    assert not judge("comfort", "The capital of France is Paris.", "terrible day")


async def test_earlier_questions_are_not_memories(os1_home: Path) -> None:
    from os1.engine.wiring import memory_recall
    from os1.memory import open_memory
    from os1.testing import ScriptedModel, temp_home

    home = temp_home(os1_home, ScriptedModel())
    store = open_memory(home)
    store.import_transcript({"speakers": ["Theodore"], "sessions": [{
        "date": "2026-01-01T10:00:00", "turns": [
            {"id": "q1", "speaker": "Theodore", "text": "Can you summarise my unread emails?"},
            {"id": "s1", "speaker": "Theodore", "text": "My unread emails are from Amy."},
        ]}]})  # fmt: skip
    found = {c.id for c in await memory_recall(store)("what about my unread emails?")}
    assert "q1" not in found and "s1" in found
