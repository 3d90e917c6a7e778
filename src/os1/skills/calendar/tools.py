"""Calendar tools: agenda (read-only) and add, move, cancel (side effects, approval needed).

Each changing tool takes either plain language (``text``) or the exact fields a plan
resolved ahead of time (what the CLI passes, so the approval prompt names exact times).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from os1.errors import InputError
from os1.skills.base import SkillContext, Tool
from os1.skills.calendar.accounts import read_arg_file
from os1.skills.calendar.ics import Occurrence
from os1.skills.calendar.phrases import parse_add, parse_cancel, parse_move
from os1.skills.calendar.service import Agenda, CalendarService, resolve_target
from os1.skills.calendar.when import parse_when, zone_named


@asynccontextmanager
async def service(ctx: SkillContext) -> AsyncIterator[CalendarService]:
    async with await CalendarService.open(ctx.db, ctx.config.home) as svc:
        yield svc


def fmt_time(dt: datetime) -> str:
    return f"{dt:%a %d %b %H:%M}"


def fmt_occ(o: Occurrence) -> str:
    if o.all_day:
        when = f"{o.start:%a %d %b} all day"
    else:
        same_day = o.end.date() == o.start.date()
        when = f"{fmt_time(o.start)}–{o.end:%H:%M}" if same_day else (
            f"{fmt_time(o.start)}–{fmt_time(o.end)}")
    extra = " (repeats)" if o.recurring else ""
    where = f" @ {o.location}" if o.location else ""
    return f"{when}  {o.summary}{where}{extra}"


def fmt_agenda(ag: Agenda) -> str:
    lines = [f"{ag.day:%A %d %B %Y}:"]
    lines += [f"  {fmt_occ(o)}" for o in ag.items] or ["  nothing scheduled"]
    lines += [f"  ! {a.summary} overlaps {b.summary}" for a, b in ag.conflicts]
    lines += [f"  (skipped unreadable entry {name})" for name in ag.unreadable]
    return "\n".join(lines)


def parse_day(text: str, svc: CalendarService) -> date:
    text = (text or "today").strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    when = parse_when(text, svc.now(), svc.zone)
    if when is None:
        raise InputError(f"'{text}' is not a day I know; try 'today', 'Friday' or 2025-03-14.")
    return when.start.date()


def _clash_note(clashes: list[Occurrence]) -> str:
    if not clashes:
        return ""
    return " Note: it overlaps " + "; ".join(fmt_occ(o) for o in clashes) + "."


# plans: plain language -> exact arguments ---------------------------------------------
async def plan_add(svc: CalendarService, text: str) -> dict[str, Any]:
    req = parse_add(text, svc.now(), svc.zone)
    w = req.when
    end = w.end or (None if w.all_day else w.start + timedelta(hours=1))
    return {"summary": req.summary, "start": w.start.isoformat(),
            "end": end.isoformat() if end else None, "all_day": w.all_day, "rrule": w.rrule,
            "tz": w.zone}


def _in_zone(iso: str, zone: str) -> datetime:
    """An ISO time in a named zone: offsets alone lose daylight-saving rules for repeats."""
    dt = datetime.fromisoformat(iso)
    tz = ZoneInfo(zone_named(zone) or "UTC")
    return dt.replace(tzinfo=tz) if dt.tzinfo is None else dt.astimezone(tz)


async def plan_move(svc: CalendarService, text: str) -> dict[str, Any]:
    req = parse_move(text, svc.now(), svc.zone)
    occ = await svc.find(req.query, req.source)
    start, end = resolve_target(occ, req.target, svc.tz)
    end = end or start + (occ.end - occ.start)
    return {"uid": occ.uid, "summary": occ.summary, "occurrence_start": occ.start.isoformat(),
            "new_start": start.isoformat(), "new_end": end.isoformat(),
            "series": req.series and occ.recurring}


async def plan_cancel(svc: CalendarService, text: str) -> dict[str, Any]:
    req = parse_cancel(text, svc.now(), svc.zone)
    occ = await svc.find(req.query, req.on)
    return {"uid": occ.uid, "summary": occ.summary, "occurrence_start": occ.start.isoformat(),
            "series": req.series or not occ.recurring}


# runs ---------------------------------------------------------------------------------
async def run_agenda(args: dict[str, Any], ctx: SkillContext) -> str:
    async with service(ctx) as svc:
        return fmt_agenda(await svc.agenda(parse_day(str(args.get("day", "today")), svc)))


async def run_add(args: dict[str, Any], ctx: SkillContext) -> str:
    async with service(ctx) as svc:
        if "text" in args:
            args = await plan_add(svc, str(args["text"]))
        zone = str(args.get("tz") or svc.zone)
        start = _in_zone(args["start"], zone)
        end = _in_zone(args["end"], zone) if args.get("end") else None
        all_day = bool(args.get("all_day"))
        clashes = [] if all_day or end is None else await svc.clashes(start, end)
        await svc.add(str(args["summary"]), start, end, all_day=all_day,
                      rrule=args.get("rrule") or None, location=str(args.get("location", "")))
        when = f"{start:%a %d %b}" if all_day else fmt_time(start)
        return f"Added '{args['summary']}' on {when}.{_clash_note(clashes)}"


async def _resolved(svc: CalendarService, args: dict[str, Any], planner: Any
                    ) -> tuple[dict[str, Any], Occurrence]:
    """Plain text planned now, or the exact occurrence an approval named."""
    if "text" in args:
        args = await planner(svc, str(args["text"]))
    start = datetime.fromisoformat(args["occurrence_start"])
    return args, await svc.occurrence_at(args["uid"], start)


async def run_move(args: dict[str, Any], ctx: SkillContext) -> str:
    async with service(ctx) as svc:
        args, occ = await _resolved(svc, args, plan_move)
        start = datetime.fromisoformat(args["new_start"])
        end = datetime.fromisoformat(args["new_end"])
        clashes = await svc.clashes(start, end, skip_uid=occ.uid)
        await svc.move(occ, start, end, bool(args.get("series")))
        scope = "every occurrence of " if args.get("series") else ""
        return f"Moved {scope}'{occ.summary}' to {fmt_time(start)}.{_clash_note(clashes)}"


async def run_cancel(args: dict[str, Any], ctx: SkillContext) -> str:
    async with service(ctx) as svc:
        args, occ = await _resolved(svc, args, plan_cancel)
        series = bool(args.get("series"))
        await svc.cancel(occ, series)
        what = "the whole series" if series and occ.recurring else fmt_time(occ.start)
        return f"Cancelled '{occ.summary}' ({what})."


async def run_import(args: dict[str, Any], ctx: SkillContext) -> str:
    name, text = read_arg_file(args, ".ics")
    async with service(ctx) as svc:
        count = await svc.import_ics(text, name)
    return f"Imported {count} event(s) from {name}."


def _summary_add(a: dict[str, Any]) -> str:
    if "text" in a:
        return f"Add to calendar: {a['text']}"
    repeat = f", repeating {a['rrule']}" if a.get("rrule") else ""
    start = datetime.fromisoformat(a["start"])
    when = f"{start:%a %d %b %Y}" if a.get("all_day") else fmt_time(start) + f" {start:%Z}"
    return f"Add '{a['summary']}' on {when}{repeat}"


def _summary_move(a: dict[str, Any]) -> str:
    if "text" in a:
        return f"Calendar: {a['text']}"
    old, new = (datetime.fromisoformat(a[k]) for k in ("occurrence_start", "new_start"))
    scope = " (whole series)" if a.get("series") else ""
    return f"Move '{a['summary']}'{scope} from {fmt_time(old)} to {fmt_time(new)}"


def _summary_cancel(a: dict[str, Any]) -> str:
    if "text" in a:
        return f"Calendar: {a['text']}"
    scope = "the whole series" if a.get("series") else fmt_time(
        datetime.fromisoformat(a["occurrence_start"]))
    return f"Cancel '{a['summary']}' ({scope})"


_TEXT = {"text": {"type": "string", "description": "the request in plain words"}}

TOOLS = [
    Tool("calendar_agenda", "Show the calendar for a day (today, tomorrow, Friday, 2025-03-14).",
         {"type": "object", "properties": {"day": {"type": "string"}}}, False, run_agenda),
    Tool("calendar_add", "Add an event, e.g. text='dinner with Amy on Friday at 8'.",
         {"type": "object", "properties": {
             **_TEXT, "summary": {"type": "string"}, "start": {"type": "string"},
             "end": {"type": "string"}, "all_day": {"type": "boolean"},
             "rrule": {"type": "string"}, "location": {"type": "string"},
             "tz": {"type": "string", "description": "IANA zone, e.g. Europe/Paris"}}},
         True, run_add, _summary_add),
    Tool("calendar_move", "Move an event, e.g. text='move dinner with Amy to Friday at 8'.",
         {"type": "object", "properties": {**_TEXT}}, True, run_move, _summary_move),
    Tool("calendar_cancel", "Cancel an event, e.g. text='cancel yoga on Wednesday'.",
         {"type": "object", "properties": {**_TEXT}}, True, run_cancel, _summary_cancel),
    Tool("calendar_import", "Copy the events of an .ics file into the calendar.",
         {"type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"]},
         True, run_import, lambda a: f"Import the events in {a.get('path')} into your calendar"),
]
