"""Mail: accounts, incremental IMAP sync with IDLE, robust MIME parsing, triage, a spoken
"what's new" summary, search, drafting in the user's style, and approved actions (send, move,
archive, flag, delete to Trash, clean up newsletters) that are journaled for ``os1 undo``.

Mail is untrusted data: :mod:`.safety` marks injection attempts, and nothing here acts on a
message's words. Imports os1.config, os1.db, os1.errors, os1.brain.base, os1.skills.base and
os1.skills.journal; never the engine or the CLI. Heavy modules load lazily.
"""

from __future__ import annotations

from typing import Any


def register_tools(tools: dict[str, Any]) -> None:
    """Add the mail tools (and their undo reverters) to a registry's tool table."""
    from os1.skills.mail.tools import register_tools as _register

    _register(tools)


def whats_new(home: Any) -> str:
    """A short spoken-style summary of new mail, from the local store (no network)."""
    from os1.skills.mail.summary import whats_new as _whats_new

    return _whats_new(home)


__all__ = ["register_tools", "whats_new"]


def _register_reverters() -> None:
    # The undo journal imports this package to find reverters for "mail.*" kinds.
    from os1.skills.mail.tools import register_reverters

    register_reverters()


_register_reverters()


def register_intents(intents: list[Any]) -> None:
    """Clear mail requests answered from the local store before the model sees them."""
    import re

    from os1.skills.base import Intent

    async def _new(text: str, m: re.Match[str], ctx: Any) -> str:
        return whats_new(ctx)

    async def _search(text: str, m: re.Match[str], ctx: Any) -> str:
        from os1.skills.mail.search import search
        from os1.skills.mail.store import mail_store
        from os1.skills.mail.summary import count_words
        from os1.skills.mail.triage import describe_sender

        rows = search(mail_store(ctx), m.group(0), 5)
        if not rows:
            return "I found no mail like that."
        first = rows[0]
        who = describe_sender(first["from_name"], first["from_addr"])
        return (f"{count_words(len(rows), 'message')} found; the latest is from {who}: "
                f"“{first['subject'][:80]}”.")

    intents.append(Intent("mail.whats_new", re.compile(
        r"(?i)\b(what'?s new|anything new|any new (mail|e-?mails?|messages?)|new (mail|e-?mails?)"
        r"|check (my )?(mail|e-?mail|inbox)|what'?s in my inbox|unread (mail|e-?mails?|messages?)"
        r"|anything \w+ in my (inbox|mail)|summari[sz]e my (\w+ )?(mail|e-?mails?|inbox)"
        r"|e-?mails? (still )?need (an )?(answer|reply))\b"), _new,
        "A spoken summary of new mail."))
    intents.append(Intent("mail.search", re.compile(
        r"(?i)\b(e-?mails?|mails?|messages?) (from|to|about) .+"), _search,
        "Search mail in everyday words."))
