"""Submitting the book: only after approval, through the mail skill's account, and it really
arrives on the test mail server (dovecot + postfix on 127.0.0.1, from mail_up.sh) with the PDF
and EPUB attached. Also the initiative's proposal to compile the book."""

from __future__ import annotations

import email
import imaplib
import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from writing_clients import OCCASIONS, load

from os1.home import Home
from os1.initiative.approvals import Actions
from os1.skills.writing import letters_worth_a_book, register_tools
from os1.skills.writing.book import book_dir, compile_book
from os1.skills.writing.letters import write_letter
from os1.skills.writing.store import LetterStore

ROOT = Path(__file__).resolve().parents[2]
IMAP, SMTP = 10143, 10025


def _open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.3)
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="session")
def mail_servers() -> None:
    if _open(IMAP) and _open(SMTP):
        return
    if shutil.which("dovecot") is None:
        pytest.skip("dovecot/postfix not installed (see scripts/apt/mail-test.txt)")
    subprocess.run(["bash", str(ROOT / "scripts/services/mail_up.sh")], check=True, timeout=120,
                   env={**os.environ,
                        "OS1_MAIL_STATE": os.environ.get("OS1_MAIL_STATE",
                                                         "/tmp/os1-services/mail")})


@pytest.fixture
def home(os1_home: Path, monkeypatch: pytest.MonkeyPatch, mail_servers: None
         ) -> Iterator[Home]:
    monkeypatch.setenv("OS1_MAIL_PASSWORD_STORE", "file")  # never the developer's keyring
    h = Home.open(os1_home)
    yield h
    h.close()


def fresh_user(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}@example.test"


def add_account(home: Home, user: str) -> None:
    from os1.skills.mail.accounts import Account, Accounts

    Accounts(home.db, home.config).add(
        Account("main", user, "127.0.0.1", IMAP, "127.0.0.1", SMTP, user, "plain"), "secret")


def inbox(user: str, wait_s: float = 20.0) -> list[Message]:
    deadline = time.monotonic() + wait_s
    while True:
        c = imaplib.IMAP4("127.0.0.1", IMAP, timeout=30)
        try:
            c.login(user, "secret")
            c.select("INBOX", readonly=True)
            _, data = c.search(None, "ALL")
            ids = data[0].split()
            if ids or time.monotonic() > deadline:
                out = []
                for i in ids:
                    _, parts = c.fetch(i, "(RFC822)")
                    raw = parts[0][1]  # type: ignore[index]
                    assert isinstance(raw, bytes)
                    out.append(email.message_from_bytes(raw))
                return out
        finally:
            c.logout()
        time.sleep(0.2)


async def _book(home: Home) -> Any:
    store = LetterStore(home.db)
    load(store)
    for (client, recipient), occasion in OCCASIONS.items():
        await write_letter(store, client, recipient, occasion)
    return compile_book(store, book_dir(home.path), title="Letters From Your Life")


def _actions(home: Home) -> Actions:
    tools: dict[str, Any] = {}
    register_tools(tools)
    return Actions(home.db, tools, home.skill_context)


async def test_submission_waits_for_approval_then_arrives(home: Home) -> None:
    sender, publisher = fresh_user("theodore"), fresh_user("publisher")
    add_account(home, sender)
    book = await _book(home)
    actions = _actions(home)
    out = await actions.request("book_submit", {"to": publisher}, "test: submit the book")
    assert out.status == "pending"
    assert inbox(publisher, wait_s=1.0) == []  # nothing leaves before the approval
    done = await actions.approve(out.approval_id)
    assert done.status == "done", done.result
    [msg] = inbox(publisher)
    assert msg["Subject"] == f"Submission: Letters From Your Life ({book.letters} letters)"
    assert msg["From"] == sender
    parts = {p.get_filename(): p for p in msg.walk() if p.get_filename()}
    assert set(parts) == {"Letters-From-Your-Life.pdf", "Letters-From-Your-Life.epub"}
    assert parts["Letters-From-Your-Life.pdf"].get_payload(decode=True) == book.pdf.read_bytes()
    assert parts["Letters-From-Your-Life.epub"].get_payload(decode=True) == \
        book.epub.read_bytes()
    cover = next(p for p in msg.walk() if p.get_content_type() == "text/plain"
                 and not p.get_filename())
    assert "Dear Editor" in str(cover.get_payload(decode=True), "utf-8")
    assert [r["outcome"] for r in actions.audit()] == ["done"]


async def test_rejected_submission_sends_nothing(home: Home) -> None:
    sender, publisher = fresh_user("theodore"), fresh_user("publisher")
    add_account(home, sender)
    await _book(home)
    actions = _actions(home)

    async def no(_summary: str) -> bool:
        return False

    out = await actions.request("book_submit", {"to": publisher}, "test", confirm=no)
    assert out.status == "rejected"
    assert inbox(publisher, wait_s=1.5) == []


async def test_submitting_without_a_book_or_account_fails_plainly(home: Home) -> None:
    actions = _actions(home)
    out = await actions.request("book_submit", {"to": "x@example.test"}, "test")
    done = await actions.approve(out.approval_id)
    assert done.status == "failed" and "no book yet" in done.result


async def test_initiative_proposes_compiling_when_enough_good_letters(home: Home) -> None:
    store = LetterStore(home.db)
    load(store)
    assert letters_worth_a_book(home) is None
    for (client, recipient), occasion in OCCASIONS.items():
        for what in (occasion, "thank you"):
            await write_letter(store, client, recipient, what)
    proposal = letters_worth_a_book(home)
    assert proposal is not None and proposal["tool"] == "book_compile"
    out = await _actions(home).request(proposal["tool"], proposal["args"], proposal["reason"],
                                       origin="initiative", key="letters:test")
    assert out.status == "pending"  # compiling waits for the user's yes
    assert store.db.query("SELECT COUNT(*) AS n FROM writing_books")[0]["n"] == 0
