"""The approved book compile as background work: with OS1_DATABASE_URL set, approving
book_compile enqueues one job (approving the same book again adds none) and a worker makes the
PDF and EPUB; without a database the approval compiles at once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from os1.home import Home
from os1.scale.queue import Queue, Worker
from os1.scale.tasks import BOOK_COMPILE
from os1.skills.writing.book import book_dir, latest_book
from os1.skills.writing.store import LetterStore

TITLE = "Letters From Your Life"


def good_letters(home: Home, n: int = 3) -> None:
    store = LetterStore(home.db)
    store.add_client("Mara")
    store.add_recipient("Mara", "Jonah", "brother")
    for i in range(n):
        store.add_letter("Mara", "Jonah", f"Dear Jonah,\n\nLetter {i}: the summer at the lake "
                         "when you taught me to row, and the storm we waited out.\n\nMara",
                         kind="written", score=0.9)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Home]:
    monkeypatch.delenv("OS1_DATABASE_URL", raising=False)
    h = Home.open(tmp_path / "home")
    good_letters(h)
    yield h
    h.close()


async def approve_compile(home: Home) -> str:
    out = await home.actions.request("book_compile", {"title": TITLE}, "You asked for it.",
                                     origin="cli")
    assert out.status == "pending"
    done = await home.actions.approve(out.approval_id)
    assert done.status == "done", done.result
    return done.result


async def test_an_approved_compile_is_a_job_a_worker_does_once(
    home: Home, pg_url: str
) -> None:
    home.config.server.database_url = pg_url  # as OS1_DATABASE_URL sets it
    said = await approve_compile(home)
    assert "in the background" in said and "3 letters" in said
    assert not book_dir(home.path).exists()  # nothing compiled in the approver's process
    job_id = int(said.split("(job ")[1].split(",")[0])
    assert str(job_id) in await approve_compile(home)  # the same book: the same job
    q = Queue(pg_url)
    w = Worker(pg_url)
    try:
        assert q.get(job_id)["task"] == BOOK_COMPILE
        w.work(until_idle=True)  # (also whatever else waits in the default queue)
        job = q.get(job_id)
        assert (job["status"], job["attempts"]) == ("done", 1), job
        assert "Compiled “Letters From Your Life”: 3 letters" in job["result"]
    finally:
        w.close()
    book = latest_book(LetterStore(home.db))
    assert book.title == TITLE and book.letters == 3
    assert book.pdf.stat().st_size > 0 and book.epub.stat().st_size > 0


async def test_without_a_database_the_approval_compiles_at_once(home: Home) -> None:
    said = await approve_compile(home)
    assert said.startswith("Compiled “Letters From Your Life”: 3 letters")
    assert latest_book(LetterStore(home.db)).letters == 3
