"""Time phrases in questions ("what did I say last week?") as a (since, until) window.

Pure functions: the caller passes ``now``; local time decides where days and weeks start.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "a couple of": 2, "couple of": 2, "two": 2, "three": 3,
    "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "a few": 3, "few": 3, "several": 4,
}  # fmt: skip
_NUM = r"(\d{1,3}|a couple of|couple of|a few|few|several|an?|one|two|three|four|five|six|seven|eight|nine|ten)"
_UNIT = r"(day|week|month|year)s?"
_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_MONTHS = [
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december",
]  # fmt: skip


@dataclass(frozen=True)
class Window:
    query: str  # the question without the time phrase
    since: float | None
    until: float | None
    phrase: str = ""


def _day(d: datetime) -> datetime:
    return d.replace(hour=0, minute=0, second=0, microsecond=0)


def _month_start(d: datetime, back: int = 0) -> datetime:
    y, m = d.year, d.month - back
    while m < 1:
        m += 12
        y -= 1
    return _day(d).replace(year=y, month=m, day=1)


def _count(word: str) -> int:
    return int(word) if word.isdigit() else _NUMBERS.get(word.lower(), 1)


def _span(unit: str, n: int) -> timedelta:
    return {"day": timedelta(days=n), "week": timedelta(weeks=n),
            "month": timedelta(days=30 * n), "year": timedelta(days=365 * n)}[unit]  # fmt: skip


def _relative(m: re.Match[str], now: datetime) -> tuple[datetime, datetime]:
    """'N units ago' means that day/week/month, give or take a little."""
    unit, n = m.group(2).lower(), _count(m.group(1))
    centre = now - _span(unit, n)
    half = {"day": timedelta(hours=12), "week": timedelta(days=4),
            "month": timedelta(days=16), "year": timedelta(days=183)}[unit]  # fmt: skip
    if unit == "day":
        return _day(centre), _day(centre) + timedelta(days=1)
    return centre - half, centre + half


def _named_period(word: str, which: str, now: datetime) -> tuple[datetime, datetime]:
    today = _day(now)
    if word == "week":
        start = today - timedelta(days=today.weekday())
        return (start, now) if which == "this" else (start - timedelta(weeks=1), start)
    if word == "weekend":
        sat = today - timedelta(days=(today.weekday() - 5) % 7 or 7)
        if which == "this" and today.weekday() >= 5:
            sat = today - timedelta(days=today.weekday() - 5)
        return sat, sat + timedelta(days=2)
    if word == "month":
        start = _month_start(now)
        return (start, now) if which == "this" else (_month_start(now, 1), start)
    start = today.replace(month=1, day=1)
    return (start, now) if which == "this" else (start.replace(year=start.year - 1), start)


def _weekday(name: str, now: datetime) -> tuple[datetime, datetime]:
    today = _day(now)
    back = (today.weekday() - _WEEKDAYS.index(name)) % 7 or 7
    day = today - timedelta(days=back)
    return day, day + timedelta(days=1)


def _month(name: str, now: datetime) -> tuple[datetime, datetime]:
    idx = _MONTHS.index(name) + 1
    year = now.year if idx <= now.month else now.year - 1
    start = _day(now).replace(year=year, month=idx, day=1)
    end = start.replace(year=year + 1, month=1) if idx == 12 else start.replace(month=idx + 1)
    return start, end


_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(rf"\b(?:in|over|during|within)\s+the\s+(?:last|past)\s+{_NUM}\s+{_UNIT}\b", re.I), "past"),
    (re.compile(rf"\b(?:the\s+)?(?:last|past)\s+(\d{{1,3}}|two|three|four|five|six|seven|ten)\s+{_UNIT}\b", re.I), "past"),
    (re.compile(rf"\b{_NUM}\s+{_UNIT}\s+ago\b", re.I), "ago"),
    (re.compile(r"\b(this|last|past)\s+(week|weekend|month|year)\b", re.I), "period"),
    (re.compile(r"\blast\s+(" + "|".join(_WEEKDAYS) + r")\b", re.I), "weekday"),
    (re.compile(r"\b(?:on\s+)?(" + "|".join(_WEEKDAYS) + r")\b", re.I), "weekday?"),
    (re.compile(r"\blast\s+(" + "|".join(_MONTHS) + r")\b", re.I), "month"),
    (re.compile(r"\b(?:in|during)\s+(" + "|".join(_MONTHS) + r")\b", re.I), "month?"),
    (re.compile(r"\b(?:on\s+)?(\d{4}-\d{2}-\d{2})\b"), "date?"),
    (re.compile(r"\blast\s+night\b", re.I), "lastnight"),
    (re.compile(r"\b(today|tonight|this morning|this afternoon|this evening)\b", re.I), "today?"),
    (re.compile(r"\byesterday\b", re.I), "yesterday"),
]  # fmt: skip


def _window(kind: str, m: re.Match[str], now: datetime) -> tuple[datetime, datetime] | None:
    today = _day(now)
    if kind == "past":
        return now - _span(m.group(2).lower(), _count(m.group(1))), now
    if kind == "ago":
        return _relative(m, now)
    if kind == "period":
        which = "this" if m.group(1).lower() == "this" else "last"
        return _named_period(m.group(2).lower(), which, now)
    if kind == "weekday":
        return _weekday(m.group(1).lower(), now)
    if kind == "month":
        return _month(m.group(1).lower(), now)
    if kind == "date":
        try:
            day = datetime.fromisoformat(m.group(1)).replace(tzinfo=now.tzinfo)
        except ValueError:
            return None
        return day, day + timedelta(days=1)
    if kind == "lastnight":
        return today - timedelta(hours=6), today + timedelta(hours=6)
    if kind == "today":
        return today, now
    return today - timedelta(days=1), today  # yesterday


# "what do I have on Monday?" asks about plans, not about when something was said: phrases
# marked '?' above only set a window when the question is about the past
_PAST = re.compile(r"\b(did|said|say|told|tell|mention\w*|talk\w*|ask\w*|was|were|wrote|write)\b", re.I)


def parse_window(query: str, now: datetime | None = None) -> Window:
    """Find the first time phrase in ``query``; return the window and the query without it."""
    now = now or datetime.now().astimezone()
    past = bool(_PAST.search(query))
    for pattern, rule in _RULES:
        m = pattern.search(query)
        kind = rule.rstrip("?")
        if not m or (rule.endswith("?") and not past):
            continue
        if kind == "period" and m.group(1).lower() == "this" and not past:
            continue
        span = _window(kind, m, now)
        if span is None:
            continue
        rest = (query[: m.start()] + " " + query[m.end() :]).strip()
        rest = re.sub(r"\s+", " ", rest)
        return Window(rest, span[0].timestamp(), span[1].timestamp(), m.group(0))
    return Window(query, None, None)
