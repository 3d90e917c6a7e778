"""A tiny third-party MCP server built with the official SDK (MCPServer), run over stdio.

``add_note`` appends to the file named by NOTES_LOG (a side effect the tests can see);
``count_notes`` only reads it.
"""

from __future__ import annotations

import os
from pathlib import Path

from mcp.server.mcpserver import MCPServer

server = MCPServer("notes")
LOG = Path(os.environ["NOTES_LOG"])


@server.tool()
def add_note(text: str) -> str:
    """Add a note to the notebook."""
    with LOG.open("a", encoding="utf-8") as f:
        f.write(text + "\n")
    return f"noted: {text}"


@server.tool()
def count_notes() -> str:
    """How many notes the notebook holds."""
    lines = LOG.read_text(encoding="utf-8").splitlines() if LOG.exists() else []
    return f"{len(lines)} notes"


if __name__ == "__main__":
    server.run("stdio")
