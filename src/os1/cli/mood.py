"""`os1 mood`: how os1 feels now, why, and how its mood moved (a sparkline and a table)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from os1.cli.common import console, open_home, plain_errors

SPARKS = "▁▂▃▄▅▆▇█"


def sparkline(values: list[float], lo: float = -1.0, hi: float = 1.0, width: int = 60) -> str:
    if not values:
        return ""
    step = max(1, len(values) // width + (len(values) % width > 0))
    picked = [sum(values[i:i + step]) / len(values[i:i + step])
              for i in range(0, len(values), step)]
    span = hi - lo
    return "".join(SPARKS[min(7, int((v - lo) / span * 8))] for v in picked)


def mood(
    days: Annotated[int, typer.Option(help="How many days of history to show.", min=1)] = 7,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show os1's current mood and how it has changed."""
    from rich.table import Table

    from os1.initiative.clock import stamp
    from os1.mind.affect import Affect

    home = open_home()
    affect = Affect.open(home)
    now = affect.current()
    history = affect.history(since=now.ts - days * 86400)
    if json_out:
        print(json.dumps({"current": now.as_dict(), "hint": affect.style_hint(),
                          "history": [s.as_dict() for s in history]}))
        return
    console.print(f"[bold]{now.mood}[/bold]  valence {now.valence:+.2f}  "
                  f"arousal {now.arousal:.2f}")
    console.print(f"[dim]{affect.style_hint()}[/dim]")
    if now.cause:
        console.print(f"Last moved because {now.cause}.")
    if not history:
        console.print(f"No mood changes in the last {days} days.")
        return
    console.print(f"valence, last {days} days: {sparkline([s.valence for s in history])}")
    table = Table("when", "mood", "valence", "arousal", "why", box=None)
    for s in history[-12:]:
        table.add_row(stamp(s.ts), s.mood, f"{s.valence:+.2f}", f"{s.arousal:.2f}",
                      s.cause or "-")
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command("mood")(plain_errors(mood))
