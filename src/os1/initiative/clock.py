"""Time as a dependency: the scheduler, triggers and affect decay read the clock they are given.

``SystemClock`` is the real one. ``ManualClock`` lets tests (and the benchmark) travel through
days without waiting: its ``sleep`` moves time forward instead of blocking.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Protocol


class Clock(Protocol):
    """Seconds since the epoch, plus the time zone "8 in the morning" is meant in."""

    @property
    def tz(self) -> tzinfo: ...

    def now(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


def _local_zone() -> tzinfo:
    return datetime.now().astimezone().tzinfo or UTC


class SystemClock:
    def __init__(self, tz: tzinfo | None = None) -> None:
        self._tz = tz or _local_zone()

    @property
    def tz(self) -> tzinfo:
        return self._tz

    def now(self) -> float:
        return time.time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


class ManualClock:
    """A clock that only moves when told to (or when someone sleeps on it)."""

    def __init__(self, start: float | datetime = 1_750_000_000.0, tz: tzinfo = UTC):
        self._tz = tz
        self._now = start.timestamp() if isinstance(start, datetime) else float(start)

    @property
    def tz(self) -> tzinfo:
        return self._tz

    def now(self) -> float:
        return self._now

    def set(self, when: float | datetime) -> None:
        self._now = when.timestamp() if isinstance(when, datetime) else float(when)

    def advance(self, seconds: float = 0.0, *, hours: float = 0.0, days: float = 0.0) -> float:
        self._now += seconds + hours * 3600.0 + days * 86400.0
        return self._now

    async def sleep(self, seconds: float) -> None:
        self._now += max(0.0, seconds)
        await asyncio.sleep(0)  # let other tasks run, as a real sleep would


def local(clock: Clock, when: float | None = None) -> datetime:
    """``when`` (default: now) as an aware datetime in the clock's zone."""
    return datetime.fromtimestamp(clock.now() if when is None else when, tz=clock.tz)


def next_at(clock: Clock, hhmm: str, after: float | None = None) -> float:
    """The next moment (strictly after ``after``) when the local time reads ``hhmm``."""
    hour, minute = (int(p) for p in hhmm.split(":", 1))
    base = local(clock, after)
    target = base.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if target <= base:
        target += timedelta(days=1)
    return target.timestamp()


def day_key(clock: Clock, when: float | None = None) -> str:
    """The local calendar date, e.g. '2025-06-15': the idempotency key for once-a-day work."""
    return local(clock, when).date().isoformat()


def stamp(ts: float | None) -> str:
    """A short local time for people: 'Mon 16 Jun 08:00' ('-' for none)."""
    if not ts:
        return "-"
    return datetime.fromtimestamp(ts).strftime("%a %d %b %H:%M")
