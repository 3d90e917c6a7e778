"""The Starlette app: shared state, body-size and security-header middleware, error pages.

Every error a client can cause comes back as JSON ``{"error": "one sentence"}`` with a
fitting status; tracebacks stay in the server log.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from os1.config import Config
from os1.errors import ApprovalDenied, InputError, NotFoundError, Os1Error
from os1.server.auth import Limiter, Passwords, Principal, RateLimiter, check_csrf, require
from os1.server.camera import Camera
from os1.server.homes import HomePool
from os1.server.initiative import ServerInitiative
from os1.server.loopwatch import LoopWatch
from os1.server.users import Accounts, open_user_store
from os1.server.voice import VoiceService

log = logging.getLogger("os1.server")
M = TypeVar("M", bound=BaseModel)
WEB = Path(__file__).parent / "web"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; media-src 'self' blob: mediastream:; worker-src 'self' blob:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


# tries allowed per key in a window of seconds: per client address, per account name
LIMITS = {"login_ip": (30, 600.0), "login_user": (5, 900.0), "signup_ip": (10, 3600.0)}


@dataclass
class ServerState:
    """Everything the routes share. Built once by ``os1 serve`` (or a test)."""

    config: Config
    root: Path
    users: Accounts
    pool: HomePool
    passwords: Passwords = field(default_factory=Passwords)
    voice: VoiceService | None = None
    login_ip: Limiter = field(default_factory=lambda: RateLimiter(*LIMITS["login_ip"]))
    login_user: Limiter = field(default_factory=lambda: RateLimiter(*LIMITS["login_user"]))
    signup_ip: Limiter = field(default_factory=lambda: RateLimiter(*LIMITS["signup_ip"]))
    watch: LoopWatch = field(default_factory=LoopWatch)
    camera: Camera = field(default_factory=Camera)
    initiative: ServerInitiative | None = None  # every user's scheduler; None: not run here

    @classmethod
    def open(
        cls,
        config: Config,
        root: Path | None = None,
        *,
        tools: dict[str, Any] | None = None,
        passwords: Passwords | None = None,
    ) -> ServerState:
        root = root or server_root(config)
        if tools is None:
            tools = builtin_tools()
        users = open_user_store(config, root)
        pool = HomePool(root, config, max_open=config.server.max_open_homes,
                        max_kept=config.server.max_kept_homes, tools=tools)
        url = config.server.database_url
        queue = None
        if url:  # due work goes to the job queue (os1.server.initiative)
            from os1.scale.queue import Queue

            queue = Queue(url)
        initiative = ServerInitiative(pool, queue=queue, workers=config.server.queue_workers)
        state = cls(config, root, users, pool, voice=VoiceService(config.voice),
                    initiative=initiative)
        if url:  # several servers behind one database count attempts together
            from os1.scale.ratelimit import PgRateLimiter

            for name, (limit, window_s) in LIMITS.items():
                setattr(state, name, PgRateLimiter(url, name, limit, window_s))
        if passwords is not None:
            state.passwords = passwords
        return state

    @property
    def origins(self) -> frozenset[str]:
        extra = (o.strip().rstrip("/") for o in self.config.server.origins.split(","))
        return frozenset(o for o in extra if o)

    async def aclose(self) -> None:
        await self.pool.aclose()
        self.users.close()


def builtin_tools() -> dict[str, Any]:
    from os1.plugins import registry

    try:
        return dict(registry().tools)
    except ImportError as exc:  # a broken plugin must not take every user's OS down
        log.warning("tools unavailable: %s", exc)
        return {}


def server_root(config: Config) -> Path:
    data = config.server.data_dir
    return Path(data).expanduser() if data else config.home / "server"


def state_of(request: Any) -> ServerState:
    st: ServerState = request.app.state.os1
    return st


def who(request: Request, *, write: bool = False) -> Principal:
    """The authenticated caller; ``write`` also demands the CSRF token of a cookie session."""
    principal = require(request, state_of(request).users)
    if write:
        check_csrf(request, principal)
    return principal


async def body(request: Request, model: type[M]) -> M:
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise HTTPException(415, "Send the request body as JSON (Content-Type: application/json).")
    raw = await request.body()
    try:
        return model.model_validate_json(raw or b"{}")
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "the body"
        raise HTTPException(400, f"Bad request: {where}: {first['msg']}.") from None


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The request body is larger than the server's limit of {limit:,} bytes.")


class Guard:
    """Body-size limit and security headers for plain HTTP (WebSocket frames are limited by
    the server's ws_max_size)."""

    def __init__(self, app: ASGIApp, max_body: int) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        declared = headers.get(b"content-length", b"0")
        if not declared.isdigit() or int(declared) > self.max_body:
            await too_large(self.max_body)(scope, receive, send)
            return
        seen = 0
        started = False

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_body:
                raise BodyTooLarge(self.max_body)
            return message

        async def secured(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        try:
            await self.app(scope, limited, secured)
        except BodyTooLarge:
            if not started:
                await too_large(self.max_body)(scope, receive, send)


SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"content-security-policy", CSP.encode()),
]


def too_large(limit: int) -> Response:
    return error_json(413, str(BodyTooLarge(limit).detail))


def error_json(status: int, message: str, headers: Mapping[str, str] | None = None) -> Response:
    return JSONResponse({"error": message}, status_code=status, headers=dict(headers or {}))


async def on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else "The request failed."
    if exc.status_code == 404 and detail == "Not Found":
        detail = "There is nothing at this address."
    elif exc.status_code == 405:
        detail = "This address does not accept that method."
    return error_json(exc.status_code, detail, exc.headers)


async def on_os1_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Os1Error)
    status = 400 if isinstance(exc, InputError) else 500
    if isinstance(exc, NotFoundError):
        status = 404
    elif isinstance(exc, ApprovalDenied):
        status = 409
    return error_json(status, exc.message)


async def on_crash(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s", request.url.path, exc_info=exc)
    return error_json(500, "Something went wrong on the server; try again in a moment.")


async def index(request: Request) -> Response:
    return FileResponse(WEB / "index.html", headers={"cache-control": "no-cache"})


async def health(request: Request) -> Response:
    st = state_of(request)
    out: dict[str, Any] = {"ok": True, "open_homes": st.pool.open_count,
                           "kept_homes": st.pool.kept_count, **st.watch.stats()}
    if st.initiative is not None and st.initiative.queue is not None:
        out["queue"] = st.initiative.queue_status()
    return JSONResponse(out)


def routes() -> list[BaseRoute]:
    from os1.server import (
        openai_api,
        routes_auth,
        routes_camera,
        routes_inbox,
        routes_memory,
        routes_os,
        ws,
    )

    return [
        Route("/", index),
        Route("/api/health", health),
        *routes_auth.routes(),
        *routes_os.routes(),
        *routes_inbox.routes(),
        *routes_memory.routes(),
        *routes_camera.routes(),
        *openai_api.routes(),
        ws.route(),
        Mount("/static", StaticFiles(directory=WEB), name="static"),
    ]


def uvicorn_options(max_frame: int) -> dict[str, Any]:
    """Fast parts when installed; no per-message compression (it costs CPU on every token)."""
    from importlib.util import find_spec

    return {
        "ws": "websockets-sansio",
        "ws_max_size": max_frame,
        "ws_per_message_deflate": False,
        "loop": "uvloop" if find_spec("uvloop") else "asyncio",
        "http": "httptools" if find_spec("httptools") else "h11",
        "backlog": 4096,
        "timeout_keep_alive": 30,
    }


def create_app(state: ServerState) -> ASGIApp:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        watcher = asyncio.create_task(state.watch.run())
        stop = asyncio.Event()
        initiative = (asyncio.create_task(state.initiative.run(stop), name="os1-initiative")
                      if state.initiative is not None else None)
        yield
        stop.set()
        if initiative is not None:
            await initiative  # the item in progress finishes first; nothing runs twice
        watcher.cancel()
        await state.aclose()

    app = Starlette(
        routes=routes(),
        exception_handlers={
            HTTPException: on_http_error,
            Os1Error: on_os1_error,
            Exception: on_crash,
        },
        lifespan=lifespan,
    )
    app.state.os1 = state
    return Guard(app, state.config.server.max_body_bytes)


__all__ = [
    "ServerState",
    "body",
    "create_app",
    "error_json",
    "server_root",
    "state_of",
    "uvicorn_options",
    "who",
]
