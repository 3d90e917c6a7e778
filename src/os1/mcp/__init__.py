"""MCP in and out: os1's skills and memory as an MCP server, external MCP servers' tools as
os1 Tools.

server.py (``os1 mcp``: the tool registry through approvals, plus memory search, over stdio or
streamable HTTP), client.py (``mcp_servers.toml`` in the os1 home -> Tools with side effects
unless marked read-only). May import os1.config, os1.errors, os1.skills.base, os1.plugins,
os1.initiative.approvals, os1.memory and the ``mcp`` SDK; nothing imports this package except
the CLI and the plugin registry.
"""
