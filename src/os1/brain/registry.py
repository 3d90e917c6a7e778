"""Choose a ChatModel backend by name; backends register through os1.plugins like any plugin."""

from __future__ import annotations

from os1.brain.base import ChatModel
from os1.config import BrainConfig
from os1.errors import ConfigError
from os1.plugins import registry


def open_model(cfg: BrainConfig) -> ChatModel:
    factories = registry().backends
    factory = factories.get(cfg.backend)
    if factory is None:
        names = ", ".join(sorted(factories))
        raise ConfigError(f"Unknown brain.backend '{cfg.backend}'; choose one of: {names}.")
    return factory(cfg)
