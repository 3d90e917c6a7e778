"""The Postgres job queue: crash recovery through leases, exactly one runner at a time,
retries and idempotent enqueue, with real worker processes and threads."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from os1.errors import InputError
from os1.scale.queue import Queue, Worker

HERE = Path(__file__).parent
TASK = "scale_tasks:record"


@pytest.fixture
def queue(pg_url: str) -> Queue:
    return Queue(pg_url, f"q-{uuid.uuid4().hex}")  # each test its own queue in the shared db


def lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def wait_for(cond: object, timeout: float = 30.0) -> None:
    end = time.monotonic() + timeout
    while not cond():  # type: ignore[operator]
        assert time.monotonic() < end, "timed out"
        time.sleep(0.05)


def test_a_job_survives_its_worker_being_killed(queue: Queue, pg_url: str, tmp_path: Path) -> None:
    log = tmp_path / "log"
    job = queue.enqueue(TASK, {"log": str(log), "n": 1, "sleep": 1.5})
    env = {**os.environ, "PYTHONPATH": f"{HERE}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    first = subprocess.Popen(
        [sys.executable, "-m", "os1.scale.queue", pg_url, "--queue", queue.name, "--lease", "2"],
        env=env,
    )
    try:
        wait_for(lambda: lines(log))
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    assert lines(log) == [f"start 1 {first.pid}"]
    sys.path.insert(0, str(HERE))
    second = Worker(pg_url, queue.name, lease_s=2)
    try:
        assert second.claim() is None  # the dead worker's lease still holds: no second runner
        assert queue.get(job)["status"] == "running"
        end = time.monotonic() + 30
        while (taken := second.claim()) is None:  # free once the 2 s lease runs out
            assert time.monotonic() < end, "the job was never released"
            time.sleep(0.1)
        assert taken.id == job and second.run(taken)
    finally:
        second.close()
        sys.path.remove(str(HERE))
    row = queue.get(job)
    assert (row["status"], row["attempts"], row["result"]) == ("done", 2, "ran 1")
    me = os.getpid()
    assert lines(log) == [f"start 1 {first.pid}", f"start 1 {me}", f"done 1 {me}"]


@pytest.fixture
def tasks_importable() -> None:
    sys.path.insert(0, str(HERE))
    yield  # type: ignore[misc]
    sys.path.remove(str(HERE))


def test_concurrent_workers_run_each_job_once(
    queue: Queue, pg_url: str, tmp_path: Path, tasks_importable: None
) -> None:
    log = tmp_path / "log"
    for n in range(40):
        queue.enqueue(TASK, {"log": str(log), "n": n, "sleep": 0.01})
    stop = threading.Event()
    workers = [Worker(pg_url, queue.name, lease_s=5) for _ in range(4)]
    threads = [threading.Thread(target=w.work, args=(stop, 0.05)) for w in workers]
    for t in threads:
        t.start()
    wait_for(lambda: queue.counts() == {"done": 40})
    stop.set()
    for t in threads:
        t.join()
    for w in workers:
        w.close()
    starts = sorted(int(line.split()[1]) for line in lines(log) if line.startswith("start"))
    assert starts == list(range(40))


def test_a_live_worker_keeps_its_job_past_the_lease(
    queue: Queue, pg_url: str, tmp_path: Path, tasks_importable: None
) -> None:
    log = tmp_path / "log"
    job = queue.enqueue(TASK, {"log": str(log), "n": 7, "sleep": 2.0})
    slow, eager = Worker(pg_url, queue.name, lease_s=0.6), Worker(pg_url, queue.name, lease_s=0.6)
    taken = slow.claim()
    assert taken is not None
    runner = threading.Thread(target=slow.run, args=(taken,))
    runner.start()
    while runner.is_alive():
        assert eager.claim() is None  # renewed every 0.2 s, so never up for grabs
        time.sleep(0.1)
    slow.close()
    eager.close()
    row = queue.get(job)
    assert (row["status"], row["attempts"]) == ("done", 1)
    assert len(lines(log)) == 2


def test_failures_retry_then_give_up(
    queue: Queue, pg_url: str, tmp_path: Path, tasks_importable: None
) -> None:
    ok = queue.enqueue("scale_tasks:fail_until", {"marker": str(tmp_path / "a"), "times": 2})
    bad = queue.enqueue(
        "scale_tasks:fail_until", {"marker": str(tmp_path / "b"), "times": 9}, max_attempts=2
    )
    missing = queue.enqueue("scale_tasks:no_such_task", {}, max_attempts=1)
    doubled = queue.enqueue("scale_tasks:double", {"x": 21})
    worker = Worker(pg_url, queue.name, lease_s=5)
    assert worker.work(max_jobs=6) == 6
    worker.close()
    assert queue.get(ok)["result"] == "ok after 2"
    assert (queue.get(bad)["status"], queue.get(bad)["attempts"]) == ("failed", 2)
    assert "try 2 failed" in queue.get(bad)["error"]
    assert "No task 'scale_tasks:no_such_task'" in queue.get(missing)["error"]
    assert queue.get(doubled)["result"] == "42"


def test_enqueue_with_a_key_is_idempotent(queue: Queue) -> None:
    key = f"reflect:{uuid.uuid4().hex}"
    first = queue.enqueue(TASK, {"n": 1}, key=key)
    assert queue.enqueue(TASK, {"n": 2}, key=key) == first
    assert queue.counts() == {"todo": 1}
    with pytest.raises(InputError, match="package.module:function"):
        queue.enqueue("no_colon", {})


def test_queue_and_worker_outlive_dropped_connections(queue: Queue, pg_url: str) -> None:
    """The database drops every connection (a restart, an idle timeout): the queue enqueues
    on a fresh one and a working worker reconnects and goes on, instead of stopping."""
    from os1.scale.db import connect
    from os1.scale.pool import pool_for

    def drop(pids: list[int]) -> int:
        with connect(pg_url, autocommit=True) as conn:
            rows = conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                "WHERE pid = ANY(%s)", (pids,)).fetchall()
        return len(rows)

    assert queue.enqueue("os1.scale.queue:_noop") > 0  # the pool now holds a connection
    worker = Worker(pg_url, queue.name)
    stop = threading.Event()
    done: list[int] = []
    thread = threading.Thread(target=lambda: done.append(worker.work(stop, idle_s=0.05,
                                                                     retry_s=0.2)))
    thread.start()
    try:
        wait_for(lambda: queue.counts().get("done") == 1)
        pooled = [c.info.backend_pid for c in pool_for(pg_url)._idle]
        assert pooled
        assert drop([worker._conn.info.backend_pid, *pooled]) == 1 + len(pooled)
        job = queue.enqueue("os1.scale.queue:_noop")  # a stale pooled connection is replaced
        wait_for(lambda: queue.get(job)["status"] == "done")
        assert thread.is_alive()
    finally:
        stop.set()
        thread.join(timeout=10)
        worker.close()
    assert done == [2]
