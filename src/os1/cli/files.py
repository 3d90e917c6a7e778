"""`os1 files tidy DIR`: plan a tidy (shown as a before/after tree), then apply it only with
approval; 'os1 undo' puts every file back."""

from __future__ import annotations

from typing import Annotated

import typer

from os1.cli._organise import YES, request, say
from os1.cli.common import err_console, open_home, plain_errors

files_app = typer.Typer(help="Tidy folders: group, rename, set duplicates aside; undoable.",
                        no_args_is_help=True)


@files_app.command("tidy")
@plain_errors
def tidy(
    folder: Annotated[str, typer.Argument(help="the folder to tidy")],
    by: Annotated[str, typer.Option("--by", help="kind, date, topic or kind-date")] = "kind",
    rename: Annotated[bool, typer.Option(help="make names consistent")] = True,
    include_hidden: Annotated[bool, typer.Option(help="tidy hidden and system files too")] =
        False,
    top_level: Annotated[bool, typer.Option(help="only the files directly in FOLDER")] = False,
    near: Annotated[bool, typer.Option(help="look for near duplicates in text files")] = True,
    plan_only: Annotated[bool, typer.Option(help="show the plan; do not ask to apply")] = False,
    yes: bool = YES,
) -> None:
    """Show a plan to tidy FOLDER, then apply it if you approve."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from os1.skills.files.render import render_plan
    from os1.skills.files.tools import TidyOptions, build_plan, save_plan

    home = open_home()
    opts = TidyOptions(by, rename, include_hidden, top_level, near)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=err_console, transient=True) as bar:
        scanning = bar.add_task("Scanning", total=None)
        hashing = bar.add_task("Comparing", total=None, visible=False)

        def scanned(n: int) -> None:
            bar.update(scanning, completed=n)

        def compared(n: int) -> None:
            bar.update(hashing, visible=True, completed=n)

        plan, found, payload = build_plan(folder, opts, scanned, compared)
    say(render_plan(plan, found))
    if plan_only or not plan.moves:
        return
    pid = save_plan(home.db, payload)
    result = request(home, "files_tidy", {"plan": pid}, f"os1 files tidy {folder}", yes)
    say(result)


def register(app: typer.Typer) -> None:
    app.add_typer(files_app, name="files")
