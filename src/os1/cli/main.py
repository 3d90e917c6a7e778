"""The Typer app. Command groups live in sibling modules and register themselves."""

from __future__ import annotations

import importlib
import inspect
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


def reflow(doc: str) -> str:
    """A docstring as help text: each paragraph's lines joined into one, since Typer's rich
    help keeps a docstring's line breaks and the terminal then breaks those lines again
    mid-sentence. Paragraphs holding a list or an indented example keep their lines."""
    out = []
    for para in inspect.cleandoc(doc).split("\n\n"):
        lines = para.splitlines()
        if any(line.startswith((" ", "-", "*", "$")) for line in lines[1:]):
            out.append(para)
        else:
            out.append(" ".join(line.strip() for line in lines))
    return "\n\n".join(out)


def _reflow_help(tree: typer.Typer) -> None:
    for command in tree.registered_commands:
        doc = command.help or (command.callback.__doc__ if command.callback else None)
        if doc:
            command.help = reflow(doc)
    for group in tree.registered_groups:
        if group.typer_instance is not None:
            _reflow_help(group.typer_instance)


@app.callback(invoke_without_command=True)
def root(ctx: typer.Context) -> None:
    """With no command: first boot if needed, then chat."""
    if ctx.invoked_subcommand is None:
        from os1.cli.chat import chat

        chat(once=None, json_out=False)


_load_groups()
_reflow_help(app)


def run() -> None:
    app()
