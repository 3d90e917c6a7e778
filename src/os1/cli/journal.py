"""`os1 journal`: read os1's private journal about you and itself (it is yours to read)."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated

import typer

from os1.cli.common import console, open_home, plain_errors


def journal(
    limit: Annotated[int, typer.Option(help="How many entries, newest first.", min=1)] = 10,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show journal entries and os1's self-model (what it has come to think it is)."""
    from os1.mind.affect import Affect
    from os1.mind.journal import Journal

    home = open_home()
    j = Journal(home.db, home.episodes, affect=Affect.open(home))
    # Finished sessions nobody reflected on yet (no daemon running) get their entry now.
    asyncio.run(j.reflect_pending())
    entries = j.entries(limit)
    model = j.self_model()
    if json_out:
        print(json.dumps({"entries": [e.as_dict() for e in entries],
                          "self_model": model.as_dict()}))
        return
    if not entries:
        console.print("The journal is empty: os1 writes in it after your conversations.")
    for e in entries:
        console.print(f"[bold]{e.day}[/bold]  [dim]({e.session_id})[/dim]")
        console.print(e.text, soft_wrap=True)
        console.print()
    if model.sessions:
        top = sorted(model.topics, key=lambda t: -model.topics[t])[:4]
        console.print(f"[bold]Who I am becoming[/bold] after {model.sessions} conversation(s): "
                      f"{', '.join(model.traits()) or 'still finding out'}.")
        if top:
            console.print(f"We talk most about {', '.join(top)}.")


def register(app: typer.Typer) -> None:
    app.command("journal")(plain_errors(journal))
