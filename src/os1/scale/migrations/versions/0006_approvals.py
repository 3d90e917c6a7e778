"""approvals, standing rules and the audit log of every user

The same tables os1.initiative.approvals keeps in each home's SQLite file, keyed by user, so
an approval proposed through one server process can be approved through another and is still
run once (the pending -> running move is a single conditional UPDATE).

Revision ID: 0006
Revises: 0005
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

UP = """
CREATE TABLE approvals (
    user_id TEXT NOT NULL,
    id TEXT NOT NULL,
    tool TEXT NOT NULL,
    arguments TEXT NOT NULL,
    reason TEXT NOT NULL,
    summary TEXT NOT NULL,
    origin TEXT NOT NULL DEFAULT 'chat',
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'approved', 'running', 'done', 'failed', 'rejected')),
    result TEXT NOT NULL DEFAULT '',
    created DOUBLE PRECISION NOT NULL,
    decided DOUBLE PRECISION,
    key TEXT,
    PRIMARY KEY (user_id, id)
);
CREATE UNIQUE INDEX approvals_key ON approvals (user_id, key) WHERE key IS NOT NULL;
CREATE INDEX approvals_status ON approvals (user_id, status, created);
CREATE TABLE approval_rules (
    user_id TEXT NOT NULL,
    id TEXT NOT NULL,
    tool TEXT NOT NULL,
    match TEXT NOT NULL DEFAULT '{}',
    description TEXT NOT NULL,
    created DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (user_id, id)
);
CREATE INDEX approval_rules_tool ON approval_rules (user_id, tool);
CREATE TABLE audit_log (
    user_id TEXT NOT NULL,
    id TEXT NOT NULL,
    ts DOUBLE PRECISION NOT NULL,
    tool TEXT NOT NULL,
    arguments TEXT NOT NULL,
    reason TEXT NOT NULL,
    allowed_by TEXT NOT NULL,
    outcome TEXT NOT NULL,
    result TEXT NOT NULL,
    PRIMARY KEY (user_id, id)
);
CREATE INDEX audit_log_ts ON audit_log (user_id, ts);
"""


def upgrade() -> None:
    op.execute(UP)


def downgrade() -> None:
    op.execute("DROP TABLE audit_log; DROP TABLE approval_rules; DROP TABLE approvals;")
