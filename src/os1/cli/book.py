"""`os1 book`: compile the good letters into a book (PDF + EPUB) and submit it by mail, the
sending only after your approval."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated, Any

import typer

from os1.cli.common import console, interactive, open_home, plain_errors

book_app = typer.Typer(help="The book of letters: compile it, and send it to a publisher.",
                       no_args_is_help=True)


def say(text: str) -> None:
    console.print(text, markup=False, highlight=False, soft_wrap=True)


@book_app.command("status")
@plain_errors
def status() -> None:
    """How many letters are good enough for the book, and whether os1 would propose one."""
    from os1.skills.writing.book import BOOK_MIN_LETTERS, good_letters
    from os1.skills.writing.store import LetterStore

    store = LetterStore(open_home().db)
    n = len(good_letters(store))
    say(f"{n} good letter(s); os1 proposes a book from {BOOK_MIN_LETTERS}.")


@book_app.command("compile")
@plain_errors
def compile_(title: Annotated[str, typer.Option()] = "",
             author: Annotated[str, typer.Option()] = "",
             out: Annotated[Path | None, typer.Option(help="folder for the files")] = None,
             min_score: Annotated[float, typer.Option(help="letters scoring at least this")
                                  ] = 0.7,
             font: Annotated[Path | None, typer.Option(help="a handwriting .ttf/.otf")] = None,
             ) -> None:
    """Make a PDF and an EPUB: title page, contents, one letter a chapter."""
    from rich.progress import Progress

    from os1.skills.writing.book import DEFAULT_TITLE, book_dir, compile_book
    from os1.skills.writing.store import LetterStore

    home = open_home()
    with Progress(console=console, transient=True, disable=not console.is_terminal) as bar:
        tasks: dict[str, Any] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(f"{stage.upper()} chapters", total=total)
            bar.update(tasks[stage], completed=done)

        book = compile_book(LetterStore(home.db), out or book_dir(home.path),
                            title=title or DEFAULT_TITLE, author=author, min_score=min_score,
                            font=font, progress=progress)
    say(f"Compiled “{book.title}” from {book.letters} letters:\n  {book.pdf}\n  {book.epub}")


@book_app.command("submit")
@plain_errors
def submit(address: str, account: Annotated[str, typer.Option(help="mail account")] = "",
           book: Annotated[str, typer.Option(help="book id (default: the latest)")] = "",
           ) -> None:
    """Email the latest book with a cover letter to ADDRESS, once you approve."""
    from os1.skills.writing import register_tools
    from os1.skills.writing.book import latest_book
    from os1.skills.writing.store import LetterStore

    home = open_home()
    found = latest_book(LetterStore(home.db), book)
    args = {"to": address, "book": found.id, **({"account": account} if account else {})}
    actions = home.actions
    if "book_submit" not in actions.tools:
        from os1.initiative.approvals import Actions

        tools: dict[str, Any] = dict(actions.tools)
        register_tools(tools)
        actions = Actions.open(tools, home.skill_context)

    async def confirm(summary: str) -> bool:
        answer = console.input(f"{summary}. Send it? [y/N] ").strip().lower()
        return answer.startswith("y")

    out = asyncio.run(actions.request(
        "book_submit", args, f"You asked to submit “{found.title}” to {address}.",
        origin="cli", confirm=confirm if interactive() else None))
    if out.status == "pending":
        say(f"Waiting for your approval: 'os1 approvals approve {out.approval_id}' sends it.")
    elif out.status == "rejected":
        say("Not sent.")
    elif out.status == "failed":
        raise typer.Exit(_failed(out.result))
    else:
        say(out.result)


def _failed(result: str) -> int:
    console.print(f"os1: {result}", markup=False, style="red")
    return 1


def register(app: typer.Typer) -> None:
    app.add_typer(book_app, name="book")
