"""`os1 mcp`: serve os1's skills and memory over MCP (stdio, or streamable HTTP with --http);
`os1 mcp servers`: the external MCP servers in mcp_servers.toml and the tools they offer.

Over stdio nothing but protocol may reach stdout, so this module prints only to stderr there.
"""

from __future__ import annotations

import ipaddress
import os
from typing import Annotated

import typer

from os1.cli.common import console, fail, open_home, plain_errors

mcp_app = typer.Typer(
    help="MCP: let other assistants use os1's skills and memory, and list external servers.",
    invoke_without_command=True,
)


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


@mcp_app.callback()
@plain_errors
def mcp_root(
    ctx: typer.Context,
    http: Annotated[bool, typer.Option("--http", help="Serve streamable HTTP at /mcp.")] = False,
    host: Annotated[str, typer.Option(help="Address to listen on with --http.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port for --http.")] = 8331,
) -> None:
    """Serve os1 over MCP on stdin/stdout (the default) or HTTP. Side-effecting tools only queue
    an approval (see 'os1 approvals') unless a standing rule allows them."""
    if ctx.invoked_subcommand is not None:
        return
    import anyio

    from os1.mcp.server import Os1Tools, http_app, serve_stdio

    token = os.environ.get("OS1_MCP_TOKEN", "")
    if http and not _loopback(host) and not token:
        raise fail(f"Serving MCP on {host} lets anyone there use your skills; set OS1_MCP_TOKEN "
                   "to a secret (clients send it as a bearer token) or use 127.0.0.1.")
    tools = Os1Tools(open_home())
    if not http:
        anyio.run(serve_stdio, tools)
        return
    import uvicorn

    uvicorn.run(http_app(tools, host, token), host=host, port=port, log_level="warning")


@mcp_app.command("servers")
@plain_errors
def servers() -> None:
    """List the external MCP servers in mcp_servers.toml and the tools os1 gets from them."""
    from os1.config import default_home
    from os1.mcp.client import FILE_NAME, external_tools, load_servers

    home = default_home()
    if not load_servers(home):
        console.print(f"No external MCP servers: list them in {home / FILE_NAME}.")
        return
    tools, problems = external_tools(home)
    for name, tool in sorted(tools.items()):
        effect = "asks first" if tool.side_effects else "read-only"
        console.print(f"{name}  ({effect})  {tool.description}", soft_wrap=True)
    for problem in problems:
        console.print(f"[yellow]{problem}[/yellow]", soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.add_typer(mcp_app, name="mcp")
