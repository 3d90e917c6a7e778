"""Benchmark: os1 at scale on PostgreSQL + pgvector: memory search p95 and queue throughput.

Run: python bench/scale.py [--sizes 100000,300000] [--queries 200] [--jobs 2000]
Starts PostgreSQL with scripts/services/pg_up.sh (reused if running), prints a table and writes
bench/results/scale.json.

1. Search: PgMemory.search end to end (MiniLM query embedding + tsvector + HNSW, fused) for
   one user holding N memories. Memories are synthetic: random unit vectors (384-d) and texts
   of 12 words drawn from a 5,000-word vocabulary, bulk-loaded with COPY; the HNSW index is
   rebuilt after loading (as an operator would for a bulk import). Each query is distinct (3
   vocabulary words), so the full-text part always matches something. Loads are kept between
   runs (a user per size), so a second run only measures.
2. Queue: no-op jobs per second through Worker.claim/run with 1 and 2 worker threads.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "scale.json"
DIM = 384
HNSW = "CREATE INDEX memories_embedding ON memories USING hnsw (embedding vector_cosine_ops)"


def start_pg() -> str:
    out = subprocess.run(["bash", str(ROOT / "scripts/services/pg_up.sh")],
                         capture_output=True, text=True, check=True)  # fmt: skip
    return out.stdout.strip().splitlines()[-1]


def vocabulary(rng: random.Random, n: int = 5000) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    words: set[str] = set()
    while len(words) < n:
        words.add("".join(rng.choice(letters) for _ in range(rng.randint(4, 9))))
    return sorted(words)


def load(url: str, user: str, n: int, words: list[str]) -> dict[str, float]:
    """COPY ``n`` synthetic memories for ``user`` (skipped when already there), rebuild HNSW."""
    from os1.scale.db import connect

    conn = connect(url, autocommit=True)
    have = conn.execute("SELECT count(*) FROM memories WHERE user_id=%s", (user,)).fetchone()[0]
    if have == n:
        conn.close()
        return {"load_s": 0.0, "index_s": 0.0, "reused": 1.0}
    conn.execute("DELETE FROM memories WHERE user_id=%s", (user,))
    conn.execute("DROP INDEX IF EXISTS memories_embedding")
    rng, nrng = random.Random(n), np.random.default_rng(n)
    t0 = time.perf_counter()
    batch = 20_000
    with conn.cursor() as cur:
        for start in range(0, n, batch):
            vecs = nrng.standard_normal((min(batch, n - start), DIM)).astype(np.float32)
            vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
            buf = io.StringIO()
            for i, v in enumerate(vecs):
                text = " ".join(rng.choices(words, k=12))
                created = 1.6e9 + (start + i) * 60.0
                vec = "[" + ",".join(f"{x:.5f}" for x in v) + "]"
                buf.write(f"{user}\tm{start + i}\tturn\t{text}\t{created}\t[\"m{start + i}\"]\t{vec}\n")
            with cur.copy("COPY memories (user_id, id, kind, text, created, source_ids, embedding) "
                          "FROM STDIN") as copy:  # fmt: skip
                copy.write(buf.getvalue())
            print(f"  loaded {start + len(vecs):,}/{n:,} ({time.perf_counter() - t0:.0f} s)",
                  file=sys.stderr)  # fmt: skip
    load_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    conn.execute("SET maintenance_work_mem = '2GB'")
    conn.execute("SET max_parallel_maintenance_workers = 2")
    conn.execute(HNSW)
    conn.execute("VACUUM ANALYZE memories")
    index_s = time.perf_counter() - t1
    conn.close()
    return {"load_s": round(load_s, 1), "index_s": round(index_s, 1), "reused": 0.0}


def search_latency(url: str, user: str, words: list[str], queries: int) -> dict[str, float]:
    from os1.scale.memory import PgMemory

    mem = PgMemory(url, user)
    rng = random.Random(1)
    mem.search(" ".join(rng.choices(words, k=3)))  # loads MiniLM and warms the cache
    times, found = [], 0
    for _ in range(queries):
        q = " ".join(rng.choices(words, k=3))
        t = time.perf_counter()
        hits = mem.search(q, limit=10)
        times.append((time.perf_counter() - t) * 1000)
        found += bool(hits)
    mem.close()
    times.sort()
    return {
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[int(0.95 * len(times)) - 1], 1),
        "max_ms": round(times[-1], 1),
        "queries_with_hits": found / queries,
    }


def queue_throughput(url: str, jobs: int, workers: int) -> float:
    from os1.scale.queue import Queue, Worker

    q = Queue(url, f"bench-{uuid.uuid4().hex}")
    for i in range(jobs):
        q.enqueue("os1.scale.queue:_noop", {"i": i})
    stop = threading.Event()
    ws = [Worker(url, q.name, lease_s=30) for _ in range(workers)]
    threads = [threading.Thread(target=w.work, args=(stop, 0.01)) for w in ws]
    t = time.perf_counter()
    for th in threads:
        th.start()
    while q.counts().get("done", 0) < jobs:
        time.sleep(0.05)
    elapsed = time.perf_counter() - t
    stop.set()
    for th in threads:
        th.join()
    for w in ws:
        w.close()
    q.close()
    return round(jobs / elapsed, 1)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--sizes", default="100000")
    p.add_argument("--queries", type=int, default=200)
    p.add_argument("--jobs", type=int, default=2000)
    args = p.parse_args()
    url = start_pg()
    from os1.scale.db import migrate

    migrate(url)
    words = vocabulary(random.Random(0))
    rows: list[dict[str, Any]] = []
    for n in (int(s) for s in args.sizes.split(",")):
        user = f"bench-{n}"
        row: dict[str, Any] = {"memories": n, **load(url, user, n, words)}
        row.update(search_latency(url, user, words, args.queries))
        rows.append(row)
    queue = {f"{w}_worker_jobs_per_s": queue_throughput(url, args.jobs, w) for w in (1, 2)}
    print(f"{'memories':>10} {'load s':>7} {'index s':>8} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7}")
    for r in rows:
        print(f"{r['memories']:>10,} {r['load_s']:>7} {r['index_s']:>8} {r['p50_ms']:>7} "
              f"{r['p95_ms']:>7} {r['max_ms']:>7}")  # fmt: skip
    print(f"queue: {queue}")
    RESULTS.write_text(json.dumps({
        "machine": f"{os.cpu_count()} cores", "search": rows, "queue": queue,
        "queue_jobs": args.jobs, "queries": args.queries,
        "command": "python bench/scale.py " + " ".join(sys.argv[1:]),
    }, indent=2) + "\n")  # fmt: skip


if __name__ == "__main__":
    main()
