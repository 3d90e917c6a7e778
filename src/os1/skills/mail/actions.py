"""What the mail tools do on the server: send (and file in Sent), move, archive, flag, delete to
Trash, permanently purge. Moves and flag changes are written to the undo journal; these
functions are only ever called from tools that ran through approvals. Blocking.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from os1.config import Config
from os1.db import Database
from os1.errors import InputError, NotFoundError
from os1.skills.journal import UndoJournal
from os1.skills.mail.accounts import Account, Accounts
from os1.skills.mail.errors import MailError
from os1.skills.mail.imap import session
from os1.skills.mail.safety import addresses_in
from os1.skills.mail.send import check_addresses, compose, send_message
from os1.skills.mail.store import MailStore, Row, as_mail
from os1.skills.mail.sync import SenderHistory

ALIASES = {"archive": "\\Archive", "trash": "\\Trash", "bin": "\\Trash", "junk": "\\Junk",
           "spam": "\\Junk", "sent": "\\Sent", "drafts": "\\Drafts"}
FLAGS = {"flagged": "\\Flagged", "flag": "\\Flagged", "seen": "\\Seen", "read": "\\Seen",
         "answered": "\\Answered", "important": "\\Flagged"}


def resolve_folder(db: Database | MailStore, account: str, name: str) -> str:
    rows = as_mail(db).folders(account)
    want = name.strip()
    use = ALIASES.get(want.lower())
    for r in rows:
        if (use and r["special_use"] == use) or r["name"].lower() == want.lower():
            return str(r["name"])
    if want.upper() == "INBOX":
        return "INBOX"
    known = ", ".join(sorted(r["name"] for r in rows)) or "none synced yet"
    raise NotFoundError(f"There is no folder '{name}' in {account}; folders: {known}.")


def _rows(db: Database | MailStore, ids: Sequence[int]) -> list[Row]:
    if not ids:
        raise InputError("Say which messages (their numbers from 'os1 mail triage' or search).")
    rows = as_mail(db).get_messages([int(i) for i in ids])
    missing = set(int(i) for i in ids) - {int(r["id"]) for r in rows}
    if missing:
        raise NotFoundError(f"No message {', '.join(map(str, sorted(missing)))}; run "
                            "'os1 mail sync' and look again.")
    return rows


def _groups(rows: list[Row]) -> dict[tuple[str, str], list[Row]]:
    out: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for r in rows:
        out[(r["account"], r["folder"])].append(r)
    return out


def move(db: Database | MailStore, config: Config, ids: Sequence[int], dest: str, *,
         journal: UndoJournal | None) -> str:
    """Move messages to ``dest`` (a folder or an alias such as "archive"), writing the move to
    ``journal`` (the user's, from UndoJournal.open) when one is given."""
    db = as_mail(db)
    rows = _rows(db, ids)
    accounts = Accounts(db, config)
    moves: list[dict[str, Any]] = []
    for (acct_name, folder), group in _groups(rows).items():
        acct = accounts.get(acct_name)
        target = resolve_folder(db, acct_name, dest)
        if target == folder:
            continue
        uids = [int(r["uid"]) for r in group]
        with session(acct, accounts.password(acct), config.mail.timeout_s) as c:
            c.select(folder, readonly=False)
            mapping = c.move(uids, target)
        _relocate(db, acct_name, folder, target, group, mapping)
        moves.append({"account": acct_name, "from": folder, "to": target,
                      "message_ids": [r["message_id"] for r in group],
                      "new_uids": [mapping.get(u, 0) for u in uids],
                      "local_ids": [int(r["id"]) for r in group]})
    if not moves:
        return "Those messages are already there."
    n = sum(len(m["local_ids"]) for m in moves)
    text = f"Moved {n} message{'s' if n != 1 else ''} to {moves[0]['to']}."
    if journal is not None:
        journal.record("mail.move", {"moves": moves}, text)
    return text


def _relocate(db: MailStore, account: str, src: str, dest: str, group: list[Row],
              mapping: dict[int, int]) -> None:
    """Keep local ids stable: the row follows the message to its new folder and UID (with no
    new UID from the server it is dropped, and the next sync fetches it afresh)."""
    db.relocate(account, dest, [(int(r["id"]), mapping.get(int(r["uid"]), 0)) for r in group])


def flag(db: Database | MailStore, config: Config, ids: Sequence[int], name: str,
         on: bool = True, *, journal: UndoJournal | None) -> str:
    """Set (or clear) a flag, writing what changed to ``journal`` when one is given."""
    db = as_mail(db)
    flag_name = FLAGS.get(name.lower().strip("\\"), "")
    if not flag_name:
        raise InputError(f"Unknown flag '{name}'; use one of: {', '.join(sorted(FLAGS))}.")
    rows = _rows(db, ids)
    accounts = Accounts(db, config)
    changes: list[dict[str, Any]] = []
    for (acct_name, folder), group in _groups(rows).items():
        todo = [r for r in group if (flag_name in r["flags"].split()) != on]
        if not todo:
            continue
        acct = accounts.get(acct_name)
        with session(acct, accounts.password(acct), config.mail.timeout_s) as c:
            c.select(folder, readonly=False)
            c.store([int(r["uid"]) for r in todo], flag_name, on)
        kept = {int(r["id"]): [f for f in r["flags"].split() if f != flag_name] for r in todo}
        db.set_message_flags({i: " ".join([*have, flag_name] if on else have)
                              for i, have in kept.items()})
        changes.append({"account": acct_name, "folder": folder, "flag": flag_name, "on": on,
                        "local_ids": [int(r["id"]) for r in todo]})
    verb = "Flagged" if on and flag_name == "\\Flagged" else ("Marked" if on else "Cleared")
    what = flag_name.strip("\\").lower()
    text = f"{verb} {len(rows)} message{'s' if len(rows) != 1 else ''}" + (
        "" if verb == "Flagged" else f" as {what}" if on else f" {what}") + "."
    if journal is not None and changes:
        journal.record("mail.flag", {"changes": changes}, text)
    return text


def purge(db: Database | MailStore, config: Config, ids: Sequence[int]) -> str:
    """Permanent deletion: expunge for good. Not journaled (it cannot be undone)."""
    db = as_mail(db)
    rows = _rows(db, ids)
    accounts = Accounts(db, config)
    for (acct_name, folder), group in _groups(rows).items():
        acct = accounts.get(acct_name)
        with session(acct, accounts.password(acct), config.mail.timeout_s) as c:
            c.select(folder, readonly=False)
            c.expunge([int(r["uid"]) for r in group])
        db.delete_uids(acct_name, folder, [int(r["uid"]) for r in group])
    return f"Permanently deleted {len(rows)} message{'s' if len(rows) != 1 else ''}."


def tainted_recipients(db: Database | MailStore, account: str,
                       recipients: Sequence[str]) -> list[str]:
    """Addresses the user has never dealt with that appear in suspicious mail: a reply or
    forward to them is exactly what an injection would ask for."""
    mail = as_mail(db)
    history = SenderHistory(mail, account)
    out = []
    for addr in (a.lower() for a in recipients):
        if history.sent_to.get(addr) or mail.clean_mail_from(addr):
            continue
        for r in mail.suspicious_mentioning(addr):
            if addr in addresses_in(f"{r['subject']} {r['body']} {r['hidden_text']}"):
                out.append(addr)
                break
    return out


def send(db: Database | MailStore, config: Config, args: dict[str, Any]) -> str:
    db = as_mail(db)
    accounts = Accounts(db, config)
    acct: Account = accounts.get(args.get("account") or None)
    to = check_addresses([args.get("to", "")])
    cc = check_addresses([args["cc"]]) if args.get("cc") else []
    bad = tainted_recipients(db, acct.name, to + cc)
    if bad:
        raise MailError(f"I won't send to {', '.join(bad)}: that address only appears in a "
                        "suspicious message. Send it yourself if you really mean to.")
    msg = compose(acct, to, str(args.get("subject", "")), str(args.get("body", "")), cc,
                  str(args.get("in_reply_to", "")), str(args.get("references", "")))
    password = accounts.password(acct)
    send_message(acct, password, msg, config.mail.timeout_s)
    sent = db.folder_by_use(acct.name, "\\Sent")
    if sent:
        try:
            with session(acct, password, config.mail.timeout_s) as c:
                c.append(sent, msg.as_bytes())
        except MailError:
            return f"Sent to {', '.join(to)} (no copy could be filed in {sent})."
    return f"Sent “{msg['Subject']}” to {', '.join(to)}."


# undo -----------------------------------------------------------------------------------
def revert_move(db: Database | MailStore, config: Config, payload: dict[str, Any]) -> str:
    db = as_mail(db)
    accounts = Accounts(db, config)
    n = 0
    for m in reversed(payload["moves"]):
        acct = accounts.get(m["account"])
        with session(acct, accounts.password(acct), config.mail.timeout_s) as c:
            c.select(m["to"], readonly=False)
            present = set(c.search_all())
            uids = [u for u in m["new_uids"] if u and u in present]
            for mid in m["message_ids"]:
                if mid and not uids:
                    uids += c.search_header("Message-ID", mid)
            if not uids:
                continue
            mapping = c.move(uids, m["from"])
        rows = [r for r in db.get_messages(m["local_ids"]) if r["folder"] == m["to"]]
        _relocate(db, m["account"], m["to"], m["from"], rows, mapping)
        n += len(uids)
    if not n:
        raise NotFoundError("The moved messages are no longer where os1 put them; nothing undone.")
    src = payload["moves"][0]["from"]
    return f"Put {n} message{'s' if n != 1 else ''} back in {src}."


def revert_flag(db: Database | MailStore, config: Config, payload: dict[str, Any]) -> str:
    db = as_mail(db)
    n = 0
    for ch in payload["changes"]:
        ids = [int(r["id"]) for r in db.get_messages(ch["local_ids"])]
        if ids:
            flag(db, config, ids, ch["flag"].strip("\\").lower(), not ch["on"], journal=None)
            n += len(ids)
    return f"Restored the flags on {n} message{'s' if n != 1 else ''}."

