"""The conversation WebSocket: typed text or recorded speech in; engine events and audio out.

Client -> server (JSON text frames):
  {"type": "chat", "text": "...", "speak": false, "id": "..."}   one turn; "speak" adds audio
        frames; "id" (optional, 1-64 of A-Z a-z 0-9 _ -) names the message so sending it again
        (after a dropped connection or a server that died) stores it once and replays or
        finishes its reply instead of answering twice
  {"type": "stop"}                                   stop the reply being generated
  {"type": "voice_start", "rate": 48000, "speak": true}, binary PCM16 frames, {"type": "voice_end"}
  {"type": "voice_cancel"}, {"type": "ping"}, {"type": "new_session"}
Server -> client: the engine's events as JSON (os1.events), {"type": "transcript"},
{"type": "error", "message", "kind"}, {"type": "pong"}, and binary audio frames
(voice.audio_frame). A malformed frame gets an error reply and the connection stays;
a client that keeps sending them is disconnected. Per token the path is one JSON encode and
one frame: no database work.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.responses import JSONResponse
from starlette.routing import WebSocketRoute
from starlette.types import Message
from starlette.websockets import WebSocket, WebSocketDisconnect

from os1.errors import Os1Error
from os1.events import Event, TextDelta, TurnEnded, to_dict
from os1.server.app import ServerState, state_of
from os1.server.auth import authenticate, origin_allowed
from os1.server.users import User
from os1.server.voice import MAX_SECONDS, RATES

log = logging.getLogger("os1.server")
MAX_PROTOCOL_ERRORS = 20
MAX_QUEUED = 32  # messages read ahead of their handling, per connection
CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_background: set[asyncio.Task[None]] = set()


class Conversation:
    """One browser tab's (or script's) conversation with the user's OS."""

    def __init__(self, ws: WebSocket, st: ServerState, user: User) -> None:
        self.ws = ws
        self.st = st
        self.user = user
        self.task: asyncio.Task[None] | None = None
        self.engine: Any = None
        self.recording: bytearray | None = None
        self.rate = 16000
        self.speak_reply = True
        self.closed = False
        self.errors = 0
        self.ended = False  # the running turn has sent turn_ended and is only tidying up
        self.handlers: dict[str, Callable[[dict[str, Any]], Awaitable[None]]] = {
            "chat": self.on_chat,
            "stop": self.on_stop,
            "voice_start": self.on_voice_start,
            "voice_end": self.on_voice_end,
            "voice_cancel": self.on_voice_cancel,
            "ping": self.on_ping,
            "new_session": self.on_new_session,
        }

    # sending ----------------------------------------------------------------------------
    async def send_text(self, text: str) -> None:
        if self.closed:
            return
        try:
            await self.ws.send_text(text)
        except Exception:  # the peer is gone; the turn still finishes and is stored
            self.gone()

    async def send_bytes(self, data: bytes) -> None:
        if self.closed:
            return
        try:
            await self.ws.send_bytes(data)
        except Exception:
            self.gone()

    async def send_event(self, ev: Event) -> None:
        if isinstance(ev, TextDelta):  # the hot path: skip asdict's deep copy
            await self.send_text('{"type": "text_delta", "text": ' + json.dumps(ev.text) + "}")
        else:
            await self.send_text(json.dumps(to_dict(ev), ensure_ascii=False))

    async def error(self, message: str, kind: str) -> None:
        await self.send_text(json.dumps({"type": "error", "message": message, "kind": kind}))

    async def protocol_error(self, message: str) -> None:
        self.errors += 1
        await self.error(message, "protocol")
        if self.errors >= MAX_PROTOCOL_ERRORS:
            self.closed = True
            await self.ws.close(1008, "too many malformed messages")

    def gone(self) -> None:
        self.closed = True
        if self.engine is not None:
            self.engine.stop()

    # receiving --------------------------------------------------------------------------
    async def on_text(self, raw: str) -> None:
        try:
            msg = json.loads(raw)
        except json.JSONDecodeError:
            await self.protocol_error("That message is not JSON; send {\"type\": ..., ...}.")
            return
        kind = msg.get("type") if isinstance(msg, dict) else None
        handler = self.handlers.get(kind) if isinstance(kind, str) else None
        if handler is None:
            names = ", ".join(self.handlers)
            await self.protocol_error(f"Unknown message type; use one of: {names}.")
            return
        await handler(msg)

    async def on_bytes(self, data: bytes) -> None:
        if self.recording is None:
            await self.protocol_error("Audio arrived without voice_start; send that first.")
            return
        if len(self.recording) + len(data) > MAX_SECONDS * self.rate * 2:
            self.recording = None
            await self.error(f"That recording is longer than {MAX_SECONDS:.0f} s; it was "
                             "dropped. Say it in shorter parts.", "input")
            return
        self.recording.extend(data)

    def busy(self) -> bool:
        return self.task is not None and not self.task.done()

    async def on_chat(self, msg: dict[str, Any]) -> None:
        text, speak, cid = msg.get("text"), msg.get("speak", False), msg.get("id")
        if not isinstance(text, str) or not isinstance(speak, bool):
            await self.protocol_error("A chat message needs \"text\" (a string).")
            return
        if cid is not None and not (isinstance(cid, str) and CLIENT_ID.match(cid)):
            await self.protocol_error("A chat message's \"id\" is 1 to 64 letters, digits, "
                                      "'_' or '-'.")
            return
        turn_id = None if cid is None else "c-" + cid  # never one of the server's own ids
        await self.start(text, speak and self.st.voice is not None, turn_id=turn_id)

    async def start(
        self, text: str, speak: bool, pcm: bytes | None = None, turn_id: str | None = None
    ) -> None:
        if self.busy() and self.ended and self.task is not None:
            # the client saw turn_ended and may send at once: let the last turn let go first
            await asyncio.wait([self.task], timeout=10)
        if self.busy():
            await self.error("I'm still answering; wait for me to finish or send stop.", "busy")
            return
        self.task = asyncio.create_task(self.run_turn(text, speak, pcm, turn_id))
        _background.add(self.task)
        self.task.add_done_callback(_background.discard)

    async def on_stop(self, msg: dict[str, Any]) -> None:
        if self.engine is not None:
            self.engine.stop()

    async def on_voice_start(self, msg: dict[str, Any]) -> None:
        rate, speak = msg.get("rate", 16000), msg.get("speak", True)
        if not isinstance(rate, int) or rate not in RATES or not isinstance(speak, bool):
            await self.protocol_error("voice_start needs \"rate\": samples a second, 8000-96000.")
            return
        if self.st.voice is None:
            await self.error("Voice is not available on this server.", "voice")
            return
        self.recording, self.rate, self.speak_reply = bytearray(), rate, speak
        await self.send_text('{"type": "listening"}')

    async def on_voice_end(self, msg: dict[str, Any]) -> None:
        if self.recording is None:
            await self.protocol_error("voice_end without voice_start.")
            return
        pcm, self.recording = bytes(self.recording), None
        await self.start("", self.speak_reply, pcm)

    async def on_voice_cancel(self, msg: dict[str, Any]) -> None:
        self.recording = None

    async def on_ping(self, msg: dict[str, Any]) -> None:
        await self.send_text('{"type": "pong"}')

    async def on_new_session(self, msg: dict[str, Any]) -> None:
        """Start a fresh conversation (the old one stays in memory and history)."""
        if self.busy():
            await self.error("I'm still answering; wait for me to finish or send stop.", "busy")
            return
        await self.st.pool.ready(self.user.id)
        with self.st.pool.lease(self.user.id) as uos:
            if uos.persona is None:
                await self.error("Your OS hasn't woken up yet; finish first boot.", "first_boot")
                return
            async with uos.turn_lock:  # its writes off the event loop, like a turn's
                sid = await asyncio.to_thread(uos.engine().new_session)
        await self.send_text(json.dumps({"type": "session_started", "session_id": sid}))

    # one turn ---------------------------------------------------------------------------
    async def deliver(self, item: Event | bytes) -> None:
        if self.closed:  # the peer left: stop generating (the turn keeps what was said)
            self.engine.stop()
        elif isinstance(item, bytes):
            await self.send_bytes(item)
        else:
            self.ended = self.ended or isinstance(item, TurnEnded)
            await self.send_event(item)

    async def run_turn(
        self, text: str, speak: bool, pcm: bytes | None, turn_id: str | None = None
    ) -> None:
        self.ended = False
        try:
            await self.st.pool.ready(self.user.id)
            with self.st.pool.lease(self.user.id) as uos:
                if pcm is not None and self.st.voice is not None:
                    text = await self.st.voice.transcribe(pcm, self.rate)
                    await self.send_text(json.dumps({"type": "transcript", "text": text}))
                persona = uos.persona
                if persona is None:
                    await self.error("Your OS hasn't woken up yet; finish first boot.", "first_boot")
                    return
                async with uos.turn_lock:
                    self.engine = uos.engine()
                    events = self.engine.turn(text, turn_id=turn_id)
                    if speak and self.st.voice is not None:
                        async for item in self.st.voice.speak(events, persona.voice):
                            await self.deliver(item)
                    else:
                        async for ev in events:
                            await self.deliver(ev)
        except Os1Error as exc:
            await self.error(exc.message, type(exc).__name__)
        except Exception:
            log.exception("turn failed for user %s", self.user.id)
            await self.error("Something went wrong on the server; try again in a moment.",
                             "server")
        finally:
            self.engine = None
            if self.st.initiative is not None:  # the turn may have set a reminder
                self.st.initiative.poke(self.user.id)


async def conversation(ws: WebSocket) -> None:
    st = state_of(ws)
    principal = await asyncio.to_thread(authenticate, ws, st.users)  # a query, off the loop
    denial = ""
    if principal is None:
        denial = "Please log in first (or send a valid API token)."
    elif principal.via == "session" and not origin_allowed(ws, st.origins):
        denial = "This page's origin may not open a conversation here."
    if principal is None or denial:
        await deny(ws, 401 if principal is None else 403, denial)
        return
    await ws.accept()
    conv = Conversation(ws, st, principal.user)
    initiative = st.initiative
    # Frames are read by their own task and handled in order from a queue. The server reads
    # nothing from a socket while its last message waits to be received, keep-alive pongs
    # included: handled inline, a message that waits over ws_ping_timeout (a home opening
    # behind thousands of others, a new session behind a long turn) got its connection
    # closed as dead.
    queued: asyncio.Queue[Message | None] = asyncio.Queue(MAX_QUEUED)
    reader = asyncio.create_task(read_frames(ws, queued))
    try:
        if initiative is not None:  # what os1 said on its own while no tab was open, then live
            await initiative.subscribe(principal.user.id, conv.send_text)
        while not conv.closed:
            msg = await queued.get()
            if msg is None:
                break
            if msg.get("text") is not None:
                await conv.on_text(msg["text"])
            elif msg.get("bytes") is not None:
                await conv.on_bytes(msg["bytes"])
    except WebSocketDisconnect:
        pass
    finally:
        reader.cancel()
        conv.gone()
        if initiative is not None:
            initiative.unsubscribe(principal.user.id, conv.send_text)


async def read_frames(ws: WebSocket, queued: asyncio.Queue[Message | None]) -> None:
    """Every message from the client into ``queued``; None once it has gone. A client that
    sends faster than its messages are handled waits once MAX_QUEUED are queued."""
    try:
        while True:
            msg = await ws.receive()
            if msg["type"] == "websocket.disconnect":
                break
            await queued.put(msg)
    except (WebSocketDisconnect, RuntimeError):  # closed by the server meanwhile
        pass
    await queued.put(None)


async def deny(ws: WebSocket, status: int, message: str) -> None:
    if "websocket.http.response" in ws.scope.get("extensions", {}):
        await ws.send_denial_response(JSONResponse({"error": message}, status_code=status))
    else:
        await ws.close(1008, message)


def route() -> WebSocketRoute:
    return WebSocketRoute("/ws", conversation)
