"""Accounts: sign up, log in, sessions, CSRF, API tokens and login rate limits."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from serverkit import PASSWORD, Browser, unique

from os1.server.auth import RateLimiter
from os1.server.testkit import RunningServer


def test_signup_sets_a_locked_down_session_cookie(browser: Browser) -> None:
    name = unique()
    r = browser.post("/api/signup", {"name": name, "password": PASSWORD})
    assert r.status_code == 200
    cookie = r.headers["set-cookie"].lower()
    assert "os1_session=" in cookie and "httponly" in cookie and "samesite=strict" in cookie
    me = browser.get("/api/session").json()
    assert me["user"]["name"] == name and me["csrf"] == r.json()["csrf"]


def test_password_is_stored_as_argon2_never_plain(server: RunningServer, browser: Browser) -> None:
    browser.signup()
    user = server.state.users.by_name(browser.name)
    assert user is not None
    stored = server.state.users.password_hash(user.id)
    assert stored is not None and stored.startswith("$argon2id$") and PASSWORD not in stored


def test_login_logout_and_wrong_password(server: RunningServer, new_browser: Callable[[], Browser]) -> None:
    first = new_browser().signup()
    other = new_browser()
    bad = other.post("/api/login", {"name": first.name, "password": "wrong password"})
    assert bad.status_code == 401 and "don't match" in bad.json()["error"]
    ok = other.post("/api/login", {"name": first.name.upper(), "password": PASSWORD})
    assert ok.status_code == 200 and ok.json()["user"]["name"] == first.name
    other.csrf = ok.json()["csrf"]
    assert other.post("/api/logout").status_code == 200
    assert other.get("/api/persona").status_code == 401


def test_duplicate_and_invalid_names_are_refused(browser: Browser, new_browser: Callable[[], Browser]) -> None:
    browser.signup()
    fresh = new_browser()
    dup = fresh.post("/api/signup", {"name": browser.name, "password": PASSWORD})
    assert dup.status_code == 400 and "taken" in dup.json()["error"]
    bad = fresh.post("/api/signup", {"name": "../etc", "password": PASSWORD})
    assert bad.status_code == 400
    short = fresh.post("/api/signup", {"name": unique(), "password": "short"})
    assert short.status_code == 400 and "at least 8" in short.json()["error"]


def post_routes() -> list[str]:
    from starlette.routing import Route

    from os1.server.app import routes

    return [r.path.replace("{", "").replace("}", "") for r in routes()
            if isinstance(r, Route) and "POST" in (r.methods or ())]


def test_every_write_needs_the_csrf_token(booted: Browser) -> None:
    writes = [p for p in post_routes() if p not in ("/api/signup", "/api/login")]
    assert {"/api/first-boot", "/api/logout", "/api/tokens", "/api/look",
            "/v1/chat/completions", "/api/approvals/approval_id/reject"} <= set(writes)
    for path in writes:
        r = booted.http.post(path, json={"name": "Eve"})  # the cookie, but no token
        assert r.status_code == 403, path
        r = booted.http.post(path, json={"name": "Eve"}, headers={"x-csrf-token": "guess"})
        assert r.status_code == 403, path
        error = r.json()["error"]  # /v1 answers in the OpenAI shape
        assert "security token" in (error if isinstance(error, str) else error["message"])
    assert booted.get("/api/persona").json()["persona"]["user_name"] == "Ann"


def test_login_and_signup_need_the_double_submit_token(server: RunningServer) -> None:
    for path in ("/api/login", "/api/signup"):
        r = httpx.post(server.url + path, json={"name": unique(), "password": PASSWORD})
        assert r.status_code == 403, path
        r = httpx.post(server.url + path, json={"name": unique(), "password": PASSWORD},
                       cookies={"os1_csrf": "abc"}, headers={"x-csrf-token": "abd"})
        assert r.status_code == 403, path


def test_api_tokens_authenticate_and_can_be_revoked(booted: Browser) -> None:
    token = booted.post("/api/tokens", {"label": "script"}).json()["token"]
    assert token.startswith("os1_")
    headers = {"authorization": f"Bearer {token}"}
    r = httpx.get(booted.url + "/api/persona", headers=headers)
    assert r.status_code == 200 and r.json()["persona"]["user_name"] == "Ann"
    # bearer requests carry no ambient authority, so they need no CSRF token
    assert httpx.post(booted.url + "/api/tokens", json={}, headers=headers).status_code == 200
    tid = booted.get("/api/tokens").json()["tokens"][0]["id"]
    assert booted.post(f"/api/tokens/{tid}/revoke").status_code == 200
    assert httpx.get(booted.url + "/api/persona", headers=headers).status_code == 401


def test_a_bad_bearer_token_never_falls_back_to_the_cookie(booted: Browser) -> None:
    r = booted.get("/api/persona", headers={"authorization": "Bearer os1_nope"})
    assert r.status_code == 401


def test_login_rate_limit_per_account_says_when_to_retry(server: RunningServer, new_browser: Callable[[], Browser]) -> None:
    victim = new_browser().signup()
    saved = server.state.login_user
    server.state.login_user = RateLimiter(3, 600.0)
    try:
        attacker = new_browser()
        codes = [attacker.post("/api/login", {"name": victim.name, "password": f"bad{i}xyzw"})
                 .status_code for i in range(3)]
        assert codes == [401, 401, 401]
        r = attacker.post("/api/login", {"name": victim.name, "password": PASSWORD})
        assert r.status_code == 429
        assert "Too many failed logins for this account; wait 10 minutes" in r.json()["error"]
        assert int(r.headers["retry-after"]) > 500
        # other accounts are unaffected
        assert new_browser().signup().get("/api/session").json()["user"] is not None
    finally:
        server.state.login_user = saved


def test_login_rate_limit_per_address(server: RunningServer, new_browser: Callable[[], Browser]) -> None:
    saved = server.state.login_ip
    server.state.login_ip = RateLimiter(2, 60.0)
    try:
        b = new_browser()
        for _ in range(2):
            b.post("/api/login", {"name": unique(), "password": PASSWORD})
        r = b.post("/api/login", {"name": unique(), "password": PASSWORD})
        assert r.status_code == 429 and "from your network" in r.json()["error"]
    finally:
        server.state.login_ip = saved


def test_signup_rate_limit_per_address(server: RunningServer,
                                       new_browser: Callable[[], Browser]) -> None:
    saved = server.state.signup_ip
    server.state.signup_ip = RateLimiter(2, 3600.0)
    try:
        for _ in range(2):
            new_browser().signup()
        r = new_browser().post("/api/signup", {"name": unique(), "password": PASSWORD})
        assert r.status_code == 429 and "Too many sign-ups from your network" in r.json()["error"]
        assert int(r.headers["retry-after"]) > 3000
    finally:
        server.state.signup_ip = saved


def test_rate_limiter_window_slides() -> None:
    now = [0.0]
    lim = RateLimiter(2, 10.0, clock=lambda: now[0])
    lim.hit("k")
    lim.hit("k")
    assert lim.retry_after("k") == pytest.approx(10.0)
    now[0] = 10.5
    assert lim.retry_after("k") == 0.0
