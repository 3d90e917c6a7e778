"""Robust MIME parsing: bytes from the server in, a :class:`Parsed` record out. Pure, no I/O.

Never trusts the message: unknown or lying charsets fall back to UTF-8 then Windows-1252,
malformed headers are decoded as far as possible and noted as defects, attachments are only
listed (name, type, size, whether the type could run code) and never written anywhere, and
nesting is bounded: a message with absurdly deep multipart nesting is read flat instead of
recursing (Python's parser recurses per level).
"""

from __future__ import annotations

import codecs
import email
import email.header
import email.policy
import email.utils
import re
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

from os1.skills.mail.htmltext import html_to_text

MAX_DEPTH = 40
MAX_PARTS = 500
MAX_BODY = 100_000
MAX_STORED_RECIPIENTS = 200
RISKY_EXT = {
    "exe", "com", "bat", "cmd", "scr", "pif", "js", "jse", "vbs", "vbe", "wsf", "ps1", "psm1",
    "sh", "bash", "jar", "msi", "msp", "lnk", "hta", "cpl", "dll", "reg", "docm", "xlsm",
    "pptm", "apk", "app", "py", "pl", "rb", "iso", "img", "vhd", "appimage", "deb", "rpm",
}
RISKY_TYPES = ("application/x-msdownload", "application/x-sh", "application/javascript",
               "application/x-executable", "application/x-msdos-program", "text/x-python",
               "application/hta", "application/java-archive")


@dataclass
class Attachment:
    name: str
    content_type: str
    size: int
    risky: bool

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.content_type, "size": self.size,
                "risky": self.risky}


@dataclass
class Parsed:
    message_id: str = ""
    in_reply_to: str = ""
    references: list[str] = field(default_factory=list)
    subject: str = ""
    from_name: str = ""
    from_addr: str = ""
    reply_to: str = ""
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    n_recipients: int = 0
    date: float = 0.0
    body: str = ""
    hidden: str = ""
    attachments: list[Attachment] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    defects: list[str] = field(default_factory=list)


def decode_bytes(data: bytes, charset: str | None, defects: list[str]) -> str:
    """Decode with the declared charset if Python knows it, else UTF-8, else Windows-1252."""
    if charset:
        cs = charset.strip().strip('"').lower()
        try:
            codecs.lookup(cs)
        except LookupError:
            defects.append(f"unknown charset {cs[:40]}")
        else:
            try:
                return data.decode(cs)
            except (UnicodeDecodeError, ValueError):
                defects.append(f"text not valid {cs[:40]}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def header_text(raw: Any, defects: list[str]) -> str:
    """Decode RFC 2047 words; whatever cannot be decoded is kept readable, never raised."""
    if raw is None:
        return ""
    if isinstance(raw, email.header.Header):
        raw = str(raw)
    text = str(raw)
    try:
        parts = email.header.decode_header(text)
    except (ValueError, email.errors.HeaderParseError):  # type: ignore[attr-defined]
        defects.append("malformed header")
        return " ".join(text.split())
    out: list[str] = []
    for chunk, cs in parts:
        out.append(decode_bytes(chunk, cs, defects) if isinstance(chunk, bytes) else chunk)
    return " ".join("".join(out).replace("\r", " ").replace("\n", " ").split())


def _addresses(values: list[str]) -> list[tuple[str, str]]:
    try:
        pairs = email.utils.getaddresses(values)
    except (ValueError, IndexError):
        return []
    return [(n, a.strip().lower()) for n, a in pairs if "@" in a]


def _msgids(value: str) -> list[str]:
    return re.findall(r"<[^<>\s]+>", value)


def _read_headers(msg: Message, p: Parsed) -> None:
    d = p.defects
    h = {k.lower(): header_text(v, d) for k, v in msg.items()[:400]}
    p.subject = h.get("subject", "")[:500]
    frm = _addresses([h.get("from", "")])
    if frm:
        p.from_name, p.from_addr = frm[0][0][:200], frm[0][1][:320]
    elif h.get("from"):
        d.append("unreadable From header")
        p.from_name = h["from"][:200]
    rt = _addresses([h.get("reply-to", "")])
    p.reply_to = rt[0][1] if rt else ""
    to = [a for _, a in _addresses([header_text(v, d) for v in msg.get_all("to", [])])]
    cc = [a for _, a in _addresses([header_text(v, d) for v in msg.get_all("cc", [])])]
    p.n_recipients = len(to) + len(cc)
    p.to, p.cc = to[:MAX_STORED_RECIPIENTS], cc[:MAX_STORED_RECIPIENTS]
    ids = _msgids(h.get("message-id", ""))
    p.message_id = ids[0] if ids else ""
    irt = _msgids(h.get("in-reply-to", ""))
    p.in_reply_to = irt[0] if irt else ""
    p.references = _msgids(h.get("references", ""))[-20:]
    try:
        dt = email.utils.parsedate_to_datetime(h.get("date", ""))
        p.date = dt.timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        if h.get("date"):
            d.append("unreadable Date header")
    for key in ("list-unsubscribe", "list-id", "precedence", "auto-submitted", "x-spam-flag",
                "x-mailer", "return-path"):
        if h.get(key):
            p.headers[key] = h[key][:300]


def _filename(part: Message, defects: list[str]) -> str:
    try:
        name = part.get_filename() or ""
    except (ValueError, IndexError, LookupError):
        defects.append("unreadable attachment name")
        name = ""
    return header_text(name, defects)[:200] if name else ""


def _payload(part: Message) -> bytes:
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


def _walk(root: Message, defects: list[str]) -> list[Message]:
    """Leaf parts, depth-first, without recursion and with bounded depth and count."""
    leaves: list[Message] = []
    stack: list[tuple[Message, int]] = [(root, 0)]
    while stack and len(leaves) < MAX_PARTS:
        part, depth = stack.pop()
        if part.is_multipart():
            if depth >= MAX_DEPTH:
                defects.append("multipart nesting too deep; inner parts skipped")
                continue
            children = part.get_payload()
            if isinstance(children, list):
                stack.extend((c, depth + 1) for c in reversed(children) if isinstance(c, Message))
        else:
            leaves.append(part)
    return leaves


def _read_body(msg: Message, p: Parsed) -> None:
    plain: list[str] = []
    html: list[str] = []
    for part in _walk(msg, p.defects):
        ctype = (part.get_content_type() or "text/plain").lower()
        name = _filename(part, p.defects)
        disposition = (part.get("content-disposition") or "").lower()
        if name or "attachment" in disposition or not ctype.startswith("text/"):
            ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
            risky = ext in RISKY_EXT or ctype in RISKY_TYPES
            size = len(_payload(part)) if part.get_payload() else 0
            p.attachments.append(Attachment(name or "(unnamed)", ctype, size, risky))
            continue
        text = decode_bytes(_payload(part), part.get_content_charset(), p.defects)
        (html if ctype == "text/html" else plain).append(text)
    if html:
        parsed = [html_to_text(h) for h in html]
        p.hidden = "\n".join(x.hidden for x in parsed if x.hidden)[:MAX_BODY]
        p.links = [lk for x in parsed for lk in x.links][:200]
        if not plain:
            plain = [x.text for x in parsed]
    p.body = "\n\n".join(t.strip() for t in plain if t.strip())[:MAX_BODY]


def _deeply_nested(raw: bytes) -> bool:
    return len(re.findall(rb"(?im)^content-type:\s*multipart/", raw[:4_000_000])) > MAX_DEPTH * 2


def _flat_fallback(raw: bytes, p: Parsed) -> None:
    """Too deep to parse as a tree: keep the text lines that are not MIME scaffolding."""
    p.defects.append("multipart nesting too deep; read as flat text")
    _head, _, rest = raw.partition(b"\r\n\r\n") if b"\r\n\r\n" in raw else raw.partition(b"\n\n")
    lines = []
    for line in decode_bytes(rest[:2_000_000], None, p.defects).splitlines():
        s = line.strip()
        if not s or s.startswith("--") or re.match(r"(?i)content-[\w-]+:", s):
            continue
        lines.append(s)
        if sum(len(x) for x in lines) > MAX_BODY:
            break
    p.body = "\n".join(lines)[:MAX_BODY]


def parse(raw: bytes, truncated: bool = False) -> Parsed:
    p = Parsed()
    if truncated:
        p.defects.append("only the start of this large message was fetched")
    if _deeply_nested(raw):
        header_end = raw.find(b"\n\n") if b"\r\n\r\n" not in raw else raw.find(b"\r\n\r\n")
        msg = email.message_from_bytes(raw[: max(header_end, 0)] + b"\n\n",
                                       policy=email.policy.compat32)
        _read_headers(msg, p)
        _flat_fallback(raw, p)
        return p
    try:
        msg = email.message_from_bytes(raw, policy=email.policy.compat32)
        _read_headers(msg, p)
        _read_body(msg, p)
    except RecursionError:
        _flat_fallback(raw, p)
        return p
    for defect in msg.defects[:5]:
        p.defects.append(type(defect).__name__)
    return p
