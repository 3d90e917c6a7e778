"""Drafting replies in the user's own voice. :func:`learn_style` reads the user's sent mail for
their usual greeting, sign-off, signature and punctuation habits; :func:`draft_reply` fills a
short template with those habits and facts from the message (name, what is asked, deadline).
Pure functions: the message text itself is never copied into the draft, so an injected
instruction cannot travel into a reply.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

_GREETING = re.compile(
    r"^(hi|hey|hello|dear|hiya|morning|good morning|good afternoon|greetings|yo)\b"
    r"(\s+[A-Z][\w.'-]*(?:\s+[A-Z][\w.'-]*)?)?\s*([,!.:]?)\s*$", re.I)
_SIGNOFF = re.compile(
    r"^(thanks|thank you|many thanks|cheers|best|best wishes|best regards|regards|kind regards|"
    r"warm regards|warmly|all the best|love|lots of love|xx+|talk soon|speak soon|sincerely|"
    r"yours|yours sincerely|thx|ta|later)\s*([,!.]?)\s*$", re.I)
INTENTS = ("ack", "yes", "no", "later", "thanks")


@dataclass(frozen=True)
class Style:
    greeting: str = "Hi {name},"
    signoff: str = "Best,"
    signature: str = ""
    exclaims: bool = False
    samples: int = 0


@dataclass(frozen=True)
class Draft:
    to: str
    subject: str
    body: str
    in_reply_to: str = ""
    references: str = ""

    def as_args(self) -> dict[str, Any]:
        return {"to": self.to, "subject": self.subject, "body": self.body,
                "in_reply_to": self.in_reply_to, "references": self.references}


def own_text(body: str) -> list[str]:
    """The lines the user wrote: no quoted reply, no '-- ' signature block."""
    lines: list[str] = []
    for line in body.splitlines():
        s = line.strip()
        if s.startswith(">") or re.match(r"^On .{5,200} wrote:$", s) or s == "--":
            break
        lines.append(s)
    return [x for x in lines if x]


def learn_style(bodies: Iterable[str]) -> Style:
    greetings: Counter[str] = Counter()
    signoffs: Counter[str] = Counter()
    names: Counter[str] = Counter()
    bangs = n = 0
    for body in bodies:
        lines = own_text(body)
        if not lines:
            continue
        n += 1
        g = _GREETING.match(lines[0])
        if g:
            word = g.group(1)
            greetings[f"{word[:1].upper()}{word[1:].lower()} {{name}}{g.group(3)}"] += 1
        for i in range(len(lines) - 1, max(len(lines) - 5, 0) - 1, -1):
            s = _SIGNOFF.match(lines[i])
            if s:
                word = s.group(1)
                signoffs[f"{word[:1].upper()}{word[1:].lower()}{s.group(2)}"] += 1
                if i + 1 < len(lines) and len(lines[i + 1]) <= 30:
                    names[lines[i + 1]] += 1
                break
        bangs += sum(line.count("!") for line in lines)
    if not n:
        return Style()
    return Style(
        greeting=greetings.most_common(1)[0][0] if greetings else "Hi {name},",
        signoff=signoffs.most_common(1)[0][0] if signoffs else "Best,",
        signature=names.most_common(1)[0][0] if names else "",
        exclaims=bangs / n >= 0.5,
        samples=n,
    )


def _core(intent: str, ask: str, deadline: str, exclaims: bool) -> str:
    dot = "!" if exclaims else "."
    by = f" by {deadline}" if deadline else ""
    if intent == "yes":
        return f"Yes, that works for me{dot}" + (f" I'll send it back{by}." if ask else "")
    if intent == "no":
        return "I'm afraid that won't work for me this time. Sorry about that."
    if intent == "thanks":
        return f"Thank you, I really appreciate it{dot}"
    if intent == "later":
        return f"Thanks for this{dot} I'll get back to you properly{by or ' soon'}."
    if ask == "a signature":
        return f"Thanks{dot} I'll sign it and send it back{by or ' shortly'}."
    if ask == "a payment":
        return f"Thanks for the reminder{dot} I'll take care of the payment{by or ' shortly'}."
    if ask:
        return f"Thanks for your note{dot} I'll get back to you{by or ' soon'}."
    return f"Got it, thanks{dot}"


def first_name(name: str, addr: str) -> str:
    name = name.strip().strip('"')
    if "," in name:  # "Smith, Amy"
        name = name.split(",", 1)[1].strip()
    word = name.split()[0] if name and "@" not in name else addr.split("@")[0].split(".")[0]
    return word[:1].upper() + word[1:]


def draft_reply(msg: Any, style: Style, intent: str = "ack", text: str = "") -> Draft:
    """A reply to stored message ``msg`` (a mail_messages row or mapping)."""
    name = first_name(msg["from_name"], msg["from_addr"])
    core = text.strip() or _core(intent, msg["ask"], msg["deadline"], style.exclaims)
    lines = [style.greeting.replace("{name}", name), "", core, "", style.signoff]
    if style.signature:
        lines.append(style.signature)
    subject = msg["subject"] or ""
    if not re.match(r"(?i)^re:", subject):
        subject = f"Re: {subject}".strip()
    refs = msg["message_id"] or ""
    return Draft(msg["reply_to"] or msg["from_addr"], subject, "\n".join(lines),
                 msg["message_id"] or "", refs)
