"""os1 as an MCP server, driven by the official SDK's Client: in-process, over stdio (a real
`os1 mcp` subprocess) and over streamable HTTP (a real `os1 mcp --http` subprocess)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from mcp import Client, StdioServerParameters
from os1.home import Home
from os1.initiative.approvals import Actions
from os1.mcp.server import MEMORY_TOOL, Os1Tools, build_server
from os1.plugins import registry
from os1.skills.base import SkillContext, Tool

OS1 = [sys.executable, "-m", "os1.cli"]


def file_tool(target: Path) -> Tool:
    """A real side-effecting tool: it appends a line to a file."""

    async def run(args: dict[str, Any], ctx: SkillContext) -> str:
        with target.open("a", encoding="utf-8") as f:
            f.write(args["line"] + "\n")
        return f"wrote {args['line']}"

    return Tool(
        name="append_line",
        description="Append a line to the user's file.",
        parameters={"type": "object", "properties": {"line": {"type": "string"}}},
        side_effects=True,
        run=run,
        summarize=lambda a: f"Append '{a.get('line')}' to the file",
    )


def remember(home: Home, *lines: str) -> None:
    from os1.memory import open_memory

    memory = open_memory(home)
    sid = home.episodes.new_session()
    for line in lines:
        memory.observe(home.episodes.add_turn(sid, "user", line))


async def test_side_effects_wait_for_approval_unless_a_rule_allows(
    home: Home, tmp_path: Path
) -> None:
    target = tmp_path / "file.txt"
    tools = {"append_line": file_tool(target)}
    actions = Actions(home.db, tools, home.skill_context)
    async with Client(build_server(Os1Tools(home, tools, actions))) as client:
        listed = {t.name: t for t in (await client.list_tools()).tools}
        assert set(listed) == {"append_line", MEMORY_TOOL}
        assert listed["append_line"].annotations is not None
        assert listed["append_line"].annotations.read_only_hint is False

        queued = await client.call_tool("append_line", {"line": "one"})
        assert not queued.is_error
        assert queued.structured_content["status"] == "pending"
        assert not target.exists()  # nothing ran
        aid = queued.structured_content["approval_id"]
        assert [r["origin"] for r in actions.pending()] == ["mcp"]

        await actions.approve(aid)  # the user, not the MCP client, approves
        assert target.read_text() == "one\n"

        actions.add_rule("append_line", {"line": "two"}, "always fine")
        ran = await client.call_tool("append_line", {"line": "two"})
        assert ran.structured_content["status"] == "done"
        assert target.read_text() == "one\ntwo\n"

        missing = await client.call_tool("no_such_tool", {})
        assert missing.is_error and "no os1 tool" in missing.content[0].text


async def test_stdio_server_searches_memory_and_queues_registry_tools(
    home: Home, home_dir: Path
) -> None:
    remember(home, "My sister Lena moved to Lisbon in March.", "I like green tea.")
    mail = {"to": "amy@example.test", "subject": "Dinner", "body": "Dinner at 8?"}
    has_mail = "mail_send" in registry().tools
    params = StdioServerParameters(
        command=OS1[0], args=[*OS1[1:], "mcp"], env={"OS1_HOME": str(home_dir)}
    )
    async with Client(params, read_timeout_seconds=120, mode="legacy") as client:
        names = {t.name for t in (await client.list_tools()).tools}
        assert names == set(registry().tools) | {MEMORY_TOOL}
        found = await client.call_tool(MEMORY_TOOL, {"query": "where does Lena live", "limit": 3})
        assert not found.is_error
        assert "Lisbon" in found.content[0].text
        bad = await client.call_tool(MEMORY_TOOL, {"query": ""})
        assert bad.is_error
        if has_mail:
            wrong = await client.call_tool("mail_send", {"to": "amy@example.test"})
            assert wrong.is_error and "required" in wrong.content[0].text
            out = await client.call_tool("mail_send", mail)
            assert out.structured_content["status"] == "pending"
            assert "Send mail to amy@example.test" in out.content[0].text
    pending = home.db.query("SELECT tool, origin, arguments FROM approvals WHERE status='pending'")
    want = [("mail_send", "mcp", mail)] if has_mail else []
    assert [(r["tool"], r["origin"], json.loads(r["arguments"])) for r in pending] == want
    assert home.db.query("SELECT * FROM audit") == []  # nothing side-effecting ran


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_http_server_needs_its_token(home_dir: Path) -> None:
    from mcp.client.streamable_http import streamable_http_client

    port = _free_port()
    env = {**os.environ, "OS1_HOME": str(home_dir), "OS1_MCP_TOKEN": "s3cret"}
    log = (home_dir / "mcp-http.log").open("wb")
    proc = subprocess.Popen([*OS1, "mcp", "--http", "--port", str(port)], env=env, stderr=log)
    url = f"http://127.0.0.1:{port}/mcp"
    try:
        for _ in range(300):
            try:
                denied = httpx.post(url, json={}, timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None, (home_dir / "mcp-http.log").read_text()
                time.sleep(0.1)
        assert denied.status_code == 401
        import httpx2

        async with httpx2.AsyncClient(headers={"Authorization": "Bearer s3cret"}) as http:
            transport = streamable_http_client(url, http_client=http)
            async with Client(transport, mode="legacy") as client:
                names = {t.name for t in (await client.list_tools()).tools}
                assert MEMORY_TOOL in names
                empty = await client.call_tool(MEMORY_TOOL, {"query": "anything at all"})
                assert json.loads(json.dumps(empty.structured_content)) == {"hits": []}
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()
