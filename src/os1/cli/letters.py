"""`os1 letters`: the letters desk. Clients, the people they write to, their history (notes
and past letters), and heartfelt letters written from it, as text and handwritten PDF."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from os1.cli.common import console, open_home, plain_errors

letters_app = typer.Typer(help="Write letters for clients, in their voice, from their history.",
                          invoke_without_command=True, no_args_is_help=False)


def say(text: str) -> None:
    console.print(text, markup=False, highlight=False, soft_wrap=True)


def _store() -> tuple[Any, Any]:
    from os1.skills.writing.store import LetterStore

    home = open_home()
    return home, LetterStore(home.db)


@letters_app.callback()
def letters_root(ctx: typer.Context) -> None:
    """With no command: list the clients."""
    if ctx.invoked_subcommand is None:
        clients()


@letters_app.command("clients")
@plain_errors
def clients() -> None:
    """List clients and the people they write to."""
    _, store = _store()
    rows = store.clients()
    if not rows:
        say("No clients yet. Add one: os1 letters add-client NAME --profile TEXT")
    for c in rows:
        people = ", ".join(f"{r.name} ({r.relation})" if r.relation else r.name
                           for r in store.recipients(c.name))
        n = len(store.letters(c.name))
        say(f"{c.name}: writes to {people or 'nobody yet'}; {n} letter(s).")


@letters_app.command("add-client")
@plain_errors
def add_client(name: str, profile: Annotated[str, typer.Option(help="who they are")] = "") -> None:
    """Add a client."""
    _, store = _store()
    say(f"Added client {store.add_client(name, profile).name}.")


@letters_app.command("add-recipient")
@plain_errors
def add_recipient(client: str, name: str,
                  relation: Annotated[str, typer.Option(help="e.g. husband, old friend")] = "",
                  profile: Annotated[str, typer.Option(help="who they are")] = "") -> None:
    """Add someone a client writes to."""
    _, store = _store()
    r = store.add_recipient(client, name, relation, profile)
    say(f"{client} now writes to {r.name}.")


@letters_app.command("note")
@plain_errors
def note(client: str, text: str,
         to: Annotated[str, typer.Option(help="the recipient this memory is about")] = "") -> None:
    """Add a memory or fact to a relationship's history, as the client told it."""
    _, store = _store()
    store.add_note(client, text, to or None)
    say("Noted.")


@letters_app.command("import")
@plain_errors
def import_letters(client: str, recipient: str,
                   files: Annotated[list[Path], typer.Argument(help="text files, one letter each")]
                   ) -> None:
    """Import past letters (one per file) so os1 learns the client's voice and history."""
    from os1.skills.writing.proofread import read_text_file

    _, store = _store()
    store.recipient(client, recipient)
    for f in files:
        store.add_letter(client, recipient, read_text_file(f), kind="past")
    say(f"Imported {len(files)} letter(s) from {client} to {recipient}.")


@letters_app.command("show")
@plain_errors
def show(client: str) -> None:
    """A client's profile, people, notes and letters."""
    _, store = _store()
    c = store.client(client)
    say(f"{c.name}: {c.profile or '(no profile)'}")
    for r in store.recipients(c.name):
        say(f"\n{r.name} ({r.relation or 'relation not given'}) {r.profile}".rstrip())
        for n in store.notes(c.name, r.name):
            say(f"  - {n.text}")
    for x in store.letters(c.name):
        say(f"\n[{x.id}] {x.kind} letter to {x.recipient or '?'}"
            f"{' for ' + x.occasion if x.occasion else ''} (score {x.score:.2f})")


@letters_app.command("read")
@plain_errors
def read(letter_id: str) -> None:
    """Print one letter."""
    _, store = _store()
    x = store.letter(letter_id)
    say(x.body)
    if x.pdf:
        say(f"PDF: {x.pdf}")


@letters_app.command("write")
@plain_errors
def write(client: str, recipient: str,
          occasion: Annotated[str, typer.Option(help="what the letter is for")] = "",
          pdf: Annotated[bool, typer.Option(help="also make the handwritten PDF")] = True,
          font: Annotated[Path | None, typer.Option(help="a handwriting .ttf/.otf")] = None,
          model: Annotated[bool, typer.Option(help="let the small model pick connecting "
                                              "phrases")] = False,
          meaning: Annotated[bool, typer.Option(help="choose memories by meaning too "
                                                "(MiniLM)")] = True,
          json_out: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Write a letter from CLIENT to RECIPIENT in the client's voice, grounded only in their
    history; lists the memories it used."""
    from os1.skills.writing.letters import default_embed, letter_report, write_letter

    home, store = _store()
    pdf_dir = home.path / "writing" / "letters" if pdf else None
    written = asyncio.run(write_letter(
        store, client, recipient, occasion, model=home.model if model else None,
        embed=default_embed() if meaning else None, pdf_dir=pdf_dir, font=font))
    if json_out:
        typer.echo(json.dumps(letter_report(written), indent=2))
        return
    say(written.letter.text)
    say("Memories used:")
    for m in written.letter.memories:
        say(f"  - {m.text}")
    say(f"Saved as {written.id} (score {written.quality.score:.2f}: "
        f"{written.quality.reason()}).")
    if written.pdf:
        say(f"Handwritten PDF: {written.pdf}")


def register(app: typer.Typer) -> None:
    app.add_typer(letters_app, name="letters")
