"""iCalendar in and out: build events, read what the server holds, expand recurrences into
occurrences, move or cancel one occurrence or a whole series, and spot overlaps.

Pure functions over text and datetimes (no I/O). A corrupt object from the server is
skipped and reported by name, never allowed to hide the rest of the calendar.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

import icalendar
import recurring_ical_events

from os1.errors import InputError

_WD_CODES = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


@dataclass(frozen=True)
class Occurrence:
    uid: str
    summary: str
    start: datetime
    end: datetime
    all_day: bool
    location: str
    recurring: bool
    href: str
    etag: str

    def overlaps(self, other: Occurrence) -> bool:
        return self.start < other.end and other.start < self.end


def parse_calendar(text: str, source: str = "the calendar data") -> icalendar.Calendar:
    try:
        cal = icalendar.Calendar.from_ical(text)
    except (ValueError, IndexError, KeyError, TypeError) as exc:
        raise InputError(f"{source} is not valid iCalendar data ({exc}).") from exc
    if not isinstance(cal, icalendar.Calendar) or not list(cal.walk("VEVENT")):
        raise InputError(f"{source} holds no calendar event.")
    return cal


def new_event(
    summary: str,
    start: datetime,
    end: datetime | None,
    *,
    all_day: bool = False,
    rrule: str | None = None,
    location: str = "",
    uid: str | None = None,
) -> tuple[str, str]:
    """Return (uid, ics text) for a new event; the zone of ``start`` is kept as its TZID."""
    uid = uid or f"{uuid.uuid4()}@os1"
    cal = icalendar.Calendar()
    cal.add("prodid", "-//os1//organise//EN")
    cal.add("version", "2.0")
    ev = icalendar.Event()
    ev.add("uid", uid)
    ev.add("dtstamp", datetime.now(start.tzinfo).astimezone(_utc()))
    ev.add("summary", summary)
    if all_day:
        ev.add("dtstart", start.date())
        ev.add("dtend", (end or start).date() + timedelta(days=1 if end is None else 0))
    else:
        ev.add("dtstart", start)
        ev.add("dtend", end or start + timedelta(hours=1))
    if rrule:
        ev.add("rrule", icalendar.vRecur.from_ical(rrule))
    if location:
        ev.add("location", location)
    cal.add_component(ev)
    cal.add_missing_timezones()
    return uid, _text(cal)


def _text(cal: icalendar.Calendar) -> str:
    return bytes(cal.to_ical()).decode()


def _utc() -> tzinfo:
    from zoneinfo import ZoneInfo

    return ZoneInfo("UTC")


def _as_datetime(value: date | datetime, tz: tzinfo) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)
    return datetime.combine(value, time(0), tz)


def occurrences(
    objects: Iterable[Any], start: datetime, end: datetime, tz: tzinfo
) -> tuple[list[Occurrence], list[str]]:
    """Every occurrence between ``start`` and ``end`` of the DavObjects given, sorted, in ``tz``.

    Also returns the names of objects that could not be read (they are skipped, not fatal).
    """
    out: list[Occurrence] = []
    bad: list[str] = []
    for obj in objects:
        try:
            cal = parse_calendar(obj.data, obj.href)
            comps = recurring_ical_events.of(cal).between(start, end)
        except (InputError, ValueError, KeyError, TypeError) as exc:
            bad.append(f"{obj.href.rsplit('/', 1)[-1]} ({getattr(exc, 'message', exc)})")
            continue
        master_rrule = any(ev.get("rrule") for ev in cal.walk("VEVENT"))
        for comp in comps:
            out.append(_occurrence(comp, obj, tz, master_rrule))
    out.sort(key=lambda o: (o.start, o.summary))
    return out, bad


def _occurrence(comp: Any, obj: Any, tz: tzinfo, recurring: bool) -> Occurrence:
    raw_start = comp.decoded("dtstart")
    all_day = not isinstance(raw_start, datetime)
    start = _as_datetime(raw_start, tz).astimezone(tz)
    if comp.get("dtend") is not None:
        end = _as_datetime(comp.decoded("dtend"), tz).astimezone(tz)
    elif comp.get("duration") is not None:
        end = start + comp.decoded("duration")
    else:
        end = start + (timedelta(days=1) if all_day else timedelta(0))
    return Occurrence(
        uid=str(comp.get("uid", "")),
        summary=str(comp.get("summary", "(no title)")),
        start=start,
        end=end,
        all_day=all_day,
        location=str(comp.get("location", "")),
        recurring=recurring,
        href=obj.href,
        etag=obj.etag,
    )


def _master(cal: icalendar.Calendar) -> Any:
    for ev in cal.walk("VEVENT"):
        if ev.get("recurrence-id") is None:
            return ev
    raise InputError("The event has no main entry to change.")


def _same_kind(template: date | datetime, value: datetime) -> date | datetime:
    """Express ``value`` the way the event stores times (date, floating, or in its zone)."""
    if not isinstance(template, datetime):
        return value.date()
    if template.tzinfo is None:
        return value.replace(tzinfo=None)
    return value.astimezone(template.tzinfo)


def move(
    text: str, occ: Occurrence, new_start: datetime, new_end: datetime | None, series: bool
) -> str:
    """Move one occurrence (an override for recurring events) or the whole series."""
    cal = parse_calendar(text)
    ev = _master(cal)
    duration = occ.end - occ.start
    new_end = new_end or new_start + duration
    if not occ.recurring or series:
        old = ev.decoded("dtstart")
        delta = new_start - _as_datetime(occ.start, new_start.tzinfo or _utc())
        first = _as_datetime(old, occ.start.tzinfo or _utc()) + delta
        _set(ev, "dtstart", _same_kind(old, first))
        _set(ev, "dtend", _same_kind(old, first + (new_end - new_start)))
        ev.pop("duration", None)
        if ev.get("rrule") and delta.days:
            _shift_byday(ev, delta.days)
    else:
        override = icalendar.Event()
        for key in ("uid", "summary", "location", "description"):
            if ev.get(key) is not None:
                override.add(key, ev.get(key))
        old = ev.decoded("dtstart")
        override.add("recurrence-id", _same_kind(old, occ.start))
        override.add("dtstart", _same_kind(old, new_start))
        override.add("dtend", _same_kind(old, new_end))
        override.add("dtstamp", datetime.now(_utc()))
        _drop_override(cal, occ)
        cal.add_component(override)
    _bump(ev)
    return _text(cal)


def cancel_one(text: str, occ: Occurrence) -> str:
    """Cancel one occurrence of a recurring event (an EXDATE), keeping the rest."""
    cal = parse_calendar(text)
    ev = _master(cal)
    ev.add("exdate", _same_kind(ev.decoded("dtstart"), occ.start))
    _drop_override(cal, occ)
    _bump(ev)
    return _text(cal)


def _drop_override(cal: icalendar.Calendar, occ: Occurrence) -> None:
    for sub in list(cal.subcomponents):
        rid = sub.get("recurrence-id")
        if rid is not None and _as_datetime(sub.decoded("recurrence-id"), occ.start.tzinfo or
                                            _utc()) == occ.start:
            cal.subcomponents.remove(sub)


def _set(ev: Any, key: str, value: date | datetime) -> None:
    ev.pop(key, None)
    ev.add(key, value)


def _bump(ev: Any) -> None:
    seq = int(ev.get("sequence", 0)) + 1
    ev.pop("sequence", None)
    ev.add("sequence", seq)
    _set(ev, "dtstamp", datetime.now(_utc()))


def _shift_byday(ev: Any, days: int) -> None:
    rule: Any = ev["rrule"]
    if "BYDAY" not in rule:
        return
    shifted = []
    for code in rule["BYDAY"]:
        code = str(code)
        prefix, wd = code[:-2], code[-2:]
        shifted.append(prefix + _WD_CODES[(_WD_CODES.index(wd) + days) % 7])
    rule["BYDAY"] = shifted


def conflicts(occs: list[Occurrence]) -> list[tuple[Occurrence, Occurrence]]:
    """Pairs of timed occurrences that overlap (all-day entries do not block time)."""
    timed = sorted((o for o in occs if not o.all_day), key=lambda o: o.start)
    out = []
    for i, a in enumerate(timed):
        for b in timed[i + 1 :]:
            if b.start >= a.end:
                break
            if a.overlaps(b):
                out.append((a, b))
    return out
