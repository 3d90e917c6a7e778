"""`os1 calendar ...`: connect to a CalDAV server, see the agenda, add, move and cancel events
in plain language. Changes go through approvals."""

from __future__ import annotations

import os
import sys
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
from os1.cli.common import fail, interactive, open_home, plain_errors

calendar_app = typer.Typer(help="Your calendar over CalDAV: agenda, add, move, cancel.",
                           no_args_is_help=True)


def connect_account(kind: str, url: str, user: str, password_env: str, password_stdin: bool,
                    collection: str) -> None:
    """Shared by 'os1 calendar connect' and 'os1 contacts connect'."""
    from os1.skills.calendar import accounts

    home = open_home()
    acc = accounts.Account(kind, url, user, password_env, "")  # type: ignore[arg-type]
    accounts.save_account(home.db, acc)
    if password_stdin:
        accounts.save_password(home.path, acc.kind, sys.stdin.readline().rstrip("\n"))
    elif not os.environ.get(password_env) and interactive():
        secret = typer.prompt(f"Password for {user}", hide_input=True)
        accounts.save_password(home.path, acc.kind, secret)
    run(_check(home, kind, collection))


async def _check(home: Any, kind: str, collection: str) -> None:
    from os1.skills.calendar import accounts

    client, acc = accounts.open_client(home.db, home.path, kind)  # type: ignore[arg-type]
    dav_kind = "calendar" if kind == "calendar" else "addressbook"
    async with client:
        found = await client.collections(dav_kind)  # type: ignore[arg-type]
        chosen = next((c for c in found if collection in (c.name, c.url)), None)
        if chosen is None:
            slug = collection or "os1"
            chosen = next((c for c in found if not collection), None) or (
                await client.make_collection(dav_kind, slug, slug)  # type: ignore[arg-type]
            )
    accounts.set_collection(home.db, kind, chosen.url)  # type: ignore[arg-type]
    say(f"Connected {acc.username} at {acc.url}; using {kind} '{chosen.name}'.")


@calendar_app.command("connect")
@plain_errors
def connect(
    url: UrlArg,
    user: UserOpt,
    password_env: PasswordEnvOpt = "OS1_DAV_PASSWORD",
    password_stdin: PasswordStdinOpt = False,
    calendar: Annotated[str, typer.Option(help="calendar name (created if missing)")] = "",
) -> None:
    """Save the CalDAV server and check the login (the password is kept out of the config)."""
    connect_account("calendar", url, user, password_env, password_stdin, calendar)


@calendar_app.command("timezone")
@plain_errors
def timezone(zone: Annotated[str, typer.Argument(help="e.g. Europe/London")] = "") -> None:
    """Show or set the zone times are read and shown in (default: this machine's)."""
    from os1.skills.calendar import accounts
    from os1.skills.calendar.service import user_zone
    from os1.skills.calendar.when import zone_named

    home = open_home()
    if zone:
        name = zone_named(zone)
        if name is None:
            raise fail(f"'{zone}' is not a time zone I know; try e.g. Europe/London.")
        accounts.set_setting(home.db, "timezone", name)
    say(user_zone(home.db))


def _service_call(fn: Any) -> Any:
    from os1.skills.calendar.tools import service

    return with_service(service, fn)


@calendar_app.command("agenda")
@plain_errors
def agenda(day: Annotated[str, typer.Argument(help="today, tomorrow, Friday, 2025-03-14")] =
           "today") -> None:
    """One day's events, with overlaps marked."""
    from os1.skills.calendar.tools import fmt_agenda, parse_day

    async def go(svc: Any) -> str:
        return fmt_agenda(await svc.agenda(parse_day(day, svc)))

    say(_service_call(go))


@calendar_app.command("list")
@plain_errors
def list_events(
    days: Annotated[int, typer.Option(min=1, max=366, help="how many days ahead")] = 7,
    start: Annotated[str, typer.Option("--from", help="first day")] = "today",
) -> None:
    """Every event in the next DAYS days."""
    from datetime import datetime, time, timedelta

    from os1.skills.calendar.tools import fmt_occ, parse_day

    async def go(svc: Any) -> list[str]:
        first = datetime.combine(parse_day(start, svc), time(0), svc.tz)
        items, bad = await svc.between(first, first + timedelta(days=days))
        return [fmt_occ(o) for o in items] + [f"(skipped unreadable entry {b})" for b in bad]

    lines = _service_call(go)
    say("\n".join(lines) if lines else f"Nothing in the next {days} days.")


def _plan_and_request(tool: str, planner: str, text: str, yes: bool) -> None:
    from os1.skills.calendar import tools as cal_tools

    async def go(svc: Any) -> dict[str, Any]:
        return await getattr(cal_tools, planner)(svc, text)  # type: ignore[no-any-return]

    args = _service_call(go)
    say(request(open_home(), tool, args, f"os1 calendar: {text}", yes))


@calendar_app.command("add")
@plain_errors
def add(text: Annotated[str, typer.Argument(help="e.g. 'dinner with Amy on Friday at 8'")],
        yes: bool = YES) -> None:
    """Add an event described in plain words (recurring: 'every Monday at 9')."""
    _plan_and_request("calendar_add", "plan_add", text, yes)


@calendar_app.command("move")
@plain_errors
def move(text: Annotated[str, typer.Argument(help="e.g. 'dinner with Amy to Friday at 8'")],
         yes: bool = YES) -> None:
    """Move an event: 'dinner with Amy to Friday at 8', 'all standups to 10'."""
    if not text.lower().startswith(("move", "reschedule", "push", "shift")):
        text = "move " + text
    _plan_and_request("calendar_move", "plan_move", text, yes)


@calendar_app.command("cancel")
@plain_errors
def cancel(text: Annotated[str, typer.Argument(help="e.g. 'yoga on Wednesday', 'all yoga'")],
           yes: bool = YES) -> None:
    """Cancel one event or occurrence ('all yoga' cancels the series)."""
    if not text.lower().startswith(("cancel", "delete", "remove")):
        text = "cancel " + text
    _plan_and_request("calendar_cancel", "plan_cancel", text, yes)


@calendar_app.command("import")
@plain_errors
def import_ics(path: Annotated[Path, typer.Argument(help="an .ics file")], yes: bool = YES) -> None:
    """Copy the events of an .ics file into your calendar."""
    args = {"path": str(path.resolve())}
    say(request(open_home(), "calendar_import", args, "os1 calendar import", yes))


def register(app: typer.Typer) -> None:
    app.add_typer(calendar_app, name="calendar")
