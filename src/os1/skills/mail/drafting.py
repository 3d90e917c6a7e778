"""Reply drafts from the local store: learn the user's style from their Sent folder, then fill
the template (see :mod:`.style`). Drafts are returned, never sent: sending is mail_send."""

from __future__ import annotations

from os1.db import Database
from os1.errors import InputError, NotFoundError
from os1.skills.mail.store import MailStore, as_mail
from os1.skills.mail.style import INTENTS, Draft, Style, draft_reply, learn_style


def user_style(db: Database | MailStore, account: str, limit: int = 300) -> Style:
    return learn_style(as_mail(db).sent_bodies(account, limit))


def draft_for(db: Database | MailStore, mid: int, intent: str = "ack", text: str = "") -> Draft:
    if intent not in INTENTS:
        raise InputError(f"Unknown reply intent '{intent}'; use one of {', '.join(INTENTS)}.")
    db = as_mail(db)
    row = db.get_message(mid)
    if row is None:
        raise NotFoundError(f"There is no message {mid}; run 'os1 mail sync' and look again.")
    return draft_reply(row, user_style(db, row["account"]), intent, text)
