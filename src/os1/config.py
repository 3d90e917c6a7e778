"""One settings root for os1: TOML in the user dir, overridden by OS1_* environment variables.

Lookup order for a value: environment (``OS1_BRAIN_BACKEND`` sets ``brain.backend``), then
``config.toml`` in the home directory, then the defaults below. Secrets are never stored here:
only the *name* of the environment variable or keyring entry that holds them.
Imports only os1.errors.
"""

from __future__ import annotations

import importlib
import os
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, TypeVar

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from os1.errors import ConfigError


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class BrainConfig(Section):
    backend: Literal["embedded", "openai"] = "embedded"
    model_path: str = Field(default="", description="a .gguf file; empty = the packaged SmolLM2")
    base_url: str = "http://127.0.0.1:11434/v1"
    model: str = "llama3.2"
    api_key_env: str = "OPENAI_API_KEY"
    n_ctx: int = Field(default=4096, ge=512, le=131072)
    threads: int = Field(default=0, ge=0, le=256, description="0 = all cores")
    temperature: float = Field(default=0.3, ge=0.0, le=2.0)
    max_tokens: int = Field(default=160, ge=1, le=8192)
    timeout_s: float = Field(default=60.0, gt=0)


class MemoryConfig(Section):
    recall_limit: int = Field(default=4, ge=0, le=50)
    extract_facts: bool = True
    core_max_chars: int = Field(default=1200, ge=100, le=20000)


class VoiceConfig(Section):
    voice: str = "joe"
    stt_model: str = "base"
    barge_in: bool = True


class MailConfig(Section):
    sync_batch: int = Field(default=200, ge=1, le=5000)
    password_store: Literal["auto", "keyring", "file"] = Field(
        default="auto", description="auto = the system keyring if one works, else an encrypted file"
    )
    max_fetch_bytes: int = Field(
        default=2_000_000, ge=65536, description="bigger messages: only their first part is fetched"
    )
    timeout_s: float = Field(default=30.0, gt=0)
    sync_every_s: float = Field(
        default=300.0, ge=0,
        description="'os1 daemon' syncs each account this often (0 = never); with "
        "server.database_url set it hands the sync to 'os1 worker' processes",
    )


class ServerConfig(Section):
    host: str = "127.0.0.1"
    port: int = Field(default=8330, ge=1, le=65535)
    database_url: str = ""
    data_dir: str = Field(
        default="", description="users.db and every user's home; empty = <OS1_HOME>/server"
    )
    engine: Literal["full", "direct"] = Field(
        default="full",
        description="full = recall, memory, mood and the sentence filter (as in 'os1 chat'); "
        "direct = the model's tokens stream straight through with history, persona and mood "
        "only (for a capable model behind brain.backend=openai, at scale)",
    )
    max_open_homes: int = Field(
        default=256, ge=1, le=100_000, description="user homes kept open (3 files each)"
    )
    max_kept_homes: int = Field(
        default=20_000, ge=1, le=1_000_000,
        description="user OSes kept in memory; those over max_open_homes hold no open files",
    )
    queue_workers: int = Field(
        default=1, ge=0, le=64,
        description="with database_url: threads in this server that run background jobs "
        "(reminders, briefings, reflection) from the queue; 0 = leave them to 'os1 worker'",
    )
    max_body_bytes: int = Field(default=1_000_000, ge=1024, le=100_000_000)
    signup: bool = Field(default=True, description="anyone who reaches the server may sign up")
    origins: str = Field(
        default="", description="extra allowed browser origins, comma-separated (behind a proxy)"
    )
    secure_cookies: bool = Field(default=False, description="set true when served over HTTPS")
    session_days: int = Field(default=14, ge=1, le=365)


class InitiativeConfig(Section):
    morning_briefing: str = "08:00"
    enabled: bool = True


class Config(Section):
    brain: BrainConfig = BrainConfig()
    memory: MemoryConfig = MemoryConfig()
    voice: VoiceConfig = VoiceConfig()
    mail: MailConfig = MailConfig()
    server: ServerConfig = ServerConfig()
    initiative: InitiativeConfig = InitiativeConfig()

    home: Path = Field(default=Path("."), exclude=True)

    @property
    def db_path(self) -> Path:
        return self.home / "os1.db"


def default_home() -> Path:
    env = os.environ.get("OS1_HOME")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("os1", appauthor=False))


def _section_names() -> list[str]:
    return [n for n in Config.model_fields if n != "home"]


# Short names for settings people set most: OS1_DATABASE_URL is server.database_url.
ALIASES = {"database_url": "server_database_url"}


def _env_overrides() -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for name, value in os.environ.items():
        if not name.startswith("OS1_") or name == "OS1_HOME":
            continue
        rest = name[4:].lower()
        if rest in ALIASES:
            rest = ALIASES[rest]
        for section in _section_names():
            if rest.startswith(section + "_"):
                out.setdefault(section, {})[rest[len(section) + 1 :]] = value
    return out


def _describe(err: ValidationError, origin: str) -> str:
    first = err.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    if first["type"] == "extra_forbidden":
        return f"Unknown setting '{where}' in {origin}; run 'os1 config show' to see valid keys."
    return f"Bad value for '{where}' in {origin}: {first['msg']}."


def load_config(home: Path | None = None) -> Config:
    """Read ``config.toml`` from ``home`` (default: OS1_HOME or the platform user dir)."""
    home = home or default_home()
    path = home / "config.toml"
    data: dict[str, Any] = {}
    if path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"Cannot read {path}: {exc}. Fix or delete that file.") from exc
    try:
        cfg = Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, str(path))) from exc
    for section, values in _env_overrides().items():
        merged = {**getattr(cfg, section).model_dump(), **values}
        try:
            setattr(cfg, section, type(getattr(cfg, section)).model_validate(merged))
        except ValidationError as exc:
            raise ConfigError(_describe(exc, f"OS1_{section.upper()}_* environment")) from exc
    cfg.home = home
    return cfg


def _parse_scalar(raw: str) -> Any:
    low = raw.strip().lower()
    if low in ("true", "false"):
        return low == "true"
    for cast in (int, float):
        try:
            return cast(raw)
        except ValueError:
            pass
    return raw


def set_value(home: Path, key: str, raw: str) -> Config:
    """Validate and persist ``section.field = raw``; raises ConfigError naming the bad part."""
    section, _, name = key.partition(".")
    if section not in _section_names() or not name:
        valid = ", ".join(_section_names())
        raise ConfigError(
            f"Unknown setting '{key}'; keys look like SECTION.NAME with SECTION in {valid}."
        )
    sect_cls = type(getattr(Config(), section))
    if name not in sect_cls.model_fields:
        valid = ", ".join(sect_cls.model_fields)
        raise ConfigError(f"Unknown setting '{key}'; '{section}' has: {valid}.")
    path = home / "config.toml"
    data: dict[str, Any] = {}
    if path.exists():
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    data.setdefault(section, {})[name] = _parse_scalar(raw)
    try:
        cfg = Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, "your setting")) from exc
    home.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(tomli_w.dumps(data), encoding="utf-8")
    tmp.replace(path)
    cfg.home = home
    return cfg


def shared_database(where: Any) -> tuple[str, str] | None:
    """(PostgreSQL URL, user id) when the config of ``where`` (a Home, or a SkillContext whose
    ``extras["home"]`` is one) names a shared database (server.database_url /
    OS1_DATABASE_URL); None when the home's own SQLite file holds its state. A home without
    a user id (the CLI's) is the user 'local'. Every store with a Postgres twin picks by this."""
    config = getattr(where, "config", None)
    url = config.server.database_url if config is not None else ""
    if not url:
        return None
    home = getattr(where, "extras", {}).get("home", where)
    return url, str(getattr(home, "user_id", "local"))


Store = TypeVar("Store")


def store_for(where: Any, sqlite: Callable[[Any], Store], postgres: str) -> Store:
    """The store of ``where`` (a Home, or a SkillContext with ``extras["home"]``): its user's
    rows in PostgreSQL when the config names a database (:func:`shared_database`), built by
    ``postgres`` ("module:Class", imported only then), else ``sqlite(where.db)``, the home's
    SQLite file. Typed as the SQLite store; the PostgreSQL one keeps the same protocol."""
    shared = shared_database(where)
    if shared is None:
        return sqlite(where.db)
    module, name = postgres.split(":")
    built: Store = getattr(importlib.import_module(module), name)(*shared)
    return built
