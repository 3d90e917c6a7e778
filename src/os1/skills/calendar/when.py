"""A deterministic parser for the ways people say when: "Friday at 8", "tomorrow 3-4pm",
"next Tuesday at noon for 90 minutes", "every Monday at 9", "in 2 hours", "12 March 14:30",
"at 6 London time". No model is involved, so the same words always give the same time.

Pure functions: the caller passes ``now`` (an aware datetime). :func:`extract_when` returns
the time found plus the text with the time words removed (the "what" of a request).
Imports only the standard library.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_WD_CODES = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august",
          "september", "october", "november", "december"]
_NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
                 "six": 6, "ten": 10, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30,
                 "forty-five": 45, "ninety": 90}
# Words that make "at 8" mean the evening (or the morning) when no am/pm is given.
_EVENING = {"dinner", "supper", "tonight", "evening", "drinks", "party", "concert", "movie",
            "film", "date", "bar", "pub", "theatre", "theater", "show", "night"}
_MORNING = {"breakfast", "morning", "standup", "stand-up", "gym", "run", "jog", "coffee", "wake"}
_PERIODS = {"morning": time(9), "afternoon": time(14), "evening": time(19), "tonight": time(20),
            "noon": time(12), "midday": time(12), "midnight": time(0), "lunch": time(12, 30),
            "lunchtime": time(12, 30)}

_HOUR_NAMES = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
               "eleven", "twelve"]
HOUR_WORDS = "|".join(_HOUR_NAMES)  # "at six" as well as "at 6"

_WD = (r"(?P<wd>mon(?:day)?|tue(?:s|sday)?|wed(?:nesday)?|thu(?:r|rs|rsday)?|fri(?:day)?|"
       r"sat(?:urday)?|sun(?:day)?)s?")
_MON = (r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|"
        r"aug(?:ust)?|sep(?:t|tember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
_NUM = r"(?:\d+(?:\.\d+)?|an?|one|two|three|four|five|six|ten|twelve|fifteen|twenty|thirty|ninety)"
_CLOCK = r"(?:\d{1,2}(?::\d{2}|\.\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.)?|noon|midday|midnight)"

PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("every", re.compile(
        r"\b(?:every|each)\s+(?P<other>other\s+)?(?P<unit>day|weekday|week|month|year|"
        r"(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day(?:\s*(?:,|and)\s*)?)+)\b"
        r"|\b(?P<adverb>daily|weekly|fortnightly|monthly|yearly|annually)\b"
        r"|\bon\s+(?P<plural>(?:mon|tues|wednes|thurs|fri|satur|sun)days)\b")),
    ("iso", re.compile(r"\b(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})\b")),
    ("daymonth", re.compile(
        rf"\b(?:on\s+)?(?:the\s+)?(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MON}\b"
        r"(?:,?\s+(?P<y>\d{4}))?")),
    ("monthday", re.compile(
        rf"\b(?:on\s+)?{_MON}\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(?P<y>\d{{4}}))?")),
    ("ordinal", re.compile(r"\b(?:on\s+)?the\s+(?P<d>\d{1,2})(?:st|nd|rd|th)\b")),
    ("relative", re.compile(
        rf"\bin\s+(?P<n>{_NUM}|half\s+an)\s+(?P<unit>minutes?|mins?|hours?|hrs?|days?|weeks?)\b")),
    ("range", re.compile(
        rf"\b(?:from\s+|between\s+)?(?P<a>{_CLOCK})\s*(?:-|–|to|until|till|and)\s*(?P<b>{_CLOCK})\b")),
    ("duration", re.compile(
        rf"\bfor\s+(?P<n>{_NUM}|half\s+an)\s*(?P<unit>minutes?|mins?|hours?|hrs?|h)\b")),
    ("until", re.compile(rf"\b(?:until|till)\s+(?P<b>{_CLOCK})\b")),
    ("dayword", re.compile(
        r"\b(?P<w>(?:the\s+)?day\s+after\s+tomorrow|today|tonight|tomorrow|tmrw|next\s+week)\b")),
    ("weekday", re.compile(
        r"\b(?P<q>next|this|on|by|coming)\s+" + _WD + r"\b"
        r"|\b(?P<wd2>monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b")),
    ("halfpast", re.compile(
        r"\b(?:at\s+)?(?P<q>half|quarter)\s+(?P<rel>past|to)\s+(?P<h>\d{1,2}|" + HOUR_WORDS + r")\b"
        r"(?:\s*(?P<ap>am|pm))?")),
    ("clock", re.compile(
        r"(?:\b(?:at|@|by|around|from)\s+)(?P<t>\d{1,2}(?:[:.]\d{2})?|" + HOUR_WORDS + ")"
        r"(?:\s*(?P<ap>am|pm|a\.m\.|p\.m\.)|\s*o'?clock)?\b"
        r"|\b(?P<t2>\d{1,2}(?::\d{2})?)\s*(?P<ap2>am|pm|a\.m\.|p\.m\.)"
        r"|\b(?P<t3>\d{1,2}:\d{2})\b")),
    ("period", re.compile(
        r"\b(?:at\s+|in\s+the\s+|this\s+|at\s+|around\s+)?(?P<p>noon|midday|midnight|morning|"
        r"afternoon|evening)\b|\bat\s+(?P<p2>lunchtime|lunch)\b")),
]


@dataclass(frozen=True)
class When:
    start: datetime
    end: datetime | None
    all_day: bool
    rrule: str | None
    date_given: bool
    time_given: bool
    zone: str


@dataclass
class _Parts:
    day: date | None = None
    clock: tuple[int, int, str | None] | None = None  # hour, minute, "am"/"pm"/None
    end_clock: tuple[int, int, str | None] | None = None
    period: time | None = None
    duration: timedelta | None = None
    offset: timedelta | None = None
    rrule: str | None = None
    rrule_days: tuple[int, ...] = ()
    zone: str | None = None


def _number(word: str) -> float:
    word = re.sub(r"\s+", " ", word)
    if word == "half an":
        return 0.5
    return float(_NUMBER_WORDS[word]) if word in _NUMBER_WORDS else float(word)


def _unit_delta(n: float, unit: str) -> timedelta:
    if unit.startswith(("min",)):
        return timedelta(minutes=n)
    if unit.startswith(("h",)):
        return timedelta(hours=n)
    if unit.startswith("day"):
        return timedelta(days=n)
    return timedelta(weeks=n)


def _weekday_index(word: str) -> int:
    return next(i for i, name in enumerate(WEEKDAYS) if name.startswith(word[:3]))


def _month_index(word: str) -> int:
    return next(i for i, name in enumerate(MONTHS) if name.startswith(word[:3])) + 1


def _clock(text: str) -> tuple[int, int, str | None]:
    text = text.strip().replace("a.m.", "am").replace("p.m.", "pm")
    if text in ("noon", "midday"):
        return 12, 0, "pm"
    if text == "midnight":
        return 0, 0, "am"
    ap = "am" if text.endswith("am") else "pm" if text.endswith("pm") else None
    digits = text.removesuffix("am").removesuffix("pm").strip()
    if digits in _HOUR_NAMES:
        return _HOUR_NAMES.index(digits) + 1, 0, ap
    hh, _, mm = digits.replace(".", ":").partition(":")
    return int(hh), int(mm or 0), ap


@lru_cache(maxsize=1)
def _zones_by_city() -> dict[str, str]:
    out: dict[str, str] = {}
    for name in available_timezones():
        out.setdefault(name.rsplit("/", 1)[-1].lower().replace("_", " "), name)
    return out


def zone_named(word: str) -> str | None:
    """An IANA zone for 'UTC', 'Europe/Paris' or a city such as 'new york'."""
    word = word.strip().lower()
    if word in ("utc", "gmt"):
        return "UTC"
    if "/" in word:
        for name in available_timezones():
            if name.lower() == word:
                return name
        return None
    return _zones_by_city().get(word.replace("_", " "))


def _apply(kind: str, m: re.Match[str], parts: _Parts, today: date) -> bool:
    g = m.groupdict()
    if kind == "every":
        return _apply_every(g, parts)
    if kind == "relative":
        parts.offset = _unit_delta(_number(g["n"]), g["unit"])
    elif kind == "range":
        parts.clock, parts.end_clock = _clock(g["a"]), _clock(g["b"])
    elif kind == "duration":
        parts.duration = _unit_delta(_number(g["n"]), g["unit"] if g["unit"] != "h" else "hours")
    elif kind == "until":
        parts.end_clock = _clock(g["b"])
    elif kind == "iso":
        parts.day = date(int(g["y"]), int(g["m"]), int(g["d"]))
    elif kind == "ordinal":
        day = _month_day(int(g["d"]), today)
        if day is None:
            return False
        parts.day = day
    elif kind in ("daymonth", "monthday"):
        parts.day = _calendar_day(int(g["d"]), _month_index(g["mon"]), g["y"], today)
    elif kind == "dayword":
        w = re.sub(r"\s+", " ", g["w"]).removeprefix("the ")
        days = {"today": 0, "tonight": 0, "tomorrow": 1, "tmrw": 1, "day after tomorrow": 2}
        if w == "next week":
            parts.day = today + timedelta(days=7 - today.weekday())
        else:
            parts.day = today + timedelta(days=days[w])
        if w == "tonight":
            parts.period = _PERIODS["tonight"]
    elif kind == "weekday":
        parts.day = _weekday_day(g.get("wd") or g["wd2"], g.get("q"), today)
    elif kind == "halfpast":
        h = _clock(g["h"])[0]  # "half past 6" or "half past six"
        mins = 30 if g["q"] == "half" else 15
        before = (h - 1) or 12  # "quarter to one" is 12:45
        parts.clock = (h, mins, g["ap"]) if g["rel"] == "past" else (before, 60 - mins, g["ap"])
    elif kind == "clock":
        t = g["t"] or g["t2"] or g["t3"]
        ap = (g["ap"] or g["ap2"] or "").replace(".", "") or None
        hh, mm, _ = _clock(t)
        if hh > 23 or mm > 59:
            return False
        parts.clock = (hh, mm, ap)
    elif kind == "period":
        parts.period = _PERIODS[g["p"] or g["p2"]]
    return True


def _apply_every(g: dict[str, str | None], parts: _Parts) -> bool:
    interval = ";INTERVAL=2" if g.get("other") else ""
    unit = (g.get("unit") or g.get("adverb") or g.get("plural") or "").strip()
    simple = {"day": "DAILY", "daily": "DAILY", "week": "WEEKLY", "weekly": "WEEKLY",
              "month": "MONTHLY", "monthly": "MONTHLY", "year": "YEARLY", "yearly": "YEARLY",
              "annually": "YEARLY"}
    if unit == "fortnightly":
        parts.rrule = "FREQ=WEEKLY;INTERVAL=2"
    elif unit in simple:
        parts.rrule = f"FREQ={simple[unit]}{interval}"
    elif unit == "weekday":
        parts.rrule = "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"
        parts.rrule_days = (0, 1, 2, 3, 4)
    else:
        names = re.findall(r"(mon|tues|wednes|thurs|fri|satur|sun)", unit)
        days = sorted({_weekday_index(w) for w in names})
        parts.rrule = f"FREQ=WEEKLY{interval};BYDAY=" + ",".join(_WD_CODES[d] for d in days)
        parts.rrule_days = tuple(days)
    return True


def _calendar_day(d: int, m: int, year: str | None, today: date) -> date:
    if year:
        return date(int(year), m, d)
    candidate = date(today.year, m, d)
    return candidate if candidate >= today else date(today.year + 1, m, d)


def _month_day(d: int, today: date) -> date | None:
    """'the 14th': this month's if still ahead (or today), else the next month that has it."""
    year, month = today.year, today.month
    for _ in range(13):
        try:
            candidate = date(year, month, d)
        except ValueError:
            candidate = None
        if candidate is not None and candidate >= today:
            return candidate
        month, year = (1, year + 1) if month == 12 else (month + 1, year)
    return None


def _weekday_day(word: str, qualifier: str | None, today: date) -> date:
    target = _weekday_index(word)
    ahead = (target - today.weekday()) % 7 or 7
    day = today + timedelta(days=ahead)
    # "next Friday" said on a Monday means the Friday of next week, not this one.
    if qualifier == "next" and day.isocalendar()[1] == today.isocalendar()[1]:
        day += timedelta(days=7)
    return day


_ZONE_WORDS = re.compile(r"\b(?:utc|gmt)\b|\b[a-z]+/[a-z_]+(?:/[a-z_]+)?\b")


def find_zone(low: str) -> tuple[str, tuple[int, int]] | None:
    """'UTC', 'Europe/Paris', or '<city> time' such as 'new york time'."""
    for m in _ZONE_WORDS.finditer(low):
        zone = zone_named(m.group())
        if zone:
            return zone, m.span()
    for m in re.finditer(r"\btime\b", low):
        words = list(re.finditer(r"[a-z_]+", low[: m.start()]))[-3:]
        for k in range(len(words)):
            zone = zone_named(" ".join(w.group() for w in words[k:]))
            if zone:
                start = words[k].start()
                if low[:start].endswith("in "):
                    start -= 3
                return zone, (start, m.end())
    return None


def _scan(text: str, today: date) -> tuple[_Parts, list[tuple[int, int]]]:
    parts = _Parts()
    taken: list[tuple[int, int]] = []
    found = find_zone(text)
    if found:
        parts.zone, span = found
        taken.append(span)
    for kind, pattern in PATTERNS:
        for m in pattern.finditer(text):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue
            if _apply(kind, m, parts, today):
                taken.append(m.span())
    return parts, sorted(taken)


def _words(hint: str) -> set[str]:
    """The words of the text around a time that say morning or evening ("dinner at 8")."""
    return set(re.findall(r"[a-z-]+", hint))


def _hour24(hh: int, ap: str | None, hint: str) -> int:
    if ap == "am":
        return 0 if hh == 12 else hh
    if ap == "pm":
        return hh if hh == 12 else hh + 12
    if hh == 0 or hh > 12:
        return hh
    words = _words(hint)
    if words & _EVENING and hh < 12:
        return hh + 12
    if words & _MORNING:
        return hh
    # Nobody means 3 in the morning without saying so; 8-11 on their own are morning hours.
    return hh + 12 if hh <= 7 else hh


def _zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _resolve(parts: _Parts, now: datetime, hint: str, default_zone: str) -> When | None:
    zone_name = parts.zone or default_zone
    tz = _zone(zone_name)
    local_now = now.astimezone(tz)
    if parts.offset is not None and parts.offset < timedelta(days=1):
        start = (local_now + parts.offset).replace(second=0, microsecond=0)
        return When(start, _end(start, parts, hint), False, parts.rrule, True, True, zone_name)
    day = parts.day
    if day is None and parts.offset is not None:
        day = local_now.date() + parts.offset
    clock = _clock_time(parts, hint)
    if day is None and parts.rrule_days:
        day = _first_matching_day(parts.rrule_days, clock, local_now)
    date_given = day is not None
    if clock is None:
        if day is None and parts.rrule is None:
            return None
        start = datetime.combine(day or local_now.date(), time(0), tz)
        return When(start, None, True, parts.rrule, date_given, False, zone_name)
    start = datetime.combine(day or local_now.date(), clock, tz)
    if not date_given and start < local_now:
        start = _next_future(parts, clock, local_now, tz, hint)
    return When(start, _end(start, parts, hint), False, parts.rrule, date_given, True, zone_name)


def _first_matching_day(days: tuple[int, ...], clock: time | None, local_now: datetime) -> date:
    for ahead in range(8):
        day = local_now.date() + timedelta(days=ahead)
        if day.weekday() not in days:
            continue
        if ahead or clock is None or datetime.combine(day, clock, local_now.tzinfo) > local_now:
            return day
    return local_now.date()


def _clock_time(parts: _Parts, hint: str) -> time | None:
    if parts.clock is not None:
        hh, mm, ap = parts.clock
        if ap is None and parts.end_clock is not None and parts.end_clock[2] is not None:
            ap = parts.end_clock[2]  # "3-4pm": the pm belongs to both ends
            if ap == "pm" and parts.end_clock[0] < hh:
                ap = "am"
        return time(_hour24(hh, ap, hint) % 24, mm)
    return parts.period


def _next_future(parts: _Parts, clock: time, local_now: datetime, tz: tzinfo,
                 hint: str) -> datetime:
    """A time given without a day means its next occurrence ("at 6" said at 7pm is tomorrow;
    "at 7" said at 3pm is tonight, but "at 7 in the morning" is tomorrow's)."""
    today = local_now.date()
    morning = _words(hint) & _MORNING
    if parts.clock is not None and parts.clock[2] is None and clock.hour < 12 and not morning:
        evening = datetime.combine(today, time(clock.hour + 12, clock.minute), tz)
        if evening > local_now and parts.clock[0] != 12:
            return evening
    return datetime.combine(today + timedelta(days=1), clock, tz)


def _end(start: datetime, parts: _Parts, hint: str) -> datetime | None:
    if parts.duration is not None:
        return start + parts.duration
    if parts.end_clock is None:
        return None
    hh, mm, ap = parts.end_clock
    if ap is None and start.hour >= 12 and hh < 12:
        ap = "pm"
    end = datetime.combine(start.date(), time(_hour24(hh, ap, hint) % 24, mm), start.tzinfo)
    return end if end > start else end + timedelta(days=1)


_CONNECTORS = re.compile(
    r"\b(?:on|at|from|for|in|by|this|next|around|to|until|till|the)\s*$|^\s*(?:on|at|for|to)\b")


def extract_when(
    text: str, now: datetime, default_zone: str = "UTC", hint: str = ""
) -> tuple[str, When | None]:
    """Find the time in ``text``; return the rest of the text (cleaned) and the When or None."""
    low = text.lower()
    found = find_zone(low)
    parts, spans = _scan(low, now.astimezone(_zone(found[0] if found else default_zone)).date())
    when = _resolve(parts, now, hint + " " + low, default_zone) if spans else None
    if when is None:
        return text.strip(), None
    rest, pos = [], 0
    for a, b in spans:
        rest.append(text[pos:a])
        pos = b
    rest.append(text[pos:])
    what = " ".join(" ".join(rest).split())
    for _ in range(3):
        what = _CONNECTORS.sub("", what).strip(" ,.;-")
    return what, when


def parse_when(text: str, now: datetime, default_zone: str = "UTC", hint: str = "") -> When | None:
    return extract_when(text, now, default_zone, hint)[1]


def local_zone_name() -> str:
    """The IANA name of this machine's zone (TZ, then /etc/localtime), else UTC."""
    import os
    from pathlib import Path

    env = os.environ.get("TZ", "").lstrip(":")
    if env and zone_named(env):
        return env
    try:
        target = str(Path("/etc/localtime").resolve())
    except OSError:
        return "UTC"
    if "zoneinfo/" in target:
        name = target.split("zoneinfo/", 1)[1]
        if zone_named(name):
            return name
    return "UTC"
