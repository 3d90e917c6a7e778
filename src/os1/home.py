"""The composition root: one user's OS, wired from config. Components take dependencies as
arguments; this is the only place that builds them. Heavy parts (the model) open lazily.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from os1.config import Config, load_config
from os1.db import Database
from os1.memory.episodes import Episodes

if TYPE_CHECKING:
    from os1.brain.base import ChatModel
    from os1.initiative.approvals import Actions
    from os1.mind.persona import PersonaStore
    from os1.skills.base import SkillContext


class Home:
    user_id = "local"  # the server's homes carry their account id (shared stores key on it)

    def __init__(self, config: Config) -> None:
        self.config = config
        self.db = Database(config.db_path)
        self.episodes = Episodes(self.db)

    @classmethod
    def open(cls, home: Path | None = None) -> Home:
        return cls(load_config(home))

    def join(self, user_id: str) -> None:
        """Make this one of user ``user_id``'s homes on a server: every store with a Postgres
        twin keys on the id, and the conversation log is the user's rows in PostgreSQL when
        the config names a database (so every server and worker sees one history)."""
        self.user_id = user_id
        url = self.config.server.database_url
        if url:
            from os1.scale.episodes import PgEpisodes

            self.episodes = PgEpisodes(url, user_id)

    @property
    def path(self) -> Path:
        return self.config.home

    @cached_property
    def model(self) -> ChatModel:
        from os1.brain.registry import open_model

        return open_model(self.config.brain)

    @cached_property
    def personas(self) -> PersonaStore:
        from os1.mind.persona import PersonaStore

        return PersonaStore(self.episodes)

    @cached_property
    def skill_context(self) -> SkillContext:
        from os1.skills.base import SkillContext

        return SkillContext(config=self.config, db=self.db, extras={"home": self})

    @cached_property
    def actions(self) -> Actions:
        from os1.initiative.approvals import Actions
        from os1.plugins import registry

        return Actions.open(registry().tools, self.skill_context)

    def close(self) -> None:
        self.db.close()
