"""Other minds and senses: personas built from writings, OS-to-OS meetings, and seeing.

text.py (words, sentences, paragraphs), corpus.py (a persona from a folder of writings:
style profile, themes, signature phrases, a passage index with citations; MindLibrary keeps
them under the home's ``minds/`` folder), speaker.py (answers in the author's own words, each
quote cited), meet.py (two or more personas or users' OSes talking on a topic, with consent;
transcripts go to every participant's memory), vision.py (``look``: an honest description of
an image from colour statistics and OCR, or a multimodal model through an OpenAI-compatible
server when one is configured), skill.py (the tools and intents registered with os1.plugins).
May import os1.errors, os1.db, os1.config, os1.brain, os1.memory, os1.mind, os1.engine.polish,
os1.skills.base and os1.skills.reading.extract; never os1.cli or os1.server.
"""

from __future__ import annotations

from typing import Any


def register_tools(tools: dict[str, Any]) -> None:
    from os1.minds.skill import register_tools as _register

    _register(tools)


def register_intents(intents: list[Any]) -> None:
    from os1.minds.skill import register_intents as _register

    _register(intents)


__all__ = ["register_intents", "register_tools"]
