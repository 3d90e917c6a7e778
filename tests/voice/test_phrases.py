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
    assert got[0] == (1, "Sure.")


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
