"""jobs: a durable queue with leases (claimed with FOR UPDATE SKIP LOCKED)

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

UP = """
CREATE TABLE jobs (
    id BIGSERIAL PRIMARY KEY,
    queue TEXT NOT NULL DEFAULT 'default',
    task TEXT NOT NULL,
    args JSONB NOT NULL DEFAULT '{}',
    key TEXT UNIQUE,
    status TEXT NOT NULL DEFAULT 'todo'
        CHECK (status IN ('todo', 'running', 'done', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL DEFAULT 3,
    run_after TIMESTAMPTZ NOT NULL DEFAULT now(),
    locked_by TEXT,
    locked_until TIMESTAMPTZ,
    result TEXT,
    error TEXT,
    created TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished TIMESTAMPTZ
);
CREATE INDEX jobs_ready ON jobs (queue, id) WHERE status IN ('todo', 'running');
"""


def upgrade() -> None:
    op.execute(UP)


def downgrade() -> None:
    op.execute("DROP TABLE jobs;")
