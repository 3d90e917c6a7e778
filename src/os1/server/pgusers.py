"""Accounts, API tokens and browser sessions in Postgres (server.database_url), so every
``os1 serve`` process behind the database knows the same users and accepts the same logins.

Same methods, rules and sentences as users.UserStore (secrets stored only as SHA-256 digests,
names unique ignoring case); the tables come from the Alembic migration 0003.
"""

from __future__ import annotations

import secrets
from typing import Any

from os1.db import new_id, now
from os1.errors import InputError, NotFoundError
from os1.scale.pool import Pool, pool_for
from os1.server.users import TOKEN_PREFIX, User, WebSession, check_name, digest


def _user(r: dict[str, Any]) -> User:
    return User(r["id"], r["name"], r["password_hash"] is not None)


class PgUserStore:
    def __init__(self, url: str, pool: Pool | None = None) -> None:
        self.url = url
        self.pool = pool or pool_for(url)

    def _one(self, sql: str, args: tuple[Any, ...]) -> dict[str, Any] | None:
        def work(cur: Any) -> dict[str, Any] | None:
            cur.execute(sql, args)
            row: dict[str, Any] | None = cur.fetchone()
            return row

        return self.pool.run(work)

    def _all(self, sql: str, args: tuple[Any, ...]) -> list[dict[str, Any]]:
        def work(cur: Any) -> list[dict[str, Any]]:
            cur.execute(sql, args)
            return list(cur.fetchall())

        return self.pool.run(work)

    def _count(self, sql: str, args: tuple[Any, ...]) -> int:
        def work(cur: Any) -> int:
            cur.execute(sql, args)
            return int(cur.rowcount)

        return self.pool.run(work)

    # users ---------------------------------------------------------------------------
    def add(self, name: str, password_hash: str | None = None) -> User:
        name = check_name(name)
        uid = new_id("u")
        added = self._count(
            "INSERT INTO server_users (id, name, password_hash, created) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT DO NOTHING",
            (uid, name, password_hash, now()),
        )
        if added != 1:
            raise InputError(f"The name '{name}' is taken; choose another one.")
        return User(uid, name, password_hash is not None)

    def get(self, user_id: str) -> User | None:
        r = self._one("SELECT id, name, password_hash FROM server_users WHERE id=%s", (user_id,))
        return _user(r) if r else None

    def by_name(self, name: str) -> User | None:
        r = self._one(
            "SELECT id, name, password_hash FROM server_users WHERE lower(name)=lower(%s)",
            (name.strip(),),
        )
        return _user(r) if r else None

    def require(self, name: str) -> User:
        user = self.by_name(name)
        if user is None:
            raise NotFoundError(f"There is no user '{name}'; add one with 'os1 users add NAME'.")
        return user

    def password_hash(self, user_id: str) -> str | None:
        r = self._one("SELECT password_hash FROM server_users WHERE id=%s", (user_id,))
        return r["password_hash"] if r else None

    def set_password(self, user_id: str, password_hash: str) -> None:
        self._count("UPDATE server_users SET password_hash=%s WHERE id=%s",
                    (password_hash, user_id))

    def names(self) -> list[str]:
        return [r["name"] for r in self._all("SELECT name FROM server_users ORDER BY created", ())]

    # API tokens ----------------------------------------------------------------------
    def create_token(self, user_id: str, label: str = "") -> str:
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        self._count(
            "INSERT INTO api_tokens (id, user_id, label, digest, created) "
            "VALUES (%s, %s, %s, %s, %s)",
            (new_id("k"), user_id, label[:80], digest(token), now()),
        )
        return token

    def user_for_token(self, token: str) -> User | None:
        if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
            return None
        r = self._one(
            "SELECT u.id, u.name, u.password_hash FROM api_tokens t JOIN server_users u "
            "ON u.id = t.user_id WHERE t.digest=%s",
            (digest(token),),
        )
        return _user(r) if r else None

    def tokens(self, user_id: str) -> list[dict[str, object]]:
        rows = self._all(
            "SELECT id, label, created FROM api_tokens WHERE user_id=%s ORDER BY created",
            (user_id,),
        )
        return [dict(r) for r in rows]

    def revoke_token(self, user_id: str, token_id: str) -> None:
        if self._count("DELETE FROM api_tokens WHERE id=%s AND user_id=%s",
                       (token_id, user_id)) != 1:
            raise NotFoundError("No such API token.")

    # browser sessions ----------------------------------------------------------------
    def create_session(self, user_id: str, days: int) -> tuple[str, str]:
        sid, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
        t = now()
        self._count(
            "INSERT INTO web_sessions (digest, user_id, csrf, created, expires) "
            "VALUES (%s, %s, %s, %s, %s)",
            (digest(sid), user_id, csrf, t, t + days * 86400.0),
        )
        return sid, csrf

    def session(self, sid: str) -> WebSession | None:
        if not sid or len(sid) > 100:
            return None
        r = self._one(
            "SELECT u.id, u.name, u.password_hash, s.csrf, s.expires FROM web_sessions s "
            "JOIN server_users u ON u.id = s.user_id WHERE s.digest=%s",
            (digest(sid),),
        )
        if r is None or r["expires"] < now():
            return None
        return WebSession(_user(r), r["csrf"], r["expires"])

    def end_session(self, sid: str) -> None:
        self._count("DELETE FROM web_sessions WHERE digest=%s", (digest(sid),))

    def purge_sessions(self) -> int:
        return self._count("DELETE FROM web_sessions WHERE expires < %s", (now(),))

    def close(self) -> None:
        return None  # the connections belong to the process's pool


__all__ = ["PgUserStore"]
