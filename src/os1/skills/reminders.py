"""Reminders: "remind me to call my sister at 6" becomes a durable scheduler item of kind
"reminder", so it fires (in the daemon, ``os1 serve`` or the CLI's inbox) even if os1 was
restarted in between. Delivery is the initiative's reminder handler; this module adds the
parsing, listing, cancelling, and repeats ("every Monday at 9"): :func:`register_handlers`
wraps the delivery so that each repeat schedules the next one (idempotent by key).

May import os1.db, os1.errors, os1.skills.base, os1.skills.calendar (time parsing, zone) and
os1.initiative.scheduler, and os1.text (saying the user's words back to them).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

from os1.db import Database
from os1.errors import InputError
from os1.skills.base import SkillContext, Tool
from os1.skills.calendar.when import When, extract_when
from os1.text import second_person

if TYPE_CHECKING:
    from os1.home import Home
    from os1.initiative.scheduler import HandlerContext, Item, Scheduler

KIND = "reminder"
_LEAD = re.compile(r"^\s*(?:please\s+)?(?:can you\s+)?remind\s+(?:me|us)\s+", re.I)
_ABOUT = re.compile(r"^(?:to|that|about|of)\s+", re.I)


@dataclass(frozen=True)
class ReminderRequest:
    what: str
    when: When


def parse_reminder(text: str, now: datetime, zone: str) -> ReminderRequest:
    body = _LEAD.sub("", text, count=1)
    what, when = extract_when(body, now, zone)
    if when is None:
        raise InputError(f"I could not find when to remind you in '{text}'; say e.g. 'at 6'.")
    what = _ABOUT.sub("", what.strip(" ,.")).strip()
    if not what:
        raise InputError(f"'{text}' says when but not what to remind you of.")
    if when.all_day and when.rrule is None:
        raise InputError(f"'{text}' gives a day but no time; say e.g. 'tomorrow at 9'.")
    if when.start <= now:
        raise InputError(f"{when.start:%a %d %b %H:%M} has already passed.")
    return ReminderRequest(what, when)


def scheduler_for(where: Home | SkillContext | Database) -> Scheduler:
    """The reminders' scheduler on the store the home's config chooses (Scheduler.open)."""
    from os1.initiative.clock import SystemClock
    from os1.initiative.scheduler import Scheduler

    return Scheduler.open(where, SystemClock())


def create(where: Home | SkillContext | Database, text: str, now: datetime,
           zone: str) -> tuple[str, ReminderRequest]:
    req = parse_reminder(text, now, zone)
    series = f"{KIND}:{uuid.uuid4().hex[:12]}"
    payload: dict[str, Any] = {"text": req.what, "asked": text, "zone": req.when.zone,
                               "series": series}
    if req.when.rrule:
        payload["rrule"] = req.when.rrule
        payload["dtstart"] = req.when.start.isoformat()
    iid = scheduler_for(where).schedule(req.when.start.timestamp(), KIND, payload, key=series)
    return iid, req


def next_occurrence(payload: dict[str, Any], after: float) -> float | None:
    """The next time a repeating reminder is due after ``after`` (epoch seconds), in its zone."""
    if not payload.get("rrule"):
        return None
    start = datetime.fromisoformat(str(payload["dtstart"]))
    zone = ZoneInfo(str(payload.get("zone") or "UTC"))
    rule = rrulestr(str(payload["rrule"]), dtstart=start.astimezone(zone).replace(tzinfo=None))
    base = datetime.fromtimestamp(after, zone).replace(tzinfo=None)
    nxt = rule.after(base)
    return nxt.replace(tzinfo=zone).timestamp() if nxt else None


def register_handlers(scheduler: Scheduler) -> None:
    """Wrap the reminder delivery so a repeating reminder schedules its next time."""
    inner = scheduler.handlers.get(KIND)

    async def deliver(item: Item, ctx: HandlerContext) -> str:
        result = await inner(item, ctx) if inner else f"Reminder: {item.payload.get('text')}"
        nxt = next_occurrence(item.payload, max(item.due, ctx.now))
        if nxt is not None:
            key = f"{item.payload.get('series', item.id)}:{int(nxt)}"
            ctx.scheduler.schedule(nxt, KIND, item.payload, key=key)
        return str(result)

    scheduler.register_handler(KIND, deliver)


def pending(where: Home | SkillContext | Database) -> list[Any]:
    return scheduler_for(where).pending(KIND)


def describe(item: Any, zone: str) -> str:
    when = datetime.fromtimestamp(item.due, ZoneInfo(zone))
    repeat = " (repeats)" if item.payload.get("rrule") else ""
    return f"{item.id}  {when:%a %d %b %H:%M}  {item.payload.get('text')}{repeat}"


def _zone(ctx: SkillContext) -> str:
    from os1.skills.calendar.service import user_zone

    return user_zone(ctx.db)


async def run_add(args: dict[str, Any], ctx: SkillContext) -> str:
    zone = _zone(ctx)
    _, req = create(ctx, str(args["text"]), datetime.now(ZoneInfo(zone)), zone)
    repeat = " and then as it repeats" if req.when.rrule else ""
    return f"I'll remind you to {second_person(req.what)} on {req.when.start:%a %d %b at %H:%M}{repeat}."


async def run_list(args: dict[str, Any], ctx: SkillContext) -> str:
    zone = _zone(ctx)
    return "\n".join(describe(i, zone) for i in pending(ctx)) or "No reminders set."


async def run_cancel(args: dict[str, Any], ctx: SkillContext) -> str:
    rid = str(args.get("id", ""))
    scheduler = scheduler_for(ctx)
    item = scheduler.get(rid)
    scheduler.cancel(rid)
    return f"Cancelled the reminder to {item.payload.get('text')}."


TOOLS = [
    Tool("reminder_add", "Set a reminder, e.g. text='remind me to call my sister at 6'.",
         {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]},
         False, run_add),
    Tool("reminders_list", "List the reminders that are set.",
         {"type": "object", "properties": {}}, False, run_list),
    Tool("reminder_cancel", "Cancel a reminder by its id (from reminders_list).",
         {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]},
         True, run_cancel, lambda a: f"Cancel reminder {a.get('id')}"),
]
