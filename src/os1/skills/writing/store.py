"""The letters desk's records in SQLite: clients, the people they write to, the history of
each relationship (notes and past letters) and the letters written for them, plus books.

Imports os1.db and os1.errors only.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field

from os1.db import Database, new_id, now
from os1.errors import InputError, NotFoundError

SCHEMA = [
    """
    CREATE TABLE writing_clients (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE,
        profile TEXT NOT NULL DEFAULT '',
        created REAL NOT NULL
    );
    CREATE TABLE writing_recipients (
        id TEXT PRIMARY KEY,
        client_id TEXT NOT NULL REFERENCES writing_clients(id) ON DELETE CASCADE,
        name TEXT NOT NULL COLLATE NOCASE,
        relation TEXT NOT NULL DEFAULT '',
        profile TEXT NOT NULL DEFAULT '',
        created REAL NOT NULL,
        UNIQUE (client_id, name)
    );
    CREATE TABLE writing_notes (
        id TEXT PRIMARY KEY,
        client_id TEXT NOT NULL REFERENCES writing_clients(id) ON DELETE CASCADE,
        recipient_id TEXT REFERENCES writing_recipients(id) ON DELETE CASCADE,
        text TEXT NOT NULL,
        created REAL NOT NULL
    );
    CREATE TABLE writing_letters (
        id TEXT PRIMARY KEY,
        client_id TEXT NOT NULL REFERENCES writing_clients(id) ON DELETE CASCADE,
        recipient_id TEXT REFERENCES writing_recipients(id) ON DELETE SET NULL,
        kind TEXT NOT NULL CHECK (kind IN ('past', 'written')),
        occasion TEXT NOT NULL DEFAULT '',
        body TEXT NOT NULL,
        memories TEXT NOT NULL DEFAULT '[]',
        score REAL NOT NULL DEFAULT 0,
        pdf TEXT NOT NULL DEFAULT '',
        created REAL NOT NULL
    );
    CREATE INDEX writing_letters_client ON writing_letters(client_id, recipient_id, created);
    CREATE INDEX writing_letters_score ON writing_letters(score);
    CREATE INDEX writing_notes_client ON writing_notes(client_id, recipient_id);
    CREATE TABLE writing_books (
        id TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        letters TEXT NOT NULL,
        pdf TEXT NOT NULL,
        epub TEXT NOT NULL,
        created REAL NOT NULL
    );
    CREATE TABLE writing_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
]

MAX_TEXT = 200_000


@dataclass(frozen=True)
class Client:
    id: str
    name: str
    profile: str


@dataclass(frozen=True)
class Recipient:
    id: str
    client_id: str
    name: str
    relation: str
    profile: str


@dataclass(frozen=True)
class Note:
    id: str
    recipient_id: str | None
    text: str


@dataclass(frozen=True)
class StoredLetter:
    id: str
    client: str
    recipient: str
    kind: str
    occasion: str
    body: str
    score: float
    created: float
    memories: list[str] = field(default_factory=list)
    pdf: str = ""


@dataclass(frozen=True)
class History:
    """Everything known about one client and one of the people they write to."""

    client: Client
    recipient: Recipient
    notes: list[Note]  # about this recipient, or general notes naming them
    past_letters: list[StoredLetter]  # the client's letters, this recipient's first
    others: list[Recipient]  # the client's other correspondents

    def is_empty(self) -> bool:
        return not self.notes and not any(
            letter.recipient.lower() == self.recipient.name.lower()
            for letter in self.past_letters)


def _clean(text: str, what: str, limit: int = MAX_TEXT) -> str:
    text = text.replace("\r\n", "\n").strip()
    if not text:
        raise InputError(f"The {what} is empty.")
    if len(text) > limit:
        raise InputError(f"The {what} is {len(text)} characters; the limit is {limit}.")
    return text


class LetterStore:
    def __init__(self, db: Database) -> None:
        self.db = db
        db.migrate("writing", SCHEMA)

    # clients and recipients ---------------------------------------------------------------
    def add_client(self, name: str, profile: str = "") -> Client:
        name = _clean(name, "client's name", 200)
        if self.db.query("SELECT 1 FROM writing_clients WHERE name=?", (name,)):
            raise InputError(f"There is already a client called {name}.")
        cid = new_id("c")
        self.db.execute("INSERT INTO writing_clients VALUES (?, ?, ?, ?)",
                        (cid, name, profile.strip(), now()))
        return Client(cid, name, profile.strip())

    def client(self, name: str) -> Client:
        rows = self.db.query("SELECT * FROM writing_clients WHERE name=? OR id=?", (name, name))
        if not rows:
            known = [r["name"] for r in self.db.query(
                "SELECT name FROM writing_clients ORDER BY name LIMIT 8")]
            hint = f" Clients: {', '.join(known)}." if known else (
                " There are no clients yet; add one with 'os1 letters add-client NAME'.")
            raise NotFoundError(f"There is no client called {name}.{hint}")
        r = rows[0]
        return Client(r["id"], r["name"], r["profile"])

    def clients(self) -> list[Client]:
        rows = self.db.query("SELECT * FROM writing_clients ORDER BY name")
        return [Client(r["id"], r["name"], r["profile"]) for r in rows]

    def set_profile(self, client: str, profile: str) -> None:
        c = self.client(client)
        self.db.execute("UPDATE writing_clients SET profile=? WHERE id=?", (profile.strip(), c.id))

    def add_recipient(self, client: str, name: str, relation: str = "",
                      profile: str = "") -> Recipient:
        c = self.client(client)
        name = _clean(name, "recipient's name", 200)
        rid = new_id("p")
        try:
            self.db.execute("INSERT INTO writing_recipients VALUES (?, ?, ?, ?, ?, ?)",
                            (rid, c.id, name, relation.strip(), profile.strip(), now()))
        except sqlite3.IntegrityError as exc:
            raise InputError(f"{c.name} already writes to someone called {name}.") from exc
        return Recipient(rid, c.id, name, relation.strip(), profile.strip())

    def recipients(self, client: str) -> list[Recipient]:
        c = self.client(client)
        rows = self.db.query("SELECT * FROM writing_recipients WHERE client_id=? ORDER BY name",
                             (c.id,))
        return [Recipient(r["id"], r["client_id"], r["name"], r["relation"], r["profile"])
                for r in rows]

    def recipient(self, client: str, name: str) -> Recipient:
        found = [r for r in self.recipients(client) if r.name.lower() == name.strip().lower()]
        if not found:
            c = self.client(client)
            names = ", ".join(r.name for r in self.recipients(client)) or "nobody yet"
            raise NotFoundError(
                f"{c.name} does not write to anyone called {name} (they write to: {names}); "
                f"add them with 'os1 letters add-recipient \"{c.name}\" \"{name}\"'.")
        return found[0]

    # history ---------------------------------------------------------------------------------
    def add_note(self, client: str, text: str, recipient: str | None = None) -> Note:
        c = self.client(client)
        rid = self.recipient(c.name, recipient).id if recipient else None
        nid = new_id("n")
        body = _clean(text, "note", 20_000)
        self.db.execute("INSERT INTO writing_notes VALUES (?, ?, ?, ?, ?)",
                        (nid, c.id, rid, body, now()))
        return Note(nid, rid, body)

    def notes(self, client: str, recipient: str | None = None) -> list[Note]:
        c = self.client(client)
        rows = self.db.query("SELECT * FROM writing_notes WHERE client_id=? ORDER BY created",
                             (c.id,))
        notes = [Note(r["id"], r["recipient_id"], r["text"]) for r in rows]
        if recipient is None:
            return notes
        rec = self.recipient(c.name, recipient)
        return [n for n in notes if n.recipient_id == rec.id or (
            n.recipient_id is None and rec.name.lower() in n.text.lower())]

    def add_letter(self, client: str, recipient: str | None, body: str, *, kind: str = "past",
                   occasion: str = "", memories: list[str] | None = None, score: float = 0.0,
                   pdf: str = "") -> str:
        c = self.client(client)
        rid = self.recipient(c.name, recipient).id if recipient else None
        lid = new_id("L")
        self.db.execute(
            "INSERT INTO writing_letters VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (lid, c.id, rid, kind, occasion.strip(), _clean(body, "letter"),
             json.dumps(memories or []), score, pdf, now()))
        return lid

    def set_pdf(self, letter_id: str, pdf: str) -> None:
        self.db.execute("UPDATE writing_letters SET pdf=? WHERE id=?", (pdf, letter_id))

    def letters(self, client: str | None = None, *, kind: str | None = None,
                min_score: float | None = None, limit: int = -1) -> list[StoredLetter]:
        where: list[str] = ["1=1"]
        args: list[str | float] = []
        if client is not None:
            where.append("l.client_id=?")
            args.append(self.client(client).id)
        if kind is not None:
            where.append("l.kind=?")
            args.append(kind)
        if min_score is not None:
            where.append("l.score>=?")
            args.append(min_score)
        rows = self.db.query(
            "SELECT l.*, c.name AS client_name, COALESCE(r.name, '') AS recipient_name "
            "FROM writing_letters l JOIN writing_clients c ON c.id=l.client_id "
            "LEFT JOIN writing_recipients r ON r.id=l.recipient_id "
            f"WHERE {' AND '.join(where)} ORDER BY l.created, l.id LIMIT ?", (*args, limit))
        return [_letter(r) for r in rows]

    def letter(self, letter_id: str) -> StoredLetter:
        rows = self.db.query(
            "SELECT l.*, c.name AS client_name, COALESCE(r.name, '') AS recipient_name "
            "FROM writing_letters l JOIN writing_clients c ON c.id=l.client_id "
            "LEFT JOIN writing_recipients r ON r.id=l.recipient_id WHERE l.id=?", (letter_id,))
        if not rows:
            raise NotFoundError(f"There is no letter {letter_id}; 'os1 letters list' shows them.")
        return _letter(rows[0])

    def history(self, client: str, recipient: str) -> History:
        c = self.client(client)
        rec = self.recipient(c.name, recipient)
        letters = self.letters(c.name)
        letters.sort(key=lambda x: x.recipient.lower() != rec.name.lower())
        others = [r for r in self.recipients(c.name) if r.id != rec.id]
        return History(c, rec, self.notes(c.name, rec.name), letters, others)

    # state -----------------------------------------------------------------------------------
    def state(self, key: str, default: str = "") -> str:
        rows = self.db.query("SELECT value FROM writing_state WHERE key=?", (key,))
        return str(rows[0]["value"]) if rows else default

    def set_state(self, key: str, value: str) -> None:
        self.db.execute("INSERT INTO writing_state VALUES (?, ?) ON CONFLICT(key) DO UPDATE "
                        "SET value=excluded.value", (key, value))


def _letter(r: sqlite3.Row) -> StoredLetter:
    return StoredLetter(r["id"], r["client_name"], r["recipient_name"], r["kind"], r["occasion"],
                        r["body"], float(r["score"]), float(r["created"]),
                        json.loads(r["memories"]), r["pdf"])
