"""PgRateLimiter: os1.server.auth.RateLimiter's meaning, counted in PostgreSQL, so several
``os1 serve`` processes behind one database share one count per key (a password guesser
gains nothing by spreading tries over servers). Times are wall-clock seconds, which every
process agrees on."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from os1.scale.pool import Pool, pool_for


class PgRateLimiter:
    def __init__(self, url: str, name: str, limit: int, window_s: float,
                 clock: Callable[[], float] = time.time, pool: Pool | None = None) -> None:
        self.pool = pool or pool_for(url)
        self.name = name
        self.limit = limit
        self.window_s = window_s
        self.clock = clock

    def retry_after(self, key: str) -> float:
        """Seconds until ``key`` may try again; 0 when it may now."""
        now = self.clock()

        def work(cur: Any) -> Any:
            cur.execute("DELETE FROM rate_hits WHERE limiter=%s AND key=%s AND ts <= %s",
                        (self.name, key, now - self.window_s))
            cur.execute("SELECT count(*) AS n, min(ts) AS first FROM rate_hits "
                        "WHERE limiter=%s AND key=%s", (self.name, key))
            return cur.fetchone()

        row = self.pool.run(work)
        if row["n"] < self.limit:
            return 0.0
        return max(0.0, float(row["first"]) + self.window_s - now)

    def hit(self, key: str) -> None:
        self.pool.run(lambda cur: cur.execute(
            "INSERT INTO rate_hits (limiter, key, ts) VALUES (%s, %s, %s)",
            (self.name, key, self.clock())))

    def reset(self, key: str) -> None:
        self.pool.run(lambda cur: cur.execute(
            "DELETE FROM rate_hits WHERE limiter=%s AND key=%s", (self.name, key)))


__all__ = ["PgRateLimiter"]
