"""Inviting a persona into the user's own conversation, and the registered tools."""

from __future__ import annotations

from pathlib import Path

import pytest

from os1.home import Home
from os1.minds import register_intents, register_tools
from os1.minds.corpus import MindLibrary, library_for
from os1.skills.base import match_intent


@pytest.fixture
def home(tmp_path: Path, library: MindLibrary) -> Home:
    h = Home.open(tmp_path / "h")
    target = library_for(h.path)
    for name in library.names():
        target.save(library.load(name))
    return h


@pytest.mark.parametrize(("text", "name"), [
    ("@Orla Venn how do I grieve?", "Orla Venn"),
    ("@Orla Venn: how do I grieve?", "Orla Venn"),
    ("what would Orla Venn say about grief?", "Orla Venn"),
])  # fmt: skip
async def test_invite_persona_into_conversation(home: Home, text: str, name: str) -> None:
    intents: list = []
    register_intents(intents)
    found = match_intent(intents, text)
    assert found is not None
    intent, m = found
    reply = await intent.run(text, m, home.skill_context)
    assert reply.startswith(f"{name}:")
    assert "on-grief.txt, paragraph" in reply


async def test_unknown_persona_and_no_match(home: Home) -> None:
    intents: list = []
    register_intents(intents)
    assert match_intent(intents, "what's on my calendar tomorrow?") is None
    assert match_intent(intents, "what would you say about love?") is None
    assert match_intent(intents, "What would I say about that?") is None
    assert match_intent(intents, "email amy@example.test about dinner") is None
    intent, m = match_intent(intents, "@Socrates what is virtue?") or (None, None)
    assert intent is not None and m is not None
    reply = await intent.run("", m, home.skill_context)
    assert "don't know a persona called Socrates" in reply


async def test_tools(home: Home, images: dict[str, Path]) -> None:
    tools: dict = {}
    register_tools(tools)
    assert not tools["ask_persona"].side_effects
    said = await tools["ask_persona"].run({"name": "Bartholomew Ashgrove",
                                           "question": "What is moderation?"},
                                          home.skill_context)
    assert "of-moderation.txt" in said
    seen = await tools["look_at_image"].run({"path": str(images["meadow"]), "note": "a field"},
                                            home.skill_context)
    assert "green" in seen


def test_loads_through_the_plugin_hook() -> None:
    from os1.plugins import Registry, load_skill

    reg = Registry()
    load_skill(reg, "os1.minds")
    assert reg.problems == []
    assert {"ask_persona", "look_at_image"} <= set(reg.tools)
    assert [i.name for i in reg.intents] == ["minds.invite"]
