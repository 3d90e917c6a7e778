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
3. Servers: chat turns per second through 1 and then 2 real `os1 serve` processes behind the
   same Postgres (accounts, conversation log and turn locks there; server.engine=direct), the
   model being a FIXED-RATE TOKEN STREAMER (a test double: an OpenAI-compatible streaming
   server sending --tokens tokens at --rate tokens/s, so the model is never the bottleneck).
   --conversations WebSocket clients, one user each, are spread over the servers; each sends
   a message (with an id) as soon as its last reply ended. Measured over --duration seconds
   after a warm-up; every client, the streamer, Postgres and the servers share this machine.

Parts: --parts search,queue,servers (default all); results of parts not run are kept.
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
    from os1.scale.memory import HNSW_INDEX  # the index PgMemory's queries use (halfvec)

    conn.execute(HNSW_INDEX)
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
    embed = []  # the query embedding alone: the rest of a search is SQL
    for _ in range(50):
        q = " ".join(rng.choices(words, k=3))
        t = time.perf_counter()
        mem.embedder.embed_query(q)
        embed.append((time.perf_counter() - t) * 1000)
    mem.close()
    times.sort()
    return {
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[int(0.95 * len(times)) - 1], 1),
        "max_ms": round(times[-1], 1),
        "queries_with_hits": found / queries,
        "embed_query_ms": round(statistics.median(embed), 1),
        "load_average_1min": round(os.getloadavg()[0], 2),
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
    return round(jobs / elapsed, 1)


# ----------------------------------------------------------------- 1 vs 2 server processes
async def stream_tokens(port: int, tokens: int, rate: float) -> None:
    """The fixed-rate token streamer (test double): every POST gets ``tokens`` SSE chunks."""
    import asyncio

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                await reader.readexactly(length)
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                             b"Transfer-Encoding: chunked\r\n\r\n")  # fmt: skip
                for i in range(tokens):
                    if rate > 0:
                        await asyncio.sleep(1.0 / rate)
                    word = b" word%d" % i if i else b"Word0"
                    data = b'data: {"choices":[{"index":0,"delta":{"content":"%s"}}]}\n\n' % word
                    writer.write(b"%x\r\n%s\r\n" % (len(data), data))
                end = b"data: [DONE]\n\n"
                writer.write(b"%x\r\n%s\r\n0\r\n\r\n" % (len(end), end))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", port, backlog=4096)
    print("ready", flush=True)
    async with server:
        await server.serve_forever()


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def bench_users(url: str, n: int) -> list[str]:
    """``n`` users (account, token, persona) in Postgres; returns their API tokens."""
    from os1.mind.persona import Persona, PersonaStore
    from os1.scale.episodes import PgEpisodes
    from os1.server.pgusers import PgUserStore

    store = PgUserStore(url)
    tokens = []
    for i in range(n):
        user = store.add(f"bench{uuid.uuid4().hex[:10]}")
        PersonaStore(PgEpisodes(url, user.id)).save(
            Persona("Samantha", f"Person {i}", created=time.time()))
        tokens.append(store.create_token(user.id, "bench"))
    return tokens


def start_servers(url: str, data: Path, sport: int, k: int) -> list[tuple[Any, int]]:
    import httpx

    out = []
    env = {**os.environ, "OS1_HOME": str(data / "admin"), "OS1_DATABASE_URL": url,
           "OS1_BRAIN_BACKEND": "openai", "OS1_BRAIN_BASE_URL": f"http://127.0.0.1:{sport}/v1",
           "OS1_BRAIN_MODEL": "streamer", "OS1_SERVER_ENGINE": "direct",
           "OPENAI_API_KEY": "not-needed-by-the-streamer", "PGAPPNAME": APP_NAME}  # fmt: skip
    (data / "admin").mkdir(parents=True, exist_ok=True)
    for _ in range(k):
        port = free_port()
        proc = subprocess.Popen([str(Path(sys.executable).with_name("os1")), "serve", "--port",
                                 str(port), "--data", str(data)], env=env,
                                stdout=subprocess.DEVNULL)  # fmt: skip
        out.append((proc, port))
    for proc, port in out:
        for _ in range(600):
            if proc.poll() is not None:
                raise RuntimeError(f"os1 serve exited with {proc.returncode}")
            try:
                httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
    return out


async def converse(ports: list[int], tokens: list[str], warmup: float,
                   duration: float) -> dict[str, Any]:  # fmt: skip
    import asyncio

    from websockets.asyncio.client import connect

    t_start = time.perf_counter() + warmup
    t_end = t_start + duration
    lat: list[float] = []
    stats = {"turns": 0, "errors": 0}

    async def one(i: int, token: str) -> None:
        port = ports[i % len(ports)]
        try:
            async with connect(f"ws://127.0.0.1:{port}/ws", open_timeout=60,
                               additional_headers={"Authorization": f"Bearer {token}"}) as ws:
                n = 0
                while time.perf_counter() < t_end:
                    n += 1
                    t0 = time.perf_counter()
                    await ws.send(json.dumps({"type": "chat", "text": f"Message {n}.",
                                              "id": f"b{i}-{n}"}))  # fmt: skip
                    while True:
                        ev = json.loads(await ws.recv())
                        if ev["type"] == "error":
                            stats["errors"] += 1
                            break
                        if ev["type"] == "turn_ended":
                            break
                    t1 = time.perf_counter()
                    if t_start <= t0 and t1 <= t_end:
                        stats["turns"] += 1
                        lat.append((t1 - t0) * 1000)
        except Exception:
            stats["errors"] += 1

    await asyncio.gather(*(one(i, tok) for i, tok in enumerate(tokens)))
    lat.sort()
    return {
        "turns_per_s": round(stats["turns"] / duration, 1),
        "turn_p50_ms": round(statistics.median(lat), 1) if lat else None,
        "turn_p95_ms": round(lat[int(0.95 * len(lat)) - 1], 1) if lat else None,
        "errors": stats["errors"],
    }


APP_NAME = "os1-bench-servers"  # the servers' database sessions (PGAPPNAME), to find them


def cpu_by_pid(pids: list[int]) -> dict[int, float]:
    """CPU seconds (user + system) used so far by each of ``pids`` (from /proc)."""
    ticks, out = os.sysconf("SC_CLK_TCK"), {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[pid] = (int(fields[11]) + int(fields[12])) / ticks
    return out


def backends(url: str) -> list[int]:
    """The Postgres backend processes serving the benchmark's servers (others share PG)."""
    from os1.scale.db import connect

    with connect(url, autocommit=True) as conn:
        rows = conn.execute("SELECT pid FROM pg_stat_activity WHERE application_name=%s",
                            (APP_NAME,)).fetchall()  # fmt: skip
    return [int(r[0]) for r in rows]


def cpu_used(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(t - before.get(pid, 0.0) for pid, t in after.items())


def servers_throughput(url: str, args: argparse.Namespace) -> list[dict[str, Any]]:
    import asyncio
    import tempfile

    sport = free_port()
    streamer = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--streamer",
                                 str(sport), "--tokens", str(args.tokens), "--rate",
                                 str(args.rate)], stdout=subprocess.PIPE)  # fmt: skip
    assert streamer.stdout is not None and streamer.stdout.readline().strip() == b"ready"
    rows = []
    try:
        for k in (1, 2):
            tokens = bench_users(url, args.conversations)
            with tempfile.TemporaryDirectory(prefix="os1-bench-servers-") as tmp:
                procs = start_servers(url, Path(tmp), sport, k)
                try:
                    fixed = {"servers": [p.pid for p, _ in procs], "streamer": [streamer.pid],
                             "client": [os.getpid()]}  # fmt: skip
                    before = {w: cpu_by_pid(pids) for w, pids in fixed.items()}
                    before["postgres"] = cpu_by_pid(backends(url))
                    res = asyncio.run(converse([p for _, p in procs], tokens, args.warmup,
                                               args.duration))  # fmt: skip
                    after = {w: cpu_by_pid(pids) for w, pids in fixed.items()}
                    after["postgres"] = cpu_by_pid(backends(url))
                    # CPU of each part per turn (warm-up included: turns counted at that rate)
                    turns = max(1.0, res["turns_per_s"] * (args.duration + args.warmup))
                    res["cpu_ms_per_turn"] = {
                        w: round(cpu_used(before[w], after[w]) * 1000 / turns, 2) for w in after
                    }
                finally:
                    for proc, _ in procs:
                        proc.terminate()
                        proc.wait(30)
            rows.append({"servers": k, "conversations": args.conversations, **res})
            print(f"  {k} server(s): {res}", file=sys.stderr)
    finally:
        streamer.terminate()
        streamer.wait(30)
    return rows


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--parts", default="search,queue,servers")
    p.add_argument("--sizes", default="100000")
    p.add_argument("--queries", type=int, default=200)
    p.add_argument("--jobs", type=int, default=2000)
    p.add_argument("--conversations", type=int, default=64)
    p.add_argument("--duration", type=float, default=30.0)
    p.add_argument("--warmup", type=float, default=5.0)
    p.add_argument("--tokens", type=int, default=20, help="streamer tokens per reply")
    p.add_argument("--rate", type=float, default=200.0, help="streamer tokens/s per reply")
    p.add_argument("--streamer", type=int, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.streamer:
        import asyncio

        asyncio.run(stream_tokens(args.streamer, args.tokens, args.rate))
        return
    parts = set(args.parts.split(","))
    url = start_pg()
    from os1.scale.db import migrate

    migrate(url)
    out: dict[str, Any] = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    out["machine"] = f"{os.cpu_count()} cores"
    earlier = out.pop("command", None)  # results from before parts could be run alone
    out.setdefault("commands", {"search": earlier, "queue": earlier} if earlier else {})
    command = "python bench/scale.py " + " ".join(sys.argv[1:])
    if "search" in parts:
        words = vocabulary(random.Random(0))
        rows: list[dict[str, Any]] = []
        for n in (int(s) for s in args.sizes.split(",")):
            user = f"bench-{n}"
            row: dict[str, Any] = {"memories": n, **load(url, user, n, words)}
            row.update(search_latency(url, user, words, args.queries))
            rows.append(row)
        print(f"{'memories':>10} {'load s':>7} {'index s':>8} {'p50 ms':>7} {'p95 ms':>7} "
              f"{'max ms':>7}")  # fmt: skip
        for r in rows:
            print(f"{r['memories']:>10,} {r['load_s']:>7} {r['index_s']:>8} {r['p50_ms']:>7} "
                  f"{r['p95_ms']:>7} {r['max_ms']:>7}")  # fmt: skip
        out.update(search=rows, queries=args.queries)
        out["commands"]["search"] = command
    if "queue" in parts:
        queue = {f"{w}_worker_jobs_per_s": queue_throughput(url, args.jobs, w) for w in (1, 2)}
        print(f"queue: {queue}")
        out.update(queue=queue, queue_jobs=args.jobs)
        out["commands"]["queue"] = command
    if "servers" in parts:
        srv = servers_throughput(url, args)
        print(f"{'servers':>7} {'convs':>6} {'turns/s':>8} {'p50 ms':>8} {'p95 ms':>8} "
              f"{'errors':>6}")  # fmt: skip
        for r in srv:
            print(f"{r['servers']:>7} {r['conversations']:>6} {r['turns_per_s']:>8} "
                  f"{r['turn_p50_ms']:>8} {r['turn_p95_ms']:>8} {r['errors']:>6}")  # fmt: skip
        out["servers"] = {
            "rows": srv, "load_average": os.getloadavg()[0],
            "model": "fixed-rate token streamer (test double)",
            "streamer_tokens": args.tokens, "streamer_tokens_per_s": args.rate,
            "engine": "direct", "duration_s": args.duration,
        }  # fmt: skip
        out["commands"]["servers"] = command
    RESULTS.write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
