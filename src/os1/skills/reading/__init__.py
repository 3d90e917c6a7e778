"""Reading: ``os1 read PATH...`` takes documents into memory with citations (file, page).

extract.py (text per page from txt/md/pdf/docx/epub/html), store.py (chunks in SQLite with FTS5
and MiniLM vectors, hybrid search), tools.py (the Tools). The engine answers questions about
documents through :func:`search_documents`.
May import os1.db, os1.errors, os1.skills.base, os1.memory.embed.
"""

from __future__ import annotations

from typing import Any

from os1.skills.reading.tools import TOOLS, store_for


def search_documents(home: Any, query: str, limit: int = 4) -> list[tuple[str, str, float]]:
    """Passages answering ``query``: (text, citation such as 'lease.pdf, page 3', score)."""
    return [(h.text, h.citation, h.score) for h in store_for(home.db).search(query, limit)]


__all__ = ["TOOLS", "search_documents"]
