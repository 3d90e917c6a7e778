"""Who is asking: argon2 passwords, session cookies, bearer tokens, CSRF, origins, rate limits.

Browser requests carry a session cookie; every state-changing one must also carry the
session's CSRF token in ``X-CSRF-Token`` (synchronizer token), and before login the
``os1_csrf`` cookie's value (double submit). Scripts use ``Authorization: Bearer os1_...``,
which carries no ambient authority and so needs no CSRF token. A cookie-authenticated
WebSocket must come from an allowed Origin (browsers do not apply CORS to WebSockets).
"""

from __future__ import annotations

import asyncio
import hmac
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

from starlette.exceptions import HTTPException
from starlette.requests import HTTPConnection

from os1.server.users import Accounts, User

SESSION_COOKIE = "os1_session"
CSRF_COOKIE = "os1_csrf"
CSRF_HEADER = "x-csrf-token"
MIN_PASSWORD = 8
MAX_PASSWORD = 1024


class Passwords:
    """argon2id (argon2-cffi defaults: 3 passes over 64 MiB), hashed off the event loop."""

    def __init__(self, time_cost: int | None = None, memory_kib: int | None = None) -> None:
        from argon2 import PasswordHasher

        self.hasher = PasswordHasher()
        if time_cost is not None or memory_kib is not None:  # cheaper hashes for tests
            self.hasher = PasswordHasher(
                time_cost=time_cost or self.hasher.time_cost,
                memory_cost=memory_kib or self.hasher.memory_cost,
            )
        # verified against when the user does not exist, so both cases take as long
        self._dummy = self.hasher.hash("not a real password")

    @staticmethod
    def check(password: str) -> str:
        if len(password) < MIN_PASSWORD:
            raise HTTPException(400, f"Choose a password of at least {MIN_PASSWORD} characters.")
        if len(password) > MAX_PASSWORD:
            raise HTTPException(400, f"A password can be at most {MAX_PASSWORD} characters.")
        return password

    def hash_now(self, password: str) -> str:
        return str(self.hasher.hash(password))

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self.hash_now, password)

    def _verify(self, stored: str | None, password: str) -> bool:
        from argon2.exceptions import InvalidHashError, VerificationError

        try:
            return bool(self.hasher.verify(stored or self._dummy, password)) and stored is not None
        except (VerificationError, InvalidHashError):
            return False

    async def verify(self, stored: str | None, password: str) -> bool:
        return await asyncio.to_thread(self._verify, stored, password)


class Limiter(Protocol):
    """Login and sign-up limits: RateLimiter in memory, os1.scale.ratelimit.PgRateLimiter
    shared by every server behind one database."""

    def retry_after(self, key: str) -> float: ...
    def hit(self, key: str) -> None: ...
    def reset(self, key: str) -> None: ...


class RateLimiter:
    """At most ``limit`` hits per key in any ``window_s`` seconds (in memory, per process)."""

    def __init__(
        self, limit: int, window_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window_s = window_s
        self.clock = clock
        self._hits: dict[str, deque[float]] = {}

    def _fresh(self, key: str) -> deque[float]:
        hits = self._hits.setdefault(key, deque())
        cutoff = self.clock() - self.window_s
        while hits and hits[0] <= cutoff:
            hits.popleft()
        return hits

    def retry_after(self, key: str) -> float:
        """Seconds until ``key`` may try again; 0 when it may now."""
        hits = self._fresh(key)
        if len(hits) < self.limit:
            if not hits:
                self._hits.pop(key, None)
            return 0.0
        return max(0.0, hits[0] + self.window_s - self.clock())

    def hit(self, key: str) -> None:
        self._fresh(key).append(self.clock())

    def reset(self, key: str) -> None:
        self._hits.pop(key, None)


def too_many(what: str, seconds: float) -> HTTPException:
    minutes = max(1, math.ceil(seconds / 60))
    unit = "minute" if minutes == 1 else "minutes"
    return HTTPException(
        429,
        f"Too many {what}; wait {minutes} {unit} and try again.",
        headers={"Retry-After": str(math.ceil(seconds))},
    )


@dataclass(frozen=True)
class Principal:
    user: User
    via: Literal["session", "token"]
    csrf: str = ""
    session_id: str = ""


def bearer(conn: HTTPConnection) -> str | None:
    header = conn.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def authenticate(conn: HTTPConnection, users: Accounts) -> Principal | None:
    """The user behind a request, or None. A bad bearer token never falls back to a cookie."""
    token = bearer(conn)
    if token is not None:
        user = users.user_for_token(token) if token else None
        return Principal(user, "token") if user else None
    sid = conn.cookies.get(SESSION_COOKIE, "")
    session = users.session(sid) if sid else None
    if session is None:
        return None
    return Principal(session.user, "session", session.csrf, sid)


def require(conn: HTTPConnection, users: Accounts) -> Principal:
    who = authenticate(conn, users)
    if who is None:
        raise HTTPException(401, "Please log in first (or send a valid API token).")
    return who


def _same(a: str, b: str) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(a.encode(), b.encode())


def check_csrf(conn: HTTPConnection, who: Principal | None) -> None:
    """For state-changing requests. Raises 403 with a sentence when the token is missing."""
    sent = conn.headers.get(CSRF_HEADER, "")
    if who is not None and who.via == "token":
        return
    expected = who.csrf if who is not None else conn.cookies.get(CSRF_COOKIE, "")
    if not _same(sent, expected):
        raise HTTPException(
            403, "This request is missing its security token; reload the page and try again."
        )


def own_origin(conn: HTTPConnection) -> str:
    scheme = "https" if conn.url.scheme in ("https", "wss") else "http"
    return f"{scheme}://{conn.headers.get('host', '')}"


def origin_allowed(conn: HTTPConnection, extra: frozenset[str]) -> bool:
    origin = conn.headers.get("origin")
    if origin is None:
        return False
    return origin == own_origin(conn) or origin in extra


__all__ = [
    "CSRF_COOKIE",
    "CSRF_HEADER",
    "SESSION_COOKIE",
    "Passwords",
    "Principal",
    "RateLimiter",
    "authenticate",
    "bearer",
    "check_csrf",
    "origin_allowed",
    "own_origin",
    "require",
    "too_many",
]
