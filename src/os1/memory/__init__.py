"""What os1 remembers: the conversation log and the MemoryStore built on it.

episodes.py (sessions and turns), base.py (the MemoryStore seam, Hit, Fact), store.py
(SqliteMemory: indexing, hybrid search, facts over time), embed.py (MiniLM in numpy),
vectors.py (in-memory vector index), extract.py (facts from text), facts.py (supersession),
timewindow.py ("last week"), core.py (core memory), reflect.py (summaries, fading),
forget.py (cascading delete), transcript.py (import/export), schema.py (tables).
May import os1.db, os1.config, os1.errors, os1.brain (base types only).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from os1.brain.base import ChatModel
    from os1.memory.store import SqliteMemory


def open_memory(home_or_db: Any, model: ChatModel | None = None) -> SqliteMemory:
    """The memory of one home: a ``Home``, a home directory, or an open ``Database``.

    ``model`` (optional) is used for extra fact extraction and summaries when a call does not
    pass its own. The embedding model loads on first use, not here. When the home's config
    sets ``server.database_url`` (OS1_DATABASE_URL), the memory is the user's rows in that
    PostgreSQL database (os1.scale.memory.PgMemory, the same methods) instead of SQLite.
    """
    from os1.config import MemoryConfig, load_config, shared_database
    from os1.db import Database
    from os1.memory.episodes import Episodes
    from os1.memory.store import SqliteMemory

    if isinstance(home_or_db, Database):
        return SqliteMemory(home_or_db, config=MemoryConfig(), model=model)
    if isinstance(home_or_db, str | Path):
        cfg = load_config(Path(home_or_db))
        if cfg.server.database_url:
            return _postgres(cfg, "local", model)
        return SqliteMemory(Database(cfg.db_path), config=cfg.memory, model=model)
    db, episodes, cfg = home_or_db.db, home_or_db.episodes, home_or_db.config
    shared = shared_database(home_or_db)
    if shared:  # Postgres replaces SQLite
        return _postgres(cfg, shared[1], model)
    if not isinstance(db, Database) or not isinstance(episodes, Episodes):
        raise TypeError("open_memory takes a Home, a home directory or a Database")
    return SqliteMemory(db, episodes, config=cfg.memory, model=model)


def _postgres(cfg: Any, user_id: str, model: ChatModel | None) -> SqliteMemory:
    from os1.scale.memory import PgMemory

    # PgMemory has every method of SqliteMemory that callers use (tests/scale check both)
    return PgMemory(str(cfg.server.database_url), user_id, config=cfg.memory, model=model)  # type: ignore[return-value]


__all__ = ["open_memory"]
