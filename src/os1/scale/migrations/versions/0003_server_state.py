"""server state: accounts, API tokens, browser sessions and every user's conversations

With these tables any ``os1 serve`` process can serve any user: who may log in, their
sessions, and what was said (sessions, turns, small per-user settings such as the persona)
live in the database, not in one server's files.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

UP = """
CREATE TABLE server_users (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    password_hash TEXT,
    created DOUBLE PRECISION NOT NULL
);
CREATE UNIQUE INDEX server_users_name ON server_users (lower(name));
CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES server_users(id) ON DELETE CASCADE,
    label TEXT NOT NULL DEFAULT '',
    digest TEXT NOT NULL UNIQUE,
    created DOUBLE PRECISION NOT NULL
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);
CREATE TABLE web_sessions (
    digest TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES server_users(id) ON DELETE CASCADE,
    csrf TEXT NOT NULL,
    created DOUBLE PRECISION NOT NULL,
    expires DOUBLE PRECISION NOT NULL
);
CREATE INDEX web_sessions_user ON web_sessions (user_id);
CREATE INDEX web_sessions_expires ON web_sessions (expires);

CREATE TABLE episode_sessions (
    user_id TEXT NOT NULL,
    id TEXT NOT NULL,
    started DOUBLE PRECISION NOT NULL,
    ended DOUBLE PRECISION,
    title TEXT NOT NULL DEFAULT '',
    channel TEXT NOT NULL DEFAULT 'chat',
    PRIMARY KEY (user_id, id)
);
CREATE INDEX episode_sessions_started ON episode_sessions (user_id, started);
CREATE TABLE episode_turns (
    user_id TEXT NOT NULL,
    id TEXT NOT NULL,
    session_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    speaker TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('user', 'assistant', 'other')),
    text TEXT NOT NULL,
    created DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (user_id, id),
    UNIQUE (user_id, session_id, seq),
    FOREIGN KEY (user_id, session_id) REFERENCES episode_sessions (user_id, id)
        ON DELETE CASCADE
);
CREATE INDEX episode_turns_created ON episode_turns (user_id, created);
CREATE TABLE episode_kv (
    user_id TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (user_id, key)
);
"""


def upgrade() -> None:
    op.execute(UP)


def downgrade() -> None:
    op.execute(
        "DROP TABLE episode_kv; DROP TABLE episode_turns; DROP TABLE episode_sessions; "
        "DROP TABLE web_sessions; DROP TABLE api_tokens; DROP TABLE server_users;"
    )
