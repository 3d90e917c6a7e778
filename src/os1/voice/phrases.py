"""Cut a streamed reply into pieces a voice can start speaking before the reply is finished.

The first piece is kept short on purpose (a sentence, or the first clause boundary after a
few words) because its synthesis time is the user's wait; later pieces are whole sentences,
which sound better. Pure functions and one small class; no I/O.
"""

from __future__ import annotations

import re

_ABBREV = frozenset(
    ["mr", "mrs", "ms", "dr", "st", "jr", "sr", "vs", "etc", "e.g", "i.e", "a.m", "p.m",
     "no", "approx", "fig"]
)
_SENTENCE_END = re.compile(r"[.!?…]+[\"')\]]*\s")
_CLAUSE_END = re.compile(r"[,;:—–]\s|\s-\s")


def _is_abbreviation(text: str, end: int) -> bool:
    words = text[:end].rstrip(".!?…\"')] ").split()
    if not words:
        return False
    last = words[-1].lower().strip("(\"'")
    return last in _ABBREV or (len(last) == 1 and last.isalpha()) or last.isdigit()


class PhraseSplitter:
    """Feed text deltas; get back speakable pieces as soon as each is complete."""

    def __init__(self, first_words: int = 4, max_words: int = 28) -> None:
        self.first_words = first_words
        self.max_words = max_words
        self.buffer = ""
        self.emitted = 0

    def _cut(self) -> int:
        """Index to cut the buffer at, or 0 when no piece is complete yet."""
        text = self.buffer
        for m in _SENTENCE_END.finditer(text):
            if text[m.start()] == "." and _is_abbreviation(text, m.start()):
                continue
            return m.end()
        words = len(text.split())
        limit = self.first_words if self.emitted == 0 else self.max_words
        if words > limit:
            for m in _CLAUSE_END.finditer(text):
                if len(text[: m.start()].split()) >= limit:
                    return m.end()
        if words > self.max_words * 2:  # no punctuation at all: cut between words
            spaces = [m.start() for m in re.finditer(r"\s+", text)]
            if len(spaces) > self.max_words:
                return spaces[self.max_words] + 1
        return 0

    def feed(self, delta: str) -> list[str]:
        self.buffer += delta
        pieces = []
        while (cut := self._cut()) > 0:
            piece, self.buffer = self.buffer[:cut].strip(), self.buffer[cut:]
            if piece:
                pieces.append(piece)
                self.emitted += 1
        return pieces

    def flush(self) -> list[str]:
        piece, self.buffer = self.buffer.strip(), ""
        if piece:
            self.emitted += 1
            return [piece]
        return []


def split_text(text: str, first_words: int = 4) -> list[str]:
    """The pieces a whole text would be spoken in (for `os1 say` and tests)."""
    splitter = PhraseSplitter(first_words=first_words)
    return splitter.feed(text + " ") + splitter.flush()
