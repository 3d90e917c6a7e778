"""The OS itself: first boot (the OS names itself), persona, conversation history, mood, and
what it said on its own initiative."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from os1.db import now
from os1.server.app import body, state_of, who


class FirstBoot(BaseModel):
    name: str = Field(min_length=1, max_length=60)
    style: str = Field(default="gentle", max_length=200)
    wish: str = Field(default="", max_length=300)
    voice: str = Field(default="", max_length=40)


def persona_json(persona: Any) -> dict[str, Any] | None:
    if persona is None:
        return None
    data = asdict(persona)
    data["about"] = persona.describe()
    return data


async def persona(request: Request) -> Response:
    from os1.mind.persona import QUESTIONS, STYLES

    st = state_of(request)
    principal = who(request)
    await st.pool.ready(principal.user.id)
    with st.pool.lease(principal.user.id) as uos:
        found = uos.persona
    voices = st.voice.voices() if st.voice else []
    return JSONResponse({
        "persona": persona_json(found),
        "voices": voices,
        "styles": list(STYLES),
        "questions": [q for _, q in QUESTIONS],
    })


async def first_boot(request: Request) -> Response:
    from os1.mind.persona import first_boot as boot

    st = state_of(request)
    principal = who(request, write=True)
    req = await body(request, FirstBoot)
    voices = st.voice.voices() if st.voice else []
    voice = req.voice or (voices[0] if voices else st.config.voice.voice)
    if voices and voice not in voices:
        raise HTTPException(400, f"Unknown voice '{voice}'; choose one of: {', '.join(voices)}.")
    await st.pool.ready(principal.user.id)
    with st.pool.lease(principal.user.id) as uos:
        async with uos.turn_lock:
            if uos.persona is not None:
                raise HTTPException(409, "First boot has already happened for this OS.")
            made = await boot(
                uos.home.model, uos.home.personas, user_name=req.name, style=req.style,
                wish=req.wish, voice=voice, created=now(),
            )
            uos.set_persona(made)
    if st.initiative is not None:  # awake now: its daily plan and reminders start
        st.initiative.poke(principal.user.id)
    return JSONResponse({"persona": persona_json(made)})


async def history(request: Request) -> Response:
    st = state_of(request)
    principal = who(request)
    await st.pool.ready(principal.user.id)
    with st.pool.lease(principal.user.id) as uos:
        episodes = uos.home.episodes
        turns = episodes.turns(episodes.current_session(), last=60)
    return JSONResponse({
        "turns": [{"id": t.id, "role": t.role, "text": t.text, "created": t.created}
                  for t in turns]
    })


async def mood(request: Request) -> Response:
    st = state_of(request)
    principal = who(request)
    await st.pool.ready(principal.user.id)
    with st.pool.lease(principal.user.id) as uos:
        current = uos.affect.current()
        points = uos.affect.history(limit=500)
    return JSONResponse({
        "current": current.as_dict(),
        "history": [p.as_dict() for p in points],
    })


async def initiative(request: Request) -> Response:
    """What the OS said on its own (reminders, briefings, check-ins), newest first."""
    from os1.initiative.messages import Inbox

    st = state_of(request)
    principal = who(request)
    await st.pool.ready(principal.user.id)
    with st.pool.lease(principal.user.id) as uos:
        messages = Inbox.open(uos.home).recent(50)
    return JSONResponse({"messages": [m.as_dict() for m in messages]})


def routes() -> list[BaseRoute]:
    return [
        Route("/api/persona", persona),
        Route("/api/first-boot", first_boot, methods=["POST"]),
        Route("/api/history", history),
        Route("/api/mood", mood),
        Route("/api/initiative", initiative),
    ]
