"""the mail index of every user (os1.skills.mail.store): accounts, folders, messages

The same tables each home keeps in its SQLite file, keyed by user. Search is a stored
tsvector ('simple': no stemming, any language, as FTS5's default tokenizer) over subject,
sender and body, with a GIN index.

Revision ID: 0010
Revises: 0009
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

UP = """
CREATE TABLE mail_accounts (
    user_id TEXT NOT NULL,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    imap_host TEXT NOT NULL,
    imap_port INTEGER NOT NULL,
    smtp_host TEXT NOT NULL,
    smtp_port INTEGER NOT NULL,
    username TEXT NOT NULL,
    security TEXT NOT NULL,
    password_env TEXT NOT NULL DEFAULT '',
    created DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (user_id, name)
);
CREATE TABLE mail_folders (
    user_id TEXT NOT NULL,
    account TEXT NOT NULL,
    name TEXT NOT NULL,
    special_use TEXT NOT NULL DEFAULT '',
    uidvalidity BIGINT NOT NULL DEFAULT 0,
    last_uid BIGINT NOT NULL DEFAULT 0,
    highestmodseq BIGINT NOT NULL DEFAULT 0,
    synced DOUBLE PRECISION,
    PRIMARY KEY (user_id, account, name)
);
CREATE TABLE mail_messages (
    id BIGSERIAL PRIMARY KEY,
    user_id TEXT NOT NULL,
    account TEXT NOT NULL,
    folder TEXT NOT NULL,
    uid BIGINT NOT NULL,
    message_id TEXT NOT NULL DEFAULT '',
    in_reply_to TEXT NOT NULL DEFAULT '',
    thread_id TEXT NOT NULL DEFAULT '',
    subject TEXT NOT NULL DEFAULT '',
    from_name TEXT NOT NULL DEFAULT '',
    from_addr TEXT NOT NULL DEFAULT '',
    reply_to TEXT NOT NULL DEFAULT '',
    to_addrs TEXT NOT NULL DEFAULT '[]',
    cc_addrs TEXT NOT NULL DEFAULT '[]',
    n_recipients INTEGER NOT NULL DEFAULT 0,
    date DOUBLE PRECISION NOT NULL DEFAULT 0,
    flags TEXT NOT NULL DEFAULT '',
    size BIGINT NOT NULL DEFAULT 0,
    truncated INTEGER NOT NULL DEFAULT 0,
    body TEXT NOT NULL DEFAULT '',
    hidden_text TEXT NOT NULL DEFAULT '',
    attachments TEXT NOT NULL DEFAULT '[]',
    links TEXT NOT NULL DEFAULT '[]',
    headers TEXT NOT NULL DEFAULT '{}',
    defects TEXT NOT NULL DEFAULT '',
    suspicious INTEGER NOT NULL DEFAULT 0,
    suspicious_reasons TEXT NOT NULL DEFAULT '',
    category TEXT NOT NULL DEFAULT '',
    priority INTEGER NOT NULL DEFAULT 0,
    triage_reasons TEXT NOT NULL DEFAULT '',
    deadline TEXT NOT NULL DEFAULT '',
    ask TEXT NOT NULL DEFAULT '',
    announced INTEGER NOT NULL DEFAULT 0,
    synced DOUBLE PRECISION NOT NULL DEFAULT 0,
    search tsvector GENERATED ALWAYS AS (to_tsvector('simple',
        subject || ' ' || from_name || ' ' || from_addr || ' ' || left(body, 200000))) STORED,
    UNIQUE (user_id, account, folder, uid)
);
CREATE INDEX mail_messages_msgid ON mail_messages (user_id, message_id);
CREATE INDEX mail_messages_thread ON mail_messages (user_id, thread_id);
CREATE INDEX mail_messages_date ON mail_messages (user_id, account, folder, date);
CREATE INDEX mail_messages_search ON mail_messages USING GIN (search);
"""


def upgrade() -> None:
    op.execute(UP)


def downgrade() -> None:
    op.execute("DROP TABLE mail_messages; DROP TABLE mail_folders; DROP TABLE mail_accounts;")
