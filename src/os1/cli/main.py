"""The Typer app. Command groups live in sibling modules and register themselves."""

from __future__ import annotations

import importlib
import pkgutil

import typer

import os1.cli as cli_pkg

app = typer.Typer(
    name="os1",
    help="os1: a local-first personal AI operating system. Run 'os1 chat' to talk.",
    no_args_is_help=False,
    add_completion=False,
    rich_markup_mode="rich",
)

_SKIP = {"main", "common"}


def _load_groups() -> None:
    for info in sorted(pkgutil.iter_modules(cli_pkg.__path__), key=lambda m: m.name):
        if info.name in _SKIP or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"os1.cli.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(app)


@app.callback(invoke_without_command=True)
def root(ctx: typer.Context) -> None:
    """With no command: first boot if needed, then chat."""
    if ctx.invoked_subcommand is None:
        from os1.cli.chat import chat

        chat(once=None, json_out=False)


_load_groups()


def run() -> None:
    app()
