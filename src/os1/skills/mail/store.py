"""The local mail index: accounts, folders (sync state), parsed messages with triage results,
and full-text search. Pure data access, no network.

:class:`MailStore` is the seam: :class:`SqliteMail` keeps it in the home's SQLite file (FTS5
search; the default), ``os1.scale.mail.PgMail`` in PostgreSQL keyed by user (tsvector search)
when ``server.database_url`` is set; :func:`mail_store` picks it. Every function of the mail
skill that takes ``db`` takes either a Database (the SQLite store) or a MailStore.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from os1.config import store_for
from os1.db import Database

if TYPE_CHECKING:
    from os1.skills.mail.search import Query

Row = Mapping[str, Any]

SCHEMA = [
    """
    CREATE TABLE mail_accounts (
        name TEXT PRIMARY KEY,
        email TEXT NOT NULL,
        imap_host TEXT NOT NULL,
        imap_port INTEGER NOT NULL,
        smtp_host TEXT NOT NULL,
        smtp_port INTEGER NOT NULL,
        username TEXT NOT NULL,
        security TEXT NOT NULL,
        password_env TEXT NOT NULL DEFAULT '',
        created REAL NOT NULL
    );
    CREATE TABLE mail_folders (
        account TEXT NOT NULL,
        name TEXT NOT NULL,
        special_use TEXT NOT NULL DEFAULT '',
        uidvalidity INTEGER NOT NULL DEFAULT 0,
        last_uid INTEGER NOT NULL DEFAULT 0,
        highestmodseq INTEGER NOT NULL DEFAULT 0,
        synced REAL,
        PRIMARY KEY (account, name)
    );
    CREATE TABLE mail_messages (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        account TEXT NOT NULL,
        folder TEXT NOT NULL,
        uid INTEGER NOT NULL,
        message_id TEXT NOT NULL DEFAULT '',
        in_reply_to TEXT NOT NULL DEFAULT '',
        thread_id TEXT NOT NULL DEFAULT '',
        subject TEXT NOT NULL DEFAULT '',
        from_name TEXT NOT NULL DEFAULT '',
        from_addr TEXT NOT NULL DEFAULT '',
        reply_to TEXT NOT NULL DEFAULT '',
        to_addrs TEXT NOT NULL DEFAULT '[]',
        cc_addrs TEXT NOT NULL DEFAULT '[]',
        n_recipients INTEGER NOT NULL DEFAULT 0,
        date REAL NOT NULL DEFAULT 0,
        flags TEXT NOT NULL DEFAULT '',
        size INTEGER NOT NULL DEFAULT 0,
        truncated INTEGER NOT NULL DEFAULT 0,
        body TEXT NOT NULL DEFAULT '',
        hidden_text TEXT NOT NULL DEFAULT '',
        attachments TEXT NOT NULL DEFAULT '[]',
        links TEXT NOT NULL DEFAULT '[]',
        headers TEXT NOT NULL DEFAULT '{}',
        defects TEXT NOT NULL DEFAULT '',
        suspicious INTEGER NOT NULL DEFAULT 0,
        suspicious_reasons TEXT NOT NULL DEFAULT '',
        category TEXT NOT NULL DEFAULT '',
        priority INTEGER NOT NULL DEFAULT 0,
        triage_reasons TEXT NOT NULL DEFAULT '',
        deadline TEXT NOT NULL DEFAULT '',
        ask TEXT NOT NULL DEFAULT '',
        announced INTEGER NOT NULL DEFAULT 0,
        synced REAL NOT NULL DEFAULT 0,
        UNIQUE (account, folder, uid)
    );
    CREATE INDEX mail_messages_msgid ON mail_messages(message_id);
    CREATE INDEX mail_messages_thread ON mail_messages(thread_id);
    CREATE INDEX mail_messages_date ON mail_messages(account, folder, date);
    CREATE VIRTUAL TABLE mail_fts USING fts5(
        subject, from_name, from_addr, body, content='mail_messages', content_rowid='id'
    );
    CREATE TRIGGER mail_fts_ai AFTER INSERT ON mail_messages BEGIN
        INSERT INTO mail_fts(rowid, subject, from_name, from_addr, body)
        VALUES (new.id, new.subject, new.from_name, new.from_addr, new.body);
    END;
    CREATE TRIGGER mail_fts_ad AFTER DELETE ON mail_messages BEGIN
        INSERT INTO mail_fts(mail_fts, rowid, subject, from_name, from_addr, body)
        VALUES ('delete', old.id, old.subject, old.from_name, old.from_addr, old.body);
    END;
    """,
]

INSERT_COLUMNS = (
    "account", "folder", "uid", "message_id", "in_reply_to", "thread_id", "subject",
    "from_name", "from_addr", "reply_to", "to_addrs", "cc_addrs", "n_recipients", "date",
    "flags", "size", "truncated", "body", "hidden_text", "attachments", "links", "headers",
    "defects", "suspicious", "suspicious_reasons", "category", "priority", "triage_reasons",
    "deadline", "ask", "synced",
)


ACCOUNT_COLUMNS = ("name", "email", "imap_host", "imap_port", "smtp_host", "smtp_port",
                   "username", "security", "password_env", "created")
FOLDER_COLUMNS = ("account", "name", "special_use", "uidvalidity", "last_uid", "highestmodseq",
                  "synced")
# what "what's new" announces: unseen, not yet announced, in the inbox or a plain folder
NEW_MAIL = ("m.announced=0 AND m.flags NOT LIKE '%\\Seen%' AND "
            "(m.folder='INBOX' OR f.special_use='') AND m.category NOT IN ('sent', 'draft')")
UNREAD_INBOX = "folder='INBOX' AND flags NOT LIKE '%\\Seen%'"


def migrate(db: Database) -> None:
    db.migrate("mail", SCHEMA)


@dataclass
class FolderState:
    account: str
    name: str
    special_use: str = ""
    uidvalidity: int = 0
    last_uid: int = 0
    highestmodseq: int = 0


def folder_row(st: FolderState, synced: float | None) -> tuple[Any, ...]:
    return (st.account, st.name, st.special_use, st.uidvalidity, st.last_uid, st.highestmodseq,
            synced)


def state_from_row(account: str, name: str, r: Row | None) -> FolderState:
    if r is None:
        return FolderState(account, name)
    return FolderState(account, name, r["special_use"], r["uidvalidity"], r["last_uid"],
                       r["highestmodseq"])


def assign_threads(rows: list[dict[str, Any]],
                   thread_for: Callable[[Sequence[str]], str | None]) -> None:
    """Give each new row its thread: that of a parent in the same batch, else of a stored
    parent (``thread_for``), else its own Message-ID."""
    local: dict[str, str] = {}
    for r in rows:
        refs = [x for x in r.pop("_refs", ()) if x]
        tid = next((local[x] for x in refs if x in local), None) or thread_for(refs)
        r["thread_id"] = tid or r["message_id"] or f"{r['account']}/{r['folder']}/{r['uid']}"
        if r["message_id"]:
            local[r["message_id"]] = r["thread_id"]


class MailStore(Protocol):
    """One user's mail index. Changes that belong together (a fetched batch and the folder's
    new high-water mark) are one transaction, so a sync that dies half way resumes cleanly.
    The undo journal of mail actions is not here: the tools open the user's own
    (os1.skills.journal.UndoJournal.open) and hand it to os1.skills.mail.actions."""

    # accounts
    def save_account(self, row: dict[str, Any]) -> None:
        """Insert the account or replace the one of that name."""
    def accounts(self) -> list[Row]: ...
    def remove_account(self, name: str) -> None:
        """The account, its folders and its messages, together."""
    # folders
    def folder_state(self, account: str, name: str) -> FolderState: ...
    def save_folder(self, st: FolderState, synced: float | None = None) -> None: ...
    def folders(self, account: str) -> list[Row]: ...
    def folder_by_use(self, account: str, use: str) -> str | None: ...
    # messages
    def add_batch(self, rows: list[dict[str, Any]], st: FolderState) -> None:
        """Thread and insert fetched messages (one already there only gets its flags) and
        save ``st`` (the high-water mark), atomically."""
    def local_uids(self, account: str, folder: str) -> set[int]: ...
    def uid_flags(self, account: str, folder: str) -> dict[int, str]: ...
    def delete_uids(self, account: str, folder: str, uids: Sequence[int]) -> None: ...
    def set_flags(self, account: str, folder: str, flags: dict[int, str]) -> None: ...
    def set_message_flags(self, flags: dict[int, str]) -> None:
        """Flags by local message id."""
    def relocate(self, account: str, dest: str, moves: Sequence[tuple[int, int]]) -> None:
        """(local id, new UID) pairs: the row follows its message to ``dest``; a 0 UID
        deletes the row (the next sync fetches it afresh)."""
    def get_message(self, mid: int) -> Row | None: ...
    def get_messages(self, ids: Sequence[int]) -> list[Row]: ...
    def ranked(self, limit: int) -> list[Row]:
        """Mail in every folder, most important first, then newest."""
    def folder_messages(self, folder: str, limit: int) -> list[Row]:
        """Least suspicious, most urgent and newest first (the triage view)."""
    def newsletters(self) -> list[int]:
        """Ids of the inbox's newsletters that are not suspicious, oldest first."""
    def search(self, q: Query, limit: int) -> list[Row]: ...
    def new_messages(self, mark: bool) -> tuple[list[Row], int]:
        """Mail not yet announced (marked announced when ``mark``), and the unread count."""
    # what triage, drafting and the send check learn from
    def sent_recipients(self, account: str) -> list[str]: ...
    def received_counts(self, account: str) -> dict[str, int]: ...
    def sent_bodies(self, account: str, limit: int) -> list[str]: ...
    def clean_mail_from(self, addr: str) -> bool: ...
    def suspicious_mentioning(self, addr: str) -> list[Row]: ...


def _dicts(rows: Iterable[sqlite3.Row]) -> list[Row]:
    return [dict(r) for r in rows]


class SqliteMail:
    def __init__(self, db: Database) -> None:
        self.db = db
        migrate(db)

    def save_account(self, row: dict[str, Any]) -> None:
        self.db.execute(f"INSERT OR REPLACE INTO mail_accounts ({', '.join(ACCOUNT_COLUMNS)}) "
                        f"VALUES ({', '.join('?' * len(ACCOUNT_COLUMNS))})",
                        tuple(row[c] for c in ACCOUNT_COLUMNS))

    def accounts(self) -> list[Row]:
        return _dicts(self.db.query("SELECT * FROM mail_accounts ORDER BY created"))

    def remove_account(self, name: str) -> None:
        with self.db.transaction() as c:
            for table in ("mail_messages", "mail_folders"):
                c.execute(f"DELETE FROM {table} WHERE account=?", (name,))
            c.execute("DELETE FROM mail_accounts WHERE name=?", (name,))

    def folder_state(self, account: str, name: str) -> FolderState:
        rows = _dicts(self.db.query("SELECT * FROM mail_folders WHERE account=? AND name=?",
                                    (account, name)))
        return state_from_row(account, name, rows[0] if rows else None)

    def _save_folder(self, conn: sqlite3.Connection, st: FolderState,
                     synced: float | None) -> None:
        conn.execute(
            f"INSERT INTO mail_folders ({', '.join(FOLDER_COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(account, name) DO UPDATE SET special_use=excluded.special_use, "
            "uidvalidity=excluded.uidvalidity, last_uid=excluded.last_uid, "
            "highestmodseq=excluded.highestmodseq, synced=COALESCE(excluded.synced, synced)",
            folder_row(st, synced),
        )

    def save_folder(self, st: FolderState, synced: float | None = None) -> None:
        with self.db.transaction() as conn:
            self._save_folder(conn, st, synced)

    def folders(self, account: str) -> list[Row]:
        return _dicts(self.db.query("SELECT * FROM mail_folders WHERE account=?", (account,)))

    def folder_by_use(self, account: str, use: str) -> str | None:
        rows = self.db.query("SELECT name FROM mail_folders WHERE account=? AND special_use=?",
                             (account, use))
        return str(rows[0]["name"]) if rows else None

    def add_batch(self, rows: list[dict[str, Any]], st: FolderState) -> None:
        with self.db.transaction() as conn:
            def thread_for(parents: Sequence[str]) -> str | None:
                for parent in parents:
                    row = conn.execute("SELECT thread_id FROM mail_messages WHERE message_id=? "
                                       "AND thread_id!='' LIMIT 1", (parent,)).fetchone()
                    if row:
                        return str(row[0])
                return None

            assign_threads(rows, thread_for)
            conn.executemany(
                f"INSERT INTO mail_messages ({', '.join(INSERT_COLUMNS)}) "
                f"VALUES ({', '.join('?' * len(INSERT_COLUMNS))}) "
                "ON CONFLICT(account, folder, uid) DO UPDATE SET flags=excluded.flags",
                [tuple(r[c] for c in INSERT_COLUMNS) for r in rows],
            )
            self._save_folder(conn, st, None)

    def local_uids(self, account: str, folder: str) -> set[int]:
        return set(self.uid_flags(account, folder))

    def uid_flags(self, account: str, folder: str) -> dict[int, str]:
        rows = self.db.query("SELECT uid, flags FROM mail_messages WHERE account=? AND folder=?",
                             (account, folder))
        return {int(r["uid"]): str(r["flags"]) for r in rows}

    def delete_uids(self, account: str, folder: str, uids: Sequence[int]) -> None:
        with self.db.transaction() as conn:
            conn.executemany("DELETE FROM mail_messages WHERE account=? AND folder=? AND uid=?",
                             [(account, folder, u) for u in uids])

    def set_flags(self, account: str, folder: str, flags: dict[int, str]) -> None:
        with self.db.transaction() as conn:
            conn.executemany(
                "UPDATE mail_messages SET flags=? WHERE account=? AND folder=? AND uid=?",
                [(f, account, folder, u) for u, f in flags.items()])

    def set_message_flags(self, flags: dict[int, str]) -> None:
        with self.db.transaction() as conn:
            conn.executemany("UPDATE mail_messages SET flags=? WHERE id=?",
                             [(f, i) for i, f in flags.items()])

    def relocate(self, account: str, dest: str, moves: Sequence[tuple[int, int]]) -> None:
        with self.db.transaction() as conn:
            for mid, new_uid in moves:
                if new_uid:
                    conn.execute("DELETE FROM mail_messages WHERE account=? AND folder=? AND "
                                 "uid=?", (account, dest, new_uid))
                    conn.execute("UPDATE mail_messages SET folder=?, uid=? WHERE id=?",
                                 (dest, new_uid, mid))
                else:
                    conn.execute("DELETE FROM mail_messages WHERE id=?", (mid,))

    def get_message(self, mid: int) -> Row | None:
        rows = self.get_messages([mid])
        return rows[0] if rows else None

    def get_messages(self, ids: Sequence[int]) -> list[Row]:
        marks = ",".join("?" for _ in ids) or "NULL"
        return _dicts(self.db.query(
            f"SELECT * FROM mail_messages WHERE id IN ({marks}) ORDER BY id", list(ids)))

    def ranked(self, limit: int) -> list[Row]:
        return _dicts(self.db.query(
            "SELECT * FROM mail_messages ORDER BY priority DESC, date DESC LIMIT ?", (limit,)))

    def folder_messages(self, folder: str, limit: int) -> list[Row]:
        return _dicts(self.db.query(
            "SELECT * FROM mail_messages WHERE folder=? ORDER BY suspicious ASC, priority DESC, "
            "date DESC LIMIT ?", (folder, limit)))

    def newsletters(self) -> list[int]:
        return [int(r["id"]) for r in self.db.query(
            "SELECT id FROM mail_messages WHERE folder='INBOX' AND category='newsletter' AND "
            "suspicious=0 ORDER BY date")]

    def search(self, q: Query, limit: int) -> list[Row]:
        from os1.skills.mail.search import filters, fts_words

        where, args = filters(q, "?", "LIKE")
        if q.words:
            where.append("m.id IN (SELECT rowid FROM mail_fts WHERE mail_fts MATCH ?)")
            args.append(" ".join('"' + w.replace('"', "") + '"*' for w in fts_words(q)))
        return _dicts(self.db.query(
            "SELECT m.* FROM mail_messages m WHERE " + " AND ".join(where)
            + " ORDER BY m.date DESC LIMIT ?", [*args, limit]))

    def new_messages(self, mark: bool) -> tuple[list[Row], int]:
        rows = _dicts(self.db.query(
            "SELECT m.* FROM mail_messages m LEFT JOIN mail_folders f ON f.account=m.account "
            f"AND f.name=m.folder WHERE {NEW_MAIL} ORDER BY m.priority DESC, m.date DESC"))
        unread = self.db.query(f"SELECT COUNT(*) n FROM mail_messages WHERE {UNREAD_INBOX}")
        if mark and rows:
            self.db.execute("UPDATE mail_messages SET announced=1 WHERE announced=0")
        return rows, int(unread[0]["n"])

    def sent_recipients(self, account: str) -> list[str]:
        out: list[str] = []
        for r in self.db.query(
            "SELECT m.to_addrs, m.cc_addrs FROM mail_messages m JOIN mail_folders f "
            "ON f.account=m.account AND f.name=m.folder WHERE m.account=? AND f.special_use=?",
            (account, "\\Sent"),
        ):
            out += json.loads(r["to_addrs"]) + json.loads(r["cc_addrs"])
        return out

    def received_counts(self, account: str) -> dict[str, int]:
        return {r["from_addr"]: int(r["n"]) for r in self.db.query(
            "SELECT from_addr, COUNT(*) n FROM mail_messages WHERE account=? GROUP BY from_addr",
            (account,))}

    def sent_bodies(self, account: str, limit: int) -> list[str]:
        return [str(r["body"]) for r in self.db.query(
            "SELECT m.body FROM mail_messages m JOIN mail_folders f ON f.account=m.account AND "
            "f.name=m.folder WHERE m.account=? AND f.special_use='\\Sent' "
            "ORDER BY m.date DESC LIMIT ?", (account, limit))]

    def clean_mail_from(self, addr: str) -> bool:
        return bool(self.db.query(
            "SELECT 1 FROM mail_messages WHERE from_addr=? AND suspicious=0 LIMIT 1", (addr,)))

    def suspicious_mentioning(self, addr: str) -> list[Row]:
        return _dicts(self.db.query(
            "SELECT body, hidden_text, subject FROM mail_messages WHERE suspicious=1 AND "
            "(body LIKE ? OR hidden_text LIKE ?)", (f"%{addr}%", f"%{addr}%")))


def as_mail(db: Database | MailStore) -> MailStore:
    """A Database is the SQLite store in it; a MailStore is itself."""
    return SqliteMail(db) if isinstance(db, Database) else db


def mail_store(where: Any) -> MailStore:
    """The mail index of ``where`` (a Home or a SkillContext): its user's rows in PostgreSQL
    when the config names a database (``server.database_url`` / OS1_DATABASE_URL), else the
    home's SQLite file."""
    return store_for(where, SqliteMail, "os1.scale.mail:PgMail")


def get_message(db: Database | MailStore, mid: int) -> Row | None:
    return as_mail(db).get_message(mid)


def get_messages(db: Database | MailStore, ids: Sequence[int]) -> list[Row]:
    return as_mail(db).get_messages(ids)


def folder_state(db: Database | MailStore, account: str, name: str) -> FolderState:
    return as_mail(db).folder_state(account, name)


def folder_by_use(db: Database | MailStore, account: str, use: str) -> str | None:
    return as_mail(db).folder_by_use(account, use)


def addresses(row: Row, column: str) -> list[str]:
    data: list[str] = json.loads(row[column] or "[]")
    return data
