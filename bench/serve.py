"""Benchmark: concurrent WebSocket conversations held by ONE `os1 serve` process.

Three kinds of process on this machine:
- a FIXED-RATE TOKEN STREAMER (a test double for load: a real model cannot serve thousands of
  sessions on 2 cores) speaking the OpenAI-compatible streaming API; every token's text is
  the time it was sent, so each token's delay can be measured end to end;
- the real server, `python -m os1.cli serve`, with brain.backend=openai pointing at the
  streamer and server.engine=direct;
- client workers holding the WebSocket conversations: each session waits a human-like
  think time, sends a message, and reads the streamed reply.

Added latency per token = (time the token reaches the WebSocket client) - (time the streamer
sent it). Errors = sessions that could not connect, error events, turns that ended short of
their tokens or not at all, dropped connections.

Run: python bench/serve.py [--sessions 100,1000,8316] [--duration 60] [--think 30]
Prints a table and writes bench/results/serve.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"
HERE = Path(__file__).resolve()


FD_WANTED = 65536  # 8,316 sockets + 3 files per open home + the model pool, with room


def raise_fd_limit(wanted: int = FD_WANTED) -> int:
    """Allow ``wanted`` open files (root may raise the hard limit; others get the hard one).
    Processes started from here (the server, the clients) inherit it."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard == resource.RLIM_INFINITY else max(hard, wanted)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, target))
    except (ValueError, OSError):
        target = hard
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return target


def fast_loop() -> None:
    try:
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    except ImportError:
        pass


# ----------------------------------------------------------------- the fixed-rate streamer
class Streamer(asyncio.Protocol):
    """Minimal HTTP/1.1 keep-alive server: every POST gets ``tokens`` SSE chunks, one every
    ``1/rate`` seconds, each carrying the wall-clock time it was written."""

    tokens = 20
    interval = 0.05

    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        self.buf = b""

    def data_received(self, data: bytes) -> None:
        self.buf += data
        while b"\r\n\r\n" in self.buf:
            head, _, rest = self.buf.partition(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            if len(rest) < length:
                return
            self.buf = rest[length:]
            asyncio.get_running_loop().create_task(self.answer())

    async def answer(self) -> None:
        t = self.transport
        t.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n")
        for _ in range(self.tokens):
            await asyncio.sleep(self.interval)
            if t.is_closing():
                return
            data = b'data: {"choices":[{"index":0,"delta":{"content":" %.6f"}}]}\n\n' % (
                time.time(),
            )
            t.write(b"%x\r\n%s\r\n" % (len(data), data))
        end = b"data: [DONE]\n\n"
        t.write(b"%x\r\n%s\r\n0\r\n\r\n" % (len(end), end))


async def run_streamer(port: int, tokens: int, rate: float) -> None:
    Streamer.tokens, Streamer.interval = tokens, 1.0 / rate
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Streamer, "127.0.0.1", port, backlog=4096)
    print("ready", flush=True)
    async with server:
        await server.serve_forever()


# ----------------------------------------------------------------- users and homes
def prepare(data: Path, n: int) -> list[str]:
    """``n`` users, each with a token and a home that has been through first boot.
    Kept between runs: users already there are reused."""
    from os1.config import Config
    from os1.home import Home
    from os1.mind.persona import Persona
    from os1.server.users import UserStore

    tokens_file = data / "bench-tokens.json"
    tokens: list[str] = json.loads(tokens_file.read_text()) if tokens_file.exists() else []
    if len(tokens) >= n:
        return tokens[:n]
    store = UserStore(data / "users.db")
    t0 = time.perf_counter()
    for i in range(len(tokens), n):
        user = store.add(f"bench{i}")
        cfg = Config()
        cfg.home = data / "users" / user.id
        home = Home(cfg)
        home.personas.save(Persona("Samantha", f"Person {i}", created=time.time()))
        home.close()
        tokens.append(store.create_token(user.id, "bench"))
    store.close()
    tokens_file.write_text(json.dumps(tokens))
    print(f"prepared {n} users in {time.perf_counter() - t0:.0f} s", flush=True)
    return tokens


# ----------------------------------------------------------------- WebSocket sessions
async def session(url: str, token: str, stats: dict[str, Any], until: float, think: float,
                  tokens: int) -> None:
    from websockets.asyncio.client import connect

    try:
        ws = await connect(url, additional_headers={"Authorization": f"Bearer {token}"},
                           compression=None, ping_interval=None, open_timeout=120,
                           max_size=2**20)
    except Exception as exc:
        stats["errors"].append(f"connect: {type(exc).__name__}: {exc}"[:200])
        return
    stats["connected"] += 1
    try:  # a fresh conversation, as a new visitor would start (and earlier runs stay out)
        await ws.send('{"type":"new_session"}')
        await asyncio.wait_for(ws.recv(), 120)
    except Exception as exc:
        stats["errors"].append(f"new_session: {type(exc).__name__}")
    await stats["all_connected"].wait()
    lat = stats["latency"]
    try:
        await asyncio.sleep(random.uniform(0, think))
        while time.time() < until:
            await ws.send('{"type":"chat","text":"Tell me something, please."}')
            got = 0
            while True:
                raw = await asyncio.wait_for(ws.recv(), 60)
                arrived = time.time()
                if raw.startswith('{"type": "text_delta"'):
                    lat.append(arrived - float(json.loads(raw)["text"]))
                    got += 1
                    continue
                kind = json.loads(raw)["type"]
                if kind == "turn_ended":
                    break
                if kind == "error":
                    stats["errors"].append(f"event: {raw[:120]}")
                    break
            stats["turns"] += 1
            if got != tokens:
                stats["errors"].append(f"turn had {got} of {tokens} tokens")
            await asyncio.sleep(random.uniform(0.5, 1.5) * think)
    except Exception as exc:
        stats["errors"].append(f"session: {type(exc).__name__}: {exc}"[:200])
    finally:
        await ws.close()


async def client_worker(url: str, tokens: list[str], duration: float, think: float,
                        n_tokens: int, start_at: float) -> dict[str, Any]:
    stats: dict[str, Any] = {"latency": [], "errors": [], "turns": 0, "connected": 0,
                             "all_connected": asyncio.Event()}
    until = start_at + duration
    tasks = []
    began = time.time()
    for i, token in enumerate(tokens):
        tasks.append(asyncio.create_task(session(url, token, stats, until, think, n_tokens)))
        if i % 200 == 199:
            await asyncio.sleep(0.2)  # ramp: 1,000 new connections a second
    while stats["connected"] + len(stats["errors"]) < len(tokens) and time.time() < start_at:
        await asyncio.sleep(0.2)
    stats["connect_s"] = time.time() - began
    await asyncio.sleep(max(0.0, start_at - time.time()))
    stats["all_connected"].set()
    from os1.server.loopwatch import LoopWatch

    # this client's own stalls count against the server in the figures; it keeps its GC
    # short the way the server does (without it, full passes over its 8,316 connections
    # stalled every token in flight for up to 0.6 s)
    watch = LoopWatch()
    probe = asyncio.create_task(watch.run())
    await asyncio.gather(*tasks)
    probe.cancel()
    stats["client"] = watch.stats()
    del stats["all_connected"]
    return stats


def run_client(args: argparse.Namespace) -> None:
    fast_loop()
    raise_fd_limit()
    tokens = json.loads(Path(args.client).read_text())
    stats = asyncio.run(client_worker(args.url, tokens, args.duration, args.think,
                                      args.tokens, args.start_at))
    Path(args.out).write_text(json.dumps(stats))


# ----------------------------------------------------------------- orchestration
def proc_usage(pid: int) -> tuple[float, int]:
    """CPU seconds used and resident memory (bytes) of a process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    rss = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    return (int(fields[11]) + int(fields[12])) / ticks, rss


def wait_ready(url: str, proc: subprocess.Popen[bytes], what: str) -> None:
    import httpx

    for _ in range(600):
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"{what} did not start")


def start_server(data: Path, sport: int, port: int, n: int, fd_limit: int) -> subprocess.Popen[bytes]:
    home = data / "admin"
    home.mkdir(parents=True, exist_ok=True)
    # 3 files per open home (64 more may be closing); the rest: sockets, the model's pool
    open_homes = max(64, min(n, (fd_limit - n - 2200) // 3 - 64))
    env = {**os.environ, "OS1_HOME": str(home), "OS1_BRAIN_BACKEND": "openai",
           "OS1_BRAIN_BASE_URL": f"http://127.0.0.1:{sport}/v1", "OS1_BRAIN_MODEL": "streamer",
           "OS1_SERVER_ENGINE": "direct", "OS1_SERVER_MAX_OPEN_HOMES": str(open_homes),
           "OPENAI_API_KEY": "not-needed-by-the-streamer"}
    proc = subprocess.Popen([sys.executable, "-m", "os1.cli", "serve", "--port", str(port),
                             "--data", str(data)], env=env, stdout=subprocess.DEVNULL)
    wait_ready(f"http://127.0.0.1:{port}/api/health", proc, "os1 serve")
    return proc


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


def run_level(args: argparse.Namespace, n: int, tokens: list[str], data: Path,
              sport: int) -> dict[str, Any]:
    from os1.server.testkit import free_port

    fd_limit = raise_fd_limit()
    port = free_port()
    server = start_server(data, sport, port, n, fd_limit)
    workers = max(1, min(args.workers, n // 50))
    ramp = max(10.0, n / 500)
    start_at = time.time() + ramp
    procs = []
    for w in range(workers):
        part = data / f"tokens-{w}.json"
        part.write_text(json.dumps(tokens[w:n:workers]))
        procs.append(subprocess.Popen([
            sys.executable, str(HERE), "--client", str(part), "--url",
            f"ws://127.0.0.1:{port}/ws", "--duration", str(args.duration), "--think",
            str(args.think), "--tokens", str(args.tokens), "--start-at", str(start_at),
            "--out", str(data / f"stats-{w}.json")]))
    time.sleep(max(0.0, start_at - time.time()))
    cpu0, _ = proc_usage(server.pid)
    t0 = time.time()
    time.sleep(args.duration * 0.9)
    cpu1, rss = proc_usage(server.pid)
    cpu_share = (cpu1 - cpu0) / (time.time() - t0)
    import httpx

    try:
        health = httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=60).json()
    except httpx.HTTPError as exc:
        health = {"unavailable": f"{type(exc).__name__}"}
    fds = len(os.listdir(f"/proc/{server.pid}/fd"))
    for p in procs:
        p.wait(timeout=args.duration + ramp + 300)
    server.terminate()
    try:
        server.wait(30)
    except subprocess.TimeoutExpired:  # thousands of open sockets can outlast a polite stop
        server.kill()
        server.wait(30)
    return summarise(n, [json.loads((data / f"stats-{w}.json").read_text())
                         for w in range(workers)], cpu_share, rss, args, {**health, "fds": fds})


def summarise(n: int, parts: list[dict[str, Any]], cpu: float, rss: int,
              args: argparse.Namespace, health: dict[str, Any]) -> dict[str, Any]:
    lat = sorted(x for p in parts for x in p["latency"])
    errors = [e for p in parts for e in p["errors"]]
    kinds: dict[str, int] = {}
    for e in errors:
        kinds[e.split(":")[0]] = kinds.get(e.split(":")[0], 0) + 1
    return {
        "sessions": n,
        "connected": sum(p["connected"] for p in parts),
        "connect_s": round(max(p["connect_s"] for p in parts), 1),
        "turns": sum(p["turns"] for p in parts),
        "tokens": len(lat),
        "tokens_per_s": round(len(lat) / args.duration, 1),
        "added_latency_ms_p50": round(percentile(lat, 0.50) * 1000, 2),
        "added_latency_ms_p90": round(percentile(lat, 0.90) * 1000, 2),
        "added_latency_ms_p99": round(percentile(lat, 0.99) * 1000, 2),
        "added_latency_ms_p999": round(percentile(lat, 0.999) * 1000, 2),
        "added_latency_ms_max": round(lat[-1] * 1000, 2) if lat else None,
        "errors": len(errors),
        "error_kinds": kinds,
        "error_examples": errors[:5],
        "server_cpu_cores": round(cpu, 2),
        "server_rss_mb": round(rss / 2**20),
        "server_loop_lag_ms": health.get("loop_lag_ms"),
        "server_gc_pause_ms": health.get("gc_pause_ms"),
        "server_open_homes": health.get("open_homes"),
        "server_open_files": health["fds"],
        "client_loop_lag_ms_p99": max(p["client"]["loop_lag_ms"]["p99"] for p in parts),
        "client_loop_lag_ms_max": max(p["client"]["loop_lag_ms"]["max"] for p in parts),
        "load_average": os.getloadavg()[0],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", default="100,1000,8316")
    ap.add_argument("--duration", type=float, default=60.0, help="measured seconds per level")
    ap.add_argument("--think", type=float, default=30.0,
                    help="mean seconds between a reply's end and the next message")
    ap.add_argument("--rate", type=float, default=20.0, help="streamer tokens/s per reply")
    ap.add_argument("--tokens", type=int, default=20, help="tokens per reply")
    ap.add_argument("--workers", type=int, default=1, help="client processes")
    ap.add_argument("--data", default="/tmp/os1-bench-serve")
    ap.add_argument("--streamer", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--client", help=argparse.SUPPRESS)
    ap.add_argument("--url", help=argparse.SUPPRESS)
    ap.add_argument("--start-at", type=float, help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.streamer:
        fast_loop()
        asyncio.run(run_streamer(args.streamer, args.tokens, args.rate))
    elif args.client:
        run_client(args)
    else:
        orchestrate(args)


def orchestrate(args: argparse.Namespace) -> None:
    from os1.server.testkit import free_port

    levels = [int(x) for x in args.sessions.split(",")]
    data = Path(args.data)
    data.mkdir(parents=True, exist_ok=True)
    tokens = prepare(data, max(levels))
    sport = free_port()
    streamer = subprocess.Popen([sys.executable, str(HERE), "--streamer", str(sport),
                                 "--tokens", str(args.tokens), "--rate", str(args.rate)],
                                stdout=subprocess.PIPE)
    assert streamer.stdout is not None and streamer.stdout.readline().strip() == b"ready"
    rows = []
    try:
        for n in levels:
            rows.append(run_level(args, n, tokens, data, sport))
            print(json.dumps(rows[-1]), flush=True)
    finally:
        streamer.terminate()
    report(rows, args)


def report(rows: list[dict[str, Any]], args: argparse.Namespace) -> None:
    head = f"{'sessions':>9} {'turns':>7} {'tokens/s':>9} {'p50 ms':>8} {'p99 ms':>8} " \
           f"{'max ms':>8} {'errors':>7} {'server CPU':>10} {'RSS MB':>7}"
    print(head)
    for r in rows:
        print(f"{r['sessions']:>9} {r['turns']:>7} {r['tokens_per_s']:>9} "
              f"{r['added_latency_ms_p50']:>8} {r['added_latency_ms_p99']:>8} "
              f"{r['added_latency_ms_max']:>8} {r['errors']:>7} {r['server_cpu_cores']:>10} "
              f"{r['server_rss_mb']:>7}")
    RESULTS.mkdir(exist_ok=True)
    out = {
        "command": "python bench/serve.py " + " ".join(sys.argv[1:]),
        "machine": f"{os.cpu_count()} cores; server, streamer and clients share them",
        "load": {"think_s_mean": args.think, "think_s_range": [0.5 * args.think,
                 1.5 * args.think], "streamer_tokens_per_s": args.rate,
                 "tokens_per_reply": args.tokens, "measured_s": args.duration,
                 "engine": "direct", "model": "fixed-rate token streamer (test double)"},
        "target": "8,316 sessions, p99 added latency <= 50 ms, no errors",
        "levels": rows,
    }
    (RESULTS / "serve.json").write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
