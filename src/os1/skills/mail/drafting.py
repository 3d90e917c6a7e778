"""Reply drafts from the local store: learn the user's style from their Sent folder, then fill
the template (see :mod:`.style`). Drafts are returned, never sent: sending is mail_send."""

from __future__ import annotations

from os1.db import Database
from os1.errors import InputError, NotFoundError
from os1.skills.mail import store
from os1.skills.mail.style import INTENTS, Draft, Style, draft_reply, learn_style


def user_style(db: Database, account: str, limit: int = 300) -> Style:
    rows = db.query(
        "SELECT m.body FROM mail_messages m JOIN mail_folders f ON f.account=m.account AND "
        "f.name=m.folder WHERE m.account=? AND f.special_use='\\Sent' ORDER BY m.date DESC "
        "LIMIT ?", (account, limit))
    return learn_style(r["body"] for r in rows)


def draft_for(db: Database, mid: int, intent: str = "ack", text: str = "") -> Draft:
    if intent not in INTENTS:
        raise InputError(f"Unknown reply intent '{intent}'; use one of {', '.join(INTENTS)}.")
    row = store.get_message(db, mid)
    if row is None:
        raise NotFoundError(f"There is no message {mid}; run 'os1 mail sync' and look again.")
    return draft_reply(row, user_style(db, row["account"]), intent, text)
