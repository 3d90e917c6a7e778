"""`os1 read PATH...`: take documents into memory with citations; `--ask` looks things up."""

from __future__ import annotations

from typing import Annotated

import typer

from os1.cli._organise import say
from os1.cli.common import open_home, plain_errors


@plain_errors
def read(
    paths: Annotated[list[str] | None, typer.Argument(help="files or folders to read")] = None,
    ask: Annotated[str, typer.Option(help="look something up in what was read")] = "",
    listing: Annotated[bool, typer.Option("--list", help="list the documents read")] = False,
    forget: Annotated[str, typer.Option(help="forget a document (name or path)")] = "",
    vectors: Annotated[bool, typer.Option(help="also index by meaning (slower)")] = True,
    all_vectors: Annotated[bool, typer.Option(help="index long documents by meaning too")] =
        False,
) -> None:
    """Read txt, md, pdf, docx, epub and html files so os1 can answer questions about them,
    citing file and page."""
    from os1.skills.reading.tools import describe, format_hits, read_paths, store_for

    home = open_home()
    if paths:
        done, problems = read_paths(home.db, paths, vectors, all_vectors)
        say(describe(done, problems, vectors))
        if problems and not done:
            raise typer.Exit(2)
    store = store_for(home.db, vectors)
    if forget:
        n = store.forget(forget)
        say(f"Forgot {n} document(s)." if n else f"No document called {forget}.")
    if listing:
        rows = store.documents()
        lines = [f"{r['name']}  ({r['pages']} pages, {r['kind']})  {r['path']}" for r in rows]
        say("\n".join(lines) or "No documents read yet.")
    if ask:
        text = format_hits(store.search(ask))
        say(text or "None of the documents I have read mention that.")
    if not (paths or ask or listing or forget):
        say("Give files to read, or --ask, --list or --forget.")


def register(app: typer.Typer) -> None:
    app.command("read")(read)
