"""How responsive the server is (event-loop lag, GC pauses, for /api/health), and the GC policy
that keeps it responsive.

Every token of every conversation waits for the one event loop, so anything that blocks it
(a slow query, a long GC pass) shows up here first. With thousands of connections the heap
holds millions of objects and CPython's full collection scans them all: over a second here.
So at every tick (TICK_S) what is alive is frozen (gc.freeze, which only moves a list): a
collection then scans only objects born since the last tick. Freezing only after each full
pass, as this did before, still left full passes of 110-250 ms every few seconds at 8,316
sessions (bench/serve.py); freezing at every tick brought the longest pause under 20 ms.
Cyclic garbage among frozen objects waits for the rescan: every RESCAN_S everything is
unfrozen and collected, at the price of one full-length pass per period. Files and sockets
do not wait for it: os1 closes them explicitly.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections import deque
from typing import Any

TICK_S = 0.05
RESCAN_S = 600.0


def _summary(values: deque[float]) -> dict[str, float]:
    if not values:
        return {"p50": 0.0, "p99": 0.0, "max": 0.0}
    ordered = sorted(values)

    def ms(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 2)

    return {"p50": ms(0.5), "p99": ms(0.99), "max": ms(1.0)}


class LoopWatch:
    """Lag of a 50 ms timer over the last minute, and GC pauses, in milliseconds."""

    def __init__(self) -> None:
        self.lag: deque[float] = deque(maxlen=int(60 / TICK_S))
        self.gc_pauses: deque[float] = deque(maxlen=1000)
        self._gc_start = 0.0

    def _on_gc(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._gc_start = time.perf_counter()
        else:
            self.gc_pauses.append(time.perf_counter() - self._gc_start)

    async def run(self) -> None:
        gc.callbacks.append(self._on_gc)
        rescan_at = time.monotonic() + RESCAN_S
        try:
            while True:
                t0 = time.perf_counter()
                await asyncio.sleep(TICK_S)
                self.lag.append(max(0.0, time.perf_counter() - t0 - TICK_S))
                gc.freeze()
                if time.monotonic() > rescan_at:
                    rescan_at = time.monotonic() + RESCAN_S
                    gc.unfreeze()
        finally:
            gc.callbacks.remove(self._on_gc)
            gc.unfreeze()

    def stats(self) -> dict[str, Any]:
        return {"loop_lag_ms": _summary(self.lag), "gc_pause_ms": _summary(self.gc_pauses),
                "gc_passes": len(self.gc_pauses), "gc_frozen_objects": gc.get_freeze_count()}


__all__ = ["LoopWatch"]
