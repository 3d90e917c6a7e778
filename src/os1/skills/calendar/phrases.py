"""Plain-language calendar requests split into what and when, without a model.

"dinner with Amy on Friday at 8"              -> add "Dinner with Amy", Fri 20:00
"move dinner with Amy to Friday at 8"         -> find "dinner with Amy", new time Fri 20:00
"move standup from Monday to Tuesday"         -> find "standup" on Monday, to Tuesday
"cancel yoga on Wednesday" / "cancel all yoga" -> find, cancel one / the series
Pure functions; imports only when.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from os1.errors import InputError
from os1.skills.calendar.when import When, extract_when

_MOVE = re.compile(r"^\s*(?:please\s+)?(?:move|reschedule|push|shift|change|put)\s+(?P<rest>.+)$",
                   re.I)
_CANCEL = re.compile(
    r"^\s*(?:please\s+)?(?:cancel|delete|remove|drop|call\s+off)\s+(?P<all>all\s+(?:of\s+)?|"
    r"every\s+|the\s+whole\s+)?(?P<rest>.+?)(?P<series>\s+(?:series|for\s+good|altogether))?\s*$",
    re.I)
_ADD = re.compile(r"^\s*(?:please\s+)?(?:add|schedule|book|put\s+in|create|new\s+event:?)\s+",
                  re.I)
_STOP = {"the", "my", "a", "an", "our", "with", "event", "meeting", "appointment", "and", "of"}


@dataclass(frozen=True)
class AddRequest:
    summary: str
    when: When


@dataclass(frozen=True)
class MoveRequest:
    query: str
    source: When | None  # "from Monday": which occurrence
    target: When
    series: bool


@dataclass(frozen=True)
class CancelRequest:
    query: str
    on: When | None
    series: bool


def _tidy_summary(text: str) -> str:
    text = re.sub(r"^(?:an?|the)\s+", "", text.strip(" ,.;:-"), flags=re.I)
    return text[:1].upper() + text[1:] if text else text


def parse_add(text: str, now: datetime, zone: str) -> AddRequest:
    body = _ADD.sub("", text, count=1)
    body = re.sub(r"\s+(?:to|in|on(?:to)?)\s+(?:my|the)\s+(?:calendar|diary|agenda)\b", "", body,
                  flags=re.I)
    what, when = extract_when(body, now, zone)
    if when is None:
        raise InputError(f"I could not find a day or time in '{text}'; say e.g. 'Friday at 8'.")
    summary = _tidy_summary(re.sub(r"\s+(?:on|at)\s*$", "", what))
    if not summary:
        raise InputError(f"'{text}' says when but not what; add a title, e.g. 'Dinner with Amy'.")
    return AddRequest(summary, when)


def _split_target(rest: str, now: datetime, zone: str) -> tuple[str, When] | None:
    """Split at the last ' to ' whose right side is a time ("trip to Paris to Monday")."""
    for m in reversed(list(re.finditer(r"\s(?:to|until|till)\s", rest, re.I))):
        left, right = rest[: m.start()], rest[m.end() :]
        leftover, when = extract_when(right, now, zone, hint=left)
        if when is not None and not leftover.strip():
            return left, when
    return None


def parse_move(text: str, now: datetime, zone: str) -> MoveRequest:
    m = _MOVE.match(text)
    if not m:
        raise InputError(f"'{text}' is not a move; say e.g. 'move dinner to Friday at 8'.")
    rest = m.group("rest")
    series = bool(re.search(r"\b(?:all|every|whole series|series)\b", rest, re.I))
    rest = re.sub(r"\b(?:all\s+(?:of\s+)?(?:the\s+)?|every\s+|the\s+whole\s+series\s+of\s+)", "",
                  rest, flags=re.I)
    split = _split_target(rest, now, zone)
    if split is None:
        raise InputError(f"I could not tell the new time in '{text}'; say '... to Friday at 8'.")
    left, target = split
    source: When | None = None
    fm = re.search(r"\s+from\s+(?P<src>.+)$", left, re.I)
    if fm:
        leftover, source = extract_when(fm.group("src"), now, zone, hint=left)
        if source is not None and not leftover.strip():
            left = left[: fm.start()]
        else:
            source = None
    query, on = extract_when(left, now, zone)
    if source is None and on is not None and on.date_given:
        source = on
    else:
        query = left
    if not query.strip():
        raise InputError(f"'{text}' does not say which event to move.")
    return MoveRequest(query.strip(), source, target, series)


def parse_cancel(text: str, now: datetime, zone: str) -> CancelRequest:
    m = _CANCEL.match(text)
    if not m:
        raise InputError(f"'{text}' is not a cancellation; say e.g. 'cancel yoga on Monday'.")
    query, on = extract_when(m.group("rest"), now, zone)
    if on is not None and not on.date_given and on.rrule is None:
        on = None
        query = m.group("rest")
    series = bool(m.group("all") or m.group("series"))
    if not query.strip():
        raise InputError(f"'{text}' does not say which event to cancel.")
    return CancelRequest(query.strip(), None if series else on, series)


def words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9']+", text.lower()) if w not in _STOP}


def match_score(query: str, summary: str) -> float:
    """How well an event title answers a query: share of the query's words it contains."""
    q, s = words(query), words(summary)
    if not q:
        return 0.0
    hits = sum(1 for w in q if w in s or any(_close(w, x) for x in s))
    return hits / len(q)


def _close(a: str, b: str) -> bool:
    if len(a) < 4 or len(b) < 4:
        return False
    if a.rstrip("s") == b.rstrip("s"):
        return True
    from difflib import SequenceMatcher

    return SequenceMatcher(None, a, b).ratio() >= 0.85
