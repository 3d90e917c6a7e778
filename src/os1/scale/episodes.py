"""PgEpisodes: one user's conversation log (sessions, turns, small settings) on Postgres.

The same methods and meaning as os1.memory.episodes.Episodes, so the engine, the persona
store and the server use it unchanged; every row carries the user id, so any server process
can continue any user's conversation. Writes are idempotent where a retry can happen: a turn
added again with the same id is stored once and the first one is returned.
"""

from __future__ import annotations

import hashlib
from typing import Any

from os1.db import new_id, now
from os1.memory.episodes import Episodes, Turn
from os1.scale.pool import Pool, pool_for

CURRENT = "current_session"
ADD_TURN = """
INSERT INTO episode_turns (user_id, id, session_id, seq, speaker, role, text, created)
SELECT %(u)s, %(id)s, %(sid)s, COALESCE(MAX(seq), 0) + 1, %(speaker)s, %(role)s, %(text)s,
       %(created)s
FROM episode_turns WHERE user_id = %(u)s AND session_id = %(sid)s
ON CONFLICT (user_id, id) DO NOTHING
RETURNING seq
"""


def lock_key(kind: str, user_id: str) -> int:
    """A signed 64-bit advisory-lock key for (kind, user), the same in every process."""
    raw = hashlib.sha256(f"os1:{kind}:{user_id}".encode()).digest()[:8]
    return int.from_bytes(raw, "big", signed=True)


def turn_from(r: dict[str, Any]) -> Turn:
    return Turn(r["id"], r["session_id"], r["seq"], r["speaker"], r["role"], r["text"],
                r["created"])


class PgEpisodes(Episodes):
    """Episodes of one user in the shared database (thread-safe; no SQLite file)."""

    def __init__(self, url: str, user_id: str, pool: Pool | None = None) -> None:
        # no super().__init__: there is no SQLite database behind this log
        self.pool = pool or pool_for(url)
        self.user = user_id
        self._session_key = lock_key("session", user_id)

    # sessions -------------------------------------------------------------------------
    def _insert_session(self, cur: Any, sid: str, channel: str, started: float) -> None:
        cur.execute(
            "INSERT INTO episode_sessions (user_id, id, started, channel) VALUES (%s, %s, %s, %s)"
            " ON CONFLICT DO NOTHING",
            (self.user, sid, started, channel),
        )

    def _set(self, cur: Any, key: str, value: str) -> None:
        cur.execute(
            "INSERT INTO episode_kv (user_id, key, value) VALUES (%s, %s, %s) "
            "ON CONFLICT (user_id, key) DO UPDATE SET value = excluded.value",
            (self.user, key, value),
        )

    def new_session(
        self, channel: str = "chat", started: float | None = None, session_id: str | None = None
    ) -> str:
        sid = session_id or new_id("s")

        def work(cur: Any) -> None:
            self._insert_session(cur, sid, channel, started or now())
            self._set(cur, CURRENT, sid)

        self.pool.run(work, transaction=True)
        return sid

    def add_session(self, channel: str, started: float | None = None) -> str:
        """A session that does not become the current conversation (e.g. the API's)."""
        sid = new_id("s")
        self.pool.run(lambda cur: self._insert_session(cur, sid, channel, started or now()))
        return sid

    def has_session(self, sid: str) -> bool:
        def work(cur: Any) -> bool:
            cur.execute("SELECT 1 FROM episode_sessions WHERE user_id=%s AND id=%s",
                        (self.user, sid))
            return cur.fetchone() is not None

        return self.pool.run(work)

    def current_session(self) -> str:
        """The current session; made once even when two servers ask at the same moment."""
        find = (
            "SELECT s.id FROM episode_kv k JOIN episode_sessions s "
            "ON s.user_id = k.user_id AND s.id = k.value "
            "WHERE k.user_id = %s AND k.key = %s"
        )

        def found(cur: Any) -> str | None:
            cur.execute(find, (self.user, CURRENT))
            row = cur.fetchone()
            return str(row["id"]) if row else None

        sid = self.pool.run(found)
        if sid is not None:
            return sid

        def make(cur: Any) -> str:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", (self._session_key,))
            again = found(cur)
            if again is not None:
                return again
            fresh = new_id("s")
            self._insert_session(cur, fresh, "chat", now())
            self._set(cur, CURRENT, fresh)
            return fresh

        return self.pool.run(make, transaction=True)

    def end_session(self, sid: str) -> None:
        self.pool.run(lambda cur: cur.execute(
            "UPDATE episode_sessions SET ended=%s WHERE user_id=%s AND id=%s AND ended IS NULL",
            (now(), self.user, sid),
        ))

    def sessions(self) -> list[Any]:
        def work(cur: Any) -> list[Any]:
            cur.execute(
                "SELECT id, started, ended, title, channel FROM episode_sessions "
                "WHERE user_id=%s ORDER BY started",
                (self.user,),
            )
            return list(cur.fetchall())

        return self.pool.run(work)

    # turns ----------------------------------------------------------------------------
    def add_turn(
        self,
        session_id: str,
        role: str,
        text: str,
        speaker: str = "",
        created: float | None = None,
        turn_id: str | None = None,
    ) -> Turn:
        """Store a turn at the end of its session. Adding the same ``turn_id`` again stores
        nothing and returns the turn stored the first time."""
        import psycopg

        tid, who, ts = turn_id or new_id("t"), speaker or role, created or now()
        row = {"u": self.user, "id": tid, "sid": session_id, "speaker": who, "role": role,
               "text": text, "created": ts}

        def work(cur: Any) -> int | None:
            cur.execute(ADD_TURN, row)
            got = cur.fetchone()
            return int(got["seq"]) if got else None

        for _ in range(20):  # another writer took the same seq: take the next one
            try:
                seq = self.pool.run(work)
            except psycopg.errors.UniqueViolation:
                continue
            if seq is None:
                stored = self.turn(tid)
                if stored is not None:
                    return stored
                continue
            return Turn(tid, session_id, seq, who, role, text, ts)
        raise RuntimeError(f"could not store turn {tid}: too many concurrent writers")

    def turns(self, session_id: str, last: int | None = None) -> list[Turn]:
        def work(cur: Any) -> list[Turn]:
            if last is None:
                cur.execute(
                    "SELECT * FROM episode_turns WHERE user_id=%s AND session_id=%s ORDER BY seq",
                    (self.user, session_id),
                )
                return [turn_from(r) for r in cur.fetchall()]
            cur.execute(
                "SELECT * FROM episode_turns WHERE user_id=%s AND session_id=%s "
                "ORDER BY seq DESC LIMIT %s",
                (self.user, session_id, last),
            )
            return [turn_from(r) for r in reversed(cur.fetchall())]

        return self.pool.run(work)

    def turn(self, turn_id: str) -> Turn | None:
        def work(cur: Any) -> Turn | None:
            cur.execute("SELECT * FROM episode_turns WHERE user_id=%s AND id=%s",
                        (self.user, turn_id))
            r = cur.fetchone()
            return turn_from(r) if r else None

        return self.pool.run(work)

    def count_turns(self) -> int:
        def work(cur: Any) -> int:
            cur.execute("SELECT COUNT(*) AS n FROM episode_turns WHERE user_id=%s", (self.user,))
            return int(cur.fetchone()["n"])

        return self.pool.run(work)

    # small key-value state ------------------------------------------------------------
    def get(self, key: str) -> str | None:
        def work(cur: Any) -> str | None:
            cur.execute("SELECT value FROM episode_kv WHERE user_id=%s AND key=%s",
                        (self.user, key))
            r = cur.fetchone()
            return str(r["value"]) if r else None

        return self.pool.run(work)

    def set(self, key: str, value: str) -> None:
        self.pool.run(lambda cur: self._set(cur, key, value))


__all__ = ["PgEpisodes", "lock_key"]
