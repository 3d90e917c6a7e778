"""Accounts, API tokens and browser sessions, in the server's own users.db (or, with
server.database_url set, in Postgres: pgusers.PgUserStore, chosen by ``open_user_store``).

Secrets are never stored: API tokens and session ids are random 256-bit strings kept only as
SHA-256 digests (fast to check, useless if the file leaks); passwords are argon2 hashes made
by auth.py. Nothing here knows about HTTP.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from os1.db import Database, new_id, now
from os1.errors import InputError, NotFoundError

if TYPE_CHECKING:
    from os1.config import Config

SCHEMA = [
    """
    CREATE TABLE users (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE,
        password_hash TEXT,
        created REAL NOT NULL
    );
    CREATE TABLE api_tokens (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        label TEXT NOT NULL DEFAULT '',
        digest TEXT NOT NULL UNIQUE,
        created REAL NOT NULL
    );
    CREATE TABLE web_sessions (
        digest TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        csrf TEXT NOT NULL,
        created REAL NOT NULL,
        expires REAL NOT NULL
    );
    CREATE INDEX web_sessions_user ON web_sessions(user_id);
    """,
]

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
TOKEN_PREFIX = "os1_"


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def check_name(name: str) -> str:
    name = name.strip()
    if not NAME.match(name):
        raise InputError(
            "A user name is 1 to 40 letters, digits, '.', '_' or '-', starting with a letter "
            "or digit."
        )
    return name


@dataclass(frozen=True)
class User:
    id: str
    name: str
    has_password: bool


def _user(r: sqlite3.Row) -> User:
    return User(r["id"], r["name"], r["password_hash"] is not None)


@dataclass(frozen=True)
class WebSession:
    user: User
    csrf: str
    expires: float


class UserStore:
    def __init__(self, path: Path) -> None:
        self.db = Database(path)
        self.db.migrate("server_users", SCHEMA)

    # users ---------------------------------------------------------------------------
    def add(self, name: str, password_hash: str | None = None) -> User:
        name = check_name(name)
        uid = new_id("u")
        cur = self.db.execute(
            "INSERT OR IGNORE INTO users (id, name, password_hash, created) VALUES (?, ?, ?, ?)",
            (uid, name, password_hash, now()),
        )
        if cur.rowcount != 1:
            raise InputError(f"The name '{name}' is taken; choose another one.")
        return User(uid, name, password_hash is not None)

    def _find(self, where: str, value: str) -> User | None:
        rows = self.db.query(f"SELECT id, name, password_hash FROM users WHERE {where}=?", (value,))
        return _user(rows[0]) if rows else None

    def get(self, user_id: str) -> User | None:
        return self._find("id", user_id)

    def by_name(self, name: str) -> User | None:
        return self._find("name", name.strip())

    def require(self, name: str) -> User:
        user = self.by_name(name)
        if user is None:
            raise NotFoundError(f"There is no user '{name}'; add one with 'os1 users add NAME'.")
        return user

    def password_hash(self, user_id: str) -> str | None:
        rows = self.db.query("SELECT password_hash FROM users WHERE id=?", (user_id,))
        return rows[0][0] if rows else None

    def set_password(self, user_id: str, password_hash: str) -> None:
        self.db.execute("UPDATE users SET password_hash=? WHERE id=?", (password_hash, user_id))

    def names(self) -> list[str]:
        return [r[0] for r in self.db.query("SELECT name FROM users ORDER BY created")]

    # API tokens ----------------------------------------------------------------------
    def create_token(self, user_id: str, label: str = "") -> str:
        """A new token for ``user_id``; the only time its plain text exists."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        self.db.execute(
            "INSERT INTO api_tokens (id, user_id, label, digest, created) VALUES (?, ?, ?, ?, ?)",
            (new_id("k"), user_id, label[:80], digest(token), now()),
        )
        return token

    def user_for_token(self, token: str) -> User | None:
        if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
            return None
        rows = self.db.query(
            "SELECT u.id, u.name, u.password_hash FROM api_tokens t JOIN users u "
            "ON u.id = t.user_id WHERE t.digest=?",
            (digest(token),),
        )
        return _user(rows[0]) if rows else None

    def tokens(self, user_id: str) -> list[dict[str, object]]:
        rows = self.db.query(
            "SELECT id, label, created FROM api_tokens WHERE user_id=? ORDER BY created",
            (user_id,),
        )
        return [dict(r) for r in rows]

    def revoke_token(self, user_id: str, token_id: str) -> None:
        cur = self.db.execute(
            "DELETE FROM api_tokens WHERE id=? AND user_id=?", (token_id, user_id)
        )
        if cur.rowcount != 1:
            raise NotFoundError("No such API token.")

    # browser sessions ----------------------------------------------------------------
    def create_session(self, user_id: str, days: int) -> tuple[str, str]:
        """(session id for the cookie, CSRF token for the page)."""
        sid, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
        t = now()
        self.db.execute(
            "INSERT INTO web_sessions (digest, user_id, csrf, created, expires) "
            "VALUES (?, ?, ?, ?, ?)",
            (digest(sid), user_id, csrf, t, t + days * 86400.0),
        )
        return sid, csrf

    def session(self, sid: str) -> WebSession | None:
        if not sid or len(sid) > 100:
            return None
        rows = self.db.query(
            "SELECT u.id, u.name, u.password_hash, s.csrf, s.expires FROM web_sessions s "
            "JOIN users u ON u.id = s.user_id WHERE s.digest=?",
            (digest(sid),),
        )
        if not rows or rows[0]["expires"] < now():
            return None
        return WebSession(_user(rows[0]), rows[0]["csrf"], rows[0]["expires"])

    def end_session(self, sid: str) -> None:
        self.db.execute("DELETE FROM web_sessions WHERE digest=?", (digest(sid),))

    def purge_sessions(self) -> int:
        return self.db.execute("DELETE FROM web_sessions WHERE expires < ?", (now(),)).rowcount

    def close(self) -> None:
        self.db.close()


class Accounts(Protocol):
    """What the server needs of an account store (UserStore on SQLite, PgUserStore)."""

    def add(self, name: str, password_hash: str | None = None) -> User: ...
    def get(self, user_id: str) -> User | None: ...
    def by_name(self, name: str) -> User | None: ...
    def require(self, name: str) -> User: ...
    def password_hash(self, user_id: str) -> str | None: ...
    def set_password(self, user_id: str, password_hash: str) -> None: ...
    def names(self) -> list[str]: ...
    def create_token(self, user_id: str, label: str = "") -> str: ...
    def user_for_token(self, token: str) -> User | None: ...
    def tokens(self, user_id: str) -> list[dict[str, object]]: ...
    def revoke_token(self, user_id: str, token_id: str) -> None: ...
    def create_session(self, user_id: str, days: int) -> tuple[str, str]: ...
    def session(self, sid: str) -> WebSession | None: ...
    def end_session(self, sid: str) -> None: ...
    def purge_sessions(self) -> int: ...
    def close(self) -> None: ...


def open_user_store(config: Config, root: Path) -> Accounts:
    """Postgres when server.database_url is set (every server process shares the accounts),
    else ``root/users.db``."""
    if config.server.database_url:
        from os1.server.pgusers import PgUserStore

        return PgUserStore(config.server.database_url)
    return UserStore(root / "users.db")


__all__ = [
    "Accounts",
    "User",
    "UserStore",
    "WebSession",
    "check_name",
    "digest",
    "open_user_store",
]
