"""An OpenAI-compatible API, so any OpenAI client or chat front end can talk to a user's OS.

``/v1/models`` and ``/v1/chat/completions`` (streamed as SSE, or whole), authenticated by the
user's API token. The last user message is the turn; the earlier user and assistant messages
are the client's history and replace the stored conversation for that call. System messages
are ignored: the OS speaks as itself. Sampling options (temperature, max_tokens...) are
accepted and ignored for the same reason. Turns are logged in the user's "api" session.

An ``Idempotency-Key`` header (1-64 of A-Z a-z 0-9 _ -) names the call: sent again (a client
that lost the connection, or a server that died mid-reply), the message is stored once and the
stored reply is returned instead of a second answer.
"""

from __future__ import annotations

import copy
import json
import re
import time
from collections.abc import AsyncIterator
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from os1.db import new_id, now
from os1.events import ErrorEvent, Event, TextDelta
from os1.memory.episodes import Episodes, Turn
from os1.scale.episodes import PgEpisodes
from os1.server.app import ServerState, state_of, who
from os1.server.homes import UserOS

MODEL_ID = "os1"
IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
API_SESSION_KEY = "server.api_session"


class ApiMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: str
    content: str | list[dict[str, Any]] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return "".join(str(p.get("text", "")) for p in self.content if p.get("type") == "text")
        return self.content or ""


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="allow")
    model: str = MODEL_ID
    messages: list[ApiMessage] = Field(min_length=1, max_length=2000)
    stream: bool = False


class ClientHistory(Episodes):
    """The engine's history for one API call is the client's messages; the new turns are
    still written to the user's log (SQLite or Postgres), in the API session."""

    def __init__(self, episodes: Episodes, history: list[Turn], session_id: str) -> None:
        # no super().__init__: every write goes to ``episodes``, whatever stores it
        self.log = episodes
        self.history = history
        self.session_id = session_id

    def current_session(self) -> str:
        return self.session_id

    def turns(self, session_id: str, last: int | None = None) -> list[Turn]:
        return list(self.history[-last:] if last else self.history)

    def turn(self, turn_id: str) -> Turn | None:
        return self.log.turn(turn_id)

    def after(self, turn: Turn) -> list[Turn]:
        return self.log.after(turn)  # a call sent again is answered from what was stored

    def add_turn(
        self,
        session_id: str,
        role: str,
        text: str,
        speaker: str = "",
        created: float | None = None,
        turn_id: str | None = None,
    ) -> Turn:
        return self.log.add_turn(session_id, role, text, speaker, created, turn_id)

    def get(self, key: str) -> str | None:
        return self.log.get(key)

    def set(self, key: str, value: str) -> None:
        self.log.set(key, value)


def api_error(status: int, message: str, kind: str = "invalid_request_error") -> Response:
    return JSONResponse({"error": {"message": message, "type": kind, "param": None,
                                   "code": None}}, status_code=status)


def api_session(uos: UserOS) -> str:
    episodes = uos.home.episodes
    sid = episodes.get(API_SESSION_KEY)
    if isinstance(episodes, PgEpisodes):
        if sid and episodes.has_session(sid):
            return sid
        sid = episodes.add_session("api")
    else:
        if sid and episodes.db.query("SELECT 1 FROM sessions WHERE id=?", (sid,)):
            return sid
        sid = new_id("s")
        # not Episodes.new_session: that would also make it the chat's current session
        episodes.db.execute("INSERT INTO sessions (id, started, channel) VALUES (?, ?, 'api')",
                            (sid, now()))
    episodes.set(API_SESSION_KEY, sid)
    return sid


def client_history(req: ChatRequest, sid: str) -> tuple[list[Turn], str]:
    turns = []
    for i, m in enumerate(req.messages[:-1]):
        if m.role in ("user", "assistant"):
            turns.append(Turn(f"client{i}", sid, i + 1, m.role, m.role, m.text(), 0.0))
    return turns, req.messages[-1].text()


async def models(request: Request) -> Response:
    try:
        who(request)
    except HTTPException as exc:
        return api_error(exc.status_code, str(exc.detail), "authentication_error")
    return JSONResponse({"object": "list", "data": [
        {"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "os1"}]})


def chunk(cid: str, model: str, delta: dict[str, Any], finish: str | None = None) -> str:
    data = {"id": cid, "object": "chat.completion.chunk", "created": int(time.time()),
            "model": model, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"


async def _turn(st: ServerState, user_id: str, req: ChatRequest,
                key: str | None = None) -> AsyncIterator[Event]:
    await st.pool.ready(user_id)
    with st.pool.lease(user_id) as uos:
        if uos.persona is None:
            yield ErrorEvent("This OS hasn't woken up yet; finish first boot in the web app.",
                             "first_boot")
            return
        async with uos.turn_lock:
            turn_id = f"api-{key}" if key else None  # the same call again: its stored answer
            sid = api_session(uos)
            history, text = client_history(req, sid)
            engine = copy.copy(uos.engine())  # same mind, this call's history
            engine.episodes = ClientHistory(uos.home.episodes, history, sid)
            try:
                async for ev in engine.turn(text, turn_id=turn_id):
                    yield ev
            finally:
                if st.initiative is not None:  # the turn may have set a reminder
                    st.initiative.poke(user_id)


async def _stream(st: ServerState, user_id: str, req: ChatRequest,
                  key: str | None) -> AsyncIterator[str]:
    cid = "chatcmpl-" + new_id()
    yield chunk(cid, req.model, {"role": "assistant", "content": ""})
    async for ev in _turn(st, user_id, req, key):
        if isinstance(ev, TextDelta):
            yield chunk(cid, req.model, {"content": ev.text})
        elif isinstance(ev, ErrorEvent):
            err = {"error": {"message": ev.message, "type": ev.kind, "code": None}}
            yield f"data: {json.dumps(err)}\n\n"
    yield chunk(cid, req.model, {}, "stop")
    yield "data: [DONE]\n\n"


async def completions(request: Request) -> Response:
    st = state_of(request)
    try:
        principal = who(request, write=True)
    except HTTPException as exc:
        return api_error(exc.status_code, str(exc.detail), "authentication_error")
    try:
        req = ChatRequest.model_validate_json(await request.body())
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        return api_error(400, f"Bad request: {where}: {first['msg']}.")
    if req.messages[-1].role != "user":
        return api_error(400, "The last message must be the user's (role 'user').")
    key = request.headers.get("idempotency-key")
    if key is not None and not IDEMPOTENCY_KEY.match(key):
        return api_error(400, "Idempotency-Key must be 1-64 letters, digits, '_' or '-'.")
    if req.stream:
        return StreamingResponse(_stream(st, principal.user.id, req, key),
                                 media_type="text/event-stream",
                                 headers={"cache-control": "no-cache"})
    parts: list[str] = []
    async for ev in _turn(st, principal.user.id, req, key):
        if isinstance(ev, TextDelta):
            parts.append(ev.text)
        elif isinstance(ev, ErrorEvent) and not parts:
            return api_error(400 if ev.kind in ("input", "first_boot") else 502, ev.message,
                             ev.kind)
    reply = "".join(parts).strip()
    asked = req.messages[-1].text()
    return JSONResponse({
        "id": "chatcmpl-" + new_id(), "object": "chat.completion", "created": int(time.time()),
        "model": req.model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": reply},
                     "finish_reason": "stop"}],
        "usage": {"prompt_tokens": len(asked.split()), "completion_tokens": len(reply.split()),
                  "total_tokens": len(asked.split()) + len(reply.split())},
    })


def routes() -> list[BaseRoute]:
    return [
        Route("/v1/models", models),
        Route("/v1/chat/completions", completions, methods=["POST"]),
    ]
