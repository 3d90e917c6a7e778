"""`os1 token create NAME`: an API token for scripts and OpenAI clients (printed once)."""

from __future__ import annotations

from typing import Annotated

import typer

from os1.cli.common import plain_errors
from os1.cli.serve import DataOption
from os1.cli.users import open_users

token_app = typer.Typer(help="API tokens for the os1 server.", no_args_is_help=True)


@token_app.command("create")
@plain_errors
def create(
    name: Annotated[str, typer.Argument(help="The user the token acts as.")],
    label: Annotated[str, typer.Option(help="A note to recognise the token by.")] = "",
    data: DataOption = None,
) -> None:
    """Print a new API token for NAME (use it as 'Authorization: Bearer TOKEN')."""
    store = open_users(data)
    user = store.require(name)
    print(store.create_token(user.id, label))


def register(app: typer.Typer) -> None:
    app.add_typer(token_app, name="token")
