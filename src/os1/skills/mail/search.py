"""Search the local store with everyday phrases: "emails from Amy last month", "unread from
bob about the contract", "invoices since March 3". :func:`parse_query` is pure (it takes
``now``); :func:`search` runs it against the mail store (full-text search for the remaining
words: FTS5 in SQLite, tsvector in PostgreSQL).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from os1.db import Database
from os1.skills.mail.store import MailStore, Row, as_mail

_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
_MONTHS.update({m.lower(): i for i, m in enumerate(calendar.month_abbr) if m})
_FILLER = {"email", "emails", "mail", "mails", "message", "messages", "show", "me", "find",
           "all", "the", "my", "any", "search", "for", "with", "in", "of", "a", "an", "that",
           "which", "were", "was", "sent", "received", "got", "i"}


@dataclass
class Query:
    sender: str = ""
    recipient: str = ""
    words: list[str] = field(default_factory=list)
    since: float | None = None
    until: float | None = None
    unread: bool = False
    flagged: bool = False
    attachments: bool = False
    category: str = ""
    folder: str = ""


def _month_range(year: int, month: int) -> tuple[float, float]:
    start = datetime(year, month, 1)
    end = datetime(year + (month == 12), month % 12 + 1, 1)
    return start.timestamp(), end.timestamp()


def _time_phrase(text: str, now: datetime, q: Query) -> str:
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    rules: list[tuple[str, Any]] = [
        (r"\btoday\b", lambda m: (day, day + timedelta(days=1))),
        (r"\byesterday\b", lambda m: (day - timedelta(days=1), day)),
        (r"\bthis week\b", lambda m: (day - timedelta(days=day.weekday()), None)),
        (r"\blast week\b", lambda m: (day - timedelta(days=day.weekday() + 7),
                                      day - timedelta(days=day.weekday()))),
        (r"\b(?:in the )?(?:last|past) (\d+) days?\b",
         lambda m: (day - timedelta(days=int(m.group(1))), None)),
        (r"\bthis month\b", lambda m: (day.replace(day=1), None)),
        (r"\blast month\b", lambda m: tuple(datetime.fromtimestamp(x) for x in _month_range(
            now.year - (now.month == 1), (now.month - 2) % 12 + 1))),
        (r"\bthis year\b", lambda m: (day.replace(month=1, day=1), None)),
    ]
    for pattern, fn in rules:
        m = re.search(pattern, text)
        if m:
            start, end = fn(m)
            q.since = start.timestamp()
            q.until = end.timestamp() if end else None
            return text[: m.start()] + text[m.end():]
    m = re.search(r"\b(?:in|during) (" + "|".join(_MONTHS) + r")\b", text)
    if m:
        month = _MONTHS[m.group(1)]
        year = now.year if month <= now.month else now.year - 1
        q.since, q.until = _month_range(year, month)
        return text[: m.start()] + text[m.end():]
    return text


def parse_query(text: str, now: datetime | None = None) -> Query:
    now = now or datetime.now()
    q = Query()
    t = " " + text.lower().strip() + " "
    t = _time_phrase(t, now, q)
    for word, attr in (("unread", "unread"), ("flagged", "flagged"), ("starred", "flagged")):
        if re.search(rf"\b{word}\b", t):
            setattr(q, attr, True)
            t = re.sub(rf"\b{word}\b", " ", t)
    if re.search(r"\b(with|has|having) attachments?\b", t):
        q.attachments = True
        t = re.sub(r"\b(with|has|having) attachments?\b", " ", t)
    for cat in ("newsletter", "junk", "work", "personal"):
        if re.search(rf"\b{cat}s?\b", t) and not re.search(rf"\babout {cat}", t):
            q.category = cat
            t = re.sub(rf"\b{cat}s?\b", " ", t)
    m = re.search(r"\bfrom ([\w.@+-]+)", t)
    if m:
        q.sender, t = m.group(1), t[: m.start()] + t[m.end():]
    m = re.search(r"\bto ([\w.@+-]+)", t)
    if m:
        q.recipient, t = m.group(1), t[: m.start()] + t[m.end():]
    t = re.sub(r"\b(about|regarding|re|subject|mentioning|containing)\b", " ", t)
    q.words = [w for w in re.findall(r"[\w@.'-]+", t) if w not in _FILLER and len(w) > 1]
    return q


def filters(q: Query, mark: str, like: str) -> tuple[list[str], list[Any]]:
    """The WHERE conditions (and their arguments) for everything in ``q`` but its words, with
    ``mark`` as the placeholder and ``like`` the case-blind LIKE of the store's SQL."""
    where: list[str] = ["m.category NOT IN ('sent', 'draft')"]
    args: list[Any] = []
    if q.sender:
        where.append(f"(m.from_addr {like} {mark} OR m.from_name {like} {mark})")
        args += [f"%{q.sender}%", f"%{q.sender}%"]
    if q.recipient:
        where.append(f"m.to_addrs {like} {mark}")
        args.append(f"%{q.recipient}%")
    if q.since is not None:
        where.append(f"m.date >= {mark}")
        args.append(q.since)
    if q.until is not None:
        where.append(f"m.date < {mark}")
        args.append(q.until)
    if q.unread:
        where.append(f"m.flags NOT LIKE {mark}")
        args.append("%\\Seen%")
    if q.flagged:
        where.append(f"m.flags LIKE {mark}")
        args.append("%\\Flagged%")
    if q.attachments:
        where.append("m.attachments != '[]'")
    if q.category:
        where.append(f"m.category = {mark}")
        args.append(q.category)
    return where, args


def fts_words(q: Query) -> list[str]:
    """The remaining words as prefixes to look for (a plural's 's' dropped)."""
    return [w[:-1] if len(w) > 4 and w.endswith("s") else w for w in q.words]


def search(db: Database | MailStore, text: str, limit: int = 20, now: datetime | None = None
           ) -> list[Row]:
    return as_mail(db).search(parse_query(text, now), limit)
