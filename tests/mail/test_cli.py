"""`os1 mail ...` and `os1 undo` end to end against the real servers, as a user types them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from mail.conftest import IMAP_PORT, SMTP_PORT, Mailbox, message
from os1.cli.main import app

run = CliRunner().invoke


@pytest.fixture
def cli_account(os1_home: Path, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch) -> Mailbox:
    monkeypatch.setenv("OS1_MAIL_PASSWORD_STORE", "file")
    monkeypatch.setenv("TEST_MAIL_PW", "secret")
    r = run(app, ["mail", "add", "main", "--imap", f"127.0.0.1:{IMAP_PORT}", "--smtp",
                  f"127.0.0.1:{SMTP_PORT}", "--user", mailbox.user, "--password-env",
                  "TEST_MAIL_PW", "--security", "plain"])
    assert r.exit_code == 0, r.output
    assert "password kept in the file" in r.output
    return mailbox


def test_password_is_never_in_clear(cli_account: Mailbox, os1_home: Path) -> None:
    r = run(app, ["mail", "accounts"])
    assert cli_account.user in r.output and "secret" not in r.output
    for path in os1_home.rglob("*"):
        if path.is_file():
            assert b"secret" not in path.read_bytes(), path
    key = os1_home / "mail" / "secret.key"
    assert oct(key.stat().st_mode & 0o777) == "0o600"


def test_plain_is_only_for_loopback(os1_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OS1_MAIL_PASSWORD_STORE", "file")
    r = run(app, ["mail", "add", "x", "--imap", "mail.example.com:143", "--smtp",
                  "mail.example.com:25", "--user", "a@example.com", "--password-env", "HOME",
                  "--security", "plain"])
    assert r.exit_code == 2 and "only allowed to this machine" in r.output


def test_sync_triage_search_show_draft(cli_account: Mailbox) -> None:
    cli_account.append(message("Sign the lease", "Could you sign the lease by Friday?",
                               frm="Paul <paul@law.example>", to=cli_account.user))
    cli_account.append(message("Re: hello", "Hey Paul!\n\nSure!\n\nCheers,\nSam",
                               frm=cli_account.user, to="paul@law.example"), folder="Sent")
    r = run(app, ["mail", "sync"])
    assert r.exit_code == 0 and "2 new" in r.output, r.output
    rows = json.loads(run(app, ["mail", "triage", "--json"]).output)
    assert rows[0]["category"] == "needs-reply" and rows[0]["deadline"] == "Friday"
    mid = str(rows[0]["id"])
    assert "needs a signature by Friday" in run(app, ["mail", "new"]).output
    assert "Sign the lease" in run(app, ["mail", "search", "from", "paul"]).output
    assert "Could you sign" in run(app, ["mail", "show", mid]).output
    draft = run(app, ["mail", "draft", mid]).output
    assert "Hey Paul!" in draft and "Cheers," in draft and "by Friday" in draft
    assert "2 new" not in run(app, ["mail", "sync"]).output


def test_archive_pending_then_yes_then_undo(cli_account: Mailbox) -> None:
    cli_account.append(message("old news"))
    run(app, ["mail", "sync"])
    mid = str(json.loads(run(app, ["mail", "triage", "--json"]).output)[0]["id"])
    r = run(app, ["mail", "archive", mid])  # no terminal, no --yes: it must only ask
    assert "Waiting for your approval" in r.output and cli_account.count() == 1
    r = run(app, ["mail", "archive", mid, "--yes"])
    assert "Moved 1 message to Archive." in r.output and cli_account.count("Archive") == 1
    assert "Moved 1 message to Archive" in run(app, ["undo", "--list"]).output
    r = run(app, ["undo"])
    assert r.exit_code == 0 and "Put 1 message back in INBOX." in r.output
    assert cli_account.count() == 1 and cli_account.count("Archive") == 0
    r = run(app, ["undo"])
    assert r.exit_code == 2 and "nothing to undo" in r.output


def test_wrong_password_cli_is_one_sentence(os1_home: Path, mailbox: Mailbox,
                                            monkeypatch: Any) -> None:
    monkeypatch.setenv("OS1_MAIL_PASSWORD_STORE", "file")
    monkeypatch.setenv("BAD_PW", "nope")
    run(app, ["mail", "add", "main", "--imap", f"127.0.0.1:{IMAP_PORT}", "--smtp",
              f"127.0.0.1:{SMTP_PORT}", "--user", mailbox.user, "--password-env", "BAD_PW",
              "--security", "plain"])
    r = run(app, ["mail", "sync"])
    assert r.exit_code == 5 and "wrong user name or password" in r.output
    assert "Traceback" not in r.output
