"""External MCP servers as os1 Tools.

The servers are listed in ``mcp_servers.toml`` in the os1 home (until the config root grows an
``mcp`` section)::

    [[servers]]
    name = "notes"                        # letters, digits, '-' and '_'
    command = "python"                    # a stdio server: command + args (+ env)
    args = ["-m", "notes_server"]
    read_only = ["search_notes"]          # tools known to have no side effects

    [[servers]]
    name = "files"
    url = "http://127.0.0.1:9000/mcp"     # or a streamable-HTTP server

Every external tool becomes ``mcp__<server>__<tool>`` with ``side_effects=True`` unless listed
in ``read_only``: os1 cannot know what a stranger's tool does, so it asks first. Each call
opens its own short connection, so a server that restarts or dies costs one failed call only.
"""

from __future__ import annotations

import re
import threading
import tomllib
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from os1.errors import BackendError, ConfigError
from os1.skills.base import SkillContext, Tool

FILE_NAME = "mcp_servers.toml"
PREFIX = "mcp__"
NAME = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


@dataclass(frozen=True)
class ServerSpec:
    name: str
    command: str = ""
    args: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    url: str = ""
    read_only: frozenset[str] = frozenset()
    timeout_s: float = 30.0

    def connect(self) -> AbstractAsyncContextManager[Any]:
        from mcp import Client, StdioServerParameters

        if self.url:
            return Client(self.url, read_timeout_seconds=self.timeout_s, mode="legacy")
        params = StdioServerParameters(command=self.command, args=list(self.args), env=self.env)
        return Client(params, read_timeout_seconds=self.timeout_s, mode="legacy")


def _spec(raw: Any, where: str) -> ServerSpec:
    if not isinstance(raw, dict):
        raise ConfigError(f"Each [[servers]] entry in {where} must be a table.")
    name = raw.get("name", "")
    if not isinstance(name, str) or not NAME.match(name):
        raise ConfigError(
            f"An MCP server in {where} needs a 'name' of letters, digits, '-' or '_'."
        )
    command, url = raw.get("command", ""), raw.get("url", "")
    if bool(command) == bool(url):
        raise ConfigError(f"MCP server '{name}' in {where} needs either 'command' or 'url'.")
    unknown = set(raw) - {"name", "command", "args", "env", "url", "read_only", "timeout_s"}
    if unknown:
        raise ConfigError(f"Unknown key '{sorted(unknown)[0]}' for MCP server '{name}' in {where}.")
    try:
        return ServerSpec(
            name=name, command=str(command), args=tuple(str(a) for a in raw.get("args", [])),
            env={str(k): str(v) for k, v in dict(raw.get("env", {})).items()}, url=str(url),
            read_only=frozenset(str(t) for t in raw.get("read_only", [])),
            timeout_s=float(raw.get("timeout_s", 30.0)),
        )  # fmt: skip
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"Bad settings for MCP server '{name}' in {where}: {exc}.") from exc


def load_servers(home: Path) -> list[ServerSpec]:
    """The servers listed in ``<home>/mcp_servers.toml`` (none when the file is absent)."""
    path = home / FILE_NAME
    if not path.exists():
        return []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"Cannot read {path}: {exc}. Fix or delete that file.") from exc
    specs = [_spec(raw, str(path)) for raw in data.get("servers", [])]
    names = [s.name for s in specs]
    if len(set(names)) != len(names):
        raise ConfigError(f"Two MCP servers in {path} share a name; names must be unique.")
    return specs


def _text(result: Any) -> str:
    parts = [getattr(c, "text", "") for c in result.content]
    return "\n".join(p for p in parts if p) or "(no text in the reply)"


def _runner(spec: ServerSpec, tool_name: str) -> Callable[[dict[str, Any], SkillContext], Awaitable[str]]:
    async def run(args: dict[str, Any], ctx: SkillContext) -> str:
        try:
            async with spec.connect() as client:
                result = await client.call_tool(tool_name, args)
        except Exception as exc:  # the peer's failure, whatever its type, is one sentence
            raise BackendError(
                f"The MCP server '{spec.name}' could not run '{tool_name}': {exc}"
            ) from exc
        if result.is_error:
            raise BackendError(f"The MCP server '{spec.name}' said: {_text(result)}")
        return _text(result)

    return run


def as_tool(spec: ServerSpec, remote: Any) -> Tool:
    name = f"{PREFIX}{spec.name}__{remote.name}"
    remote_name = str(remote.name)

    def summarize(args: dict[str, Any]) -> str:
        return f"Run '{remote_name}' on MCP server {spec.name}: {args}"

    return Tool(
        name=name,
        description=f"[{spec.name} via MCP] {remote.description or remote.name}",
        parameters=dict(remote.input_schema or {"type": "object", "properties": {}}),
        side_effects=remote.name not in spec.read_only,
        run=_runner(spec, remote.name),
        summarize=summarize,
    )


async def discover(specs: list[ServerSpec]) -> tuple[dict[str, Tool], list[str]]:
    """Ask each server for its tools. A server that cannot be reached is a problem, not a crash."""
    tools: dict[str, Tool] = {}
    problems: list[str] = []
    for spec in specs:
        try:
            async with spec.connect() as client:
                listed = await client.list_tools()
        except Exception as exc:  # any failure of a peer is reported the same way
            problems.append(f"MCP server '{spec.name}' is unreachable: {exc}")
            continue
        for remote in listed.tools:
            tool = as_tool(spec, remote)
            tools[tool.name] = tool
    return tools, problems


def external_tools(home: Path) -> tuple[dict[str, Tool], list[str]]:
    """:func:`discover` for sync callers (also from inside a running event loop)."""
    import anyio

    specs = load_servers(home)
    if not specs:
        return {}, []
    box: list[tuple[dict[str, Tool], list[str]]] = []

    def work() -> None:
        box.append(anyio.run(discover, specs))

    thread = threading.Thread(target=work, name="os1-mcp-discover")
    thread.start()
    thread.join()
    return box[0] if box else ({}, [f"MCP discovery failed for {home / FILE_NAME}"])


def register_tools(tools: dict[str, Any]) -> None:
    """Plugin hook: add the tools of the servers in the default home's mcp_servers.toml."""
    from os1.config import default_home

    try:
        found, _problems = external_tools(default_home())
    except ConfigError:
        return  # a broken file must not stop os1; 'os1 mcp servers' shows the sentence
    tools.update(found)
