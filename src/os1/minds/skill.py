"""The minds skill: tools (ask a persona, look at a picture) and the intent that invites a
persona into the user's own conversation ("@Orla Venn what is grief?", "what would Orla Venn
say about grief?"). Answers are the persona's quoted words with citations, never model text.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from os1.errors import NotFoundError, Os1Error
from os1.skills.base import Intent, SkillContext, Tool, register

INVITE = re.compile(
    r"^\s*(?:@(?P<at>\w.{2,})|(?i:what would) (?P<who>[A-Z][\w.'-]+(?: [A-Z][\w.'-]+){0,3})"
    r" (?i:say) (?i:about|to) (?P<q2>.+))$"
)


def _home_path(ctx: SkillContext) -> Path:
    home = ctx.extras.get("home")
    return Path(home.path) if home is not None else Path(ctx.config.home)


def ask_persona(ctx: SkillContext, name: str, question: str) -> str:
    from os1.minds.corpus import library_for
    from os1.minds.speaker import ask

    reply = ask(library_for(_home_path(ctx)).load(name), question)
    return f"{reply.persona}: {reply.render()}"


def split_addressee(rest: str, known: list[str]) -> tuple[str, str]:
    """'Orla Venn how do I grieve?' -> ('Orla Venn', 'how do I grieve?'): the longest known
    name it starts with, else its first word."""
    low = rest.lower()
    for name in sorted(known, key=len, reverse=True):
        if low.startswith(name.lower()) and low[len(name) : len(name) + 1] in ("", " ", ":", ","):
            return name, rest[len(name) :].lstrip(" :,")
    first, _, question = rest.partition(" ")
    return first.rstrip(":,"), question.strip()


async def _invite(text: str, m: re.Match[str], ctx: SkillContext) -> str:
    from os1.minds.corpus import library_for

    if m.group("at"):
        name, question = split_addressee(m.group("at"), library_for(_home_path(ctx)).names())
    else:
        name, question = m.group("who").strip(), m.group("q2").strip()
    try:
        return ask_persona(ctx, name, question)
    except NotFoundError:
        return (f"I don't know a persona called {name}. 'os1 minds create {name} --from FOLDER' "
                "builds one from their writings.")
    except Os1Error as exc:
        return exc.message


async def _ask_tool(args: dict[str, Any], ctx: SkillContext) -> str:
    return ask_persona(ctx, str(args.get("name", "")), str(args.get("question", "")))


async def _look_tool(args: dict[str, Any], ctx: SkillContext) -> str:
    from os1.minds.vision import look, remember_sight

    sight = await look(Path(str(args.get("path", ""))).expanduser(), brain=ctx.config.brain)
    home = ctx.extras.get("home")
    if home is not None:
        remember_sight(home, sight, str(args.get("note", "")))
    return sight.describe()


TOOLS = (
    Tool(
        "ask_persona",
        "Ask a persona built from someone's writings; it answers in their words with citations.",
        {"type": "object", "properties": {"name": {"type": "string"},
                                          "question": {"type": "string"}},
         "required": ["name", "question"]},
        side_effects=False,
        run=_ask_tool,
    ),
    Tool(
        "look_at_image",
        "Describe a picture file honestly (colours, light, scene guesses, printed text) and "
        "remember it.",
        {"type": "object", "properties": {"path": {"type": "string"},
                                          "note": {"type": "string"}},
         "required": ["path"]},
        side_effects=False,
        run=_look_tool,
    ),
)


def register_tools(tools: dict[str, Any]) -> None:
    register(tools, *TOOLS)


def register_intents(intents: list[Any]) -> None:
    intents.append(Intent("minds.invite", INVITE, _invite,
                          "Invite a persona into the conversation: '@NAME question'."))


__all__ = ["INVITE", "TOOLS", "ask_persona", "register_intents", "register_tools"]
