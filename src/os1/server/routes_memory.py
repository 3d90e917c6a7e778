"""The memory browser: what the OS remembers, searched or newest first, and forgetting."""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from os1.server.app import state_of, who
from os1.server.homes import UserOS

MAX_QUERY = 500


def hit_json(hit: Any) -> dict[str, Any]:
    return {
        "id": hit.id,
        "text": hit.text,
        "kind": hit.kind,
        "created": hit.created,
        "current": getattr(hit, "valid_to", None) is None,
    }


def _store(uos: UserOS) -> Any | None:
    try:
        return uos.memory
    except ImportError:  # the memory package is not installed: fall back to the log
        return None


def _from_log(uos: UserOS, query: str, limit: int) -> list[dict[str, Any]]:
    rows = uos.home.db.query(
        "SELECT id, text, role, created FROM turns WHERE text LIKE ? ORDER BY created DESC "
        "LIMIT ?",
        (f"%{query}%", limit),
    )
    return [{"id": r["id"], "text": r["text"], "kind": "turn", "created": r["created"],
             "current": True} for r in rows]


async def memories(request: Request) -> Response:
    st = state_of(request)
    principal = who(request)
    query = request.query_params.get("q", "").strip()
    if len(query) > MAX_QUERY:
        raise HTTPException(400, f"Search with at most {MAX_QUERY} characters.")
    try:
        limit = max(1, min(200, int(request.query_params.get("limit", "50"))))
    except ValueError:
        raise HTTPException(400, "limit must be a whole number.") from None
    await st.pool.ready(principal.user.id)
    with st.pool.lease(principal.user.id) as uos:
        store = _store(uos)
        if store is None:
            items = _from_log(uos, query, limit)
        elif query:
            items = [hit_json(h) for h in store.search(query, limit=limit)]
        else:
            items = [hit_json(h) for h in store.list(limit=limit)]
    return JSONResponse({"memories": items, "searchable": store is not None})


async def forget(request: Request) -> Response:
    st = state_of(request)
    principal = who(request, write=True)
    memory_id = request.path_params["memory_id"]
    await st.pool.ready(principal.user.id)
    with st.pool.lease(principal.user.id) as uos:
        store = _store(uos)
        if store is None:
            raise HTTPException(501, "Forgetting needs os1's memory package on this server.")
        removed = store.forget(memory_id)
    return JSONResponse({"forgotten": removed})


def routes() -> list[BaseRoute]:
    return [
        Route("/api/memory", memories),
        Route("/api/memory/{memory_id}/forget", forget, methods=["POST"]),
    ]
