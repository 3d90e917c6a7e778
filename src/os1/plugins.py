"""Plugin hooks. Built-ins register exactly the way third-party packages do: a function
listed under the ``os1.plugins`` entry-point group receives the :class:`Registry`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from os1.brain.base import ChatModel
    from os1.config import BrainConfig


@dataclass
class Registry:
    backends: dict[str, Callable[[BrainConfig], ChatModel]] = field(default_factory=dict)
    tools: dict[str, Any] = field(default_factory=dict)  # name -> os1.skills.base.Tool
    intents: list[Any] = field(default_factory=list)  # os1.skills.base.Intent, in order
    problems: list[str] = field(default_factory=list)  # skills that could not load, and why


def builtin(reg: Registry) -> None:
    def embedded(cfg: BrainConfig) -> ChatModel:
        from os1.brain.embedded import load

        return load(cfg)

    def openai(cfg: BrainConfig) -> ChatModel:
        from os1.brain.openai_compat import OpenAICompatModel

        return OpenAICompatModel(cfg)

    reg.backends["embedded"] = embedded
    reg.backends["openai"] = openai
    for name in BUILTIN_SKILLS:
        load_skill(reg, name)


BUILTIN_SKILLS = (
    "os1.skills.journal",
    "os1.skills.mail",
    "os1.skills.organise",
    "os1.skills.writing",
    "os1.minds",
    "os1.mcp.client",
)


def load_skill(reg: Registry, module_name: str) -> None:
    """Import a skill package and let it add its tools and intents."""
    import importlib

    # A broken skill must not take the whole OS down with it: it is recorded in
    # ``problems`` (tests assert there are none) and the rest keeps working.
    try:
        module = importlib.import_module(module_name)
        if hasattr(module, "register_tools"):
            module.register_tools(reg.tools)
        if hasattr(module, "register_intents"):
            module.register_intents(reg.intents)
    except Exception as exc:
        reg.problems.append(f"{module_name}: {type(exc).__name__}: {exc}")


@lru_cache(maxsize=1)
def registry() -> Registry:
    reg = Registry()
    builtin(reg)
    for ep in entry_points(group="os1.plugins"):
        if ep.value == "os1.plugins:builtin":
            continue
        ep.load()(reg)
    return reg
