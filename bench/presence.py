"""Presence evaluation: is os1 a companion worth talking to?

Each probe is a fresh home: `os1 init`, earlier sessions imported with `os1 memory import`,
then the question through `os1 chat --once --json`. Scored by rules, per category, with
examples of failures. Prints a table and writes bench/results/presence.json.

  python bench/presence.py                      # the embedded default
  python bench/presence.py --base-url URL --model NAME   # any OpenAI-compatible server
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from presence_probes import USER, Probe, all_probes

from os1.engine.polish import DISCLAIMER, SENTENCE_END, loops, normal

RESULTS = Path(__file__).parent / "results"
OS1 = [sys.executable, "-m", "os1.cli"]


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*OS1, *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )


def ask(probe: Probe, extra_env: dict[str, str]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="os1-presence-") as tmp:
        env = {**os.environ, "OS1_HOME": tmp, **extra_env}
        run(["init", "--user-name", USER, "--yes"], env)
        os_name = json.loads(run(["persona", "--json"], env).stdout or "{}").get("os_name", "")
        path = Path(tmp) / "transcript.json"
        path.write_text(json.dumps(probe.transcript()))
        imp = run(["memory", "import", str(path)], env)
        chat = run(["chat", "--once", probe.question, "--json"], env)
        events = [json.loads(line) for line in chat.stdout.splitlines() if line.startswith("{")]
        end = next((e for e in events if e["type"] == "turn_ended"), {})
        return {
            "reply": end.get("reply", ""),
            "seconds": end.get("timings", {}).get("total_s", float("nan")),
            "os_name": os_name,
            "errors": [e["message"] for e in events if e["type"] == "error"]
            + ([imp.stderr.strip()] if imp.returncode else [])
            + ([chat.stderr.strip()] if chat.returncode else []),
        }


def sentences(text: str) -> list[str]:
    return [s for s in SENTENCE_END.split(text.strip()) if s.strip()]


def invented(reply: str, probe: Probe, os_name: str) -> list[str]:
    """Capitalised names or numbers in the reply that nobody said."""
    said = " ".join(line for s in probe.sessions for line in s) + " " + probe.question
    allowed = {USER, os_name, "I"}
    out = []
    for sentence in sentences(reply):
        for word in re.findall(r"\b[A-Z][a-z]+\b|\b\d+\b", sentence)[1:]:
            if word not in allowed and word not in said:
                out.append(word)
    return out


def score(probe: Probe, res: dict[str, Any]) -> dict[str, Any]:
    reply = res["reply"]
    low = reply.lower()
    sents = sentences(reply)
    checks: dict[str, bool] = {
        "answered": bool(reply) and not res["errors"],
        "no_disclaimer": not DISCLAIMER.search(reply),
        "no_loop": not any(loops(s) for s in sents)
        and len({normal(s) for s in sents}) == len(sents),
    }
    if probe.category in ("recall", "contradiction"):
        checks["has_fact"] = any(e.lower() in low for e in probe.expect)
        checks["no_stale"] = not any(f.lower() in low for f in probe.forbid)
    elif probe.category == "dont_know":
        checks["admits"] = any(e in low.replace("’", "'") for e in probe.expect)
        checks["invents_nothing"] = not invented(reply, probe, res["os_name"])
    elif probe.category == "persona":
        checks["own_name"] = bool(res["os_name"]) and res["os_name"] in reply
    else:
        checks["one_to_three_sentences"] = 1 <= len(sents) <= 3
    return {"ok": all(checks.values()), "checks": checks, "uses_name": USER in reply}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--base-url", help="evaluate an OpenAI-compatible server instead")
    ap.add_argument("--model", default="", help="model name for --base-url")
    ap.add_argument("--limit", type=int, default=0, help="only the first N probes per category")
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    env: dict[str, str] = {}
    if args.base_url:
        env = {
            "OS1_BRAIN_BACKEND": "openai",
            "OS1_BRAIN_BASE_URL": args.base_url,
            "OS1_BRAIN_MODEL": args.model or "default",
        }
    probes = all_probes()
    if args.limit:
        seen: dict[str, int] = defaultdict(int)
        probes = [
            p
            for p in probes
            if (
                seen.__setitem__(p.category, seen[p.category] + 1) or seen[p.category] <= args.limit
            )
        ]
    t0 = time.time()
    with ThreadPoolExecutor(args.jobs) as pool:
        results = list(pool.map(lambda p: ask(p, env), probes))
    by_cat: dict[str, list[dict[str, Any]]] = defaultdict(list)
    rows = []
    for probe, res in zip(probes, results, strict=True):
        sc = score(probe, res)
        rows.append({"category": probe.category, "question": probe.question, **res, **sc})
        by_cat[probe.category].append(rows[-1])
    summary: dict[str, Any] = {}
    for cat, items in by_cat.items():
        summary[cat] = {
            "n": len(items),
            "pass_rate": sum(r["ok"] for r in items) / len(items),
            "failures": [
                {
                    "q": r["question"],
                    "reply": r["reply"],
                    "failed": [k for k, v in r["checks"].items() if not v],
                }
                for r in items
                if not r["ok"]
            ][:5],
        }
    talk = by_cat["small_talk"] + by_cat["comfort"]
    times = [r["seconds"] for r in rows if r["seconds"] == r["seconds"]]
    res = {
        "backend": args.base_url or "embedded",
        "probes": len(rows),
        "categories": summary,
        "grounded_recall": summary["recall"]["pass_rate"],
        "dont_know_honesty": summary["dont_know"]["pass_rate"],
        "invented_facts": sum(not r["checks"].get("invents_nothing", True) for r in rows),
        "persona": summary["persona"]["pass_rate"],
        "contradiction": summary["contradiction"]["pass_rate"],
        "small_talk_comfort": (sum(r["ok"] for r in talk) / len(talk)) if talk else 0.0,
        "disclaimer_rate": sum(not r["checks"]["no_disclaimer"] for r in rows) / len(rows),
        "loop_rate": sum(not r["checks"]["no_loop"] for r in rows) / len(rows),
        "name_use_rate_talk": (sum(r["uses_name"] for r in talk) / len(talk)) if talk else 0.0,
        "reply_p50_s": statistics.median(times) if times else float("nan"),
        "reply_p95_s": sorted(times)[int(0.95 * (len(times) - 1))] if times else float("nan"),
        "wall_s": time.time() - t0,
        "rows": rows,
    }
    RESULTS.mkdir(exist_ok=True)
    name = "presence.json" if not args.base_url else "presence-openai.json"
    (RESULTS / name).write_text(json.dumps(res, indent=2))
    print(f"{'measure':28} {'value':>8}  target")
    for key, target in [
        ("grounded_recall", ">= 0.90"),
        ("dont_know_honesty", ">= 0.90"),
        ("invented_facts", "0"),
        ("persona", "1.00"),
        ("contradiction", "new value"),
        ("small_talk_comfort", "-"),
        ("disclaimer_rate", "0"),
        ("loop_rate", "0"),
        ("name_use_rate_talk", "sometimes"),
        ("reply_p50_s", "<= 1.0 s"),
        ("reply_p95_s", "-"),
    ]:
        v = res[key]
        print(
            f"{key:28} {v:>8.3f}  {target}"
            if isinstance(v, float)
            else f"{key:28} {v:>8}  {target}"
        )
    for cat, s in summary.items():
        for f in s["failures"][:2]:
            print(f"  fail [{cat}] {f['q']!r} -> {f['reply']!r} ({', '.join(f['failed'])})")


if __name__ == "__main__":
    main()
