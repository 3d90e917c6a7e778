from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from os1.initiative.clock import ManualClock, SystemClock, day_key, local, next_at


async def test_manual_clock_travels_and_sleep_moves_time() -> None:
    c = ManualClock(datetime(2025, 1, 1, 23, 0, tzinfo=UTC))
    await c.sleep(3600)
    assert day_key(c) == "2025-01-02"
    c.advance(days=2, hours=1)
    assert local(c).isoformat() == "2025-01-04T01:00:00+00:00"


def test_next_at_is_strictly_later_and_respects_zone() -> None:
    tz = timezone(timedelta(hours=2))
    c = ManualClock(datetime(2025, 3, 10, 8, 0, tzinfo=tz), tz=tz)
    assert local(c, next_at(c, "08:00")) == datetime(2025, 3, 11, 8, 0, tzinfo=tz)
    assert local(c, next_at(c, "09:30")) == datetime(2025, 3, 10, 9, 30, tzinfo=tz)


async def test_system_clock_is_real_time() -> None:
    c = SystemClock()
    t = c.now()
    await c.sleep(0.01)
    assert c.now() > t
