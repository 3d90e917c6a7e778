"""memory state: core memory and reflected sessions, per user (what SqliteMemory keeps too)

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

UP = """
CREATE TABLE memory_core (
    user_id TEXT NOT NULL,
    block TEXT NOT NULL CHECK (block IN ('user', 'self')),
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    updated DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (user_id, block, key)
);
CREATE TABLE memory_reflected (
    user_id TEXT NOT NULL,
    session_id TEXT NOT NULL,
    reflected DOUBLE PRECISION NOT NULL,
    turns INTEGER NOT NULL,
    PRIMARY KEY (user_id, session_id)
);
CREATE INDEX memories_kind ON memories (user_id, kind, created);
"""


def upgrade() -> None:
    op.execute(UP)


def downgrade() -> None:
    op.execute("DROP INDEX memories_kind; DROP TABLE memory_reflected; DROP TABLE memory_core;")
