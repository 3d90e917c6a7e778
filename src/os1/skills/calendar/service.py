"""The calendar as os1 sees it: one CalDAV collection, read and changed through DavClient.

Reading (agenda, list, find) is free; the changing methods (add, move, cancel) are called only
by the tools in tools.py, which run only through approvals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from os1.db import Database
from os1.errors import InputError, NotFoundError
from os1.skills.calendar import accounts, ics
from os1.skills.calendar.dav import DavClient, DavObject, calendar_query
from os1.skills.calendar.ics import Occurrence
from os1.skills.calendar.phrases import match_score
from os1.skills.calendar.when import When, local_zone_name, zone_named

FIND_BACK = timedelta(days=1)
FIND_AHEAD = timedelta(days=120)
FIND_FAR = timedelta(days=3660)


@dataclass
class Agenda:
    day: date
    items: list[Occurrence]
    conflicts: list[tuple[Occurrence, Occurrence]] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)


def _utc_stamp(dt: datetime) -> str:
    return dt.astimezone(ZoneInfo("UTC")).strftime("%Y%m%dT%H%M%SZ")


def user_zone(db: Database) -> str:
    name = accounts.get_setting(db, "timezone") or local_zone_name()
    return name if zone_named(name) else "UTC"


class CalendarService(accounts.DavSession):
    def __init__(self, client: DavClient, collection_url: str, zone: str) -> None:
        self.client = client
        self.url = collection_url
        self.zone = zone
        self.tz = ZoneInfo(zone)

    @classmethod
    async def open(cls, db: Database, home: Path) -> CalendarService:
        """Connect with the saved account; pick (or create) the calendar on first use."""
        client, url = await accounts.open_collection(db, home, "calendar")
        return cls(client, url, user_zone(db))

    async def close(self) -> None:
        await self.__aexit__()

    def now(self) -> datetime:
        return datetime.now(self.tz)

    # reading -------------------------------------------------------------------------
    async def objects(self, start: datetime, end: datetime) -> list[DavObject]:
        # Servers differ in how they apply zones to time-range filters; ask for a day more on
        # each side and let ics.occurrences cut exactly.
        pad = timedelta(days=1)
        body = calendar_query(_utc_stamp(start - pad), _utc_stamp(end + pad))
        return await self.client.query(self.url, body)

    async def between(self, start: datetime, end: datetime) -> tuple[list[Occurrence], list[str]]:
        return ics.occurrences(await self.objects(start, end), start, end, self.tz)

    async def agenda(self, day: date) -> Agenda:
        start = datetime.combine(day, time(0), self.tz)
        items, bad = await self.between(start, start + timedelta(days=1))
        return Agenda(day, items, ics.conflicts(items), bad)

    async def clashes(self, start: datetime, end: datetime, skip_uid: str = "") -> list[Occurrence]:
        items, _ = await self.between(start, end)
        return [o for o in items if not o.all_day and o.uid != skip_uid and
                o.start < end and start < o.end]

    async def find(self, query: str, on: When | None = None) -> Occurrence:
        """The occurrence a plain-language reference means: best title match, soonest first.

        Looks at the next few months first, then (if nothing matches) years ahead.
        """
        if on is not None and on.date_given:
            start = datetime.combine(on.start.date(), time(0), self.tz)
            windows = [(start, start + timedelta(days=1))]
        else:
            now = self.now()
            windows = [(now - FIND_BACK, now + FIND_AHEAD), (now - FIND_BACK, now + FIND_FAR)]
        for window in windows:
            items, _ = await self.between(*window)
            found = self._best(query, items)
            if found is not None:
                return found
        when = f" on {windows[0][0]:%a %d %b}" if on is not None and on.date_given else ""
        raise NotFoundError(f"No event matching '{query}'{when} in your calendar.")

    def _best(self, query: str, items: list[Occurrence]) -> Occurrence | None:
        scored = [(match_score(query, o.summary), o) for o in items]
        best = max((s for s, _ in scored), default=0.0)
        if best < 0.5:
            return None
        now = self.now()
        candidates = [o for s, o in scored if s == best]
        upcoming = [o for o in candidates if o.end >= now] or candidates
        return upcoming[0]

    # changing ------------------------------------------------------------------------
    async def add(
        self, summary: str, start: datetime, end: datetime | None, *, all_day: bool = False,
        rrule: str | None = None, location: str = "",
    ) -> tuple[str, str]:
        uid, text = ics.new_event(summary, start, end, all_day=all_day, rrule=rrule,
                                  location=location)
        href = self.client.absolute(self.url + _slug(uid) + ".ics")
        await self.client.put(href, text, "text/calendar")
        return uid, href

    async def _fetch(self, occ: Occurrence) -> DavObject:
        return await self.client.get(occ.href)

    async def move(self, occ: Occurrence, start: datetime, end: datetime | None,
                   series: bool) -> None:
        obj = await self._fetch(occ)
        text = ics.move(obj.data, occ, start, end, series)
        await self.client.put(obj.href, text, "text/calendar", etag=obj.etag or None)

    async def cancel(self, occ: Occurrence, series: bool) -> None:
        obj = await self._fetch(occ)
        if occ.recurring and not series:
            await self.client.put(obj.href, ics.cancel_one(obj.data, occ), "text/calendar",
                                  etag=obj.etag or None)
        else:
            await self.client.delete(obj.href, obj.etag or None)

    async def occurrence_at(self, uid: str, start: datetime) -> Occurrence:
        """Find the exact occurrence (by uid and start) an approval was made for."""
        items, _ = await self.between(start - timedelta(minutes=1), start + timedelta(minutes=1))
        for o in items:
            if o.uid == uid and o.start == start:
                return o
        raise NotFoundError(
            f"The event approved for {start:%a %d %b %H:%M} is no longer there; nothing changed."
        )

    async def import_ics(self, text: str, source: str) -> int:
        cal = ics.parse_calendar(text, source)
        by_uid: dict[str, list[Any]] = {}
        for comp in cal.walk("VEVENT"):
            uid = str(comp.get("uid") or "")
            if not uid:
                raise InputError(f"{source} has an event without a UID; it cannot be imported.")
            by_uid.setdefault(uid, []).append(comp)
        import icalendar

        for uid, comps in by_uid.items():
            one = icalendar.Calendar()
            one.add("prodid", "-//os1//organise//EN")
            one.add("version", "2.0")
            for tz in cal.walk("VTIMEZONE"):
                one.add_component(tz)
            for comp in comps:
                one.add_component(comp)
            href = self.client.absolute(self.url + _slug(uid) + ".ics")
            await self.client.put(href, one.to_ical().decode(), "text/calendar")
        return len(by_uid)


def _slug(uid: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in uid)[:120]


def resolve_target(occ: Occurrence, target: When, tz: ZoneInfo) -> tuple[datetime, datetime | None]:
    """The new start/end for a move: a bare time keeps the day, a bare day keeps the time."""
    local = occ.start.astimezone(tz)
    if target.time_given and target.date_given:
        start = target.start
    elif target.time_given:
        start = datetime.combine(local.date(), target.start.timetz())
        start = start.replace(tzinfo=target.start.tzinfo)
    else:
        start = datetime.combine(target.start.date(), local.time(), tz)
    return start, target.end
