"""The OpenAI-compatible backend for the server's hot path: a lean keep-alive HTTP/1.1 client.

With thousands of conversations in one process, every token's cost counts: httpx spends about
100 microseconds of CPU per streamed token (anyio, h11 and its line decoder) and the plain
backend opens a new client, and a new TCP connection, for every turn. Here a text-only
stream over plain http reuses pooled connections and parses the SSE lines directly; anything
else (tool calls, https, proxies) goes through the parent class unchanged, so behaviour and
error sentences stay those of os1.brain.openai_compat.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator, Awaitable, Sequence
from typing import TypeVar
from urllib.parse import urlsplit

import httpx

from os1.brain.base import Chunk, Message, Sampling, ToolSpec
from os1.brain.openai_compat import OpenAICompatModel, api_key
from os1.config import BrainConfig
from os1.errors import BackendError

Conn = tuple[asyncio.StreamReader, asyncio.StreamWriter]
T = TypeVar("T")


class Body:
    """Reads one response body (chunked, sized or until close) from a connection."""

    def __init__(self, reader: asyncio.StreamReader, headers: dict[str, str]) -> None:
        self.reader = reader
        self.chunked = "chunked" in headers.get("transfer-encoding", "").lower()
        size = headers.get("content-length")
        self.left = int(size) if size is not None and not self.chunked else -1
        self.done = False
        self.reusable = self.chunked or self.left >= 0

    async def read(self) -> bytes:
        """The next piece of the body; b"" at its end."""
        if self.done:
            return b""
        if self.chunked:
            size = int((await self.reader.readline()).split(b";")[0].strip() or b"0", 16)
            if size == 0:
                await self.reader.readline()  # the blank line after the last chunk
                self.done = True
                return b""
            data = await self.reader.readexactly(size + 2)
            return data[:-2]
        if self.left >= 0:
            if self.left == 0:
                self.done = True
                return b""
            data = await self.reader.read(min(self.left, 65536))
            if not data:
                raise ConnectionError("the body ended early")
            self.left -= len(data)
            return data
        data = await self.reader.read(65536)
        self.done = not data
        return data


class WaitDeadline:
    """A time limit on each wait of one stream, like ``asyncio.timeout`` around every read,
    but with one timer per ``limit`` seconds of waiting instead of one per chunk: thousands
    of streams read about 4,000 chunks a second between them, and making and cancelling a
    timer for each was a measurable share of the event loop's time."""

    def __init__(self, limit: float) -> None:
        self.limit = limit
        self.loop = asyncio.get_running_loop()
        self.since: float | None = None  # when the current wait began; None between waits
        self.task: asyncio.Task[object] | None = None
        self.timer: asyncio.TimerHandle | None = None
        self.expired = False

    async def wait(self, step: Awaitable[T]) -> T:
        """``step``'s result; TimeoutError if it takes longer than the limit."""
        self.since = self.loop.time()
        self.task = asyncio.current_task()
        cancelling = self.task.cancelling() if self.task is not None else 0
        if self.timer is None:
            self.timer = self.loop.call_at(self.since + self.limit, self._check)
        try:
            return await step
        except asyncio.CancelledError:
            if self.expired and self.task is not None and self.task.uncancel() <= cancelling:
                raise TimeoutError from None
            raise
        finally:
            self.since = None

    def _check(self) -> None:
        self.timer = None
        if self.since is None:  # between waits: the next wait starts a new timer
            return
        due = self.since + self.limit
        if self.loop.time() >= due and self.task is not None:
            self.expired = True
            self.task.cancel()
        else:
            self.timer = self.loop.call_at(due, self._check)

    def close(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None


class PooledOpenAIModel(OpenAICompatModel):
    def __init__(
        self,
        cfg: BrainConfig,
        transport: httpx.AsyncBaseTransport | None = None,
        max_idle: int = 256,
    ) -> None:
        super().__init__(cfg, transport)
        url = urlsplit(self.base_url)
        self.host = url.hostname or "127.0.0.1"
        self.port = url.port or 80
        self.path = (url.path.rstrip("/") or "") + "/chat/completions"
        proxied = any(os.environ.get(v) for v in ("http_proxy", "HTTP_PROXY", "all_proxy"))
        self.lean = url.scheme == "http" and not proxied
        self.max_idle = max_idle
        self._idle: list[Conn] = []

    async def stream(
        self,
        messages: Sequence[Message],
        *,
        tools: Sequence[ToolSpec] = (),
        sampling: Sampling | None = None,
    ) -> AsyncIterator[Chunk]:
        if tools or not self.lean:
            async for chunk in super().stream(messages, tools=tools, sampling=sampling):
                yield chunk
            return
        body = json.dumps(self._body(messages, tools, sampling or Sampling())).encode()
        try:
            async for text in self._texts(body):
                yield Chunk(text=text)
        except TimeoutError:
            raise self._fail(f"did not answer within {self.cfg.timeout_s:.0f} s") from None
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            raise self._fail(f"failed ({type(exc).__name__})") from None

    def _request(self, body: bytes) -> bytes:
        key = api_key(self.cfg)
        auth = f"Authorization: Bearer {key}\r\n" if key else ""
        return (
            f"POST {self.path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Content-Type: application/json\r\nAccept: text/event-stream\r\n{auth}"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode() + body

    async def _connect(self) -> tuple[Conn, bool]:
        while self._idle:
            conn = self._idle.pop()
            if not conn[1].is_closing() and not conn[0].at_eof():
                return conn, True
            conn[1].close()
        try:
            return await asyncio.open_connection(self.host, self.port), False
        except OSError:
            raise self._fail("cannot be reached") from None

    async def _open(self, body: bytes) -> tuple[Conn, Body]:
        """Send the request; a pooled connection the server had closed is retried once."""
        for _ in range(2):
            conn, reused = await self._connect()
            try:
                conn[1].write(self._request(body))
                status = await conn[0].readline()
                if status or not reused:
                    return conn, await self._response(conn, status)
            except BaseException:  # timed out or failed: this connection is done for
                conn[1].close()
                raise
            conn[1].close()
        raise ValueError("the model server closed the connection")

    async def _response(self, conn: Conn, status: bytes) -> Body:
        parts = status.split(b" ", 2)
        if len(parts) < 2 or not parts[1].isdigit():
            raise ValueError("no HTTP status line")
        resp = Body(conn[0], await self._headers(conn[0]))
        code = int(parts[1])
        if code >= 400:
            detail = (await resp.read())[:200].decode("utf-8", "replace")
            conn[1].close()
            raise self._fail(f"answered HTTP {code} ({detail.strip()})")
        return resp

    @staticmethod
    async def _headers(reader: asyncio.StreamReader) -> dict[str, str]:
        headers: dict[str, str] = {}
        while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        return headers

    async def _texts(self, body: bytes) -> AsyncIterator[str]:
        # the deadline covers each wait for the server, never the time spent at a yield
        async with asyncio.timeout(self.cfg.timeout_s):
            conn, resp = await self._open(body)
        pending = b""
        finished = False
        deadline = WaitDeadline(self.cfg.timeout_s)
        try:
            while True:
                piece = await deadline.wait(resp.read())
                if not piece:
                    break
                if finished:
                    continue  # drain to the end so the connection can be reused
                pending += piece
                *lines, pending = pending.split(b"\n")
                for line in lines:
                    if not line.startswith(b"data:"):
                        continue
                    data = line[5:].strip()
                    if data == b"[DONE]":
                        finished = True
                        break
                    text = _content(data)
                    if text:
                        yield text
        finally:
            deadline.close()
            self._release(conn, resp)

    def _release(self, conn: Conn, resp: Body) -> None:
        if resp.done and resp.reusable and len(self._idle) < self.max_idle:
            self._idle.append(conn)
        else:  # stopped mid-stream: the rest of that reply must not reach the next turn
            conn[1].close()

    async def aclose(self) -> None:
        for _, writer in self._idle:
            writer.close()
        self._idle.clear()


def _content(data: bytes) -> str:
    try:
        delta = json.loads(data)["choices"][0].get("delta") or {}
    except (json.JSONDecodeError, KeyError, IndexError, TypeError, AttributeError):
        return ""
    text = delta.get("content")
    return text if isinstance(text, str) else ""


__all__ = ["BackendError", "PooledOpenAIModel"]
