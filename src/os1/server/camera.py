"""Camera mode: while a user has it on, their browser sends a frame every few seconds and os1
looks at it with the same pipeline as ``os1 look`` (os1.minds.vision), says what it sees, and
keeps it in that user's memory.

Frames are looked at and dropped: only the words os1 noticed are kept, and only when the scene
changed (or ten minutes have passed), so a camera left on does not fill memory with the same
view. Each frame is size-limited (bytes and pixels); one frame per user at a time, at most one
every ``every_s`` seconds, and ``at_once`` frames server-wide, in worker threads, so looking
(OCR can take a core for a second) never stalls other users' conversations.
"""

from __future__ import annotations

import asyncio
import io
import json
import math
import warnings
from typing import TYPE_CHECKING, Any

from starlette.exceptions import HTTPException

from os1.errors import InputError
from os1.server.auth import RateLimiter

if TYPE_CHECKING:
    from os1.config import BrainConfig
    from os1.minds.vision import Sight
    from os1.server.homes import UserOS

MAX_FRAME_BYTES = 600_000  # the page sends 640-pixel JPEGs of 30-80 KB
MAX_FRAME_PIXELS = 3840 * 2160
TYPES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
LAST_KEY = "server.camera.last"
FRAME = "The camera frame"


class Camera:
    """Shared by every user: the server-wide gate and per-user pacing."""

    def __init__(
        self,
        every_s: float = 2.0,
        at_once: int = 2,
        queue: int = 8,
        keep_gap_s: float = 20.0,
        keep_again_s: float = 600.0,
    ) -> None:
        self.every_s = every_s  # at most one frame per user this often
        self.keep_gap_s = keep_gap_s  # a changed view is remembered at most this often
        self.keep_again_s = keep_again_s  # the same view is remembered again after this long
        self.at_once = at_once
        self.queue = queue
        self.pace = RateLimiter(1, every_s)
        self.busy: set[str] = set()
        self.waiting = 0
        self._gate: asyncio.Semaphore | None = None

    @property
    def gate(self) -> asyncio.Semaphore:
        if self._gate is None:
            self._gate = asyncio.Semaphore(self.at_once)
        return self._gate

    def admit(self, user_id: str) -> None:
        """Refuse the frame (429/503) when this user or the server is still busy looking."""
        if user_id in self.busy:
            raise HTTPException(429, "I'm still looking at your last frame; this one was "
                                "skipped.", headers={"Retry-After": "1"})
        if self.pace.retry_after(user_id) > 0:
            raise HTTPException(
                429, f"The camera sends at most one frame every {self.every_s:g} seconds; "
                "this one was skipped.",
                headers={"Retry-After": str(math.ceil(self.every_s))})
        if self.waiting >= self.queue:
            raise HTTPException(503, "I'm looking at a lot of pictures right now; this frame "
                                "was skipped.", headers={"Retry-After": "5"})
        self.pace.hit(user_id)


def frame_size(data: bytes) -> tuple[int, int]:
    """Width and height from the image header, refusing frames too big to decode safely."""
    from PIL import Image

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            w, h = Image.open(io.BytesIO(data)).size
        except Exception:  # look() below names what is wrong with it
            return 0, 0
    if w * h > MAX_FRAME_PIXELS:
        raise InputError(f"The camera frame is {w}x{h} pixels; send at most 3840x2160 "
                         "(the web page sends 640 pixels wide).")
    return w, h


def see(data: bytes, brain: BrainConfig | None) -> Sight:
    """In a worker thread: the same look as ``os1 look``, with its own event loop."""
    from os1.minds.vision import look

    frame_size(data)
    return asyncio.run(look(data, name=FRAME, brain=brain))


async def keep(uos: UserOS, sight: Sight, cam: Camera, now: float) -> str:
    """Remember what the camera showed, when the view changed; the memory id or ''.

    On the event loop so the user's chat session never changes under a running turn (the
    sight is written as its own "camera" session, and the chat session stays current);
    indexing runs in a thread, as the engine's own memory writes do.
    """
    episodes = uos.home.episodes
    summary = sight.summary()
    try:
        last = json.loads(episodes.get(LAST_KEY) or "{}")
    except json.JSONDecodeError:
        last = {}
    since = now - float(last.get("at", 0.0))
    changed = summary != last.get("summary")
    if not (changed and since >= cam.keep_gap_s) and since < cam.keep_again_s:
        return ""
    text = f"I saw through the camera: {summary}."
    current = episodes.current_session()  # made now if there is none, so it stays the chat's
    sid = episodes.new_session(channel="camera", started=now)
    episodes.set("current_session", current)
    turn = episodes.add_turn(sid, "other", text, "sight")
    episodes.end_session(sid)
    episodes.set(LAST_KEY, json.dumps({"summary": summary, "at": now}))
    store = memory_of(uos)
    if store is not None:
        await store.aobserve(turn)
    return turn.id


def memory_of(uos: UserOS) -> Any | None:
    try:
        return uos.memory
    except ImportError:
        return None


__all__ = ["MAX_FRAME_BYTES", "MAX_FRAME_PIXELS", "TYPES", "Camera", "keep", "see"]
