"""`os1 proofread FILE`: spelling, grammar and style suggestions, accepted one at a time."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from os1.cli.common import console, interactive, plain_errors

if TYPE_CHECKING:
    from os1.skills.writing.rules import Suggestion


def show_diff(diff: str) -> None:
    from rich.text import Text

    for line in diff.splitlines():
        style = "red" if line.startswith("-") else "green" if line.startswith("+") else (
            "cyan" if line.startswith("@@") else "")
        console.print(Text(line, style=style), soft_wrap=True)


def _ask_terminal(text: str, name: str, total: int) -> Callable[[int, Suggestion], str]:
    from os1.skills.writing.proofread import render_diff

    def ask(i: int, s: Suggestion) -> str:
        console.print(f"\n[bold][{i + 1}/{total}][/bold]")
        show_diff(render_diff(text, s, name))
        while True:
            answer = console.input("Accept? [y]es [n]o [a]ll the rest [q]uit: ").strip().lower()
            if answer[:1] in {"y", "n", "a", "q"}:
                return answer
            console.print("Please answer y, n, a or q.")

    return ask


@plain_errors
def proofread(
    file: Annotated[Path, typer.Argument(help="a text or Markdown file")],
    accept_all: Annotated[bool, typer.Option("--all", help="accept every fix")] = False,
    accept: Annotated[str, typer.Option(help="accept these fixes by number, e.g. 1,3-5")] = "",
    json_out: Annotated[bool, typer.Option("--json", help="print suggestions as JSON; "
                                           "change nothing")] = False,
    style: Annotated[bool, typer.Option(help="include style hints")] = True,
) -> None:
    """Check spelling, grammar and style. Each fix is shown as a diff and asked about
    (y/n/a/q); nothing is written without your yes, and the old file is kept as FILE.bak."""
    from os1.skills.writing import proofread as pr

    text = pr.read_text_file(file)
    found = pr.proofread(text, style=style)
    fixes = [s for s in found if s.fixable]
    if json_out:
        out = [{**s.as_dict(), "number": fixes.index(s) + 1 if s.fixable else None,
                "line": pr.line_of(text, s.start), "diff": pr.render_diff(text, s, file.name)}
               for s in found]
        typer.echo(json.dumps({"file": str(file), "suggestions": out}, indent=2))
        return
    hints = [s for s in found if not s.fixable]
    console.print(f"{file}: {pr.summary(found)}.", markup=False)
    for h in hints:
        show_diff(pr.render_diff(text, h, file.name))
    if accept_all or accept:
        chosen = fixes if accept_all else [fixes[i] for i in pr.parse_choice(accept, len(fixes))]
    elif not fixes:
        return
    elif interactive():
        chosen = pr.review(fixes, _ask_terminal(text, file.name, len(fixes)))
    else:
        for i, s in enumerate(fixes):
            console.print(f"\n[bold][{i + 1}][/bold]")
            show_diff(pr.render_diff(text, s, file.name))
        console.print("\nNothing changed: run this in a terminal to choose, or pass --all or "
                      "--accept 1,3.", markup=False)
        return
    backup = pr.write_accepted(file, text, chosen)
    if backup is None:
        console.print("Nothing changed.")
    else:
        console.print(f"Made {len(chosen)} change(s) to {file}; the old version is in "
                      f"{backup}.", markup=False)


def register(app: typer.Typer) -> None:
    app.command("proofread")(proofread)
