"""Connections and migrations for the Postgres side of os1.

Migrations are Alembic revisions of plain SQL (``migrations/versions``); ``migrate`` runs them
under a Postgres advisory lock so several servers starting at once upgrade the schema once.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from os1.errors import StorageError

MIGRATIONS = Path(__file__).with_name("migrations")
_migrated: set[str] = set()
_migrate_lock = threading.Lock()


def sqlalchemy_url(url: str) -> str:
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    raise StorageError(
        "server.database_url must start with postgresql:// (e.g. "
        "postgresql://user:password@host:5432/os1)."
    )


def plain_url(url: str) -> str:
    return "postgresql://" + sqlalchemy_url(url)[len("postgresql+psycopg://") :]


def connect(url: str, autocommit: bool = False) -> Any:
    """A psycopg connection with pgvector's types registered."""
    import psycopg
    from pgvector.psycopg import register_vector

    try:
        conn = psycopg.connect(plain_url(url), autocommit=autocommit, connect_timeout=10)
    except psycopg.OperationalError as exc:
        # psycopg's first line ends with the cause ("... failed: Connection refused")
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "no answer"
        reason = first.rsplit(": ", 1)[-1].strip() or "no answer"
        raise StorageError(
            f"Cannot reach the database at server.database_url ({reason}); check that "
            "PostgreSQL is running and the URL, user and password are right."
        ) from exc
    register_vector(conn)
    return conn


def migrate(url: str) -> None:
    """Bring the database to the newest schema (once per process and URL)."""
    with _migrate_lock:
        if url in _migrated:
            return
        from alembic import command
        from alembic.config import Config

        connect(url).close()  # a database that is away gets connect's one plain sentence
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        cfg.set_main_option("sqlalchemy.url", sqlalchemy_url(url).replace("%", "%%"))
        try:
            command.upgrade(cfg, "head")
        except Exception as exc:  # alembic/sqlalchemy raise many types; the user needs one line
            raise StorageError(f"Could not update the database schema: {exc}") from exc
        _migrated.add(url)
