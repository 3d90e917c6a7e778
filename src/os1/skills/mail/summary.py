"""The spoken "what's new?" summary: templates filled with facts from the local store, never
free model text, so names, deadlines and counts are always right. Reads no message words
beyond the extracted facts, and says so when something looks like an injection attempt.
"""

from __future__ import annotations

from typing import Any

from os1.db import Database
from os1.skills.mail.store import MailStore, Row, as_mail, mail_store
from os1.skills.mail.triage import describe_sender

_WORDS = ["No", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten",
          "Eleven", "Twelve"]


def count_words(n: int, noun: str) -> str:
    word = _WORDS[n] if n < len(_WORDS) else str(n)
    return f"{word} {noun}{'' if n == 1 else 's'}"


def _highlight(r: Row) -> str:
    who = describe_sender(r["from_name"], r["from_addr"], r["body"])
    if r["ask"]:
        by = f" by {r['deadline']}" if r["deadline"] else ""
        return f"one from {who} needs {r['ask']}{by}"
    if r["deadline"]:
        return f"one from {who} mentions a deadline, {r['deadline']}"
    subject = r["subject"] or "no subject"
    return f"one from {who} about “{subject[:60]}”"


def compose(rows: list[Row], unread_total: int) -> str:
    """Pure: build the sentence from new-message rows (highest priority first)."""
    if not rows:
        if unread_total:
            still = count_words(unread_total, "message").lower()
            return f"Nothing new since I last told you; {still} still unread."
        return "Nothing new in your mail."
    safe = [r for r in rows if not r["suspicious"]]
    odd = len(rows) - len(safe)
    bulk = [r for r in safe if r["category"] in ("newsletter", "junk")]
    real = sorted((r for r in safe if r["category"] not in ("newsletter", "junk")),
                  key=lambda r: -int(r["priority"]))
    parts = [count_words(len(rows), "new message")]
    parts += [_highlight(r) for r in real[:2]]
    if len(real) > 2:
        parts.append(f"{count_words(len(real) - 2, 'other').lower()} from people")
    if bulk:
        parts.append(f"{count_words(len(bulk), 'newsletter or promotion').lower()}")
    text = "; ".join(parts) + "."
    if odd:
        it = "it" if odd == 1 else "them"
        text += (f" {count_words(odd, 'message')} {'looks' if odd == 1 else 'look'} suspicious: "
                 f"{'it tries' if odd == 1 else 'they try'} to give me instructions, so I did "
                 f"not act on {it}.")
    return text


def new_messages(db: Database | MailStore, mark: bool = True) -> tuple[list[Row], int]:
    return as_mail(db).new_messages(mark)


def whats_new(home: Any, mark: bool = True) -> str:
    """``home`` is an os1 Home or a SkillContext (its mail store is the one its config
    chooses). Marks what it told as announced."""
    rows, unread = new_messages(mail_store(home), mark)
    return compose(rows, unread)
