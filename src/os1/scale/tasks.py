"""Background work as jobs on the Postgres queue (os1.scale.queue), for when
``server.database_url`` is set: ``os1 daemon`` then hands what is due to the queue instead of
running it in its own process, and any number of ``os1 worker`` processes, on any host that
sees the home, do it.

``initiative_tick`` runs everything due in one home's scheduler: reminders, the morning
briefing, check-ins, letters worth a book, and reflection (consolidating finished sessions
into summaries and insights), the same handlers ``os1 daemon`` runs in-process without
Postgres. A worker that dies mid-job loses its lease and another worker takes the job over;
the scheduler's own claims keep every item to one run even then.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

INITIATIVE_TICK = "os1.scale.tasks:initiative_tick"


async def initiative_tick(args: dict[str, Any]) -> str:
    """Job: run what is due in the scheduler of the home at ``args["home"]``."""
    from os1.home import Home
    from os1.initiative.daemon import Daemon

    home = Home.open(Path(str(args["home"])))
    try:
        fired = await Daemon(home).tick()
    finally:
        home.close()
    done = sum(1 for f in fired if f.status == "done")
    return f"{len(fired)} item(s) run, {done} done"


def tick_key(home: Path, due: float, now: float) -> str:
    """One job per home and earliest due minute, so enqueueing it again while it waits adds
    nothing; and a new one every five minutes, should a job have given up on it."""
    return f"initiative:{home.resolve()}:{int(due // 60)}:{int(now // 300)}"


__all__ = ["INITIATIVE_TICK", "initiative_tick", "tick_key"]
