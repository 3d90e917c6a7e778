"""The approvals inbox (what the OS wants to do, waiting for a yes) and the mail triage view."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from os1.server.app import state_of, who

log = logging.getLogger(__name__)

MAIL_COLUMNS = (  # what the mail view shows of each message
    "id", "account", "folder", "subject", "from_name", "from_addr", "date", "flags", "category",
    "priority", "triage_reasons", "deadline", "ask", "suspicious", "suspicious_reasons",
)


def approval_json(r: Mapping[str, Any]) -> dict[str, Any]:
    try:
        args = json.loads(r["arguments"])
    except json.JSONDecodeError:
        args = {}
    return {
        "id": r["id"],
        "tool": r["tool"],
        "summary": r["summary"],
        "reason": r["reason"],
        "origin": r["origin"],
        "status": r["status"],
        "result": r["result"],
        "arguments": args if isinstance(args, dict) else {},
        "created": r["created"],
        "decided": r["decided"],
    }


async def approvals(request: Request) -> Response:
    st = state_of(request)
    principal = who(request)
    await st.pool.ready(principal.user.id)
    with st.pool.lease(principal.user.id) as uos:
        pending = [approval_json(r) for r in uos.actions.pending()]
        decided = [approval_json(r) for r in uos.actions.decided(limit=20)]
    return JSONResponse({"pending": pending, "decided": decided})


async def approve(request: Request) -> Response:
    st = state_of(request)
    principal = who(request, write=True)
    aid = request.path_params["approval_id"]
    await st.pool.ready(principal.user.id)
    with st.pool.lease(principal.user.id) as uos:
        outcome = await uos.actions.approve(aid)
    return JSONResponse({"id": aid, "status": outcome.status, "result": outcome.result})


async def reject(request: Request) -> Response:
    st = state_of(request)
    principal = who(request, write=True)
    aid = request.path_params["approval_id"]
    await st.pool.ready(principal.user.id)
    with st.pool.lease(principal.user.id) as uos:
        uos.actions.reject(aid)
    return JSONResponse({"id": aid, "status": "rejected"})


def triaged_mail(home: Any, limit: int = 50) -> list[dict[str, Any]] | None:
    """Recent mail, most important first (from the user's mail index, in their home or in
    PostgreSQL); None when this OS has no mail set up yet."""
    from os1.skills.mail.store import mail_store

    try:
        store = mail_store(home)
        rows = store.ranked(limit)
        if not rows and not store.accounts():
            return None
    except Exception:  # a mail index this server cannot read: show nothing rather than fail
        log.exception("mail view failed")
        return None
    out = []
    for r in rows:
        item = {k: r[k] for k in MAIL_COLUMNS}
        item["seen"] = "\\Seen" in (item.pop("flags") or "")
        out.append(item)
    return out


async def mail(request: Request) -> Response:
    st = state_of(request)
    principal = who(request)
    await st.pool.ready(principal.user.id)
    with st.pool.lease(principal.user.id) as uos:
        messages = triaged_mail(uos.home)
    return JSONResponse({"available": messages is not None, "messages": messages or []})


def routes() -> list[BaseRoute]:
    return [
        Route("/api/approvals", approvals),
        Route("/api/approvals/{approval_id}/approve", approve, methods=["POST"]),
        Route("/api/approvals/{approval_id}/reject", reject, methods=["POST"]),
        Route("/api/mail", mail),
    ]
