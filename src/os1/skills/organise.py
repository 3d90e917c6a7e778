"""Organising the user's life: calendar, contacts, files, reminders and reading.

``register_tools(tools)`` adds every tool of these skills to a registry dict (plugins.py calls
it for the built-ins). Importing this module also registers the undo reverters for contact
merges and file tidies with os1.skills.journal.
"""

from __future__ import annotations

import re
from typing import Any

from os1.skills.calendar.when import HOUR_WORDS, zone_named


def all_tools() -> list[Any]:
    from os1.skills.calendar.tools import TOOLS as CALENDAR
    from os1.skills.contacts import TOOLS as CONTACTS
    from os1.skills.files import TOOLS as FILES
    from os1.skills.reading import TOOLS as READING
    from os1.skills.reminders import TOOLS as REMINDERS

    return [*CALENDAR, *CONTACTS, *FILES, *REMINDERS, *READING]


def register_tools(tools: dict[str, Any]) -> None:
    for tool in all_tools():
        tools[tool.name] = tool


# Intents: clear requests answered from real data before the model sees them. Changes are
# only proposed (queued for approval); facts come from the servers and documents verbatim.
_DAY = (r"(?:today|tonight|tomorrow|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
        r"next \w+|this \w+|\d{4}-\d\d-\d\d)")
# A cancellation is only taken for the calendar when it names a day or an event-like thing.
_EVENTISH = (r".*\b(?:on|tomorrow|today|tonight|next|this|meeting|appointment|dinner|lunch|"
             r"breakfast|class|lesson|event|party|session|call)\b")
_WHEN_START = (r"(?:mon|tue|wed|thu|fri|sat|sun|today|tonight|tomorrow|next|noon|midnight|"
               r"\d|half|quarter|the \d|(?:" + HOUR_WORDS + r")\b)")


async def _agenda(text: str, m: Any, ctx: Any) -> str:
    from os1.skills.calendar.tools import fmt_agenda, parse_day, service

    said = next((v for k, v in m.groupdict().items() if k.startswith("day") and v), "today")
    # "this afternoon", "tonight": today's agenda, not the next afternoon to come
    day = re.sub(r"(?i)^(this (morning|afternoon|evening)|tonight)$", "today", said.strip())
    async with service(ctx) as svc:
        return fmt_agenda(await svc.agenda(parse_day(day, svc)))


async def _propose(ctx: Any, tool: str, args: dict[str, Any], text: str) -> str:
    from os1.initiative.approvals import Actions

    tools: dict[str, Any] = {}
    register_tools(tools)
    actions = Actions.open(tools, ctx)
    out = await actions.request(tool, args, f"you said: {text}", origin="chat")
    if out.status == "done":  # a standing rule allowed it
        return str(out.result)
    if out.status == "pending":
        summary = tools[tool].summarize(args)
        return f"{summary}? Say yes with 'os1 approvals approve {out.approval_id}'."
    return str(out.result) or "That did not happen."


async def _calendar_change(text: str, m: Any, ctx: Any) -> str:
    from os1.skills.calendar import tools as cal

    verb = (m.group("verb") or m.group("verb2") or "add").lower()
    tool, planner = "calendar_add", cal.plan_add
    if verb in ("move", "reschedule", "push", "shift"):
        tool, planner = "calendar_move", cal.plan_move
    elif verb in ("cancel", "call off"):
        tool, planner = "calendar_cancel", cal.plan_cancel
    async with cal.service(ctx) as svc:
        args = await planner(svc, m.group("request"))
    return await _propose(ctx, tool, args, text)


async def _remind(text: str, m: Any, ctx: Any) -> str:
    from os1.skills.reminders import run_add

    return await run_add({"text": m.group(0)}, ctx)


async def _timer(text: str, m: Any, ctx: Any) -> str:
    from os1.skills.reminders import run_add

    if m.group("wake"):
        return await run_add({"text": f"remind me {m.group('wake')} to wake up"}, ctx)
    when = m.group("when")
    if m.group("kind").lower() == "alarm":
        return await run_add({"text": f"remind me at {when} to wake up"}, ctx)
    # "for fifteen minutes": that long from now
    return await run_add({"text": f"remind me in {when} to check the timer"}, ctx)


async def _clock(text: str, m: Any, ctx: Any) -> str:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from os1.skills.calendar.service import user_zone
    from os1.text import ordinal_suffix

    place = (m.group("place") or "").strip(" ?.!")
    zone = user_zone(ctx.db)
    if place:
        found = zone_named(place)
        if found is None:
            return (f"I don't know which time zone {place} is in; I know the cities of the "
                    "time zone database, like Tokyo, Lagos or New York.")
        zone = found
    now = datetime.now(ZoneInfo(zone))
    if m.group("time"):
        where = f" in {zone.rsplit('/', 1)[-1].replace('_', ' ')}" if place else ""
        return f"It's {now:%H:%M}{where}, on {now:%A} the {now.day}{ordinal_suffix(now.day)}."
    return f"It's {now:%A}, {now.day} {now:%B %Y}."


async def _documents(text: str, m: Any, ctx: Any) -> str:
    from os1.skills.reading import search_documents

    hits = search_documents(ctx.extras.get("home") or ctx, text, 1)
    if not hits:
        return "None of the documents I have read mention that."
    passage, citation, _ = hits[0]
    quote = passage if len(passage) <= 300 else passage[:300].rsplit(" ", 1)[0] + " …"
    return f"{citation} says: “{quote}”"


async def _contact(text: str, m: Any, ctx: Any) -> str:
    from os1.skills.contacts.tools import service

    async with service(ctx) as svc:
        found = await svc.search(m.group("who"), 3)
    if not found:
        return f"I have no contact called {m.group('who')}."
    c = found[0]
    want = m.group("what").lower()
    values = c.emails if "mail" in want else c.phones
    if not values:
        return f"I have no {want} for {c.name}."
    return f"{c.name}: {', '.join(values)}"


def register_intents(intents: list[Any]) -> None:
    from os1.skills.base import Intent

    intents += [
        Intent("calendar.agenda", re.compile(
            rf"(?i)\b(?:what'?s|what is|anything)\s+(?:on\s+)?(?:my\s+)?(?:calendar|agenda|"
            rf"schedule)(?:\s+(?:for|on)?\s*(?P<day>{_DAY}))?|\bwhat am i doing\s+(?:on\s+)?"
            rf"(?P<day2>{_DAY})|\b(?:check|look at|read me)\s+(?:my\s+)?(?:calendar|agenda|"
            rf"schedule)(?:\s+(?:for|on)?\s*(?P<day3>{_DAY}))?|\bdo i have (?:any(?:thing)?\s+)?"
            rf"(?:meetings?|appointments?|events?|plans|on)\b(?:\s+(?:for|on)?\s*(?P<day4>{_DAY}))?"),
            _agenda, "That day's events."),
        Intent("calendar.change", re.compile(
            rf"(?i)^\s*(?:please\s+)?(?P<request>(?P<verb>move|reschedule|push|shift)\s+.+\s"
            rf"to\s+{_WHEN_START}.*|(?P<verb2>cancel|call off)\s+(?={_EVENTISH}).+"
            rf"|(?:add|schedule|book)\s+.+\s(?:on|at|tomorrow|today|tonight|next|every)\b.*)$"),
            _calendar_change,
            "Add, move or cancel an event (proposed for approval)."),
        # not "remind me of your name" or "remind me what we said": those are questions
        Intent("reminders.add", re.compile(
            r"(?i)\bremind me\b(?!\s+(?:of|what|who|whom|whose|how|why|where|which|again)\b).+"),
            _remind,
            "Set a reminder."),
        # a timer or an alarm is a reminder at that time
        Intent("reminders.timer", re.compile(
            r"(?i)\b(?:set|start) (?:a|the|an) (?P<kind>timer|alarm) (?:for|at) (?P<when>.+?)[.!]?$"
            r"|\bwake me(?: up)? (?P<wake>(?:at|in|tomorrow|on) .+?)[.!]?$"), _timer,
            "A timer or an alarm (a reminder at that time)."),
        # the clock is os1's own to read: no need to guess
        Intent("clock.now", re.compile(
            r"(?i)^(?:hey,?\s+|so,?\s+|and\s+)?(?:(?P<time>what(?:'s| is) the time|what time is it"
            r"|do you know (?:what time it is|the time))|what(?:'s| is) (?:the date|today'?s date)"
            r"|what day is (?:it|today))(?: (?:now|today|right now))?"
            r"(?: in (?P<place>[a-z][a-z .'-]{1,40}?))?(?: (?:now|right now))?[?.!]*$"), _clock,
            "The time or the date, from the clock."),
        Intent("reading.ask", re.compile(
            r"(?i)\bwhat does (?:the|my) [\w ]{2,30}? say about\b|\baccording to (?:the|my) "),
            _documents, "Answer from documents read, with file and page."),
        Intent("contacts.lookup", re.compile(
            r"(?i)\bwhat(?:'s| is)\s+(?P<who>[\w .'-]+?)'s\s+(?P<what>e-?mail|phone|number)"),
            _contact, "A contact's email or phone number."),
    ]

