from collections.abc import AsyncIterator

from os1.engine.polish import acceptable, polished


async def pieces(text: str) -> AsyncIterator[str]:
    for i in range(0, len(text), 3):
        yield text[i : i + 3]


async def collect(text: str, **kw: object) -> list[str]:
    return [s async for s in polished(pieces(text), known_names={"Theodore"}, **kw)]  # type: ignore[arg-type]


async def test_drops_disclaimers_loops_strangers_and_repeats() -> None:
    text = (
        "As an AI language model, I cannot feel. That sounds hard. I think Catherine would agree. "
        "I am here I am here I am here. That sounds hard! You did well today, Theodore. "
        "One more sentence."
    )
    out = await collect(text)
    assert out == [" That sounds hard.", " You did well today, Theodore."]


async def test_avoids_what_was_said_before() -> None:
    out = await collect("I'm so sorry. Tell me more about it.", avoid=["Oh. I'm so sorry."])
    assert out == [" Tell me more about it."]


async def test_missing_space_between_sentences_is_a_break() -> None:
    out = await collect("Somewhere warm?What's your budget? Is 3.5 enough.")
    assert out == [" Somewhere warm?", " What's your budget?"]


def test_acceptable_rules() -> None:
    assert acceptable("What a lovely idea.", set(), set())
    assert not acceptable("User: hi", set(), set())
    assert not acceptable("I don't have feelings like humans do.", set(), set())
    assert not acceptable(" ".join(["word"] * 40) + ".", set(), set())


def test_customer_service_disclaimers_are_dropped() -> None:
    # said by the packaged model in a voice benchmark run; os1 never calls itself a program
    for said in ["I'm sorry for any inconvenience, but as a text-based AI assistant, I don't "
                 "have the capability to delete files.",
                 "As a virtual assistant, I can't do that.",
                 "I don't have the capacity to remember that.",
                 "I'm sorry but I can't."]:
        assert not acceptable(said, set(), set()), said
    for fine in ["I'm sorry you had a hard day.", "My friend bought a digital camera.",
                 "Sorry, I was thinking about the sea."]:
        assert acceptable(fine, set(), set()), fine
