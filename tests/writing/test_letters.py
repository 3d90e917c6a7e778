"""Letters for three fictional clients: grounded only in their history (no invented facts),
in the client's voice (greeting, sign-off, contractions), listing the memories used; and the
errors a user can hit."""

from __future__ import annotations

import re

import pytest
from writing_clients import CLIENTS, OCCASIONS

from os1.errors import InputError, NotFoundError
from os1.skills.writing.compose import history_text
from os1.skills.writing.facts import unsupported
from os1.skills.writing.letters import write_letter
from os1.skills.writing.perspective import pronoun_of, to_letter_voice
from os1.skills.writing.store import LetterStore
from os1.skills.writing.voice import learn_voice, split_letter

PAIRS = list(OCCASIONS.items())


def facts_in(letter: str) -> set[str]:
    """An independent, cruder fact finder than the one under test: every capitalised word
    not starting a sentence, and every number."""
    found = set()
    for sentence in re.split(r"(?<=[.!?,;:])\s+|\n+", letter):
        tokens = re.findall(r"[A-Za-z][\w'’-]*|\d+\w*", sentence)
        for tok in tokens[1:]:
            if tok[0].isupper() and tok not in {"I", "I'm", "I've", "I'd", "I'll"}:
                found.add(re.sub(r"['’]s$", "", tok))
        found.update(t for t in tokens if t[0].isdigit())
    return found


@pytest.mark.parametrize(("pair", "occasion"), PAIRS, ids=[f"{c}->{r}" for (c, r), _ in PAIRS])
async def test_letter_uses_only_facts_from_the_history(desk: LetterStore, pair: tuple[str, str],
                                                       occasion: str) -> None:
    client, recipient = pair
    written = await write_letter(desk, client, recipient, occasion)
    text = written.letter.text
    source = history_text(desk.history(client, recipient), occasion).lower()
    for fact in facts_in(text):
        assert fact.lower() in source, f"{fact!r} is not in {client}'s history"
    assert written.letter.unsupported == []
    assert 2 <= len(written.letter.memories) <= 3
    for m in written.letter.memories:  # each memory used is in the letter, as said to them
        assert m.said in text
        assert m.text in {n.text for n in desk.notes(client, recipient)} or \
            m.source.startswith("letter:")
    assert 90 <= len(text.split()) <= 400
    assert written.quality.score >= 0.7


def test_fact_checker_catches_an_invented_place(desk: LetterStore) -> None:
    source = history_text(desk.history("Roberta Hale", "Chris"), "anniversary")
    assert unsupported("We met in Duluth in 1974.", source) == []
    assert unsupported("We met in Paris in 1968 on a Friday.", source) == [
        "Paris", "1968", "Friday"]


async def test_voice_is_the_clients_own(desk: LetterStore) -> None:
    roberta = (await write_letter(desk, "Roberta Hale", "Chris", "our anniversary")).letter.text
    assert roberta.startswith("My dearest Chris,")
    assert roberta.rstrip().endswith("Forever yours,\nRoberta")
    marcus = (await write_letter(desk, "Marcus Bell", "Leo", "his graduation")).letter.text
    assert marcus.startswith("Leo,") and marcus.rstrip().endswith("Your father,\nDad")
    assert not re.search(r"\b\w+'(m|re|ve|ll|t)\b", marcus)  # Marcus never contracts
    assert "!" not in marcus
    priya = (await write_letter(desk, "Priya Nair", "Lakshmi", "her 90th birthday")).letter
    assert priya.greeting == "Dear Paati," and priya.sign_off == "Hugs and mangoes,"
    assert "90th birthday" in priya.text


async def test_no_past_letters_means_plain_defaults(desk: LetterStore) -> None:
    sam = (await write_letter(desk, "Priya Nair", "Sam", "missing her")).letter
    assert sam.greeting == "Dear Sam,"
    # Priya's sign-off comes from her letters to others
    assert sam.sign_off == "Hugs and mangoes," and sam.signature == "Priya"


async def test_letters_vary_and_are_stored_per_client(desk: LetterStore) -> None:
    first = await write_letter(desk, "Roberta Hale", "Chris", "our anniversary")
    second = await write_letter(desk, "Roberta Hale", "Chris", "his birthday")
    assert {m.text for m in first.letter.memories} != {m.text for m in second.letter.memories}
    mine = desk.letters("Roberta Hale", kind="written")
    assert [x.id for x in mine] == [first.id, second.id]
    assert desk.letters("Marcus Bell", kind="written") == []
    assert desk.letter(first.id).memories == [m.text for m in first.letter.memories]


async def test_empty_history_and_unknown_names_are_clear(store: LetterStore) -> None:
    store.add_client("Ann Lee")
    store.add_recipient("Ann Lee", "Bo", "brother")
    with pytest.raises(InputError, match="nothing in Ann Lee's history with Bo"):
        await write_letter(store, "Ann Lee", "Bo", "birthday")
    with pytest.raises(NotFoundError, match="no client called Zed.*Ann Lee"):
        await write_letter(store, "Zed", "Bo", "birthday")
    with pytest.raises(NotFoundError, match="does not write to anyone called Cy"):
        await write_letter(store, "Ann Lee", "Cy", "birthday")
    store.add_note("Ann Lee", "Bo fixed the roof of the barn in Ohio.", "Bo")
    with pytest.raises(InputError, match="what the letter is for"):
        await write_letter(store, "Ann Lee", "Bo", "   ")
    with pytest.raises(InputError, match="already a client"):
        store.add_client("ann lee")


def test_notes_become_words_to_the_recipient() -> None:
    he = pronoun_of("husband")
    say = to_letter_voice("When Roberta was sick, Chris drove her to chemo every Tuesday.",
                          "Roberta", "Chris", recipient_pronoun=he, client_pronoun="she")
    assert say == "When I was sick, you drove me to chemo every Tuesday."
    assert to_letter_voice("Chris loves the lake and fixes everything himself.", "Roberta",
                           "Chris", recipient_pronoun=he) == \
        "You love the lake and fix everything yourself."
    # a pronoun that belongs to someone else (the daughter) is left alone
    assert to_letter_voice("Chris built a chair for Anna when she was born.", "Roberta",
                           "Chris", recipient_pronoun=he, client_pronoun="she") == \
        "You built a chair for Anna when she was born."


def test_voice_learning_from_letters() -> None:
    letters = CLIENTS[0]["recipients"][0]["letters"]
    voice = learn_voice(letters, [], ["Chris"])
    assert voice.greet("Chris") == "My dearest Chris,"
    assert (voice.sign_off, voice.signature) == ("Forever yours,", "Roberta")
    assert voice.endearments[:1] == ("my love",)
    assert split_letter("Hi Jo,\n\nSee you.\n\nLove, Max") == ("Hi Jo,", ["See you."],
                                                               "Love,", "Max")


@pytest.mark.model
async def test_small_model_only_picks_connecting_phrases(desk: LetterStore) -> None:
    from os1.home import Home
    from os1.skills.writing import templates as T
    from os1.skills.writing.letters import model_chooser

    model = Home.open().model
    calls: list[int] = []

    async def fallback(_context: str, _options: object) -> int:
        calls.append(1)
        return 0

    choose = model_chooser(model, fallback)
    options = T.REFLECTIONS["funny"]
    pick = await choose("You stepped on my feet twice at the dance.", options)
    assert 0 <= pick < len(options)
    written = await write_letter(desk, "Roberta Hale", "Chris", "our anniversary", model=model)
    assert written.letter.unsupported == []
    source = history_text(desk.history("Roberta Hale", "Chris"), "our anniversary").lower()
    assert all(f.lower() in source for f in facts_in(written.letter.text))


async def test_memories_chosen_by_meaning_with_the_embedder(desk: LetterStore) -> None:
    from os1.skills.writing.letters import default_embed

    embed = default_embed()
    if embed is None:
        pytest.skip("the MiniLM embedder package is not installed")
    written = await write_letter(desk, "Roberta Hale", "Chris", "the day we first met",
                                 embed=embed)
    assert "Norshor" in written.letter.memories[0].text  # the meeting, first
