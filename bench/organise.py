"""Benchmark: organising files and reading documents.

1. Tidy plan for a generated tree of N files (default 100,000): scan + duplicate search +
   plan, wall time and peak RSS (measured in a fresh child process), then apply and undo
   (every name and byte checked afterwards).
2. Duplicate detection on the same tree: precision and recall of exact duplicates (planted
   copies) and near duplicates (planted copies with 2-4% of words edited), with hard
   negatives (files sharing a boilerplate paragraph, different bodies).
3. Ingest rate: pages per second for PDF, DOCX, EPUB, with and without MiniLM vectors.

Prints a table and writes bench/results/organise.json.
Run: python bench/organise.py [--files 100000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from itertools import combinations
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"
KINDS = [("txt", 0.22), ("md", 0.08), ("csv", 0.05), ("jpg", 0.25), ("png", 0.05),
         ("pdf", 0.12), ("docx", 0.06), ("mp3", 0.05), ("zip", 0.04), ("py", 0.04),
         ("bin", 0.04)]
TEXT_KINDS = {"txt", "md", "csv", "py"}
ENGLISH = """the tenant landlord rent month deposit repair boiler roof window garden kitchen
house flat room door key water heating bill council tax notice agreement contract term
period payment bank account date year week day morning evening house pet cat dog animal
allowed permission written consent damage cost insurance property owner neighbour noise
rubbish bin street car parking space bicycle storage furniture bed table chair sofa lamp
paint wall floor carpet clean end start change move leave stay live work school family
friend child book letter phone email address name number time place city town country
and or but with without for from into over under about after before during while because
is are was were will would can could should must may might has have had do does did make
good new old small large long short high low early late open close first last next other"""


def vocabulary(rng: random.Random, n: int = 4000) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return ["".join(rng.choice(letters) for _ in range(rng.randint(3, 9))) for _ in range(n)]


def text_body(rng: random.Random, vocab: list[str], words: int) -> list[str]:
    return [rng.choice(vocab) for _ in range(words)]


def edit(rng: random.Random, vocab: list[str], words: list[str], share: float) -> list[str]:
    out = list(words)
    for _ in range(max(1, int(len(out) * share))):
        i = rng.randrange(len(out))
        op = rng.random()
        if op < 0.5:
            out[i] = rng.choice(vocab)
        elif op < 0.75:
            out.insert(i, rng.choice(vocab))
        elif len(out) > 10:
            del out[i]
    return out


def generate(root: Path, n: int, seed: int = 7) -> dict[str, Any]:
    """A messy tree of n files; returns the planted duplicate truth."""
    rng = random.Random(seed)
    vocab = vocabulary(rng)
    dirs = [Path("")] + [Path(f"folder {i}") / f"sub {j}" for i in range(60) for j in range(8)]
    for d in dirs:
        (root / d).mkdir(parents=True, exist_ok=True)
    exts = [k for k, _ in KINDS]
    weights = [w for _, w in KINDS]
    boiler = " ".join(text_body(rng, vocab, 60))
    originals: list[str] = []
    texts: dict[str, list[str]] = {}
    exact_pairs: set[frozenset[str]] = set()
    near_pairs: set[frozenset[str]] = set()
    n_exact, n_near = n // 50, n // 100
    made = 0
    while made < n - n_exact - n_near:
        ext = rng.choices(exts, weights)[0]
        rel = str(dirs[rng.randrange(len(dirs))] / f"{rng.choice(vocab)} {made}.{ext}")
        if ext in TEXT_KINDS:
            words = text_body(rng, vocab, rng.randint(120, 400))
            if rng.random() < 0.2:  # hard negatives: a shared boilerplate paragraph
                words = boiler.split() + words
            texts[rel] = words
            data = " ".join(words).encode()
        else:
            data = rng.randbytes(rng.randint(200, 3000))
        (root / rel).write_bytes(data)
        originals.append(rel)
        made += 1
    text_files = list(texts)
    for i in range(n_exact):
        src = rng.choice(originals)
        dst = str(Path(src).parent / f"Copy of {Path(src).stem} ({i}){Path(src).suffix}")
        shutil.copyfile(root / src, root / dst)
        exact_pairs.add(frozenset((src, dst)))
    for i in range(n_near):
        src = rng.choice(text_files)
        words = edit(rng, vocab, texts[src], rng.uniform(0.02, 0.04))
        dst = str(Path(src).parent / f"{Path(src).stem} edited {i}{Path(src).suffix}")
        (root / dst).write_bytes(" ".join(words).encode())
        near_pairs.add(frozenset((src, dst)))
    return {"exact": exact_pairs, "near": near_pairs}


def plan_child(root: str, out: str) -> None:
    """Run in a fresh process: the plan's time and peak memory, and its findings."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from os1.skills.files.tools import TidyOptions, build_plan

    t0 = time.perf_counter()
    plan, _, payload = build_plan(root, TidyOptions())
    seconds = time.perf_counter() - t0
    usage = resource.getrusage(resource.RUSAGE_SELF)
    rss = usage.ru_maxrss / 1024
    Path(out).write_text(json.dumps({
        "seconds": seconds, "cpu_s": usage.ru_utime + usage.ru_stime, "peak_rss_mb": rss, "files": plan.total_files,
        "moves": len(plan.moves), "exact_groups": plan.exact_groups,
        "near_pairs": [[a, b] for a, b, _ in plan.near_pairs], "payload": payload,
    }))


def tree_digest(root: Path) -> str:
    h = hashlib.sha256()
    for dirpath, dirnames, filenames in sorted(os.walk(root)):
        dirnames.sort()
        for name in sorted(filenames):
            p = Path(dirpath) / name
            h.update(str(p.relative_to(root)).encode("utf-8", "surrogateescape"))
            h.update(hashlib.blake2b(p.read_bytes(), digest_size=16).digest())
    return h.hexdigest()


def precision_recall(found: set[frozenset[str]], truth: set[frozenset[str]]) -> tuple[float,
                                                                                       float]:
    tp = len(found & truth)
    return (tp / len(found) if found else 1.0), (tp / len(truth) if truth else 1.0)


def tidy_bench(n: int, keep: str | None) -> dict[str, Any]:
    from os1.skills.files.apply import apply_plan, revert_plan

    base = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="os1-tidy-"))
    root = base / "tree"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    t0 = time.perf_counter()
    truth = generate(root, n)
    gen_s = time.perf_counter() - t0
    out = base / "plan.json"
    subprocess.run([sys.executable, __file__, "--plan-child", str(root), str(out)], check=True)
    res = json.loads(out.read_text())
    found_exact = {frozenset(p) for g in res["exact_groups"] for p in combinations(g, 2)}
    found_near = {frozenset(p) for p in res["near_pairs"]}
    # A planted exact copy of a file that was itself copied forms a bigger group: compare
    # pairs within the truth's transitive groups too.
    truth_exact = {frozenset(p) for g in _groups(truth["exact"]) for p in combinations(g, 2)}
    ep, er = precision_recall(found_exact, truth_exact)
    # Two edited copies of one file are near duplicates of each other too: a found pair is
    # right when both files come from the same planted family; recall counts planted pairs.
    near_family = {frozenset(p) for g in _groups(truth["near"]) for p in combinations(g, 2)}
    near_p = len(found_near & near_family) / len(found_near) if found_near else 1.0
    near_r = len(found_near & truth["near"]) / len(truth["near"]) if truth["near"] else 1.0
    before = tree_digest(root)
    t0 = time.perf_counter()
    applied = apply_plan(res["payload"])
    apply_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    back, problems = revert_plan(res["payload"])
    undo_s = time.perf_counter() - t0
    restored = tree_digest(root) == before and not problems
    if not keep:
        shutil.rmtree(base, ignore_errors=True)
    return {
        "files": res["files"], "generate_s": round(gen_s, 1), "plan_s": round(res["seconds"], 2),
        "plan_cpu_s": round(res["cpu_s"], 2),
        "plan_peak_rss_mb": round(res["peak_rss_mb"], 1), "moves": res["moves"],
        "apply_s": round(apply_s, 2), "moved": applied.moved, "undo_s": round(undo_s, 2),
        "moved_back": back, "undo_restored_every_byte_and_name": restored,
        "exact_precision": round(ep, 4), "exact_recall": round(er, 4),
        "exact_pairs_truth": len(truth_exact), "near_precision": round(near_p, 4),
        "near_recall": round(near_r, 4), "near_pairs_truth": len(truth["near"]),
    }


def _groups(pairs: set[frozenset[str]]) -> list[set[str]]:
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    for pair in pairs:
        a, b = sorted(pair)
        parent[root(a)] = root(b)
    groups: dict[str, set[str]] = {}
    for x in parent:
        groups.setdefault(root(x), set()).add(x)
    return list(groups.values())


def ingest_bench() -> list[dict[str, Any]]:
    from os1.db import Database
    from os1.skills.reading.samples import write_docx, write_epub, write_pdf
    from os1.skills.reading.store import DocumentStore, default_embed

    rng = random.Random(3)
    # Real English words, so the embedder's tokenizer sees realistic text (~1.3 tokens a word).
    vocab = ENGLISH.split()
    page = [" ".join(text_body(rng, vocab, 330)) for _ in range(200)]  # ~330 words a page
    tmp = Path(tempfile.mkdtemp(prefix="os1-read-"))
    docs = {
        "pdf": write_pdf(tmp / "book.pdf", [_lines(p) for p in page]),
        "docx": write_docx(tmp / "book.docx", [_lines(p) for p in page[:100]]),
        "epub": write_epub(tmp / "book.epub", [(f"Chapter {i}", _lines(p))
                                               for i, p in enumerate(page[:50], 1)]),
    }
    rows = []
    docs["pdf (10 pages)"] = write_pdf(tmp / "short.pdf", [_lines(p) for p in page[:10]])
    for vectors in (False, True):
        embed = default_embed() if vectors else None
        if embed is not None:
            embed(["warm up"])
        for kind, path in docs.items():
            if vectors and kind != "pdf (10 pages)":
                continue  # vectors cost ~0.1-0.2 s a passage: measured on the short one
            store = DocumentStore(Database(tmp / f"{kind}-{vectors}.db"), embed)
            t0, c0 = time.perf_counter(), time.process_time()
            got = store.ingest(path, all_vectors=vectors)
            s, cpu = time.perf_counter() - t0, time.process_time() - c0
            rows.append({"format": kind, "vectors": vectors, "pages": got.pages,
                         "chunks": got.chunks, "seconds": round(s, 2), "cpu_s": round(cpu, 2),
                         "pages_per_s": round(got.pages / s, 1)})
    shutil.rmtree(tmp, ignore_errors=True)
    return rows


def _lines(text: str, width: int = 90) -> str:
    out, line = [], ""
    for w in text.split():
        if len(line) + len(w) > width:
            out.append(line)
            line = ""
        line += w + " "
    return "\n".join([*out, line])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=100_000)
    ap.add_argument("--keep", default=None, help="generate the tree here and keep it")
    ap.add_argument("--plan-child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.plan_child:
        plan_child(*args.plan_child)
        return
    tidy = tidy_bench(args.files, args.keep)
    ingest = ingest_bench()
    print(f"{'tidy plan':<34}{tidy['files']:>8} files  {tidy['plan_s']:>7} s  "
          f"(CPU {tidy['plan_cpu_s']} s)  peak RSS {tidy['plan_peak_rss_mb']} MB")
    print(f"{'apply / undo':<34}{tidy['moved']:>8} moves  {tidy['apply_s']:>7} s / "
          f"{tidy['undo_s']} s  restored={tidy['undo_restored_every_byte_and_name']}")
    print(f"{'exact duplicates':<34}precision {tidy['exact_precision']:.3f}  "
          f"recall {tidy['exact_recall']:.3f}  ({tidy['exact_pairs_truth']} planted pairs)")
    print(f"{'near duplicates (2-4% edited)':<34}precision {tidy['near_precision']:.3f}  "
          f"recall {tidy['near_recall']:.3f}  ({tidy['near_pairs_truth']} planted pairs)")
    for r in ingest:
        label = f"ingest {r['format']}" + (" + vectors" if r["vectors"] else "")
        print(f"{label:<34}{r['pages']:>8} pages  {r['seconds']:>7} s  (CPU {r['cpu_s']} s)  "
              f"{r['pages_per_s']} pages/s")
    RESULTS.mkdir(exist_ok=True)
    result = {"machine": f"{os.cpu_count()} cores", "load_average": os.getloadavg(),
              "tidy": tidy, "ingest": ingest,
              "command": "python bench/organise.py"}
    (RESULTS / "organise.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
