"""Benchmark: os1's engine vs raw llama-cpp-python on the same prompt and model.

Prints a table and writes bench/results/chat.json. Run: python bench/chat.py [--reps N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"
PROMPT = "Tell me a short story about a lighthouse keeper who befriends a seagull."
MAX_TOKENS = 64


def raw_run(llm: Any, messages: list[dict[str, str]]) -> tuple[float, float, int]:
    """TTFT, tokens/s after the first token, token count: raw llama-cpp-python streaming."""
    llm.reset()
    t0 = time.perf_counter()
    first = end = 0.0
    n = 0
    for part in llm.create_chat_completion(
        messages=messages, stream=True, max_tokens=MAX_TOKENS, temperature=0.0, seed=1
    ):
        if part["choices"][0]["delta"].get("content"):
            n += 1
            end = time.perf_counter()
            if not first:
                first = end
    return first - t0, (n - 1) / max(end - first, 1e-9), n


async def engine_run(engine: Any, model: Any, text: str) -> tuple[float, float, int]:
    from os1.events import TextDelta

    model.reset()  # same cold-cache start as the raw run
    engine.new_session()
    t0 = time.perf_counter()
    first = 0.0
    n = 0
    end = 0.0
    async for ev in engine.turn(text):
        if isinstance(ev, TextDelta):
            n += 1
            end = time.perf_counter()
            if not first:
                first = end
    return first - t0, (n - 1) / max(end - first, 1e-9), n


async def conversation(engine: Any, turns: int) -> list[float]:
    from os1.events import TextDelta

    engine.new_session()
    ttfts = []
    for i in range(turns):
        t0 = time.perf_counter()
        first = 0.0
        async for ev in engine.turn(f"Turn {i + 1}: tell me one more thing about the sea."):
            if isinstance(ev, TextDelta) and not first:
                first = time.perf_counter()
        ttfts.append(first - t0)
    return ttfts


def cold_start(home: Path) -> float:
    env = {**os.environ, "OS1_HOME": str(home)}
    cmd = [sys.executable, "-m", "os1.cli", "chat", "--once", "hi", "--json"]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, env=env, text=True)
    assert proc.stdout is not None
    took = float("nan")
    for line in proc.stdout:
        if json.loads(line)["type"] == "text_delta":
            took = time.perf_counter() - t0
            break
    proc.stdout.read()
    proc.wait()
    return took


def raw_worker(spec: dict[str, Any]) -> None:
    from llama_cpp import Llama

    llm = Llama(
        model_path=spec["model"],
        n_ctx=spec["n_ctx"],
        n_threads=os.cpu_count() or 2,
        n_batch=512,
        verbose=False,
    )
    runs = [raw_run(llm, spec["messages"]) for _ in range(spec["reps"])]
    print(json.dumps(runs))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--turns", type=int, default=20)
    ap.add_argument("--raw-worker", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.raw_worker:
        raw_worker(json.loads(args.raw_worker))
        return

    from os1.config import load_config
    from os1.engine.core import Engine
    from os1.home import Home
    from os1.mind.persona import Persona

    home_dir = Path(tempfile.mkdtemp(prefix="os1-bench-"))
    cfg = load_config(home_dir)
    cfg.brain.temperature = 0.0
    cfg.brain.max_tokens = MAX_TOKENS
    home = Home(cfg)
    persona = Persona(os_name="Wren", user_name="Theodore")
    home.personas.save(persona)
    model = home.model
    engine = Engine(model, home.episodes, persona)
    messages = [m.as_dict() for m in engine._messages([], PROMPT, _chat_plan())]
    # The raw baseline runs in its own process (llama.cpp as a plain script would use it),
    # so the two thread pools never share the 2 cores.
    spec = json.dumps(
        {
            "model": str(model.path),
            "n_ctx": cfg.brain.n_ctx,  # type: ignore[attr-defined]
            "messages": messages,
            "reps": args.reps,
        }
    )
    out = subprocess.run(
        [sys.executable, __file__, "--raw-worker", spec], capture_output=True, text=True, check=True
    ).stdout
    raw_runs = json.loads(out.strip().splitlines()[-1])
    os1_runs = [asyncio.run(engine_run(engine, model, PROMPT)) for _ in range(args.reps)]
    ttfts = asyncio.run(conversation(engine, args.turns))
    cold = [cold_start(home_dir) for _ in range(3)]

    med = statistics.median
    res = {
        "raw_ttft_s": med(r[0] for r in raw_runs),
        "raw_tps": med(r[1] for r in raw_runs),
        "os1_ttft_s": med(r[0] for r in os1_runs),
        "os1_tps": med(r[1] for r in os1_runs),
        "turn1_ttft_s": ttfts[0],
        "turn20_ttft_s": ttfts[-1],
        "turn_ttfts_s": ttfts,
        "cold_start_s": med(cold),
        "cold_start_runs_s": cold,
        "model": model.name,
        "reps": args.reps,
        "tokens_raw_os1": [raw_runs[0][2], os1_runs[0][2]],
        "cpu_count": os.cpu_count(),
    }
    res["ttft_ratio"] = res["os1_ttft_s"] / res["raw_ttft_s"]
    res["tps_ratio"] = res["os1_tps"] / res["raw_tps"]
    res["turn20_over_turn1_ttft"] = res["turn20_ttft_s"] / res["turn1_ttft_s"]
    # every turn of the conversation, not only the 20th: the turns where the history window
    # moves on are the slow ones unless the KV cache is shifted (os1.brain.kvshift)
    res["conversation_ttft_p50_s"] = med(ttfts)
    res["conversation_ttft_max_s"] = max(ttfts)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "chat.json").write_text(json.dumps(res, indent=2))
    rows = [
        (
            "TTFT raw / os1 (s)",
            f"{res['raw_ttft_s']:.3f} / {res['os1_ttft_s']:.3f}",
            f"ratio {res['ttft_ratio']:.3f} (target <= 1.05)",
        ),
        (
            "tokens/s raw / os1",
            f"{res['raw_tps']:.1f} / {res['os1_tps']:.1f}",
            f"ratio {res['tps_ratio']:.3f} (target >= 0.95)",
        ),
        (
            "TTFT turn 1 / turn 20 (s)",
            f"{res['turn1_ttft_s']:.3f} / {res['turn20_ttft_s']:.3f}",
            f"ratio {res['turn20_over_turn1_ttft']:.3f} (target <= 1.5)",
        ),
        (
            f"TTFT over {len(ttfts)} turns p50 / max (s)",
            f"{res['conversation_ttft_p50_s']:.3f} / {res['conversation_ttft_max_s']:.3f}",
            "every turn, window moves included",
        ),
        ("cold start to first token (s)", f"{res['cold_start_s']:.3f}", "target <= 3"),
    ]
    print(f"{'metric':32} {'value':24} note")
    for r in rows:
        print(f"{r[0]:32} {r[1]:24} {r[2]}")


def _chat_plan() -> Any:
    from os1.engine.plan import CHAT

    return CHAT


if __name__ == "__main__":
    main()
