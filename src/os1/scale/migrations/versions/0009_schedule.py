"""the initiative scheduler's items of every user (os1.initiative.scheduler)

The same table each home keeps in its SQLite file, keyed by user, so the daemon, every
``os1 serve`` and every ``os1 worker`` see one schedule per user and claim each item once.

Revision ID: 0009
Revises: 0008
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    CREATE TABLE schedule_items (
        user_id TEXT NOT NULL,
        id TEXT NOT NULL,
        key TEXT,
        kind TEXT NOT NULL,
        payload TEXT NOT NULL DEFAULT '{}',
        due DOUBLE PRECISION NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending'
            CHECK (status IN ('pending', 'running', 'done', 'failed', 'cancelled')),
        attempts INTEGER NOT NULL DEFAULT 0,
        max_attempts INTEGER NOT NULL DEFAULT 2,
        owner TEXT NOT NULL DEFAULT '',
        lease_until DOUBLE PRECISION NOT NULL DEFAULT 0,
        result TEXT NOT NULL DEFAULT '',
        created DOUBLE PRECISION NOT NULL,
        started DOUBLE PRECISION,
        finished DOUBLE PRECISION,
        PRIMARY KEY (user_id, id)
    );
    CREATE UNIQUE INDEX schedule_items_key ON schedule_items (user_id, key)
        WHERE key IS NOT NULL;
    CREATE INDEX schedule_items_due ON schedule_items (user_id, status, due);
    """)


def downgrade() -> None:
    op.execute("DROP TABLE schedule_items;")
