"""Phrase splitting for streamed speech: a short first piece, whole sentences after."""

from __future__ import annotations

from os1.voice.phrases import PhraseSplitter, split_text
from os1.voice.tts import speakable


def feed_words(splitter: PhraseSplitter, text: str) -> list[tuple[int, str]]:
    """(index of the token that completed it, piece), fed one word at a time like a model."""
    out = []
    for i, word in enumerate(text.split(" ")):
        for piece in splitter.feed(word if i == 0 else " " + word):
            out.append((i, piece))
    return out + [(-1, p) for p in splitter.flush()]


def test_first_piece_ends_at_the_first_clause_after_four_words() -> None:
    text = "Well, I looked at your calendar, and tomorrow is free. Shall I book it?"
    got = feed_words(PhraseSplitter(first_words=4), text)
    assert [p for _, p in got] == [
        "Well, I looked at your calendar,", "and tomorrow is free.", "Shall I book it?",
    ]
    assert got[0][0] == 6  # ready when the word after the comma arrives, long before the end


def test_a_short_sentence_goes_out_at_once() -> None:
    got = feed_words(PhraseSplitter(), "Sure. I can do that for you right now.")
    assert got[0] == (0, "Sure.")  # with its full stop, not when the next word comes


def test_a_whole_sentence_delta_is_spoken_without_waiting_for_more() -> None:
    # the engine hands templates and filtered sentences over whole, with no space after
    s = PhraseSplitter()
    assert s.feed("There you are, Theodore.") == ["There you are, Theodore."]
    assert s.feed(" It's good to hear from you.") == ["It's good to hear from you."]
    assert s.flush() == []


def test_the_first_piece_of_a_long_sentence_is_its_first_clause() -> None:
    s = PhraseSplitter(first_words=4)
    got = s.feed("I'll always remember the time you made a joke, and it was funny!")
    assert got == ["I'll always remember the time you made a joke,", "and it was funny!"]
    # later sentences stay whole
    assert s.feed(" Yes, you were there, and so was I.") == ["Yes, you were there, and so was I."]


def test_a_sentence_end_at_the_end_of_a_delta_is_not_a_number_or_abbreviation() -> None:
    s = PhraseSplitter()
    assert s.feed("It costs 3.") == [] and s.feed("50 with Dr.") == []
    assert s.feed(" Smith.") == ["It costs 3.50 with Dr. Smith."]


def test_a_closing_quote_after_a_spoken_sentence_is_not_spoken_alone() -> None:
    s = PhraseSplitter()
    assert s.feed('She said "see you soon.') == ['She said "see you soon.']
    assert s.feed('"') == [] and s.feed(" Then she left.") == ["Then she left."]
    assert s.flush() == []


def test_abbreviations_and_numbers_do_not_end_sentences() -> None:
    pieces = split_text("Dr. Smith paid 3.50 dollars at 9 a.m. today. Then he left.")
    assert pieces == ["Dr. Smith paid 3.50 dollars at 9 a.m. today.", "Then he left."]


def test_long_run_on_text_is_still_cut() -> None:
    text = " ".join(["word"] * 80)
    pieces = split_text(text)
    assert len(pieces) >= 2 and " ".join(pieces).split() == text.split()


def test_flush_keeps_an_unfinished_tail_and_nothing_is_lost() -> None:
    s = PhraseSplitter()
    assert s.feed("Hello there") == []
    assert s.flush() == ["Hello there"]
    assert s.flush() == []


def test_speakable_drops_markup_and_links() -> None:
    assert speakable("**Bold** see https://example.org/x now") == "Bold see a link now"


def test_speakable_leaves_commands_to_type_for_the_screen() -> None:
    from os1.engine.presence import CANNOT, NO_WORLD, REQUEST_HINTS

    for template in (*NO_WORLD, *CANNOT):
        for hint in REQUEST_HINTS.values():
            said = speakable(template.format(name="Theodore", hint=hint))
            assert "os1 " not in said, said
            assert "Theodore" in said and said.endswith("."), said
    assert speakable("Wren; os1 proofread FILE checks a document.") == "Wren."
    assert speakable("I like os1 a lot.") == "I like os1 a lot."  # a name, not a command
