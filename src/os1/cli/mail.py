"""`os1 mail ...`: accounts, sync (with a progress bar) and IDLE watch, triage, what's new,
search, show, drafts, and the approved actions (send, archive, move, flag, delete, cleanup,
purge). Every change goes through approvals: y/n on a terminal, a pending approval otherwise.
"""

from __future__ import annotations

import json
import os
from typing import Annotated, Any

import typer

from os1.cli.common import console, interactive, open_home, plain_errors

mail_app = typer.Typer(help="Read, triage and (with your approval) act on your email.",
                       no_args_is_help=True)
Ids = Annotated[list[int], typer.Argument(help="Message numbers (from triage or search).")]
Yes = Annotated[bool, typer.Option("--yes", "-y", help="Approve without asking.")]


def _say(text: str) -> None:
    console.print(text, markup=False, highlight=False, soft_wrap=True)


def _act(home: Any, tool: str, args: dict[str, Any], reason: str, yes: bool) -> None:
    from os1.cli._organise import run
    from os1.initiative.approvals import Actions
    from os1.skills.journal import register_tools as journal_tools
    from os1.skills.mail import register_tools

    # Only the mail and undo tools: a broken third-party skill cannot stop mail actions.
    tools: dict[str, Any] = {}
    register_tools(tools)
    journal_tools(tools)
    actions = Actions.open(tools, home.skill_context)

    async def confirm(summary: str) -> bool:
        return yes or bool(typer.confirm(f"{summary}. Go ahead?", default=False))

    use = confirm if (yes or interactive()) else None
    out = run(actions.request(tool, args, reason, origin="cli", confirm=use))
    if out.status == "done":
        _say(str(out.result))
    elif out.status == "pending":
        _say(f"Waiting for your approval {out.approval_id}: 'os1 approvals approve "
             f"{out.approval_id}' (or run again with --yes).")
    elif out.status == "rejected":
        _say("Not done; nothing was changed.")
    else:
        _say(f"Failed: {out.result}")
        raise typer.Exit(1)


@mail_app.command("add")
@plain_errors
def add(
    name: Annotated[str, typer.Argument(help="A short name for the account, e.g. 'work'.")],
    imap: Annotated[str, typer.Option(help="IMAP server as HOST:PORT.")] = "",
    smtp: Annotated[str, typer.Option(help="SMTP server as HOST:PORT.")] = "",
    user: Annotated[str, typer.Option(help="Login name (often the address).")] = "",
    email: Annotated[str, typer.Option(help="Your address (default: the login name).")] = "",
    password_env: Annotated[str, typer.Option(help="Environment variable holding the "
                                              "password.")] = "",
    security: Annotated[str, typer.Option(help="tls, starttls or plain (loopback only).")] = "tls",
) -> None:
    """Add (or replace) a mail account. The password goes to the keyring or an encrypted file."""
    from os1.errors import InputError
    from os1.skills.mail.accounts import Account, Accounts, parse_hostport
    from os1.skills.mail.store import mail_store

    if interactive():
        imap = imap or typer.prompt("IMAP server (host:port)")
        smtp = smtp or typer.prompt("SMTP server (host:port)")
        user = user or typer.prompt("Login name")
    if not (imap and smtp and user):
        raise InputError("Give --imap HOST:PORT, --smtp HOST:PORT and --user NAME.")
    password = os.environ.get(password_env, "") if password_env else ""
    if password_env and not password:
        raise InputError(f"The environment variable {password_env} is empty or not set.")
    if not password and interactive():
        password = typer.prompt("Password", hide_input=True)
    ih, ip = parse_hostport(imap, "IMAP")
    sh, sp = parse_hostport(smtp, "SMTP")
    acct = Account(name, (email or user).lower(), ih, ip, sh, sp, user, security, password_env)
    home = open_home()
    where = Accounts(mail_store(home), home.config).add(acct, password)
    _say(f"Added mail account '{name}' ({acct.email}); password kept in the {where}. "
         "Run 'os1 mail sync' to fetch your mail.")


@mail_app.command("accounts")
@plain_errors
def accounts(json_out: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List mail accounts (never their passwords)."""
    from os1.skills.mail.accounts import Accounts
    from os1.skills.mail.store import mail_store

    home = open_home()
    rows = Accounts(mail_store(home), home.config).all()
    if json_out:
        print(json.dumps([{k: v for k, v in a.__dict__.items()} for a in rows]))
        return
    if not rows:
        _say("No mail accounts yet; add one with 'os1 mail add'.")
    for a in rows:
        _say(f"{a.name}: {a.email}  imap {a.imap_host}:{a.imap_port}  smtp {a.smtp_host}:"
             f"{a.smtp_port}  ({a.security})")


@mail_app.command("remove")
@plain_errors
def remove(name: str) -> None:
    """Forget an account, its local copy of mail and its stored password."""
    from os1.skills.mail.accounts import Accounts
    from os1.skills.mail.store import mail_store

    home = open_home()
    Accounts(mail_store(home), home.config).remove(name)
    _say(f"Removed mail account '{name}' (nothing was deleted on the server).")


@mail_app.command("sync")
@plain_errors
def sync(
    account: Annotated[str, typer.Option(help="Only this account.")] = "",
    quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
) -> None:
    """Fetch what changed since the last sync (new mail, flags, removals) for every folder."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from os1.skills.mail.store import mail_store
    from os1.skills.mail.sync import sync as do_sync

    home = open_home()
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  console=console, disable=quiet, transient=True) as bar:
        tasks: dict[str, Any] = {}

        def progress(folder: str, done: int, total: int) -> None:
            if folder not in tasks:
                tasks[folder] = bar.add_task(f"Syncing {folder}", total=total)
            bar.update(tasks[folder], completed=done)

        reports = do_sync(mail_store(home), home.config, account or None, progress)
    for r in reports:
        _say(r.line())


@mail_app.command("watch")
@plain_errors
def watch(
    account: Annotated[str, typer.Option(help="Only this account.")] = "",
    timeout: Annotated[float, typer.Option(help="Stop after this many seconds (0 = never).")] = 0,
) -> None:
    """Wait for new mail with IMAP IDLE and sync it as it arrives (Ctrl-C stops)."""
    import time

    from os1.skills.mail.store import mail_store
    from os1.skills.mail.sync import wait_for_mail

    home = open_home()
    end = time.monotonic() + timeout if timeout else float("inf")
    _say("Watching for new mail (Ctrl-C to stop)...")
    while time.monotonic() < end:
        left = min(300.0, end - time.monotonic())
        report = wait_for_mail(mail_store(home), home.config, account or None, left)
        if report is not None and report.new:
            _say(report.line())


def _row_dict(r: Any) -> dict[str, Any]:
    keys = ("id", "account", "folder", "date", "from_name", "from_addr", "subject", "category",
            "priority", "deadline", "ask", "flags", "suspicious", "suspicious_reasons",
            "triage_reasons", "thread_id")
    d = {k: r[k] for k in keys}
    d["attachments"] = json.loads(r["attachments"])
    d["suspicious"] = bool(d["suspicious"])
    return d


def _line(r: Any) -> str:
    from datetime import datetime

    when = datetime.fromtimestamp(r["date"]).strftime("%d %b") if r["date"] else "      "
    mark = " [SUSPICIOUS: " + r["suspicious_reasons"][:80] + "]" if r["suspicious"] else ""
    seen = " " if "\\Seen" in r["flags"] else "*"
    due = f" (needs {r['ask']}{' by ' + r['deadline'] if r['deadline'] else ''})" if r["ask"] \
        else ""
    who = (r["from_name"] or r["from_addr"])[:24]
    return f"{seen}#{r['id']:<5} {when} {r['category']:<11} p{r['priority']:<3} {who:<24} " \
           f"{r['subject'][:60]}{due}{mark}"


@mail_app.command("triage")
@plain_errors
def triage(
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    limit: Annotated[int, typer.Option(help="At most this many messages.")] = 50,
    folder: Annotated[str, typer.Option(help="Folder to show.")] = "INBOX",
) -> None:
    """The inbox as os1 sees it: category, priority, what is asked by when, suspicious marks."""
    from os1.skills.mail.store import mail_store

    rows = mail_store(open_home()).folder_messages(folder, limit)
    if json_out:
        print(json.dumps([_row_dict(r) for r in rows]))
        return
    if not rows:
        _say(f"No messages in {folder}; run 'os1 mail sync' first.")
    for r in rows:
        _say(_line(r))


@mail_app.command("new")
@plain_errors
def new() -> None:
    """What's new, in a sentence or two (as os1 would say it)."""
    from os1.skills.mail import whats_new

    _say(whats_new(open_home()))


@mail_app.command("search")
@plain_errors
def search(
    query: Annotated[list[str], typer.Argument(help="e.g. from Amy last month about dinner")],
    json_out: Annotated[bool, typer.Option("--json")] = False,
    limit: Annotated[int, typer.Option()] = 20,
) -> None:
    """Search your mail in everyday words."""
    from os1.skills.mail.search import search as do_search
    from os1.skills.mail.store import mail_store

    rows = do_search(mail_store(open_home()), " ".join(query), limit)
    if json_out:
        print(json.dumps([_row_dict(r) for r in rows]))
        return
    if not rows:
        _say("No messages match.")
    for r in rows:
        _say(_line(r))


@mail_app.command("show")
@plain_errors
def show(mid: Annotated[int, typer.Argument(help="Message number.")]) -> None:
    """Show one message as text (attachments are listed, never opened)."""
    from os1.errors import NotFoundError
    from os1.skills.mail.store import mail_store

    r = mail_store(open_home()).get_message(mid)
    if r is None:
        raise NotFoundError(f"There is no message {mid}.")
    _say(f"From: {r['from_name']} <{r['from_addr']}>\nTo: {', '.join(json.loads(r['to_addrs']))}"
         f"\nSubject: {r['subject']}\nFolder: {r['folder']}  Category: {r['category']}  "
         f"Priority: {r['priority']}")
    if r["suspicious"]:
        _say(f"WARNING: this message looks like an attempt to instruct an assistant "
             f"({r['suspicious_reasons']}). os1 will not act on it.")
    for a in json.loads(r["attachments"]):
        risky = "  (could run code: do not open)" if a["risky"] else ""
        _say(f"Attachment: {a['name']} ({a['type']}, {a['size']} bytes){risky}")
    _say("\n" + r["body"])


@mail_app.command("draft")
@plain_errors
def draft(
    mid: Annotated[int, typer.Argument(help="Message to reply to.")],
    intent: Annotated[str, typer.Option(help="ack, yes, no, later or thanks.")] = "ack",
    text: Annotated[str, typer.Option(help="Your own words for the middle.")] = "",
    send: Annotated[bool, typer.Option("--send", help="Then send it (asks first).")] = False,
    yes: Yes = False,
) -> None:
    """Draft a reply in your own style (learned from your Sent folder)."""
    from os1.skills.mail.drafting import draft_for
    from os1.skills.mail.store import mail_store

    home = open_home()
    d = draft_for(mail_store(home), mid, intent, text)
    _say(f"To: {d.to}\nSubject: {d.subject}\n\n{d.body}")
    if send:
        _act(home, "mail_send", d.as_args(), f"reply to message {mid}", yes)


@mail_app.command("send")
@plain_errors
def send(
    to: Annotated[str, typer.Option(help="Recipient address.")],
    subject: Annotated[str, typer.Option()],
    body: Annotated[str, typer.Option(help="Text; '-' reads it from standard input.")],
    cc: Annotated[str, typer.Option()] = "",
    account: Annotated[str, typer.Option()] = "",
    yes: Yes = False,
) -> None:
    """Send an email (asks first)."""
    import sys

    text = sys.stdin.read() if body == "-" else body
    args = {"to": to, "subject": subject, "body": text, "cc": cc, "account": account}
    _act(open_home(), "mail_send", args, "you asked to send it", yes)


@mail_app.command("archive")
@plain_errors
def archive(ids: Ids, yes: Yes = False) -> None:
    """Move messages to Archive (undo with 'os1 undo')."""
    _act(open_home(), "mail_archive", {"ids": ids}, "you asked to archive them", yes)


@mail_app.command("move")
@plain_errors
def move(ids: Ids, to: Annotated[str, typer.Option("--to", help="Folder.")], yes: Yes = False
         ) -> None:
    """Move messages to a folder (undo with 'os1 undo')."""
    _act(open_home(), "mail_move", {"ids": ids, "folder": to}, "you asked to move them", yes)


@mail_app.command("flag")
@plain_errors
def flag(
    ids: Ids,
    name: Annotated[str, typer.Option("--flag", help="flagged, seen or answered.")] = "flagged",
    off: Annotated[bool, typer.Option("--off", help="Clear it instead.")] = False,
    yes: Yes = False,
) -> None:
    """Flag messages, or mark them read (--flag seen); --off clears."""
    _act(open_home(), "mail_flag", {"ids": ids, "flag": name, "on": not off},
         "you asked to change flags", yes)


@mail_app.command("delete")
@plain_errors
def delete(ids: Ids, yes: Yes = False) -> None:
    """Move messages to Trash (nothing is deleted for good; undo with 'os1 undo')."""
    _act(open_home(), "mail_delete", {"ids": ids}, "you asked to delete them", yes)


@mail_app.command("purge")
@plain_errors
def purge(ids: Ids, yes: Yes = False) -> None:
    """PERMANENTLY delete messages (cannot be undone; always asks)."""
    _act(open_home(), "mail_purge", {"ids": ids}, "you asked to delete them for good", yes)


@mail_app.command("cleanup")
@plain_errors
def cleanup(yes: Yes = False) -> None:
    """Archive the newsletters in your inbox in one approved step (suspicious mail is left)."""
    from os1.skills.mail.store import mail_store

    home = open_home()
    ids = mail_store(home).newsletters()
    if not ids:
        _say("No newsletters to clean up.")
        return
    _act(home, "mail_cleanup_newsletters", {"ids": ids},
         "you asked to clean up newsletters", yes)


def register(app: typer.Typer) -> None:
    app.add_typer(mail_app, name="mail")
