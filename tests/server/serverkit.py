"""Helpers for the server tests: ``Browser`` (an HTTP client that behaves like the web app:
cookies, the CSRF header on writes, an Origin on the WebSocket), turn helpers, and
``file_writer_tool``, a test double for a side-effecting skill such as sending mail: it writes
its arguments to a file, so a test can see whether (and how often) it really ran.
"""

from __future__ import annotations

import io
import json
import uuid
from pathlib import Path
from typing import Any

import httpx
from websockets.sync.client import ClientConnection, connect

from os1.skills.base import SkillContext, Tool

PASSWORD = "correct horse battery"


def file_writer_tool(folder: Path) -> Tool:
    async def run(args: dict[str, Any], ctx: SkillContext) -> str:
        path = folder / f"{uuid.uuid4().hex}.json"
        path.write_text(json.dumps(args), encoding="utf-8")
        return f"wrote {path.name}"

    return Tool(
        name="test_write_file",
        description="Test double for a side-effecting skill: writes its arguments to a file.",
        parameters={"type": "object"},
        side_effects=True,
        run=run,
        summarize=lambda a: f"Send mail to {a.get('to', '?')}: {a.get('subject', '')!r}",
    )


def sign_picture(words: str, size: tuple[int, int] = (640, 480), fmt: str = "PNG") -> bytes:
    """A made-up photo of a sign: blue sky over the top two fifths, then the words in black on
    white (what a camera pointed at a shop window might send)."""
    from PIL import Image, ImageDraw, ImageFont

    w, h = size
    img = Image.new("RGB", size, (255, 255, 255))
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 0, w, h * 2 // 5), fill=(90, 150, 225))
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", h // 8)
    draw.text((w // 16, h // 2), words, fill=(0, 0, 0), font=font)
    out = io.BytesIO()
    img.save(out, fmt)
    return out.getvalue()


def unique(prefix: str = "user") -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


class Browser:
    """What the web app does over HTTP: cookies, plus the CSRF token on every write."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.http = httpx.Client(base_url=url, timeout=180)
        self.csrf = self.http.get("/api/session").json()["csrf"]
        self.name = ""

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return self.http.get(path, **kw)

    def post(self, path: str, json: Any = None, **kw: Any) -> httpx.Response:
        headers = {"x-csrf-token": self.csrf, **kw.pop("headers", {})}
        return self.http.post(path, json=json, headers=headers, **kw)

    def signup(self, name: str | None = None, password: str = PASSWORD) -> Browser:
        self.name = name or unique()
        r = self.post("/api/signup", {"name": self.name, "password": password})
        assert r.status_code == 200, r.text
        self.csrf = r.json()["csrf"]
        return self

    def boot(self, user_name: str = "Ann", style: str = "gentle") -> dict[str, Any]:
        r = self.post("/api/first-boot", {"name": user_name, "style": style})
        assert r.status_code == 200, r.text
        persona: dict[str, Any] = r.json()["persona"]
        return persona

    def look(self, frame: bytes, content_type: str = "image/png") -> httpx.Response:
        """What camera mode sends: one frame as the request body."""
        return self.post("/api/look", content=frame, headers={"content-type": content_type})

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.http.cookies.items())

    def ws(self, origin: str | None = None, **kw: Any) -> ClientConnection:
        headers = {"Cookie": self.cookie_header(), "Origin": origin or self.url}
        return connect(self.url.replace("http", "ws") + "/ws", additional_headers=headers,
                       open_timeout=30, **kw)

    def close(self) -> None:
        self.http.close()


def turn(ws: ClientConnection, text: str, timeout: float = 180) -> list[dict[str, Any]]:
    """Send one chat message; the events up to turn_ended (or an error)."""
    ws.send(json.dumps({"type": "chat", "text": text}))
    return events_until_end(ws, timeout)


def events_until_end(ws: ClientConnection, timeout: float = 180) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    while True:
        raw = ws.recv(timeout=timeout)
        if isinstance(raw, bytes):
            events.append({"type": "audio", "bytes": len(raw)})
            continue
        ev = json.loads(raw)
        events.append(ev)
        if ev["type"] in ("turn_ended", "error"):
            return events


def reply_of(events: list[dict[str, Any]]) -> str:
    return "".join(e["text"] for e in events if e["type"] == "text_delta")
