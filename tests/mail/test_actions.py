"""Acting on mail through approvals against the real servers: send and receive, move and undo,
flag and undo, delete to Trash, nothing runs without approval, permanent purge."""

from __future__ import annotations

import time
from typing import Any

import pytest

from mail.conftest import Mailbox, add_account, message, new_user
from os1.initiative.approvals import Actions
from os1.skills.journal import UndoJournal
from os1.skills.journal import register_tools as journal_tools
from os1.skills.mail import register_tools
from os1.skills.mail.sync import sync


def actions(home: Any) -> Actions:
    tools: dict[str, Any] = {}
    register_tools(tools)
    journal_tools(tools)
    return Actions(home.db, tools, home.skill_context)


async def yes(summary: str) -> bool:
    return True


def ids(home: Any, folder: str = "INBOX") -> list[int]:
    return [int(r["id"]) for r in home.db.query(
        "SELECT id FROM mail_messages WHERE folder=? ORDER BY uid", (folder,))]


def synced(home: Any, mailbox: Mailbox, n: int = 3) -> list[int]:
    add_account(home, mailbox.user)
    mailbox.append_many([message(f"msg {i}") for i in range(n)])
    sync(home.db, home.config)
    return ids(home)


async def test_send_and_receive(home: Any, mailbox: Mailbox) -> None:
    add_account(home, mailbox.user)
    sync(home.db, home.config)
    bob = new_user("bob")
    out = await actions(home).request(
        "mail_send", {"to": bob, "subject": "Dinner?", "body": "Thursday at 8?"}, "test",
        confirm=yes)
    assert out.status == "done", out.result
    assert mailbox.count("Sent") == 1  # filed in Sent
    receiver = Mailbox(bob)
    for _ in range(100):
        if receiver.count() == 1:
            break
        time.sleep(0.05)
    assert receiver.count() == 1
    c = receiver.imap()
    c.select("INBOX", readonly=True)
    _, data = c.fetch("1", "(BODY.PEEK[])")
    c.logout()
    raw = data[0][1]
    assert b"Subject: Dinner?" in raw and b"Thursday at 8?" in raw
    assert f"From: {mailbox.user}".encode() in raw


async def test_nothing_happens_without_approval(home: Any, mailbox: Mailbox) -> None:
    got = synced(home, mailbox)
    acts = actions(home)
    for tool, args in [("mail_send", {"to": "bob@example.test", "subject": "s", "body": "b"}),
                       ("mail_archive", {"ids": got}), ("mail_delete", {"ids": got}),
                       ("mail_flag", {"ids": got}), ("mail_purge", {"ids": got})]:
        assert (await acts.request(tool, args, "test")).status == "pending"

    async def no(summary: str) -> bool:
        return False

    assert (await acts.request("mail_archive", {"ids": got}, "t", confirm=no)).status == \
        "rejected"
    assert mailbox.count() == 3 and mailbox.count("Sent") == 0
    assert all("Flagged" not in f for f in mailbox.flags())


async def test_archive_then_undo(home: Any, mailbox: Mailbox) -> None:
    got = synced(home, mailbox)
    acts = actions(home)
    out = await acts.request("mail_archive", {"ids": got[:2]}, "tidy", confirm=yes)
    assert out.result == "Moved 2 messages to Archive."
    assert (mailbox.count(), mailbox.count("Archive")) == (1, 2)
    assert sorted(ids(home, "Archive")) == got[:2]  # local ids follow the messages
    undo = await acts.request("undo_last", {}, "oops", confirm=yes)
    assert undo.result == "Put 2 messages back in INBOX."
    assert (mailbox.count(), mailbox.count("Archive")) == (3, 0)
    assert sorted(ids(home)) == got
    (report,) = sync(home.db, home.config)  # the local copy already agrees with the server
    assert report.new == 0 and report.removed == 0
    assert len(ids(home)) == 3


async def test_move_delete_flag_and_undo(home: Any, mailbox: Mailbox) -> None:
    got = synced(home, mailbox)
    acts = actions(home)
    assert (await acts.request("mail_move", {"ids": [got[0]], "folder": "junk"}, "t",
                               confirm=yes)).result == "Moved 1 message to Junk."
    assert (await acts.request("mail_delete", {"ids": [got[1]]}, "t", confirm=yes)).result == \
        "Moved 1 message to Trash."
    assert (mailbox.count(), mailbox.count("Junk"), mailbox.count("Trash")) == (1, 1, 1)
    out = await acts.request("mail_flag", {"ids": [got[2]], "flag": "flagged"}, "t", confirm=yes)
    assert out.status == "done" and "\\Flagged" in mailbox.flags()[0]
    journal = UndoJournal(home.db)
    assert [r["kind"] for r in journal.entries()] == ["mail.flag", "mail.move", "mail.move"]
    for _ in range(3):
        await journal.undo(home.skill_context)
    assert (mailbox.count(), mailbox.count("Junk"), mailbox.count("Trash")) == (3, 0, 0)
    assert all("Flagged" not in f for f in mailbox.flags())


async def test_unknown_folder_is_clear_and_purge_is_permanent(home: Any, mailbox: Mailbox
                                                             ) -> None:
    got = synced(home, mailbox)
    acts = actions(home)
    bad = await acts.request("mail_move", {"ids": got, "folder": "Nowhere"}, "t", confirm=yes)
    assert bad.status == "failed" and "no folder 'Nowhere'" in bad.result
    out = await acts.request("mail_purge", {"ids": [got[0]]}, "t", confirm=yes)
    assert out.result == "Permanently deleted 1 message."
    assert mailbox.count() == 2
    assert not [r for r in UndoJournal(home.db).entries() if "Permanently" in r["summary"]]


async def test_send_refuses_wrong_password_clearly(home: Any, mailbox: Mailbox) -> None:
    from os1.skills.mail.accounts import Account, Accounts
    from os1.skills.mail.actions import send
    from os1.skills.mail.errors import MailError

    Accounts(home.db, home.config).add(Account(
        "x", mailbox.user, "127.0.0.1", 10143, "127.0.0.1", 10025, mailbox.user, "plain"),
        "wrong")
    with pytest.raises(MailError, match="refused the login"):
        send(home.db, home.config, {"to": "bob@example.test", "subject": "s", "body": "b"})
