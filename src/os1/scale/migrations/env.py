"""Alembic environment: online migrations only, serialised by an advisory lock."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool, text

LOCK_KEY = 7_315_001  # any constant: all os1 processes agree on it

url = context.config.get_main_option("sqlalchemy.url")
engine = create_engine(url or "", poolclass=pool.NullPool)
with engine.connect() as connection:
    connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": LOCK_KEY})
    try:
        context.configure(connection=connection, target_metadata=None)
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()
    finally:
        connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": LOCK_KEY})
        connection.commit()
engine.dispose()
