"""`os1 remind "call my sister at 6"`: a reminder that fires even if os1 restarts meanwhile
(delivered by 'os1 daemon' or 'os1 serve'); --list and --cancel ID manage them."""

from __future__ import annotations

from typing import Annotated

import typer

from os1.cli._organise import say
from os1.cli.common import open_home, plain_errors


@plain_errors
def remind(
    text: Annotated[str, typer.Argument(help="e.g. 'call my sister at 6'")] = "",
    listing: Annotated[bool, typer.Option("--list", help="show the reminders that are set")] =
        False,
    cancel: Annotated[str, typer.Option(help="cancel the reminder with this id")] = "",
) -> None:
    """Set a reminder in plain words: 'to call my sister at 6', 'in 20 minutes to check the
    oven', 'every Monday at 9 to put the bins out'."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from os1.skills import reminders
    from os1.skills.calendar.service import user_zone

    home = open_home()
    zone = user_zone(home.db)
    if cancel:
        scheduler = reminders.scheduler_for(home)
        item = scheduler.get(cancel)
        scheduler.cancel(cancel)
        say(f"Cancelled the reminder to {item.payload.get('text')}.")
    if text:
        _, req = reminders.create(home, text, datetime.now(ZoneInfo(zone)), zone)
        repeat = " (repeats)" if req.when.rrule else ""
        say(f"I'll remind you to {req.what} on {req.when.start:%a %d %b at %H:%M}{repeat}. "
            "'os1 daemon' (or 'os1 serve') delivers it.")
    if listing or not (text or cancel):
        items = reminders.pending(home)
        say("\n".join(reminders.describe(i, zone) for i in items) or "No reminders set.")


def register(app: typer.Typer) -> None:
    app.command("remind")(remind)
