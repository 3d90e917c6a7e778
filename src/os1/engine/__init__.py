"""The conversation engine: one turn = perceive -> recall/plan -> think -> act -> remember -> feel.

May import every os1 package except cli and server. ``open_engine(home)`` wires an Engine
for one user's home; first boot happens there silently if it has not happened yet.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from os1.engine.core import Engine
from os1.engine.plan import Plan

if TYPE_CHECKING:
    from os1.home import Home
    from os1.mind.persona import Persona

__all__ = ["Engine", "Plan", "ensure_persona", "open_engine"]


def ensure_persona(home: Home, user_name: str = "friend") -> Persona:
    """The stored persona, or a silent default first boot (the OS still picks its own name)."""
    from os1.mind.persona import first_boot

    persona = home.personas.get()
    if persona is None:
        persona = asyncio.run(first_boot(home.model, home.personas, user_name=user_name))
    return persona


async def ensure_persona_async(home: Home, user_name: str = "friend") -> Persona:
    from os1.mind.persona import first_boot

    persona = home.personas.get()
    if persona is None:
        persona = await first_boot(home.model, home.personas, user_name=user_name)
    return persona


def open_engine(home: Home, persona: Persona | None = None, *, warm: bool = False) -> Engine:
    """Wire the engine for ``home``. Call ensure_persona first (or pass a persona). ``warm``:
    one user talks to it (chat, voice), so the next turn's context is read ahead (Engine)."""
    persona = persona or home.personas.get()
    if persona is None:
        persona = ensure_persona(home)
    from os1.engine.wiring import build_engine

    return build_engine(home, persona, warm)
