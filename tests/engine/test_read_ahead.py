"""Reading the next turn's context ahead (Engine(warm=True)) with the real packaged model: a
reply from a template never went through the model, and the history window moves on, so
without it the next generated reply first reads the history again."""

from __future__ import annotations

from pathlib import Path

import pytest

from os1.home import Home
from os1.mind.persona import Persona

from .llama_reads import reads

# persona, greeting, persona, comfort, persona: template replies, the last turns generated
TURNS = ["Tell me about the sea.", "What's your name?", "Good morning!", "Who are you?",
         "I had a terrible day.", "Did you choose your own name?", "What do you like?",
         "Hello there.", "Are you real?"]


async def tokens_read_by_next_turn(home_dir: Path, warm: bool) -> int:
    from os1.engine import open_engine

    home = Home.open(home_dir)
    engine = open_engine(home, Persona(os_name="Wren", user_name="Theodore"), warm=warm)
    for text in TURNS:
        async for _ in engine.turn(text):
            pass
    if warm:
        engine.warming.result(timeout=60)  # the user is still speaking
    with reads(engine.model._llm) as read:  # type: ignore[attr-defined]
        async for _ in engine.turn("I'm happy today, the sun is out."):
            pass
    home.close()
    return read[0][1]


@pytest.mark.model
async def test_the_next_turn_reads_only_the_users_new_words(tmp_path: Path) -> None:
    read_ahead = await tokens_read_by_next_turn(tmp_path / "warm", warm=True)
    cold = await tokens_read_by_next_turn(tmp_path / "cold", warm=False)
    assert read_ahead < 40 < cold, (read_ahead, cold)
