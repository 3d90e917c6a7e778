"""Sign up, log in, log out, the current session, and API tokens made from the browser."""

from __future__ import annotations

import secrets
from typing import Any

from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from os1.errors import InputError
from os1.server.app import ServerState, body, state_of, who
from os1.server.auth import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    Passwords,
    authenticate,
    check_csrf,
    too_many,
)
from os1.server.users import User


class Credentials(BaseModel):
    name: str = Field(min_length=1, max_length=40)
    password: str = Field(min_length=1, max_length=1024)


class TokenRequest(BaseModel):
    label: str = Field(default="", max_length=80)


def user_json(user: User) -> dict[str, Any]:
    return {"id": user.id, "name": user.name}


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _logged_in(st: ServerState, user: User) -> Response:
    sid, csrf = st.users.create_session(user.id, st.config.server.session_days)
    resp = JSONResponse({"user": user_json(user), "csrf": csrf})
    resp.set_cookie(
        SESSION_COOKIE,
        sid,
        max_age=st.config.server.session_days * 86400,
        httponly=True,
        samesite="strict",
        secure=st.config.server.secure_cookies,
    )
    return resp


async def session(request: Request) -> Response:
    st = state_of(request)
    principal = authenticate(request, st.users)
    if principal is not None:
        return JSONResponse({"user": user_json(principal.user), "csrf": principal.csrf,
                             "signup": st.config.server.signup})
    pre = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)
    resp = JSONResponse({"user": None, "csrf": pre, "signup": st.config.server.signup})
    resp.set_cookie(CSRF_COOKIE, pre, httponly=False, samesite="strict",
                    secure=st.config.server.secure_cookies)
    return resp


async def signup(request: Request) -> Response:
    st = state_of(request)
    check_csrf(request, None)
    if not st.config.server.signup:
        raise HTTPException(403, "This server does not take new sign-ups; ask its owner.")
    ip = client_ip(request)
    wait = st.signup_ip.retry_after(ip)
    if wait:
        raise too_many("sign-ups from your network", wait)
    creds = await body(request, Credentials)
    Passwords.check(creds.password)
    try:
        user = st.users.add(creds.name, await st.passwords.hash(creds.password))
    except InputError as exc:
        raise HTTPException(400, exc.message) from None
    st.signup_ip.hit(ip)
    return _logged_in(st, user)


async def login(request: Request) -> Response:
    st = state_of(request)
    check_csrf(request, None)
    creds = await body(request, Credentials)
    ip, name = client_ip(request), creds.name.strip().lower()
    wait = st.login_ip.retry_after(ip)
    if wait:
        raise too_many("login attempts from your network", wait)
    wait = st.login_user.retry_after(name)
    if wait:
        raise too_many("failed logins for this account", wait)
    st.login_ip.hit(ip)
    user = st.users.by_name(name)
    stored = st.users.password_hash(user.id) if user else None
    if user is None or not await st.passwords.verify(stored, creds.password):
        st.login_user.hit(name)
        raise HTTPException(401, "That name and password don't match; check them and try again.")
    st.login_user.reset(name)
    return _logged_in(st, user)


async def logout(request: Request) -> Response:
    principal = who(request, write=True)
    if principal.session_id:
        state_of(request).users.end_session(principal.session_id)
    resp = JSONResponse({"ok": True})
    resp.delete_cookie(SESSION_COOKIE)
    return resp


async def tokens(request: Request) -> Response:
    st = state_of(request)
    if request.method == "GET":
        principal = who(request)
        return JSONResponse({"tokens": st.users.tokens(principal.user.id)})
    principal = who(request, write=True)
    req = await body(request, TokenRequest)
    token = st.users.create_token(principal.user.id, req.label)
    return JSONResponse({"token": token})


async def revoke_token(request: Request) -> Response:
    principal = who(request, write=True)
    state_of(request).users.revoke_token(principal.user.id, request.path_params["token_id"])
    return JSONResponse({"ok": True})


def routes() -> list[BaseRoute]:
    return [
        Route("/api/session", session),
        Route("/api/signup", signup, methods=["POST"]),
        Route("/api/login", login, methods=["POST"]),
        Route("/api/logout", logout, methods=["POST"]),
        Route("/api/tokens", tokens, methods=["GET", "POST"]),
        Route("/api/tokens/{token_id}/revoke", revoke_token, methods=["POST"]),
    ]
