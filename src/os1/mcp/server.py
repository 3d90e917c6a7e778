"""os1 as an MCP server: every registered Tool plus ``memory_search``.

Calls go through :class:`os1.initiative.approvals.Actions`, exactly as the engine's do: a
read-only tool answers at once; a side-effecting one runs only under a standing rule and is
otherwise queued as a pending approval (origin ``mcp``) that the user decides with
``os1 approvals``. An MCP client can never approve anything itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import mcp_types as types
from mcp.server.lowlevel import Server

from os1.errors import Os1Error

if TYPE_CHECKING:
    from mcp.server.context import ServerRequestContext

    from os1.home import Home
    from os1.initiative.approvals import Actions
    from os1.skills.base import Tool

MEMORY_TOOL = "memory_search"
MEMORY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "query": {"type": "string", "description": "What to look for, in plain words."},
        "limit": {"type": "integer", "minimum": 1, "maximum": 50, "default": 5},
    },
    "required": ["query"],
}
MEMORY_DESCRIPTION = (
    "Search the user's memory (past conversations, facts about people, summaries) and return "
    "the best matches with their dates. Read-only."
)


def describe(tool: Tool) -> types.Tool:
    note = "" if not tool.side_effects else (
        " Side effect: unless a standing rule allows it, the call is queued for the user's "
        "approval and nothing happens until they approve it."
    )  # fmt: skip
    return types.Tool(
        name=tool.name,
        description=tool.description + note,
        input_schema=tool.parameters or {"type": "object", "properties": {}},
        annotations=types.ToolAnnotations(
            read_only_hint=not tool.side_effects, destructive_hint=tool.side_effects
        ),
    )


def invalid_arguments(tool: Tool, args: dict[str, Any]) -> str | None:
    """Why ``args`` do not fit the tool's schema, or None. Checked before anything is queued,
    so the user is never asked to approve a call that cannot run."""
    import jsonschema

    try:
        jsonschema.validate(args, tool.parameters or {"type": "object"})
    except jsonschema.ValidationError as exc:
        return f"Bad arguments for '{tool.name}': {exc.message}."
    return None


def text_result(text: str, *, error: bool = False, data: Any = None) -> types.CallToolResult:
    return types.CallToolResult(
        content=[types.TextContent(text=text)], is_error=error, structured_content=data
    )


class Os1Tools:
    """The tools one home offers over MCP; transport-free so it is tested directly too."""

    def __init__(
        self, home: Home, tools: dict[str, Tool] | None = None, actions: Actions | None = None
    ) -> None:
        from os1.plugins import registry

        self.home = home
        self.actions = actions if actions is not None else home.actions
        # External MCP tools are never re-exported: os1 would become a relay nobody approved.
        source = tools if tools is not None else registry().tools
        self.tools = {n: t for n, t in source.items() if not n.startswith("mcp__")}
        self._memory: Any = None

    def list(self) -> list[types.Tool]:
        listed = [describe(t) for t in self.tools.values()]
        listed.append(
            types.Tool(
                name=MEMORY_TOOL, description=MEMORY_DESCRIPTION, input_schema=MEMORY_SCHEMA,
                annotations=types.ToolAnnotations(read_only_hint=True),
            )
        )  # fmt: skip
        return sorted(listed, key=lambda t: t.name)

    async def call(self, name: str, args: dict[str, Any]) -> types.CallToolResult:
        try:
            if name == MEMORY_TOOL:
                return await self._search(args)
            if name not in self.tools:
                return text_result(f"There is no os1 tool called '{name}'.", error=True)
            problem = invalid_arguments(self.tools[name], args)
            if problem:
                return text_result(problem, error=True)
            return await self._request(name, args)
        except Os1Error as exc:
            return text_result(exc.message, error=True)
        except Exception as exc:  # a tool's own bug reaches the caller as a sentence, not a crash
            return text_result(f"The os1 tool '{name}' failed: {exc!r}", error=True)

    async def _request(self, name: str, args: dict[str, Any]) -> types.CallToolResult:
        out = await self.actions.request(name, args, "asked by an MCP client", origin="mcp")
        data = {"status": out.status, "approval_id": out.approval_id, "result": out.result}
        if out.status == "pending":
            summary = self.tools[name].summarize(args)
            text = (
                f"Queued for the user's approval ({out.approval_id}): {summary}. Nothing has "
                f"happened yet; the user decides with 'os1 approvals'."
            )
            return text_result(text, data=data)
        return text_result(out.result, error=out.status == "failed", data=data)

    async def _search(self, args: dict[str, Any]) -> types.CallToolResult:
        import asyncio

        query = args.get("query")
        limit = args.get("limit", 5)
        if not isinstance(query, str) or not isinstance(limit, int):
            return text_result("memory_search takes a text 'query' and a number 'limit'.", error=True)
        if self._memory is None:
            from os1.memory import open_memory

            self._memory = open_memory(self.home)
        hits = await asyncio.to_thread(self._memory.search, query, limit)
        data = {"hits": [h.as_dict() for h in hits]}
        if not hits:
            return text_result("Nothing in memory matches that.", data=data)
        lines = [f"- [{h.kind} {h.id}] {h.text}" for h in hits]
        return text_result("\n".join(lines), data=data)


def build_server(tools: Os1Tools, name: str = "os1") -> Server[Any]:
    async def list_tools(
        ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return types.ListToolsResult(tools=tools.list())

    async def call_tool(
        ctx: ServerRequestContext[Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        return await tools.call(params.name, dict(params.arguments or {}))

    return Server(
        name,
        instructions="os1's skills and the user's memory. Side-effecting tools only queue "
        "an approval for the user unless they set a standing rule.",
        on_list_tools=list_tools,
        on_call_tool=call_tool,
    )


async def serve_stdio(tools: Os1Tools) -> None:
    from mcp.server.stdio import stdio_server

    server = build_server(tools)
    async with stdio_server() as (read, write):
        await server.run(read, write, server.create_initialization_options())


def http_app(tools: Os1Tools, host: str = "127.0.0.1", token: str = "") -> Any:
    """An ASGI app serving MCP (streamable HTTP) at ``/mcp``; with ``token``, every request
    must carry ``Authorization: Bearer <token>``."""
    app = build_server(tools).streamable_http_app(host=host)
    if not token:
        return app
    want = f"Bearer {token}".encode()

    async def guarded(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and dict(scope.get("headers", [])).get(b"authorization") != want:
            await send({"type": "http.response.start", "status": 401,
                        "headers": [(b"content-type", b"text/plain")]})
            await send({"type": "http.response.body", "body": b"os1: a bearer token is needed"})
            return
        await app(scope, receive, send)

    return guarded
