"""os1 beyond one machine: PostgreSQL + pgvector and a Postgres job queue.

db.py (connections, Alembic migrations), migrations/ (Alembic env + plain-SQL versions),
memory.py (PgMemory: the MemoryStore on Postgres, many users in one database), queue.py (jobs
with leases on SELECT ... FOR UPDATE SKIP LOCKED), and what lets several `os1 serve`
processes serve the same users: pool.py (connections shared by every user's stores),
episodes.py (PgEpisodes: each user's conversation log), schedule.py (PgItems: each user's
scheduler items), mail.py (PgMail: each user's mail index), locks.py (one turn at a time
per user across processes: advisory locks). Chosen when server.database_url
(OS1_SERVER_DATABASE_URL) is set; SQLite stays the default. May import os1.config, os1.errors,
os1.memory (types, extraction, search helpers), the stores' own modules (os1.initiative,
os1.mind.affect, os1.skills.mail.store) and psycopg/pgvector/alembic.
"""
