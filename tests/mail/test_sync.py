"""Sync against the real dovecot: first and incremental sync, flags, removals, UIDVALIDITY
change, malformed and huge messages, a server that dies mid-sync, wrong password, and IDLE."""

from __future__ import annotations

import smtplib
import threading
import time
from typing import Any

import pytest

from mail.conftest import (
    IMAP_PORT,
    SMTP_PORT,
    Mailbox,
    add_account,
    message,
    port_open,
    start_servers,
    stop_dovecot,
)
from mail.test_mime import nested
from os1.skills.mail.errors import MailError
from os1.skills.mail.sync import sync, wait_for_mail


def local(home: Any, folder: str = "INBOX") -> list[Any]:
    return home.db.query("SELECT * FROM mail_messages WHERE folder=? ORDER BY uid", (folder,))


def test_first_then_incremental_sync(home: Any, mailbox: Mailbox) -> None:
    add_account(home, mailbox.user)
    mailbox.append_many([message(f"hello {i}") for i in range(5)])
    mailbox.append(message("sent one", to="amy@example.test"), folder="Sent", flags="\\Seen")
    seen: list[tuple[str, int, int]] = []
    (first,) = sync(home.db, home.config, progress=lambda f, d, t: seen.append((f, d, t)))
    assert first.new == 6 and ("INBOX", 5, 5) in seen
    assert [r["subject"] for r in local(home)] == [f"hello {i}" for i in range(5)]
    (again,) = sync(home.db, home.config)
    assert (again.new, again.flags, again.removed) == (0, 0, 0)
    mailbox.append_many([message("later 1"), message("later 2")])
    c = mailbox.imap()
    c.select("INBOX")
    c.store("1", "+FLAGS", "(\\Seen \\Flagged)")
    c.store("2", "+FLAGS", "(\\Deleted)")
    c.expunge()
    c.logout()
    (third,) = sync(home.db, home.config)
    assert (third.new, third.flags, third.removed) == (2, 1, 1)
    rows = local(home)
    assert [r["subject"] for r in rows] == ["hello 0", "hello 2", "hello 3", "hello 4",
                                            "later 1", "later 2"]
    assert set(rows[0]["flags"].split()) == {"\\Seen", "\\Flagged"}


def test_uidvalidity_change_refetches_the_folder(home: Any, mailbox: Mailbox) -> None:
    add_account(home, mailbox.user)
    c = mailbox.imap()
    c.create('"Projects"')
    c.logout()
    mailbox.append(message("old"), folder="Projects")
    sync(home.db, home.config)
    c = mailbox.imap()
    c.delete('"Projects"')
    c.create('"Projects"')
    c.logout()
    mailbox.append(message("new"), folder="Projects")
    sync(home.db, home.config)
    assert [r["subject"] for r in local(home, "Projects")] == ["new"]


def test_malformed_and_huge_messages_sync(home: Any, mailbox: Mailbox) -> None:
    add_account(home, mailbox.user)
    big = (b'From: a@example.test\r\nSubject: big\r\nContent-Type: multipart/mixed; boundary="B"'
           b"\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nsee the video\r\n--B\r\n"
           b"Content-Type: video/mp4; name=clip.mp4\r\nContent-Disposition: attachment; "
           b"filename=clip.mp4\r\nContent-Transfer-Encoding: base64\r\n\r\n"
           + (b"QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB\r\n"
              * 380_000) + b"--B--\r\n")
    assert len(big) > 20_000_000
    many = ", ".join(f"u{i}@example.test" for i in range(5000))
    raws = [big, nested(1000),
            message("many", to=many),
            b"From: x@example.test\r\nSubject: odd\r\nContent-Type: text/plain; charset=x-nope"
            b"\r\n\r\n\xe9t\xe9\r\n",
            b"From: x@example.test\r\nSubject: cut\r\nContent-Type: multipart/mixed; boundary=q"
            b"\r\n\r\n--q\r\nContent-Type: text/plain\r\n\r\nhalf a messa"]
    mailbox.append_many(raws)
    (report,) = sync(home.db, home.config)
    assert report.new == 5
    by = {r["subject"]: r for r in local(home)}
    assert by["big"]["truncated"] == 1 and "clip.mp4" in by["big"]["attachments"]
    assert by["big"]["body"] == "see the video"
    assert "innermost text" in by["deep"]["body"] and "too deep" in by["deep"]["defects"]
    assert by["many"]["n_recipients"] == 5000
    assert "unknown charset" in by["odd"]["defects"] and by["odd"]["body"] == "été"
    assert by["cut"]["body"] == "half a messa"


def test_server_dies_mid_sync_then_resumes_without_duplicates(home: Any, mailbox: Mailbox
                                                              ) -> None:
    add_account(home, mailbox.user)
    mailbox.append_many([message(f"m{i}", msgid=f"<m{i}@t>") for i in range(120)])
    home.config.mail.sync_batch = 20
    killed = []

    def progress(folder: str, done: int, total: int) -> None:
        if folder == "INBOX" and done >= 40 and not killed:
            killed.append(done)
            stop_dovecot()

    try:
        with pytest.raises(MailError, match="Lost the connection.*run 'os1 mail sync' again"):
            sync(home.db, home.config, progress=progress)
        saved = len(local(home))
        assert 40 <= saved < 120
    finally:
        start_servers()
    assert port_open(IMAP_PORT)
    (report,) = sync(home.db, home.config)
    rows = local(home)
    assert report.new == 120 - saved
    assert len(rows) == 120 and len({r["message_id"] for r in rows}) == 120


def test_wrong_password_is_a_clear_error(home: Any, mailbox: Mailbox) -> None:
    from os1.skills.mail.accounts import Account, Accounts

    acct = Account("bad", mailbox.user, "127.0.0.1", IMAP_PORT, "127.0.0.1", SMTP_PORT,
                   mailbox.user, "plain")
    Accounts(home.db, home.config).add(acct, "not-the-password")
    with pytest.raises(MailError, match="refused the login .* wrong user name or password"):
        sync(home.db, home.config, "bad")


def test_unreachable_server_is_a_clear_error(home: Any) -> None:
    from os1.skills.mail.accounts import Account, Accounts

    Accounts(home.db, home.config).add(
        Account("gone", "a@example.test", "127.0.0.1", 9, "127.0.0.1", 9, "a", "plain"), "pw")
    with pytest.raises(MailError, match="Cannot reach the mail server 127.0.0.1:9"):
        sync(home.db, home.config)


def test_idle_brings_new_mail_in(home: Any, mailbox: Mailbox) -> None:
    add_account(home, mailbox.user)
    sync(home.db, home.config)
    result: list[Any] = []
    t = threading.Thread(target=lambda: result.append(
        wait_for_mail(home.db, home.config, timeout=20)))
    t0 = time.monotonic()
    t.start()
    time.sleep(0.5)  # let it reach IDLE
    with smtplib.SMTP("127.0.0.1", SMTP_PORT) as s:
        s.login("bob@example.test", "secret")
        s.sendmail("bob@example.test", [mailbox.user], message("ping", to=mailbox.user))
    t.join(25)
    assert result and result[0] is not None and result[0].new == 1
    assert time.monotonic() - t0 < 15
    assert [r["subject"] for r in local(home)] == ["ping"]
    # nothing arrives: IDLE times out and reports nothing
    assert wait_for_mail(home.db, home.config, timeout=1) is None
