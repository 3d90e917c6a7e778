"""A small IMAP client over imaplib: login with plain-language errors, folders with special
use, STATUS/SELECT state (UIDVALIDITY, UIDNEXT, HIGHESTMODSEQ), UID fetches in batches, MOVE
(with a COPY fallback), flags, APPEND and IDLE. Blocking; callers run it in a thread.
"""

from __future__ import annotations

import imaplib
import re
import select
import socket
import ssl
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

from os1.skills.mail.accounts import Account
from os1.skills.mail.errors import MailError

_LIST = re.compile(rb'\((?P<flags>[^)]*)\)\s+(?P<sep>"(?:[^"\\]|\\.)*"|NIL)\s+(?P<name>.+)$')
_SPECIAL = ("\\Sent", "\\Drafts", "\\Trash", "\\Junk", "\\Archive", "\\All", "\\Flagged")


@dataclass(frozen=True)
class Fetched:
    uid: int
    raw: bytes
    flags: str
    size: int
    truncated: bool


def quote(name: str) -> str:
    return '"' + encode_utf7(name).replace("\\", "\\\\").replace('"', '\\"') + '"'


def encode_utf7(name: str) -> str:
    """IMAP modified UTF-7 (RFC 3501 5.1.3) for non-ASCII folder names."""
    out, buf = [], ""

    def flush() -> None:
        nonlocal buf
        if buf:
            import base64

            b = base64.b64encode(buf.encode("utf-16-be")).decode().rstrip("=")
            out.append("&" + b.replace("/", ",") + "-")
            buf = ""

    for ch in name:
        if 0x20 <= ord(ch) <= 0x7E:
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            buf += ch
    flush()
    return "".join(out)


def decode_utf7(name: str) -> str:
    import base64

    def repl(m: re.Match[str]) -> str:
        body = m.group(1)
        if not body:
            return "&"
        b = body.replace(",", "/")
        return base64.b64decode(b + "=" * (-len(b) % 4)).decode("utf-16-be", errors="replace")

    return re.sub(r"&([A-Za-z0-9+,]*)-", repl, name)


def uid_set(uids: Sequence[int]) -> str:
    """Compact "1:5,9,12:14" form of a UID list."""
    s = sorted(set(uids))
    parts: list[str] = []
    i = 0
    while i < len(s):
        j = i
        while j + 1 < len(s) and s[j + 1] == s[j] + 1:
            j += 1
        parts.append(str(s[i]) if i == j else f"{s[i]}:{s[j]}")
        i = j + 1
    return ",".join(parts)


def parse_uid_set(text: str) -> list[int]:
    out: list[int] = []
    for part in text.split(","):
        a, _, b = part.partition(":")
        if a.isdigit():
            out.extend(range(int(a), int(b) + 1) if b.isdigit() else [int(a)])
    return out


def _item(meta: bytes, name: bytes) -> bytes | None:
    m = re.search(rb"\b" + re.escape(name) + rb" (\([^)]*\)|[^\s)]+)", meta)
    return m.group(1) if m else None


def _flags_of(meta: bytes) -> str:
    f = _item(meta, b"FLAGS") or b"()"
    return " ".join(f.decode("utf-8", "replace").strip("()").split())


class ImapClient:
    def __init__(self, account: Account, password: str, timeout: float = 30.0) -> None:
        self.account = account
        self.password = password
        self.timeout = timeout
        self.conn: Any = None
        self.caps: set[str] = set()

    @property
    def where(self) -> str:
        return f"{self.account.imap_host}:{self.account.imap_port}"

    def _lost(self, exc: BaseException) -> MailError:
        return MailError(
            f"Lost the connection to the mail server {self.where} ({type(exc).__name__}); "
            "everything fetched so far is saved, so run 'os1 mail sync' again to continue."
        )

    def connect(self) -> ImapClient:
        a = self.account
        try:
            if a.security == "tls":
                ctx = ssl.create_default_context()
                self.conn = imaplib.IMAP4_SSL(a.imap_host, a.imap_port, ssl_context=ctx,
                                              timeout=self.timeout)
            else:
                self.conn = imaplib.IMAP4(a.imap_host, a.imap_port, timeout=self.timeout)
                if a.security == "starttls":
                    self.conn.starttls(ssl.create_default_context())
        except (OSError, imaplib.IMAP4.error) as exc:
            raise MailError(
                f"Cannot reach the mail server {self.where} ({exc}); check the address and "
                "that it is running."
            ) from exc
        try:
            self.conn.login(a.username, self.password)
        except imaplib.IMAP4.error as exc:
            self.close()
            raise MailError(
                f"The mail server {self.where} refused the login for {a.username}: wrong user "
                "name or password. Run 'os1 mail add' again with the right password."
            ) from exc
        except OSError as exc:
            raise self._lost(exc) from exc
        _typ, data = self.cmd("CAPABILITY")
        words = b" ".join(d for d in data if isinstance(d, bytes)).decode().split()
        self.caps = {c.upper() for c in words} or {c.upper() for c in self.conn.capabilities}
        if "CONDSTORE" in self.caps:
            self.cmd("ENABLE", "CONDSTORE")
        return self

    def close(self) -> None:
        if self.conn is None:
            return
        with suppress(OSError, EOFError, imaplib.IMAP4.error):
            self.conn.logout()
        with suppress(OSError):
            self.conn.shutdown()  # a dead connection skips logout's own close
        self.conn = None

    def __enter__(self) -> ImapClient:
        return self.connect()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def cmd(self, name: str, *args: str) -> tuple[str, list[Any]]:
        """Run one command; a dropped connection becomes a MailError saying what to do."""
        try:
            if name == "UID":
                typ, data = self.conn.uid(*args)
            elif name in ("SELECT", "EXAMINE"):
                typ, data = self.conn.select(args[0], readonly=name == "EXAMINE")
            else:
                typ, data = self.conn._simple_command(name, *args)
                typ, data = self.conn._untagged_response(typ, data, name)
        except imaplib.IMAP4.abort as exc:
            raise self._lost(exc) from exc
        except (OSError, EOFError) as exc:
            raise self._lost(exc) from exc
        except imaplib.IMAP4.error as exc:
            raise MailError(f"The mail server {self.where} rejected {name}: {exc}.") from exc
        return typ, data

    # folders --------------------------------------------------------------------------
    def folders(self) -> list[tuple[str, str]]:
        """(name, special use) for each selectable folder."""
        _typ, data = self.cmd("LIST", '""', '"*"')
        out: list[tuple[str, str]] = []
        for line in data:
            if isinstance(line, tuple):
                line = line[0] + b'"' + line[1].replace(b'"', b'\\"') + b'"'
            m = _LIST.match(line or b"")
            if not m:
                continue
            flags = m.group("flags").decode()
            if "\\noselect" in flags.lower() or "\\nonexistent" in flags.lower():
                continue
            raw = m.group("name").decode("utf-8", "replace").strip()
            if raw.startswith('"'):
                raw = raw[1:-1].replace('\\"', '"').replace("\\\\", "\\")
            use = next((s for s in _SPECIAL if s.lower() in flags.lower()), "")
            out.append((decode_utf7(raw), use))
        return out

    def status(self, folder: str) -> dict[str, int]:
        items = "(UIDVALIDITY UIDNEXT MESSAGES"
        items += " HIGHESTMODSEQ)" if "CONDSTORE" in self.caps else ")"
        _typ, data = self.cmd("STATUS", quote(folder), items)
        text = b" ".join(d for d in data if isinstance(d, bytes)).decode()
        return {k.lower(): int(v) for k, v in re.findall(r"([A-Z]+) (\d+)", text)}

    def select(self, folder: str, readonly: bool = True) -> None:
        typ, _data = self.cmd("EXAMINE" if readonly else "SELECT", quote(folder))
        if typ != "OK":
            raise MailError(f"The mail server has no folder '{folder}'.")

    # fetching -------------------------------------------------------------------------
    def search_all(self) -> list[int]:
        _typ, data = self.cmd("UID", "SEARCH", "ALL")
        return [int(x) for x in b" ".join(d for d in data if d).split()]

    def fetch_meta(self, uids: str, changedsince: int = 0) -> dict[int, tuple[int, str]]:
        """uid -> (size, flags) for a UID set; with CHANGEDSINCE only what changed."""
        items = "(UID FLAGS RFC822.SIZE)"
        args = ["FETCH", uids, items]
        if changedsince and "CONDSTORE" in self.caps:
            args.append(f"(CHANGEDSINCE {changedsince})")
        _typ, data = self.cmd("UID", *args)
        out: dict[int, tuple[int, str]] = {}
        for line in data:
            meta = line[0] if isinstance(line, tuple) else line
            if not isinstance(meta, bytes):
                continue
            uid = _item(meta, b"UID")
            if uid and uid.isdigit():
                size = _item(meta, b"RFC822.SIZE") or b"0"
                out[int(uid)] = (int(size) if size.isdigit() else 0, _flags_of(meta))
        return out

    def fetch_bodies(self, uids: Sequence[int], max_bytes: int, big: set[int]) -> list[Fetched]:
        """Full messages; those in ``big`` only up to ``max_bytes`` (the rest is never read)."""
        out: list[Fetched] = []
        for group, part in ((sorted(set(uids) - big), "BODY.PEEK[]"),
                            (sorted(set(uids) & big), f"BODY.PEEK[]<0.{max_bytes}>")):
            if group:
                _typ, data = self.cmd("UID", "FETCH", uid_set(group), f"(UID FLAGS {part})")
                out += self._bodies(data, truncated=part != "BODY.PEEK[]")
        return sorted(out, key=lambda f: f.uid)

    @staticmethod
    def _bodies(data: list[Any], truncated: bool) -> list[Fetched]:
        out: list[Fetched] = []
        for i, item in enumerate(data):
            if not isinstance(item, tuple):
                continue
            meta = item[0]
            nxt = data[i + 1] if i + 1 < len(data) else b""
            if isinstance(nxt, bytes):
                meta += nxt
            uid = _item(meta, b"UID")
            if uid and uid.isdigit():
                out.append(Fetched(int(uid), item[1], _flags_of(meta), len(item[1]), truncated))
        return out

    # acting ---------------------------------------------------------------------------
    def move(self, uids: Sequence[int], dest: str) -> dict[int, int]:
        """Move messages of the selected folder; returns old uid -> new uid where known."""
        if "MOVE" in self.caps:
            typ, _data = self.cmd("UID", "MOVE", uid_set(uids), quote(dest))
        else:
            typ, _data = self.cmd("UID", "COPY", uid_set(uids), quote(dest))
            if typ == "OK":
                self.cmd("UID", "STORE", uid_set(uids), "+FLAGS.SILENT", "(\\Deleted)")
                self.cmd("UID", "EXPUNGE", uid_set(uids))
        if typ != "OK":
            raise MailError(f"The mail server would not move messages to '{dest}'.")
        return self._copyuid()

    def _copyuid(self) -> dict[int, int]:
        found = self.conn.untagged_responses.pop("COPYUID", None)
        text = b" ".join(found or []).decode() if found else ""
        for d in self.conn.untagged_responses.pop("OK", []) or []:
            m = re.search(rb"\[COPYUID (.+?)\]", d if isinstance(d, bytes) else b"")
            if m:
                text = m.group(1).decode()
        parts = text.split()
        if len(parts) < 3:
            return {}
        return dict(zip(parse_uid_set(parts[1]), parse_uid_set(parts[2]), strict=False))

    def store(self, uids: Sequence[int], flag: str, add: bool) -> None:
        op = "+FLAGS.SILENT" if add else "-FLAGS.SILENT"
        self.cmd("UID", "STORE", uid_set(uids), op, f"({flag})")

    def expunge(self, uids: Sequence[int]) -> None:
        self.store(uids, "\\Deleted", True)
        self.cmd("UID", "EXPUNGE", uid_set(uids))

    def append(self, folder: str, raw: bytes, flags: str = "(\\Seen)") -> None:
        try:
            typ, _data = self.conn.append(quote(folder), flags, None, raw)
        except (imaplib.IMAP4.abort, OSError) as exc:
            raise self._lost(exc) from exc
        if typ != "OK":
            raise MailError(f"The mail server would not store the message in '{folder}'.")

    def search_header(self, name: str, value: str) -> list[int]:
        _typ, data = self.cmd("UID", "SEARCH", "HEADER", name, quote(value))
        return [int(x) for x in b" ".join(d for d in data if d).split()]

    # IDLE -----------------------------------------------------------------------------
    def idle(self, timeout: float, stop: Any = None) -> bool:
        """Wait up to ``timeout`` s for the selected folder to change. True if it did."""
        conn = self.conn
        try:
            tag = conn._new_tag()
            conn.send(tag + b" IDLE\r\n")
            first = conn._get_line()
            if not first.startswith(b"+"):
                raise MailError(f"The mail server {self.where} does not support IDLE.")
            changed = self._wait_untagged(timeout, stop)
            conn.send(b"DONE\r\n")
            while not conn._get_line().startswith(tag):
                pass
        except (imaplib.IMAP4.abort, OSError, EOFError) as exc:
            raise self._lost(exc) from exc
        return changed

    def _wait_untagged(self, timeout: float, stop: Any) -> bool:
        sock: socket.socket = self.conn.sock
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if stop is not None and stop.is_set():
                return False
            ready, _, _ = select.select([sock], [], [], min(0.5, deadline - time.monotonic()))
            if not ready:
                continue
            line = self.conn._get_line()
            if re.match(rb"\* \d+ (EXISTS|EXPUNGE|FETCH|RECENT)", line):
                return True
        return False


@contextmanager
def session(account: Account, password: str, timeout: float = 30.0) -> Iterator[ImapClient]:
    client = ImapClient(account, password, timeout).connect()
    try:
        yield client
    finally:
        client.close()
