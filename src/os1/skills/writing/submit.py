"""Sending the book to a publisher: a cover letter and the PDF and EPUB attached, through the
mail skill's account, compose and SMTP functions. Called only by the ``book_submit`` tool,
which has side effects and so only ever runs through approvals. Imports os1.config, os1.db,
os1.errors, this package, and os1.skills.mail at call time.
"""

from __future__ import annotations

from typing import Any

from os1.config import Config
from os1.db import Database
from os1.errors import ConfigError, InputError
from os1.skills.writing.book import Book, latest_book
from os1.skills.writing.store import LetterStore

MAX_ATTACHMENTS = 45_000_000  # bytes; most mail servers refuse more than ~50 MB


def cover_letter(book: Book, sender: str) -> str:
    return (
        "Dear Editor,\n\n"
        f"Please find attached \u201c{book.title}\u201d, a collection of {book.letters} "
        "letters, as a PDF and as an EPUB. Each was written for a real person, to someone "
        "they love, out of the small particular things they shared: a dance, a kitchen "
        "table, a long drive. Together they make a book about what people mean to each "
        "other.\n\n"
        "I would be glad to hear whether it might suit your list, and happy to send anything "
        "else you need.\n\n"
        f"With thanks,\n{sender}\n")


def subject(book: Book) -> str:
    return f"Submission: {book.title} ({book.letters} letters)"


def submit_book(db: Database, config: Config, args: dict[str, Any],
                mail: Any | None = None) -> str:
    """Send the latest (or the named) book to ``args['to']``; blocking (SMTP). ``mail`` is
    the mail store holding the accounts (default: the SQLite one in ``db``)."""
    try:
        from os1.skills.mail.accounts import Accounts
        from os1.skills.mail.send import check_addresses, compose, send_message
    except ImportError as exc:
        raise ConfigError("The mail skill is not installed, so I cannot send the book.") from exc
    to = check_addresses([str(args.get("to", ""))])
    book = latest_book(LetterStore(db), str(args.get("book", "")))
    size = book.pdf.stat().st_size + book.epub.stat().st_size
    if size > MAX_ATTACHMENTS:
        raise InputError(f"The book's files are {size // 1_000_000} MB, too big to email; "
                         "compile a smaller book (fewer letters) or share it another way.")
    accounts = Accounts(db if mail is None else mail, config)
    acct = accounts.get(str(args.get("account") or "") or None)
    sender = str(args.get("sender") or "") or acct.email
    msg = compose(acct, to, subject(book), cover_letter(book, sender))
    stem = "".join(c if c.isalnum() else "-" for c in book.title).strip("-") or "book"
    msg.add_attachment(book.pdf.read_bytes(), maintype="application", subtype="pdf",
                       filename=f"{stem}.pdf")
    msg.add_attachment(book.epub.read_bytes(), maintype="application", subtype="epub+zip",
                       filename=f"{stem}.epub")
    send_message(acct, accounts.password(acct), msg, config.mail.timeout_s)
    return f"Sent \u201c{book.title}\u201d ({book.letters} letters, PDF and EPUB) to {to[0]}."
