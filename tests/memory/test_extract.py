"""Rule extraction: what is said becomes (subject, predicate, value); questions state nothing."""

from __future__ import annotations

import pytest

from os1.memory.extract import (
    Candidate,
    first_person,
    grounded,
    model_candidates,
    plausible,
    rule_candidates,
)

CASES = [
    ("My sister is called Anna.", {("user", "sister", "Anna")}),
    ("Anna is my sister.", {("user", "sister", "Anna")}),
    ("My sister is called Anna and she lives in Rome.", {("user", "sister", "Anna"), ("Anna", "lives in", "Rome")}),
    ("I live in Berlin with my wife.", {("user", "lives in", "Berlin")}),
    ("I moved to New York City last year.", {("user", "lives in", "New York City")}),
    ("We just relocated to Porto.", {("user", "lives in", "Porto")}),
    ("My friend Tom makes films.", {("user", "friend", "Tom"), ("Tom", "does", "makes films")}),
    ("I work as a nurse at St Mary's Hospital.", {("user", "job", "nurse"), ("user", "works at", "St Mary's Hospital")}),
    ("I'm a teacher.", {("user", "job", "teacher")}),
    ("I got a new job as a pilot.", {("user", "job", "pilot")}),
    ("I started working at Google last month.", {("user", "works at", "Google")}),
    ("I love jazz and I hate broccoli.", {("user", "opinion of jazz", "likes"), ("user", "opinion of broccoli", "dislikes")}),
    ("I don't like coffee anymore.", {("user", "opinion of coffee", "dislikes")}),
    ("My favourite colour is green.", {("user", "favourite colour", "green")}),
    ("My birthday is on March 3rd.", {("user", "birthday", "March 3rd")}),
    ("I have a dentist appointment on Friday.", {("user", "date of dentist appointment", "Friday")}),
    ("I'm 34 years old.", {("user", "age", "34")}),
    ("I have a dog named Rex.", {("user", "dog", "Rex")}),
    ("We renamed the dog Waffles.", {("user", "dog", "Waffles")}),
    ("My therapist is Dr. Okafor.", {("user", "therapist", "Dr. Okafor")}),
    ("My brother Jonas works as a carpenter in Ghent.", {("user", "brother", "Jonas"), ("Jonas", "job", "carpenter")}),
    ("I grew up in Leeds.", {("user", "is from", "Leeds")}),
    ("My boss Karen is a lawyer.", {("user", "boss", "Karen"), ("Karen", "job", "lawyer")}),
    ("I'm allergic to peanuts.", {("user", "allergy", "peanuts")}),
    ("My name is Sam.", {("user", "name", "Sam")}),
    ("Melanie paints landscapes on weekends.", {("Melanie", "does", "paints landscapes on weekends")}),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_rules(text: str, expected: set[tuple[str, str, str]]) -> None:
    got = {(c.subject, c.predicate, c.value) for c in rule_candidates(text)}
    assert got == expected


@pytest.mark.parametrize(
    "text",
    ["Do you like jazz?", "I like it.", "Hi there, how are you?", "I'm really tired today.", "ok",
     "Where do I live?", "My sister?"],
)  # fmt: skip
def test_nothing_to_extract(text: str) -> None:
    assert rule_candidates(text) == []


def test_known_relation_names_the_person() -> None:
    got = rule_candidates("My sister lives in Rome.", known={"sister": "Anna"})
    assert [(c.subject, c.predicate, c.value) for c in got] == [("Anna", "lives in", "Rome")]
    unknown = rule_candidates("My sister lives in Rome.")
    assert unknown[0].subject == "The user's sister"


def test_ending_a_fact_and_speaker_subjects() -> None:
    ended = rule_candidates("I no longer live in Berlin.")
    assert [(c.predicate, c.value, c.ended) for c in ended] == [("lives in", "Berlin", True)]
    named = rule_candidates("I moved to Oslo.", subject="Caroline")
    assert [(c.subject, c.text) for c in named] == [("Caroline", "Caroline lives in Oslo.")]


def test_first_person_text_for_embedding() -> None:
    dog = Candidate("user", "dog", "Bruno", "The user's dog is Bruno.")
    assert first_person(dog, {}) == "My dog is Bruno."
    job = Candidate("Zoe", "job", "nurse", "Zoe works as a nurse.")
    assert first_person(job, {"Zoe": "partner"}) == "My partner Zoe works as a nurse."
    assert first_person(Candidate("user", "job", "artist", ""), {}) == "I work as an artist."


def test_grounding_rejects_what_the_text_does_not_say() -> None:
    text = "My sister Anna moved to Rome."
    assert grounded("Anna", "Rome", text)
    assert grounded("user", "rome", text)
    assert not grounded("Maria", "Rome", text)  # a name the text never mentions
    assert not grounded("Anna", "Paris", text)
    assert not grounded("Anna", "", text)


def test_values_of_the_wrong_shape_are_rejected() -> None:
    text = "My brother Jonas works as a carpenter in Ghent."
    assert not plausible("job", "Jonas", text)  # what SmolLM2 really answered for this text
    assert plausible("job", "carpenter", text)
    assert not plausible("age", "thirty", "He is thirty.") and plausible("age", "30", "I'm 30.")


@pytest.mark.model
async def test_embedded_model_only_adds_grounded_facts() -> None:
    from os1.brain.embedded import EmbeddedModel
    from os1.config import BrainConfig

    model = EmbeddedModel(BrainConfig())
    text = "My brother Jonas works as a carpenter in Ghent."
    found = await model_candidates(model, text)
    for c in found:  # whatever the small model says, nothing invented survives
        assert grounded(c.subject, c.value, text), c
