"""`os1 minds` (personas from writings), `os1 meet` (conversations) and `os1 look` (seeing)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from os1.cli.common import console, fail, interactive, open_home, plain_errors

minds_app = typer.Typer(
    name="minds",
    help="Personas built from someone's writings: create, list, show, ask, remove.",
    no_args_is_help=True,
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print as JSON.")]


def _library(home: Any) -> Any:
    from os1.minds.corpus import library_for

    return library_for(home.path)


@minds_app.command("create")
@plain_errors
def create(
    name: Annotated[str, typer.Argument(help="The persona's name, e.g. 'Alan Watts'.")],
    source: Annotated[Path, typer.Option("--from", help="A folder of their writings.")],
    force: Annotated[bool, typer.Option(help="Replace a persona of that name.")] = False,
) -> None:
    """Build a persona from a folder of writings (txt, md, pdf, docx, epub, html)."""
    from os1.minds.corpus import build_mind

    library = _library(open_home())
    if library.exists(name) and not force:
        raise fail(f"A persona called '{name}' exists; use --force to rebuild it.")
    with console.status(f"Reading {source}..."):
        mind, problems = build_mind(name, source.expanduser())
        library.save(mind)
    for problem in problems:
        console.print(f"[yellow]skipped:[/yellow] {problem}")
    console.print(mind.describe())


@minds_app.command("list")
@plain_errors
def list_minds(json_out: JsonOpt = False) -> None:
    """The personas this home knows."""
    names = _library(open_home()).names()
    if json_out:
        console.print_json(json.dumps(names))
    elif not names:
        console.print("No personas yet; 'os1 minds create NAME --from FOLDER' makes one.")
    else:
        console.print("\n".join(names))


@minds_app.command("show")
@plain_errors
def show(name: str, json_out: JsonOpt = False) -> None:
    """A persona's style, themes, signature phrases and central beliefs."""
    from dataclasses import asdict

    mind = _library(open_home()).load(name)
    if json_out:
        data = asdict(mind.style) | {"name": mind.name, "beliefs": mind.beliefs,
                                     "passages": len(mind.passages)}
        console.print_json(json.dumps(data))
    else:
        console.print(mind.describe())


@minds_app.command("ask")
@plain_errors
def ask(name: str, question: str, json_out: JsonOpt = False) -> None:
    """Ask a persona; it answers in its own words and cites where it wrote them."""
    from os1.minds.speaker import ask as ask_mind

    reply = ask_mind(_library(open_home()).load(name), question)
    if json_out:
        quotes = [{"text": q.text, "citation": q.citation} for q in reply.quotes]
        console.print_json(json.dumps({"persona": reply.persona, "text": reply.text,
                                       "sources": reply.sources, "quotes": quotes,
                                       "on_topic": reply.on_topic}))
    else:
        console.print(reply.render(), markup=False)


@minds_app.command("remove")
@plain_errors
def remove(name: str) -> None:
    """Delete a persona (its source writings are not touched)."""
    _library(open_home()).remove(name)
    console.print(f"Removed {name}.")


@minds_app.command("allow-meet")
@plain_errors
def allow_meet(
    off: Annotated[bool, typer.Option("--off", help="Withdraw the permission.")] = False,
) -> None:
    """Let this OS take part in conversations with other OSes and personas."""
    from os1.minds.meet import set_meet_allowed

    set_meet_allowed(open_home(), not off)
    console.print("Meetings are " + ("not allowed." if off else "allowed."))


def _confirm(question: str) -> bool:
    if not interactive():
        return False  # no one to ask: only a standing permission counts
    return typer.confirm(question, default=False)


@plain_errors
def meet(
    participants: Annotated[list[str], typer.Argument(
        help="Two or more: persona names, 'me' (this OS) or 'home:PATH' (another user's OS).")],
    topic: Annotated[str, typer.Option("--topic", help="What they talk about.")],
    turns: Annotated[int, typer.Option("--turns", help="Lines in all.")] = 6,
    json_out: JsonOpt = False,
) -> None:
    """Let personas and OSes talk; each remembers the conversation."""
    from os1.minds.meet import group, resolve

    home = open_home()
    library = _library(home)
    people = [resolve(p, home, library, topic, _confirm) for p in participants]
    meeting = asyncio.run(group(people, topic, turns))
    if json_out:
        console.print_json(json.dumps(meeting.as_dict()))
    else:
        console.print(meeting.render(), markup=False)


@plain_errors
def look(
    image: Annotated[Path, typer.Argument(help="A picture (PNG, JPEG, GIF, WebP, BMP, TIFF).")],
    note: Annotated[str, typer.Option(help="What it is, for memory: 'the sunset at the beach'.")] = "",
    remember: Annotated[bool, typer.Option(help="Keep what was seen in memory.")] = True,
    offline: Annotated[bool, typer.Option(help="Never send the picture to a model server.")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Describe what os1 sees in a picture, honestly, and remember it."""
    from os1.minds.vision import look as look_at
    from os1.minds.vision import remember_sight

    home = open_home()
    brain = None if offline else home.config.brain
    sight = asyncio.run(look_at(image.expanduser(), brain=brain))
    if remember:
        remember_sight(home, sight, note)
    if json_out:
        console.print_json(json.dumps(sight.as_dict()))
    else:
        console.print(sight.describe(), markup=False)
        if remember:
            console.print(f"[dim]remembered as {sight.memory_id}[/dim]")


def register(app: typer.Typer) -> None:
    app.add_typer(minds_app, name="minds")
    app.command("meet")(meet)
    app.command("look")(look)
