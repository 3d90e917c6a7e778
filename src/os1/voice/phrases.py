"""Cut a streamed reply into pieces a voice can start speaking before the reply is finished.

The first piece is kept short on purpose (its first clause of a few words, or its first
sentence, whichever ends sooner) because its synthesis time is the user's wait; later pieces
are whole sentences, which sound better. A sentence that ends exactly where the text so far
ends goes out at once: the engine hands over whole sentences and templates ("There you are,
Theodore.") with no space after them, and waiting for the next delta would mean waiting for
the model. Pure functions and one small class; no I/O.
"""

from __future__ import annotations

import re

_ABBREV = frozenset(
    ["mr", "mrs", "ms", "dr", "st", "jr", "sr", "vs", "etc", "e.g", "i.e", "a.m", "p.m",
     "no", "approx", "fig"]
)
_SENTENCE_END = re.compile(r"[.!?…]+[\"')\]]*(\s|$)")
_CLAUSE_END = re.compile(r"[,;:—–]\s|\s-\s")
_CLOSERS = re.compile(r"^[\"')\]]+(?=\s|$)")


def _is_abbreviation(text: str, end: int) -> bool:
    words = text[:end].rstrip(".!?…\"')] ").split()
    if not words:
        return False
    last = words[-1].lower().strip("(\"'")
    initial = len(last) == 1 and last.isalpha() and last != "i"  # "J. Smith", not "so was I."
    return last in _ABBREV or initial or last.isdigit()


def _speaks(piece: str) -> bool:
    """Whether a voice would say anything for ``piece`` (a lone quote mark says nothing)."""
    return any(ch.isalnum() for ch in piece)


class PhraseSplitter:
    """Feed text deltas; get back speakable pieces as soon as each is complete."""

    def __init__(self, first_words: int = 4, max_words: int = 28) -> None:
        self.first_words = first_words
        self.max_words = max_words
        self.buffer = ""
        self.emitted = 0
        self._cut_at_end = False  # the last cut took everything: a closing quote may follow

    def _sentence_cut(self, text: str) -> int:
        for m in _SENTENCE_END.finditer(text):
            if text[m.start()] == "." and _is_abbreviation(text, m.start()):
                continue
            return m.end()
        return 0

    def _clause_cut(self, text: str, limit: int) -> int:
        if len(text.split()) > limit:
            for m in _CLAUSE_END.finditer(text):
                if len(text[: m.start()].split()) >= limit:
                    return m.end()
        return 0

    def _cut(self) -> int:
        """Index to cut the buffer at, or 0 when no piece is complete yet."""
        text = self.buffer
        sentence = self._sentence_cut(text)
        limit = self.first_words if self.emitted == 0 else self.max_words
        clause = self._clause_cut(text, limit)
        if sentence and clause:
            return min(sentence, clause)
        if sentence or clause:
            return sentence or clause
        words = len(text.split())
        if words > self.max_words * 2:  # no punctuation at all: cut between words
            spaces = [m.start() for m in re.finditer(r"\s+", text)]
            if len(spaces) > self.max_words:
                return spaces[self.max_words] + 1
        return 0

    def feed(self, delta: str) -> list[str]:
        if self._cut_at_end and not self.buffer.strip():
            # a quote or bracket closing the sentence just spoken: nothing to say
            delta = _CLOSERS.sub("", delta)
        self.buffer += delta
        pieces = []
        while (cut := self._cut()) > 0:
            piece, self.buffer = self.buffer[:cut].strip(), self.buffer[cut:]
            self._cut_at_end = not self.buffer
            if _speaks(piece):
                pieces.append(piece)
                self.emitted += 1
        return pieces

    def flush(self) -> list[str]:
        piece, self.buffer = self.buffer.strip(), ""
        if _speaks(piece):
            self.emitted += 1
            return [piece]
        return []


def split_text(text: str, first_words: int = 4) -> list[str]:
    """The pieces a whole text would be spoken in (for `os1 say` and tests)."""
    splitter = PhraseSplitter(first_words=first_words)
    return splitter.feed(text + " ") + splitter.flush()
