"""The book: when enough letters are good, propose compiling them (the initiative scheduler
asks :func:`book_proposal` each evening); ``compile_book`` makes a PDF (title page, contents
with page numbers and bookmarks, one letter a chapter) and an EPUB, and records the book.

Imports os1.db, os1.errors and this package.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from os1.db import new_id, now
from os1.errors import InputError, NotFoundError
from os1.skills.writing.epub import Chapter, write_epub
from os1.skills.writing.handwriting import find_font, save_pdf, truetype_outlines
from os1.skills.writing.quality import GOOD
from os1.skills.writing.store import LetterStore, StoredLetter

BOOK_MIN_LETTERS = 10  # good letters before os1 suggests a book
BOOK_STEP = 5  # then only again after this many more
SERIF_FONTS = ("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
               "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf")
DEFAULT_TITLE = "Letters From Your Life"
Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass(frozen=True)
class Book:
    id: str
    title: str
    pdf: Path
    epub: Path
    letters: int


def good_letters(store: LetterStore, min_score: float = GOOD) -> list[StoredLetter]:
    return store.letters(min_score=min_score)


def book_proposal(store: LetterStore, minimum: int = BOOK_MIN_LETTERS,
                  step: int = BOOK_STEP) -> dict[str, Any] | None:
    """Propose compiling the book once there are ``minimum`` good letters, and again only
    after ``step`` more; the proposal carries its reason."""
    good = good_letters(store)
    n = len(good)
    last = max(int(store.state("book_proposed_at", "0")), int(store.state("book_compiled_at",
                                                                           "0")))
    if n < minimum or (last and n < last + step):
        return None
    store.set_state("book_proposed_at", str(n))
    clients = sorted({x.client for x in good})
    best = max(good, key=lambda x: x.score)
    avg = sum(x.score for x in good) / n
    who = ", ".join(clients[:3]) + (f" and {len(clients) - 3} more" if len(clients) > 3 else "")
    reason = (f"You have written {n} letters I judge good (average score {avg:.2f}: long "
              f"enough, specific, not repetitive) for {who}. That is enough for a book; the "
              f"strongest is the one for {best.client} to {best.recipient or 'someone'}.")
    return {"tool": "book_compile", "args": {"title": DEFAULT_TITLE}, "reason": reason}


def serif_font() -> Path | None:
    for p in SERIF_FONTS:
        if Path(p).is_file():
            return Path(p)
    return None


def chapters_of(letters: Sequence[StoredLetter]) -> list[Chapter]:
    out = []
    for x in letters:
        meta = f"from {x.client}" + (f" · {x.occasion}" if x.occasion else "")
        out.append(Chapter(f"To {x.recipient or 'a friend'}", meta, x.body))
    return out


class _BookPDF:
    """Builds the book with fpdf2: page numbers in the footer, bookmarks per chapter."""

    def __init__(self, title: str, hand: Path, serif: Path | None) -> None:
        from fpdf import FPDF

        class Paged(FPDF):  # type: ignore[misc]
            def footer(self) -> None:
                if self.page_no() > 1:
                    self.set_y(-36)
                    self.set_font(body_font, size=9)
                    self.cell(0, 12, str(self.page_no()), align="C")

        pdf = Paged(unit="pt", format=(420, 595))  # A5
        pdf.set_margins(48, 54, 48)
        pdf.set_auto_page_break(True, margin=54)
        pdf.set_title(title)
        pdf.set_creator("os1")
        pdf.add_font("hand", "", str(hand))
        body_font = "times"
        if serif is not None:
            pdf.add_font("serif", "", str(serif))
            body_font = "serif"
        self.pdf, self.body_font = pdf, body_font
        self.fresh_page = False
        self.widths: dict[str, float] = {}

    def text(self, s: str) -> str:
        return s if self.body_font != "times" else s.encode("latin-1", "replace").decode(
            "latin-1")

    def title_page(self, title: str, author: str, count: int) -> None:
        pdf = self.pdf
        pdf.add_page()
        pdf.set_y(pdf.h / 3)
        pdf.set_font("hand", size=30)
        pdf.multi_cell(0, 38, title, align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(16)
        pdf.set_font(self.body_font, size=12)
        pdf.multi_cell(0, 18, self.text(f"{author}\n\n{count} letters"), align="C", new_x="LMARGIN", new_y="NEXT")

    def contents(self, chapters: Sequence[Chapter]) -> None:
        pdf = self.pdf
        pdf.add_page()

        def render(p: Any, outline: Sequence[Any]) -> None:
            p.set_xy(p.l_margin, p.t_margin)
            p.set_font("hand", size=20)
            p.cell(0, 30, "Contents", new_x="LMARGIN", new_y="NEXT")
            p.set_font(self.body_font, size=9)
            for entry in outline:
                label = self.text(f"{entry.name}")[:70]
                p.cell(p.epw - 30, 14, label)
                p.cell(30, 14, str(entry.page_number), align="R", new_x="LMARGIN",
                       new_y="NEXT")

        # One page reserved; longer contents insert pages as they render. Page labels restart
        # after the contents, so the numbers printed in it stay right.
        pdf.insert_toc_placeholder(render, pages=1, allow_extra_pages=True)
        self.fresh_page = True  # the placeholder leaves us on a new, empty page

    def chapter(self, i: int, c: Chapter) -> None:
        pdf = self.pdf
        if not self.fresh_page:
            pdf.add_page()
        self.fresh_page = False
        pdf.start_section(self.text(f"{i}. {c.title}, {c.meta}"))
        pdf.set_font("hand", size=20)
        pdf.multi_cell(0, 26, self.text(f"{i}. {c.title}"), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(self.body_font, size=9)
        pdf.set_text_color(110, 110, 110)
        pdf.multi_cell(0, 13, self.text(c.meta), new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
        pdf.ln(10)
        pdf.set_font(self.body_font, size=10.5)
        self.body(c.body.strip())

    def _width(self, word: str) -> float:
        w = self.widths.get(word)
        if w is None:
            w = self.widths[word] = float(self.pdf.get_string_width(word))
        return w

    def wrap(self, paragraph: str) -> list[str]:
        """Greedy line breaking with cached word widths: fpdf's multi_cell measures every
        character again and made a 10,000-letter book take minutes."""
        room, space = self.pdf.epw, self._width(" ")
        lines: list[str] = []
        line: list[str] = []
        used = 0.0
        for word in paragraph.split():
            w = self._width(word)
            if line and used + space + w > room:
                lines.append(" ".join(line))
                line, used = [], 0.0
            used += (space if line else 0.0) + w
            line.append(word)
        return [*lines, " ".join(line)] if line else lines

    def body(self, text: str) -> None:
        pdf, lh = self.pdf, 15.0
        for block in text.split("\n"):
            for line in self.wrap(self.text(block)) or [""]:
                if pdf.y + lh > pdf.h - pdf.b_margin:
                    pdf.add_page()
                pdf.text(pdf.l_margin, pdf.y + 11, line)
                pdf.y += lh


def compile_book(store: LetterStore, out_dir: Path, *, title: str = DEFAULT_TITLE,
                 author: str = "", min_score: float = GOOD, font: Path | None = None,
                 progress: Progress | None = None) -> Book:
    """Make the PDF and the EPUB of every good letter, in the order they were written."""
    letters = good_letters(store, min_score)
    if not letters:
        raise InputError("There are no good letters to put in a book yet; write some with "
                         "'os1 letters write'.")
    title = " ".join(title.split()) or DEFAULT_TITLE
    author = author or "Letters written with os1"
    hand = truetype_outlines(find_font(font))
    chapters = chapters_of(letters)
    total = len(chapters)
    book_id = new_id("B")
    out_dir.mkdir(parents=True, exist_ok=True)
    maker = _BookPDF(title, hand, serif_font())
    maker.title_page(title, author, total)
    maker.contents(chapters)
    for i, c in enumerate(chapters, 1):
        maker.chapter(i, c)
        if progress and (i % 50 == 0 or i == total):
            progress("pdf", i, total)
    pdf_path = out_dir / f"{book_id}.pdf"
    save_pdf(maker.pdf, pdf_path)
    epub_path = write_epub(out_dir / f"{book_id}.epub", title, author, chapters,
                           (lambda i: progress("epub", i, total)) if progress else None)
    store.db.execute("INSERT INTO writing_books VALUES (?, ?, ?, ?, ?, ?)",
                     (book_id, title, json.dumps([x.id for x in letters]), str(pdf_path),
                      str(epub_path), now()))
    store.set_state("book_compiled_at", str(total))
    return Book(book_id, title, pdf_path, epub_path, total)


def latest_book(store: LetterStore, book_id: str = "") -> Book:
    rows = store.db.query("SELECT * FROM writing_books WHERE id=? OR ?='' ORDER BY created "
                          "DESC LIMIT 1", (book_id, book_id))
    if not rows:
        raise NotFoundError("There is no book yet; make one with 'os1 book compile'." if
                            not book_id else f"There is no book {book_id}.")
    r = rows[0]
    pdf, epub = Path(r["pdf"]), Path(r["epub"])
    for f in (pdf, epub):
        if not f.is_file():
            raise NotFoundError(f"The book file {f} is gone; compile the book again.")
    return Book(r["id"], r["title"], pdf, epub, len(json.loads(r["letters"])))


def book_dir(home_path: Path) -> Path:
    return home_path / "writing" / "books"
