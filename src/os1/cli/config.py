"""`os1 config show|set KEY VALUE`."""

from __future__ import annotations

from typing import Annotated

import typer

from os1.cli.common import console, plain_errors

config_app = typer.Typer(help="Show or change settings (TOML in the os1 home; OS1_* env wins).")


@config_app.command("show")
@plain_errors
def show() -> None:
    """Print every setting with its current value."""
    from os1.config import load_config

    cfg = load_config()
    console.print(f"[dim]home: {cfg.home}[/dim]")
    for section, values in cfg.model_dump(exclude={"home"}).items():
        console.print(f"[bold][{section}][/bold]")
        for key, value in values.items():
            console.print(f"{section}.{key} = {value!r}")


@config_app.command("set")
@plain_errors
def set_(
    key: Annotated[str, typer.Argument(help="SECTION.NAME, e.g. brain.backend")],
    value: Annotated[str, typer.Argument(help="The new value.")],
) -> None:
    """Validate and save one setting."""
    from os1.config import default_home, set_value

    cfg = set_value(default_home(), key, value)
    section, _, name = key.partition(".")
    console.print(f"{key} = {getattr(getattr(cfg, section), name)!r}")


def register(app: typer.Typer) -> None:
    app.add_typer(config_app, name="config")
