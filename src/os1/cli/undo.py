"""`os1 undo`: revert the last reversible action (a mail move, archive or flag; other skills
add their own kinds to os1.skills.journal). `--list` shows the journal."""

from __future__ import annotations

from typing import Annotated

import typer

from os1.cli.common import console, open_home, plain_errors


def _say(text: str) -> None:
    console.print(text, markup=False, highlight=False, soft_wrap=True)


@plain_errors
def undo(
    entry: Annotated[str, typer.Argument(help="Journal entry id; default the latest.")] = "",
    list_: Annotated[bool, typer.Option("--list", help="Show what can be undone.")] = False,
) -> None:
    """Undo the last thing os1 did to your mail (or other undoable actions)."""
    import asyncio
    from datetime import datetime

    from os1.skills.journal import UndoJournal

    home = open_home()
    journal = UndoJournal.open(home)
    if list_:
        rows = journal.entries(limit=20)
        if not rows:
            _say("There is nothing to undo.")
        for r in rows:
            when = datetime.fromtimestamp(r["ts"]).strftime("%d %b %H:%M")
            _say(f"{r['id']}  {when}  {r['summary']}")
        return
    _say(asyncio.run(journal.undo(home.skill_context, entry or None)))


def register(app: typer.Typer) -> None:
    app.command("undo")(undo)
