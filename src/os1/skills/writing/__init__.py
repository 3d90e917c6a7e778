"""Writing: proofreading, letters written for clients in their own voice, and the book.

- proofread.py, rules.py, spelling.py: suggestions (spelling, grammar, style) and applying the
  accepted ones to a file atomically with a .bak kept.
- store.py: clients, recipients, notes, past and written letters, books (SQLite).
- compose.py, templates.py, perspective.py, voice.py, facts.py: a letter from a plan, built
  only from the client's history, with every fact checked against it.
- letters.py: the service (write, judge, store, render); quality.py judges letters.
- handwriting.py: a PDF that looks handwritten; book.py, epub.py: the book as PDF and EPUB;
  submit.py: emailing it with a cover letter (only through approvals).
- tools.py: the chat tools. ``register_tools`` adds them; ``letters_worth_a_book`` is what the
  initiative scheduler asks each evening.

May import os1.db, os1.config, os1.errors, os1.brain.base, os1.skills.base, and optionally
os1.memory.embed and os1.skills.mail; never the engine or the CLI.
"""

from __future__ import annotations

from typing import Any


def register_tools(tools: dict[str, Any]) -> None:
    from os1.skills.writing.tools import TOOLS

    for tool in TOOLS:
        tools[tool.name] = tool


def letters_worth_a_book(home: Any) -> dict[str, Any] | None:
    """A proposal (``tool``, ``args``, ``reason``) to compile the book, or None."""
    from os1.skills.writing.book import book_proposal
    from os1.skills.writing.store import LetterStore

    return book_proposal(LetterStore(home.db))
