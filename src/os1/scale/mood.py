"""PgMoodLog: one user's mood history (os1.mind.affect) in PostgreSQL, so every server behind
one database sees the same mood and draws the same chart. Affect.open chooses it when
``server.database_url`` is set."""

from __future__ import annotations

from typing import Any

from os1.mind.affect import MoodState, row_state
from os1.scale.pool import Pool, pool_for

_COLUMNS = "ts, valence, arousal, mood, user_valence, tags, cause"


class PgMoodLog:
    def __init__(self, url: str, user_id: str, pool: Pool | None = None) -> None:
        self.pool = pool or pool_for(url)
        self.user = user_id

    def last(self) -> MoodState | None:
        def work(cur: Any) -> Any:
            cur.execute(f"SELECT {_COLUMNS} FROM affect_history WHERE user_id=%s "
                        "ORDER BY ts DESC, id DESC LIMIT 1", (self.user,))
            return cur.fetchone()

        row = self.pool.run(work)
        return row_state(row) if row else None

    def add(self, state: MoodState) -> None:
        self.pool.run(lambda cur: cur.execute(
            f"INSERT INTO affect_history (user_id, {_COLUMNS}) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            (self.user, state.ts, state.valence, state.arousal, state.mood, state.user_valence,
             ",".join(state.tags), state.cause)))

    def history(self, since: float, limit: int) -> list[MoodState]:
        def work(cur: Any) -> list[Any]:
            cur.execute(f"SELECT * FROM (SELECT id, {_COLUMNS} FROM affect_history "
                        "WHERE user_id=%s AND ts>=%s ORDER BY ts DESC, id DESC LIMIT %s) h "
                        "ORDER BY ts, id", (self.user, since, limit))
            return list(cur.fetchall())

        return [row_state(r) for r in self.pool.run(work)]


__all__ = ["PgMoodLog"]
