"""Local mail store in the shared SQLite file: accounts, folders (sync state), parsed messages
with triage results, and an FTS5 index for search. Pure data access, no network.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from os1.db import Database

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


def folder_state(db: Database, account: str, name: str) -> FolderState:
    rows = db.query("SELECT * FROM mail_folders WHERE account=? AND name=?", (account, name))
    if not rows:
        return FolderState(account, name)
    r = rows[0]
    return FolderState(account, name, r["special_use"], r["uidvalidity"], r["last_uid"],
                       r["highestmodseq"])


def save_folder(conn: sqlite3.Connection, st: FolderState, synced: float | None = None) -> None:
    conn.execute(
        "INSERT INTO mail_folders (account, name, special_use, uidvalidity, last_uid, "
        "highestmodseq, synced) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(account, name) DO "
        "UPDATE SET special_use=excluded.special_use, uidvalidity=excluded.uidvalidity, "
        "last_uid=excluded.last_uid, highestmodseq=excluded.highestmodseq, "
        "synced=COALESCE(excluded.synced, synced)",
        (st.account, st.name, st.special_use, st.uidvalidity, st.last_uid, st.highestmodseq,
         synced),
    )


def folder_by_use(db: Database, account: str, use: str) -> str | None:
    rows = db.query("SELECT name FROM mail_folders WHERE account=? AND special_use=?",
                    (account, use))
    return str(rows[0]["name"]) if rows else None


def insert_messages(conn: sqlite3.Connection, rows: Iterable[dict[str, Any]]) -> None:
    """Insert parsed messages; one already there (same folder and UID) only gets its flags."""
    cols = ", ".join(INSERT_COLUMNS)
    marks = ", ".join("?" for _ in INSERT_COLUMNS)
    conn.executemany(
        f"INSERT INTO mail_messages ({cols}) VALUES ({marks}) "
        "ON CONFLICT(account, folder, uid) DO UPDATE SET flags=excluded.flags",
        [tuple(r[c] for c in INSERT_COLUMNS) for r in rows],
    )


def local_uids(db: Database, account: str, folder: str) -> set[int]:
    rows = db.query("SELECT uid FROM mail_messages WHERE account=? AND folder=?", (account, folder))
    return {int(r["uid"]) for r in rows}


def delete_uids(conn: sqlite3.Connection, account: str, folder: str, uids: Sequence[int]) -> None:
    conn.executemany("DELETE FROM mail_messages WHERE account=? AND folder=? AND uid=?",
                     [(account, folder, u) for u in uids])


def set_flags(conn: sqlite3.Connection, account: str, folder: str,
              flags: dict[int, str]) -> None:
    conn.executemany("UPDATE mail_messages SET flags=? WHERE account=? AND folder=? AND uid=?",
                     [(f, account, folder, u) for u, f in flags.items()])


def thread_for(conn: sqlite3.Connection, parents: Sequence[str]) -> str | None:
    for parent in parents:
        if not parent:
            continue
        row = conn.execute(
            "SELECT thread_id FROM mail_messages WHERE message_id=? LIMIT 1", (parent,)
        ).fetchone()
        if row and row[0]:
            return str(row[0])
    return None


def get_message(db: Database, mid: int) -> sqlite3.Row | None:
    rows = db.query("SELECT * FROM mail_messages WHERE id=?", (mid,))
    return rows[0] if rows else None


def get_messages(db: Database, ids: Sequence[int]) -> list[sqlite3.Row]:
    marks = ",".join("?" for _ in ids) or "NULL"
    return db.query(f"SELECT * FROM mail_messages WHERE id IN ({marks}) ORDER BY id", list(ids))


def addresses(row: sqlite3.Row, column: str) -> list[str]:
    data: list[str] = json.loads(row[column] or "[]")
    return data
