"""A durable job queue on Postgres: background work that survives worker crashes.

A job is a task path (``package.module:function``) and JSON arguments. A worker claims one with
``SELECT ... FOR UPDATE SKIP LOCKED`` (concurrent workers never block on or take the same row)
and holds a lease it renews while the task runs. A worker that dies stops renewing; when its
lease runs out another worker claims the job again (up to ``max_attempts``). Finishing is
fenced by the claim (``locked_by`` + attempt number), so a worker that lost its lease can never
overwrite the result of the one that took over. Run one with
``python -m os1.scale.queue URL [--queue NAME]``.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import inspect
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from os1.errors import InputError, NotFoundError, StorageError
from os1.scale.db import connect, migrate
from os1.scale.pool import pool_for

CLAIM = """
UPDATE jobs SET status='running', attempts=attempts+1, locked_by=%(me)s,
       locked_until=now() + make_interval(secs => %(lease)s)
WHERE id = (
    SELECT id FROM jobs
    WHERE queue = %(queue)s AND attempts < max_attempts AND (
        (status = 'todo' AND run_after <= now())
        OR (status = 'running' AND locked_until < now()))
    ORDER BY id FOR UPDATE SKIP LOCKED LIMIT 1)
RETURNING id, task, args, attempts
"""
log = logging.getLogger("os1.scale")
# jobs whose last allowed attempt died with its worker
GIVE_UP = """
UPDATE jobs SET status='failed', error='the worker stopped (lease expired) on the last attempt',
       finished=now()
WHERE queue=%s AND status='running' AND locked_until < now() AND attempts >= max_attempts
"""


@dataclass(frozen=True)
class Job:
    id: int
    task: str
    args: dict[str, Any]
    attempt: int


def resolve(task: str) -> Callable[..., Any]:
    module, _, name = task.partition(":")
    try:
        fn = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as exc:
        raise NotFoundError(f"No task '{task}': give it as package.module:function.") from exc
    if not callable(fn):
        raise NotFoundError(f"'{task}' is not a function.")
    return fn  # type: ignore[no-any-return]


class Queue:
    """Enqueue and inspect jobs. Thread-safe: statements go through the URL's connection pool
    (os1.scale.pool), which replaces a connection the database dropped, so a server that
    holds a Queue from its start keeps enqueueing after a Postgres restart."""

    def __init__(self, url: str, name: str = "default") -> None:
        migrate(url)
        self.url, self.name = url, name
        self.pool = pool_for(url)

    def _one(self, sql: str, params: Any) -> Any:
        rows = self.pool.rows(sql, params)
        return rows[0] if rows else None

    def enqueue(
        self, task: str, args: dict[str, Any] | None = None, *, key: str | None = None,
        delay_s: float = 0.0, max_attempts: int = 3,
    ) -> int:  # fmt: skip
        """Add a job; with ``key`` a second enqueue of the same key returns the first job."""
        from psycopg.types.json import Jsonb

        if ":" not in task:
            raise InputError(f"A task is named package.module:function, not '{task}'.")
        row = self._one(
            "INSERT INTO jobs (queue, task, args, key, run_after, max_attempts) VALUES "
            "(%s, %s, %s, %s, now() + make_interval(secs => %s), %s) "
            "ON CONFLICT (key) DO UPDATE SET key = EXCLUDED.key RETURNING id",
            (self.name, task, Jsonb(args or {}), key, delay_s, max_attempts),
        )
        return int(row["id"])

    def get(self, job_id: int) -> dict[str, Any]:
        row = self._one("SELECT * FROM jobs WHERE id=%s", (job_id,))
        if row is None:
            raise NotFoundError(f"No job {job_id}.")
        return dict(row)

    def counts(self) -> dict[str, int]:
        rows = self.pool.rows(
            "SELECT status, count(*) AS n FROM jobs WHERE queue=%s GROUP BY status", (self.name,)
        )
        return {str(r["status"]): int(r["n"]) for r in rows}


class Worker:
    """Claims and runs jobs one at a time; its lease is renewed every third of ``lease_s``."""

    def __init__(self, url: str, queue: str = "default", lease_s: float = 30.0) -> None:
        migrate(url)
        self.url, self.queue, self.lease_s = url, queue, lease_s
        self.me = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self._conn = connect(url, autocommit=True)

    def claim(self) -> Job | None:
        self._conn.execute(GIVE_UP, (self.queue,))
        row = self._conn.execute(
            CLAIM, {"me": self.me, "lease": self.lease_s, "queue": self.queue}
        ).fetchone()
        return None if row is None else Job(int(row[0]), row[1], dict(row[2]), int(row[3]))

    def _renew(self, job: Job, stop: threading.Event) -> None:
        conn = connect(self.url, autocommit=True)  # its own connection: the task may hold ours
        try:
            while not stop.wait(self.lease_s / 3):
                conn.execute(
                    "UPDATE jobs SET locked_until = now() + make_interval(secs => %s) "
                    "WHERE id=%s AND locked_by=%s AND attempts=%s AND status='running'",
                    (self.lease_s, job.id, self.me, job.attempt),
                )
        finally:
            conn.close()

    def run(self, job: Job) -> bool:
        """Run a claimed job; False when the lease was lost and the result was discarded."""
        stop = threading.Event()
        renewer = threading.Thread(target=self._renew, args=(job, stop), daemon=True)
        renewer.start()
        try:
            out = resolve(job.task)(job.args)
            if inspect.isawaitable(out):
                out = asyncio.run(_await(out))
            status, result, error = "done", "" if out is None else str(out), None
        except Exception as exc:  # a task's failure is recorded, never kills the worker
            status, result, error = "failed", None, f"{type(exc).__name__}: {exc}"
        finally:
            stop.set()
            renewer.join()
        retry = status == "failed" and job.attempt < self._max_attempts(job)
        cur = self._conn.execute(
            "UPDATE jobs SET status=%s, result=%s, error=%s, locked_until=NULL, "
            "finished=CASE WHEN %s THEN NULL ELSE now() END "
            "WHERE id=%s AND locked_by=%s AND attempts=%s AND status='running'",
            ("todo" if retry else status, result, error, retry, job.id, self.me, job.attempt),
        )
        return bool(cur.rowcount == 1)

    def _max_attempts(self, job: Job) -> int:
        row = self._conn.execute("SELECT max_attempts FROM jobs WHERE id=%s", (job.id,)).fetchone()
        return int(row[0]) if row else 0

    def work(self, stop: threading.Event | None = None, idle_s: float = 0.2,
             max_jobs: int | None = None, until_idle: bool = False,
             retry_s: float = 2.0) -> int:  # fmt: skip
        """Run jobs until ``stop`` is set or ``max_jobs`` ran (or, with ``until_idle``, none
        can be claimed now); the number run. A lost database connection is opened again
        every ``retry_s`` (a job it cut short is taken over when its lease runs out), except
        with ``until_idle``, where the error is the caller's."""
        import psycopg

        done = 0
        wait = stop.wait if stop is not None else time.sleep
        while not (stop and stop.is_set()) and (max_jobs is None or done < max_jobs):
            try:
                job = self.claim()
                if job is None:
                    if until_idle:
                        break
                    wait(idle_s)
                    continue
                self.run(job)
            except (psycopg.OperationalError, StorageError) as exc:
                if until_idle:
                    raise
                log.warning("queue worker lost the database (%s); trying again", exc)
                wait(retry_s)
                self._reconnect()
                continue
            done += 1
        return done

    def _reconnect(self) -> None:
        with contextlib.suppress(Exception):
            self._conn.close()
        with contextlib.suppress(StorageError):  # still away: the next claim fails and waits
            self._conn = connect(self.url, autocommit=True)

    def close(self) -> None:
        self._conn.close()


async def _await(awaitable: Any) -> Any:
    return await awaitable


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m os1.scale.queue", description="Run jobs.")
    parser.add_argument("url")
    parser.add_argument("--queue", default="default")
    parser.add_argument("--lease", type=float, default=30.0)
    args = parser.parse_args(argv)
    Worker(args.url, args.queue, args.lease).work()


if __name__ == "__main__":
    main()


def _noop(args: dict[str, Any]) -> str:
    """A task that does nothing (for benchmarks and smoke checks)."""
    return ""
