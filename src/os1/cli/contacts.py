"""`os1 contacts ...`: search, add and import contacts over CardDAV, and clean up duplicates
(each merge proposed, approved one by one, undoable with 'os1 undo')."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from os1.cli._organise import (
    YES,
    PasswordEnvOpt,
    PasswordStdinOpt,
    UrlArg,
    UserOpt,
    request,
    run,
    say,
    with_service,
)
from os1.cli.common import console, open_home, plain_errors

contacts_app = typer.Typer(help="Your contacts over CardDAV: search, add, clean up duplicates.",
                           no_args_is_help=True)


@contacts_app.command("connect")
@plain_errors
def connect(
    url: UrlArg,
    user: UserOpt,
    password_env: PasswordEnvOpt = "OS1_DAV_PASSWORD",
    password_stdin: PasswordStdinOpt = False,
    book: Annotated[str, typer.Option(help="address book name (created if missing)")] = "",
) -> None:
    """Save the CardDAV server (by default the calendar's is used) and check the login."""
    from os1.cli.calendar import connect_account

    connect_account("contacts", url, user, password_env, password_stdin, book)


def _call(fn: Any) -> Any:
    from os1.skills.contacts.tools import service

    return with_service(service, fn)


@contacts_app.command("search")
@plain_errors
def search(query: Annotated[str, typer.Argument(help="a name, email, company or number")]) -> None:
    """Find contacts."""

    async def go(svc: Any) -> list[Any]:
        return list(await svc.search(query))

    found = _call(go)
    say("\n".join(c.line() for c in found) or f"No contact matches '{query}'.")


@contacts_app.command("list")
@plain_errors
def list_contacts() -> None:
    """Every contact, by name."""

    async def go(svc: Any) -> tuple[list[Any], list[str]]:
        return await svc.all()  # type: ignore[no-any-return]

    contacts, bad = _call(go)
    lines = [c.line() for c in contacts] + [f"(skipped unreadable card {b})" for b in bad]
    say("\n".join(lines) or "No contacts yet.")


@contacts_app.command("add")
@plain_errors
def add(text: Annotated[str, typer.Argument(help="e.g. 'Amy Pond amy@example.com +44 7700 900'")],
        yes: bool = YES) -> None:
    """Add a contact: a name, then any emails and phone numbers."""
    from os1.skills.contacts.tools import parse_new_contact

    args = parse_new_contact(text)
    say(request(open_home(), "contacts_add", args, "os1 contacts add", yes))


@contacts_app.command("dedupe")
@plain_errors
def dedupe(yes: bool = YES) -> None:
    """Find the same person entered twice and propose merges, one at a time."""
    from os1.cli._organise import RequestEnded
    from os1.skills.contacts.tools import describe_group, merge_args, proposals

    home = open_home()
    groups, bad = run(proposals(home.skill_context))
    for b in bad:
        say(f"(skipped unreadable card {b})")
    if not groups:
        say("No duplicate contacts found.")
        return
    say(f"{len(groups)} possible duplicate(s):")
    for group in groups:
        say(describe_group(group))
        try:
            console.print(request(home, "contacts_merge", merge_args(group),
                                  "os1 contacts dedupe", yes, end=False))
        except RequestEnded:
            continue


@contacts_app.command("import")
@plain_errors
def import_vcf(path: Annotated[Path, typer.Argument(help="a .vcf file")], yes: bool = YES) -> None:
    """Copy the contacts of a .vcf file into your address book."""
    args = {"path": str(path.resolve())}
    say(request(open_home(), "contacts_import", args, "os1 contacts import", yes))


def register(app: typer.Typer) -> None:
    app.add_typer(contacts_app, name="contacts")
