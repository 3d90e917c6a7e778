"""``POST /api/look``: one camera frame in (JPEG, PNG or WebP, as the request body), what os1
sees out. Camera mode in the web page sends one every few seconds while the user has it on;
see camera.py for the limits and what is kept."""

from __future__ import annotations

import asyncio
import time

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from os1.server.app import state_of, who
from os1.server.camera import MAX_FRAME_BYTES, TYPES, keep, see


def frame_type(request: Request) -> str:
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype not in TYPES:
        raise HTTPException(415, "Send the camera frame as image/jpeg, image/png or image/webp.")
    return ctype


async def frame_bytes(request: Request) -> bytes:
    too_big = (f"That camera frame is larger than {MAX_FRAME_BYTES:,} bytes; send a smaller "
               "one (the web page sends 640 pixels wide).")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_FRAME_BYTES:
        raise HTTPException(413, too_big)
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > MAX_FRAME_BYTES:
            raise HTTPException(413, too_big)
    if not data:
        raise HTTPException(400, "The camera frame was empty; there is no picture in it.")
    return bytes(data)


async def look(request: Request) -> Response:
    st = state_of(request)
    principal = who(request, write=True)
    frame_type(request)
    data = await frame_bytes(request)
    uid = principal.user.id
    cam = st.camera
    cam.admit(uid)
    cam.busy.add(uid)
    cam.waiting += 1
    queued = True
    try:
        async with cam.gate:
            cam.waiting -= 1
            queued = False
            sight = await asyncio.to_thread(see, data, st.config.brain)
            await st.pool.ready(uid)
            with st.pool.lease(uid) as uos:
                memory_id = await keep(uos, sight, cam, time.time())
    finally:
        cam.busy.discard(uid)
        if queued:  # cancelled before its turn came
            cam.waiting -= 1
    seen = sight.as_dict()
    seen["description"] = sight.describe()
    seen["remembered"] = memory_id
    return JSONResponse(seen)


def routes() -> list[BaseRoute]:
    return [Route("/api/look", look, methods=["POST"])]

