"""Writing benchmark: proofreading speed, writing a letter (with and without its handwritten
PDF), and compiling books of 1,000 and 10,000 letters (PDF + EPUB).

Run: python bench/writing.py   (prints a table, writes bench/results/writing.json)
"""

from __future__ import annotations

import asyncio
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "writing"))

from writing_clients import OCCASIONS, load  # noqa: E402

from os1.db import Database  # noqa: E402
from os1.skills.writing.book import compile_book  # noqa: E402
from os1.skills.writing.letters import write_letter  # noqa: E402
from os1.skills.writing.proofread import proofread  # noqa: E402
from os1.skills.writing.store import LetterStore  # noqa: E402

DRAFT = ("dear Chris, i have been thinking about there house by the lake. Its been a long time "
         "since we went their. I recieve your letter and it was very lovely. Your going to "
         "love the the garden. we planted a apple tree and an tulip bed.\n")


def timed(fn: object, *args: object, **kw: object) -> tuple[float, object]:
    t = time.perf_counter()
    out = fn(*args, **kw)  # type: ignore[operator]
    return time.perf_counter() - t, out


def bench_proofread() -> dict[str, float]:
    proofread("warm up the dictionary")
    text = DRAFT * 200  # ~9,000 words
    secs, found = timed(proofread, text)
    return {"words": len(text.split()), "seconds": round(secs, 3),
            "words_per_s": round(len(text.split()) / secs), "suggestions": len(found)}


def bench_letters(tmp: Path) -> dict[str, float]:
    store = LetterStore(Database(tmp / "letters.db"))
    load(store)
    pairs = list(OCCASIONS.items())
    t = time.perf_counter()
    for (client, recipient), occasion in pairs:
        asyncio.run(write_letter(store, client, recipient, occasion))
    text_ms = (time.perf_counter() - t) / len(pairs) * 1000
    (client, recipient), occasion = pairs[0]
    asyncio.run(write_letter(store, client, recipient, occasion, pdf_dir=tmp))  # font cache
    t = time.perf_counter()
    for (client, recipient), occasion in pairs:
        asyncio.run(write_letter(store, client, recipient, occasion, pdf_dir=tmp))
    pdf_ms = (time.perf_counter() - t) / len(pairs) * 1000
    return {"letter_text_ms": round(text_ms, 1), "letter_with_pdf_ms": round(pdf_ms, 1)}


def corpus(tmp: Path, n: int) -> LetterStore:
    store = LetterStore(Database(tmp / f"corpus{n}.db"))
    store.add_client("Roberta Hale")
    store.add_recipient("Roberta Hale", "Chris", "husband")
    cid, rid = store.client("Roberta Hale").id, store.recipient("Roberta Hale", "Chris").id
    para = ("We met at a dance at the Norshor Theatre in Duluth in 1974; you stepped on my feet "
            "twice and apologised with a root beer float. I think about that more than you "
            "know, and I would not trade it for anything.")
    body = f"My dearest Chris,\n\n{para}\n\n{para}\n\n{para}\n\nForever yours,\nRoberta"
    with store.db.transaction() as c:
        c.executemany("INSERT INTO writing_letters VALUES (?, ?, ?, 'written', ?, ?, '[]', 0.9, "
                      "'', ?)", [(f"L{i:06d}", cid, rid, f"letter {i}", body, float(i))
                                 for i in range(n)])
    return store


def bench_book(tmp: Path, n: int) -> dict[str, float]:
    store = corpus(tmp, n)
    secs, book = timed(compile_book, store, tmp / f"book{n}")
    return {"letters": n, "seconds": round(secs, 2),
            "letters_per_s": round(n / secs), "pdf_mb": round(book.pdf.stat().st_size / 1e6, 2),
            "epub_mb": round(book.epub.stat().st_size / 1e6, 2)}


def main() -> None:
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        results = {"machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
                   "python": platform.python_version(),
                   "proofread": bench_proofread(), "letters": bench_letters(tmp),
                   "book_1000": bench_book(tmp, 1000), "book_10000": bench_book(tmp, 10000)}
    rows = [
        ("proofread", f"{results['proofread']['words_per_s']} words/s "
                      f"({results['proofread']['words']} words)"),
        ("letter (text)", f"{results['letters']['letter_text_ms']} ms"),
        ("letter (text + handwritten PDF)", f"{results['letters']['letter_with_pdf_ms']} ms"),
    ]
    for key in ("book_1000", "book_10000"):
        b = results[key]
        rows.append((f"book of {b['letters']} letters (PDF+EPUB)",
                     f"{b['seconds']} s, PDF {b['pdf_mb']} MB, EPUB {b['epub_mb']} MB"))
    width = max(len(r[0]) for r in rows)
    print(f"{'what'.ljust(width)}  result")
    for what, res in rows:
        print(f"{what.ljust(width)}  {res}")
    out = ROOT / "bench" / "results" / "writing.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
