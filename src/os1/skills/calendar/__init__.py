"""Calendar over CalDAV, and the DAV plumbing contacts share.

dav.py (async WebDAV client), accounts.py (server, login, settings), when.py (deterministic
date/time parser), phrases.py (plain-language requests), ics.py (iCalendar build/expand/edit),
service.py (one calendar collection), tools.py (the Tools). May import os1.db, os1.errors,
os1.skills.base; never the engine or the CLI.
"""

from __future__ import annotations

from datetime import date
from typing import Any


async def agenda(home: Any, day: date) -> list[str]:
    """One line per event on ``day`` (for the morning briefing): '09:30–10:00 Standup'."""
    from os1.skills.calendar.service import CalendarService

    async with await CalendarService.open(home.db, home.path) as svc:
        found = await svc.agenda(day)
    return [f"{o.summary} (all day)" if o.all_day else f"{o.start:%H:%M} {o.summary}"
            for o in found.items]
