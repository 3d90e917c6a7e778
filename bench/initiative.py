"""Benchmark: the scheduler, the initiative loop over 30 simulated days, affect and journal.

Prints a table and writes bench/results/initiative.json. Run: python bench/initiative.py
"""

from __future__ import annotations

import asyncio
import json
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from os1.db import Database
from os1.home import Home
from os1.initiative.clock import ManualClock, day_key
from os1.initiative.daemon import Daemon
from os1.initiative.scheduler import HandlerContext, Item, Scheduler
from os1.mind.affect import Affect, appraise
from os1.mind.journal import Journal

RESULTS = Path(__file__).parent / "results"
N_ITEMS = 5000
TEXTS = [
    "I had such a hard day, my boss yelled at me and I'm exhausted.",
    "Thank you, that really helped!",
    "We went to the beach with Amy and laughed all afternoon.",
    "Can you remind me to call my sister at six?",
    "I'm not happy about the deadline at all.",
]


async def scheduler_figures(folder: Path) -> dict[str, float]:
    db = Database(folder / "sched.db")
    clock = ManualClock(datetime(2025, 6, 16, 7, tzinfo=UTC))
    s = Scheduler(db, clock)

    async def noop(item: Item, ctx: HandlerContext) -> str:
        return "ok"

    s.register_handler("noop", noop)
    t0 = time.perf_counter()
    for i in range(N_ITEMS):
        s.schedule(clock.now() + i, "noop", {"n": i}, key=f"k{i}")
    schedule_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    for i in range(0, N_ITEMS, 10):  # idempotent re-schedules: what the planner does each tick
        s.schedule(clock.now() + i, "noop", {"n": i}, key=f"k{i}")
    reschedule_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    fired = await s.run_due(clock.now() + N_ITEMS, limit=N_ITEMS)
    run_s = time.perf_counter() - t0
    assert len(fired) == N_ITEMS
    db.close()
    return {
        "schedule_per_s": N_ITEMS / schedule_s,
        "reschedule_same_key_per_s": (N_ITEMS / 10) / reschedule_s,
        "run_due_items_per_s": N_ITEMS / run_s,
    }


async def month_figures(folder: Path) -> dict[str, float]:
    home = Home.open(folder / "home")
    clock = ManualClock(datetime(2025, 6, 1, 6, tzinfo=UTC))
    affect = Affect(home.db, clock)
    d = Daemon(home, clock, poll_s=6 * 3600)
    for day in range(30):  # a reminder a day, and a hard day every week
        d.scheduler.schedule(clock.now() + day * 86400 + 11 * 3600, "reminder",
                             {"text": f"stretch {day}"})
    tick_ms: list[float] = []
    t0 = time.perf_counter()
    end = clock.now() + 30 * 86400
    fired = 0
    hard = {f"2025-06-{d:02d}" for d in (2, 9, 16, 23)}  # one hard day a week
    while clock.now() < end:
        today = day_key(clock)
        if today in hard:
            affect.observe_turn("What an awful day, I'm so stressed")
            hard.discard(today)
        t1 = time.perf_counter()
        fired += len(await d.tick())
        tick_ms.append((time.perf_counter() - t1) * 1000)
        await clock.sleep(d._wait_s(end))
    wall = time.perf_counter() - t0
    kinds: dict[str, int] = {}
    for m in d.inbox.recent(1000):
        kinds[m.kind] = kinds.get(m.kind, 0) + 1
    home.close()
    return {
        "month_wall_s": wall,
        "month_items_fired": fired,
        "month_briefings": kinds.get("briefing", 0),
        "month_reminders": kinds.get("reminder", 0),
        "month_checkins": kinds.get("checkin", 0),
        "tick_ms_p50": statistics.median(tick_ms),
        "tick_ms_max": max(tick_ms),
    }


async def mind_figures(folder: Path) -> dict[str, float]:
    n = 2000
    t0 = time.perf_counter()
    for i in range(n):
        appraise(TEXTS[i % len(TEXTS)])
    appraise_us = (time.perf_counter() - t0) / n * 1e6
    home = Home.open(folder / "mind")
    clock = ManualClock(datetime(2025, 6, 16, 19, tzinfo=UTC))
    affect = Affect(home.db, clock)
    t0 = time.perf_counter()
    for i in range(500):
        affect.observe_turn(TEXTS[i % len(TEXTS)], "I'm here.")
        clock.advance(60)
    observe_ms = (time.perf_counter() - t0) / 500 * 1000
    journal = Journal(home.db, home.episodes, clock=clock, affect=affect)
    sessions = []
    for s in range(20):
        sid = home.episodes.new_session(started=clock.now())
        for i in range(10):
            clock.advance(30)
            home.episodes.add_turn(sid, "user", TEXTS[(s + i) % len(TEXTS)], created=clock.now())
            home.episodes.add_turn(sid, "assistant", "Tell me more?", created=clock.now())
        home.episodes.end_session(sid)
        sessions.append(sid)
    t0 = time.perf_counter()
    for sid in sessions:
        await journal.reflect(sid)
    reflect_ms = (time.perf_counter() - t0) / len(sessions) * 1000
    home.close()
    return {"appraise_us": appraise_us, "observe_turn_ms": observe_ms,
            "reflect_ms_no_model": reflect_ms}


async def main() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        out: dict[str, Any] = {}
        out.update(await scheduler_figures(folder))
        out.update(await month_figures(folder))
        out.update(await mind_figures(folder))
    return out


if __name__ == "__main__":
    results = asyncio.run(main())
    width = max(len(k) for k in results)
    print(f"{'figure':<{width}}  value")
    for key, value in results.items():
        shown = f"{value:,.1f}" if isinstance(value, float) else str(value)
        print(f"{key:<{width}}  {shown}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "initiative.json").write_text(json.dumps(results, indent=2) + "\n")
