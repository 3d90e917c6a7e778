"""`os1 init` (first boot, as in the film) and `os1 persona` (who the OS is)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import asdict
from typing import Annotated, Any

import typer
from rich.prompt import Prompt

from os1.cli.common import console, fail, interactive, open_home, plain_errors


def voices() -> list[str]:
    try:
        from os1.voice import available_voices

        found = list(available_voices())
        return found or ["joe"]
    except ImportError:
        return ["joe", "espeak"]


def run_first_boot(home: Any, user_name: str | None = None, yes: bool = False) -> Any:
    from os1.mind.persona import QUESTIONS, first_boot

    answers: dict[str, str] = {"user_name": user_name or "", "style": "gentle", "wish": ""}
    voice = voices()[0]
    if not yes:
        console.print("[bold]Welcome to os1.[/bold] A few questions, then I'll choose who I am.")
        for key, question in QUESTIONS:
            if key == "user_name" and user_name:
                continue
            answers[key] = Prompt.ask(question, default=answers[key]) or ""
        voice = Prompt.ask("Which voice should I speak with?", choices=voices(), default=voice)
    with console.status("Thinking about who I am..."):
        persona = asyncio.run(
            first_boot(
                home.model,
                home.personas,
                user_name=answers["user_name"] or "friend",
                style=answers["style"],
                wish=answers["wish"],
                voice=voice,
            )
        )
    console.print(
        f"\n[bold]I've chosen a name: {persona.os_name}.[/bold] "
        f"It's good to meet you, {persona.user_name}."
    )
    return persona


@plain_errors
def init(
    user_name: Annotated[str | None, typer.Option(help="Your name (skips that question).")] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Take defaults; ask nothing.")] = False,
    force: Annotated[bool, typer.Option(help="Start over with a new persona.")] = False,
) -> None:
    """First boot: answer a few questions, pick a voice, and the OS chooses its own name."""
    home = open_home()
    existing = home.personas.get()
    if existing and not force:
        console.print(f"Already set up: I'm {existing.os_name}. Use --force to start over.")
        return
    if not yes and not interactive():
        if not user_name:
            raise fail("Not at a terminal, so I can't ask; pass --user-name NAME --yes.")
        yes = True
    run_first_boot(home, user_name, yes)


persona_app = typer.Typer(
    name="persona",
    help="Who the OS is (its self-chosen name, voice and manner); 'create' builds another "
    "persona from someone's writings.",
    invoke_without_command=True,
)


@persona_app.callback()
@plain_errors
def persona(
    ctx: typer.Context,
    json_out: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Show who the OS is: its self-chosen name, voice and manner."""
    if ctx.invoked_subcommand is not None:
        return
    home = open_home()
    p = home.personas.get()
    if p is None:
        raise fail("No persona yet; run 'os1 init' (or just 'os1 chat').")
    if json_out:
        console.print_json(json.dumps(asdict(p)))
        return
    console.print(p.describe())
    console.print(f"[dim]voice: {p.voice} · style: {p.style} · user: {p.user_name}[/dim]")


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    from os1.cli.minds import create

    persona_app.command("create", help="Build a persona from a folder of someone's writings "
                        "(same as 'os1 minds create').")(create)
    app.add_typer(persona_app)
