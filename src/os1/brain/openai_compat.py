"""Any OpenAI-compatible chat server (Ollama, llama.cpp server, vLLM, OpenAI) over HTTP/SSE."""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Sequence
from typing import Any

import httpx

from os1.brain.base import Chunk, Message, Sampling, ToolCall, ToolSpec
from os1.config import BrainConfig
from os1.errors import BackendError


def api_key(cfg: BrainConfig) -> str:
    """Env var first, then the system keyring (service 'os1', name = the env var's name)."""
    key = os.environ.get(cfg.api_key_env, "")
    if key:
        return key
    try:
        import keyring

        return keyring.get_password("os1", cfg.api_key_env) or ""
    except Exception:  # no keyring backend on this machine: run without a key
        return ""


class OpenAICompatModel:
    def __init__(self, cfg: BrainConfig, transport: httpx.AsyncBaseTransport | None = None):
        self.cfg = cfg
        self.name = cfg.model
        self.base_url = cfg.base_url.rstrip("/")
        self._transport = transport

    def _body(
        self, messages: Sequence[Message], tools: Sequence[ToolSpec], s: Sampling
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.cfg.model,
            "messages": [m.as_dict() for m in messages],
            "stream": True,
            "max_tokens": s.max_tokens or self.cfg.max_tokens,
            "temperature": self.cfg.temperature if s.temperature is None else s.temperature,
        }
        if s.stop:
            body["stop"] = list(s.stop)
        if s.seed is not None:
            body["seed"] = s.seed
        if s.json_schema is not None:
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "reply", "schema": s.json_schema, "strict": False},
            }
        if tools:
            body["tools"] = [
                {
                    "type": "function",
                    "function": {
                        "name": t.name,
                        "description": t.description,
                        "parameters": t.parameters,
                    },
                }
                for t in tools
            ]
        return body

    def _fail(self, what: str) -> BackendError:
        return BackendError(
            f"The model server at {self.base_url} {what}; check that it is running and that "
            "brain.base_url and brain.model are right ('os1 config show')."
        )

    async def stream(
        self,
        messages: Sequence[Message],
        *,
        tools: Sequence[ToolSpec] = (),
        sampling: Sampling | None = None,
    ) -> AsyncIterator[Chunk]:
        headers = {"Accept": "text/event-stream"}
        key = api_key(self.cfg)
        if key:
            headers["Authorization"] = f"Bearer {key}"
        body = self._body(messages, tools, sampling or Sampling())
        pending: dict[int, dict[str, str]] = {}
        timeout = httpx.Timeout(self.cfg.timeout_s, connect=5.0)
        try:
            async with (
                httpx.AsyncClient(transport=self._transport, timeout=timeout) as client,
                client.stream(
                    "POST", f"{self.base_url}/chat/completions", json=body, headers=headers
                ) as resp,
            ):
                if resp.status_code >= 400:
                    detail = (await resp.aread()).decode("utf-8", "replace")[:200]
                    raise self._fail(f"answered HTTP {resp.status_code} ({detail.strip()})")
                async for line in resp.aiter_lines():
                    if not line.startswith("data:"):
                        continue
                    data = line[5:].strip()
                    if data == "[DONE]":
                        break
                    try:
                        delta = json.loads(data)["choices"][0].get("delta") or {}
                    except (json.JSONDecodeError, KeyError, IndexError):
                        continue
                    if delta.get("content"):
                        yield Chunk(text=delta["content"])
                    for tc in delta.get("tool_calls") or []:
                        slot = pending.setdefault(
                            tc.get("index", 0), {"id": "", "name": "", "args": ""}
                        )
                        slot["id"] = tc.get("id") or slot["id"]
                        fn = tc.get("function") or {}
                        slot["name"] += fn.get("name") or ""
                        slot["args"] += fn.get("arguments") or ""
        except httpx.ConnectError as exc:
            raise self._fail("cannot be reached") from exc
        except httpx.TimeoutException as exc:
            raise self._fail(f"did not answer within {self.cfg.timeout_s:.0f} s") from exc
        except httpx.HTTPError as exc:
            raise self._fail(f"failed ({exc})") from exc
        for i in sorted(pending):
            slot = pending[i]
            try:
                args = json.loads(slot["args"] or "{}")
            except json.JSONDecodeError:
                args = {"_raw": slot["args"]}
            yield Chunk(
                tool_call=ToolCall(id=slot["id"] or f"call{i}", name=slot["name"], arguments=args)
            )
