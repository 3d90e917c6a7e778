"""Real mail servers for the mail tests: dovecot IMAP on 127.0.0.1:10143 and postfix SMTP on
127.0.0.1:10025, started once per session by scripts/services/mail_up.sh (reused when already
running). Every test gets its own fresh mailbox user (any user@example.test logs in with the
password ``secret``), so tests never see each other's mail.
"""

from __future__ import annotations

import contextlib
import imaplib
import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STATE = Path(os.environ.get("OS1_MAIL_STATE", "/tmp/os1-services/mail"))
IMAP_PORT, SMTP_PORT = 10143, 10025


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.3)
        return s.connect_ex(("127.0.0.1", port)) == 0


def start_servers() -> None:
    if port_open(IMAP_PORT) and port_open(SMTP_PORT):
        return
    if shutil.which("dovecot") is None or shutil.which("postfix") is None:
        pytest.skip("dovecot/postfix not installed (see scripts/apt/mail-test.txt)")
    subprocess.run(["bash", str(ROOT / "scripts/services/mail_up.sh")], check=True,
                   timeout=120, env={**os.environ, "OS1_MAIL_STATE": str(STATE)})


def stop_dovecot() -> None:
    """Kill the IMAP server the hard way (as a crash would), and wait until it is gone."""
    pid_file = STATE / "run" / "master.pid"
    pid = int(pid_file.read_text().strip())
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    for child in [pid, *(int(x) for x in found.split())]:  # the master and its own children
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, 9)
    for _ in range(100):
        if not port_open(IMAP_PORT):
            break
        time.sleep(0.05)


@pytest.fixture(scope="session")
def mail_servers() -> Iterator[None]:
    start_servers()
    yield


class Mailbox:
    """One fresh test user on the real server, with helpers to seed mail over IMAP."""

    def __init__(self, user: str) -> None:
        self.user = user

    def imap(self) -> imaplib.IMAP4:
        c = imaplib.IMAP4("127.0.0.1", IMAP_PORT, timeout=30)
        c.login(self.user, "secret")
        return c

    def append(self, raw: bytes, folder: str = "INBOX", flags: str = "") -> None:
        c = self.imap()
        try:
            typ, _ = c.append(f'"{folder}"', f"({flags})" if flags else None, None, raw)
            assert typ == "OK"
        finally:
            c.logout()

    def append_many(self, raws: list[bytes], folder: str = "INBOX") -> None:
        c = self.imap()
        try:
            for raw in raws:
                c.append(f'"{folder}"', None, None, raw)
        finally:
            c.logout()

    def count(self, folder: str = "INBOX") -> int:
        c = self.imap()
        try:
            _typ, data = c.select(f'"{folder}"', readonly=True)
            return int(data[0])
        finally:
            c.logout()

    def flags(self, folder: str = "INBOX") -> list[str]:
        c = self.imap()
        try:
            c.select(f'"{folder}"', readonly=True)
            _typ, data = c.fetch("1:*", "(FLAGS)")
            return sorted(d.decode() for d in data if d)
        finally:
            c.logout()


def new_user(prefix: str = "t") -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}@example.test"


@pytest.fixture
def mailbox(mail_servers: None) -> Mailbox:
    return Mailbox(new_user())


@pytest.fixture
def home(os1_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    from os1.home import Home

    monkeypatch.setenv("OS1_MAIL_PASSWORD_STORE", "file")  # never the developer's keyring
    h = Home.open(os1_home)
    yield h
    h.close()


def add_account(home: object, user: str, name: str = "main") -> object:
    from os1.skills.mail.accounts import Account, Accounts

    acct = Account(name, user, "127.0.0.1", IMAP_PORT, "127.0.0.1", SMTP_PORT, user, "plain")
    Accounts(home.db, home.config).add(acct, "secret")  # type: ignore[attr-defined]
    return acct


def message(subject: str = "Hello", body: str = "Hi there", frm: str = "Amy <amy@example.test>",
            to: str = "me@example.test", extra: str = "", msgid: str = "") -> bytes:
    mid = msgid or f"<{uuid.uuid4().hex}@example.test>"
    head = (f"From: {frm}\r\nTo: {to}\r\nSubject: {subject}\r\nMessage-ID: {mid}\r\n"
            f"Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n{extra}")
    return (head + "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body + "\r\n").encode()
