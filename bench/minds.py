"""Benchmark for os1.minds: persona style fidelity and image description latency.

Style fidelity: two invented writers (tests/minds/data: Orla Venn, Bartholomew Ashgrove).
Each persona is built from 3 of its 5 essays and answers the same 20 questions; every reply
is then attributed to a writer by two nearest-centroid classifiers whose centroids come from
the 2 held-out essays it never saw (a MiniLM embedding centroid, and a stylometric one:
function-word rates + sentence length, z-scored). Accuracy = replies attributed to the
persona's own writer. The same with centroids from the whole corpus is reported too.
Latency: ``look`` on generated pictures at three sizes, offline, with and without OCR.

Run: python bench/minds.py   (writes bench/results/minds.json)
"""

from __future__ import annotations

import asyncio
import json
import platform
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from os1.minds import ocr
from os1.minds.corpus import build_mind, embed
from os1.minds.speaker import ask
from os1.minds.style import function_profile
from os1.minds.text import sentences, words
from os1.minds.vision import look

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "minds" / "data"
OUT = ROOT / "bench" / "results" / "minds.json"
QUESTIONS = [
    "How should I live with grief?", "What is duty?", "Why does patience matter?",
    "What is friendship for?", "How do I calm down when I am afraid?", "What is freedom?",
    "Should I trust my feelings?", "What makes a good citizen?", "What is silence good for?",
    "How do I stop rushing?", "Is moderation a virtue?", "What is reason?",
    "What should I do when I wait?", "How do we keep a republic?", "What can water teach us?",
    "What do I owe my friends?", "How do I find peace?", "What is the good life?",
    "How should I argue with someone I love?", "What matters most?",
]  # fmt: skip


def style_vector(text: str) -> np.ndarray:
    prof = function_profile(text)
    lengths = [len(words(s)) for s in sentences(text)] or [0]
    return np.array([*prof.values(), statistics.fmean(lengths) / 100.0], dtype=np.float64)


def nearest(vec: np.ndarray, centroids: dict[str, np.ndarray], cosine: bool) -> str:
    if cosine:
        return max(centroids, key=lambda k: float(vec @ centroids[k]) / (
            np.linalg.norm(vec) * np.linalg.norm(centroids[k]) + 1e-9))
    return min(centroids, key=lambda k: float(np.linalg.norm(vec - centroids[k])))


def split_corpus(src: Path, tmp: Path) -> tuple[Path, list[str]]:
    files = sorted(src.glob("*.txt"))
    train = tmp / src.name
    train.mkdir()
    for f in files[:3]:
        shutil.copy(f, train / f.name)
    return train, [f.read_text("utf-8") for f in files[3:]]


def fidelity() -> dict[str, object]:
    writers = {"venn": "Orla Venn", "ashgrove": "Bartholomew Ashgrove"}
    with tempfile.TemporaryDirectory() as tmp:
        minds, held, full = {}, {}, {}
        for key, name in writers.items():
            train, held_texts = split_corpus(DATA / key, Path(tmp))
            minds[key], _ = build_mind(name, train)
            held[key] = held_texts
            full[key] = [f.read_text("utf-8") for f in sorted((DATA / key).glob("*.txt"))]
    t0 = time.perf_counter()
    replies = [(key, ask(minds[key], q).text) for q in QUESTIONS for key in writers]
    ask_ms = (time.perf_counter() - t0) * 1000 / len(replies)
    out: dict[str, object] = {"replies": len(replies), "ask_ms_mean": round(ask_ms, 1)}
    vecs = embed([t for _, t in replies])
    for label, corpus in (("held_out", held), ("whole_corpus", full)):
        emb_c = {k: embed(v).mean(axis=0) for k, v in corpus.items()}
        sty = {k: np.stack([style_vector(t) for t in v]) for k, v in corpus.items()}
        allv = np.concatenate(list(sty.values()))
        mu, sd = allv.mean(axis=0), allv.std(axis=0) + 1e-6
        sty_c = {k: ((v - mu) / sd).mean(axis=0) for k, v in sty.items()}
        emb_ok = sum(nearest(vecs[i], emb_c, True) == k for i, (k, _) in enumerate(replies))
        sty_ok = sum(nearest((style_vector(t) - mu) / sd, sty_c, False) == k for k, t in replies)
        out[f"{label}_embedding_accuracy"] = round(emb_ok / len(replies), 3)
        out[f"{label}_stylometric_accuracy"] = round(sty_ok / len(replies), 3)
    return out


def pictures(tmp: Path) -> dict[str, Path]:
    from PIL import Image, ImageDraw, ImageFont

    out = {}
    for w, h in ((640, 480), (1920, 1080), (4000, 3000)):
        y = np.linspace(0, 1, h)[:, None]
        sky = np.stack([255 - 60 * y, 90 + 100 * y, 40 + 20 * y], axis=-1)
        img = np.broadcast_to(sky, (h, w, 3)).astype(np.uint8).copy()
        img[int(h * 0.6):] = (20, 20, 80)
        pic = Image.fromarray(img)
        ImageDraw.Draw(pic).text((w // 10, int(h * 0.7)), "BEACH BAR OPEN",
                                 fill="white", font=ImageFont.load_default(size=h // 12))
        out[f"{w}x{h}"] = tmp / f"sunset-{w}x{h}.jpg"
        pic.save(out[f"{w}x{h}"], quality=90)
    return out


def latency(runs: int = 5) -> list[dict[str, object]]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size, path in pictures(Path(tmp)).items():
            for with_ocr in (False, True):
                if with_ocr and not ocr.available():
                    continue
                times, text = [], ""
                for _ in range(runs):
                    sight = asyncio.run(look(path, read_text=with_ocr))
                    times.append(sight.seconds)
                    text = sight.text
                rows.append({"size": size, "ocr": with_ocr,
                             "median_s": round(statistics.median(times), 3),
                             "max_s": round(max(times), 3),
                             "text_read": " ".join(text.split())})
    return rows


def main() -> None:
    t0 = time.perf_counter()
    fid = fidelity()
    lat = latency()
    result = {"machine": f"{platform.machine()}, {platform.python_version()}",
              "tesseract": ocr.available(), "style_fidelity": fid, "look_latency": lat,
              "total_s": round(time.perf_counter() - t0, 1)}
    print("style fidelity (20 questions x 2 personas, replies attributed to a writer)")
    for k, v in fid.items():
        print(f"  {k:36s} {v}")
    print(f"\n{'image':>10} {'ocr':>5} {'median s':>9} {'max s':>7}  text read")
    for r in lat:
        print(f"{r['size']:>10} {r['ocr']!s:>5} {r['median_s']:>9} {r['max_s']:>7}  {r['text_read']}")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2) + "\n", "utf-8")
    print(f"\nwrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
