"""`os1 users`: accounts on this machine's os1 server (each user gets their own OS)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from os1.cli.common import console, fail, interactive, plain_errors
from os1.cli.serve import DataOption

if TYPE_CHECKING:
    from os1.server.users import Accounts

users_app = typer.Typer(help="Accounts on the os1 server ('os1 serve').", no_args_is_help=True)


def open_users(data: Path | None = None) -> Accounts:
    """The server's accounts: in Postgres when server.database_url is set, else users.db."""
    from os1.config import load_config
    from os1.server.app import server_root
    from os1.server.users import open_user_store

    config = load_config()
    root = data if data is not None else server_root(config)
    return open_user_store(config, root)


def read_password(env: str | None, no_password: bool) -> str | None:
    if no_password:
        return None
    if env:
        value = os.environ.get(env)
        if not value:
            raise fail(f"The environment variable {env} is empty or not set; put the password "
                       "there first.")
        return value
    if not interactive():
        raise fail("Give --password-env VAR (the variable holding the password), or "
                   "--no-password for a user who signs in with API tokens only.")
    import getpass

    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Again: "):
        raise fail("The two passwords differ; nothing was changed.")
    return first


@users_app.command("add")
@plain_errors
def add(
    name: Annotated[str, typer.Argument(help="The user's name (letters, digits, . _ -).")],
    password_env: Annotated[
        str | None, typer.Option("--password-env", help="Read the password from this variable.")
    ] = None,
    no_password: Annotated[
        bool, typer.Option("--no-password", help="No password: API tokens only.")
    ] = False,
    data: DataOption = None,
) -> None:
    """Add a user (with an empty OS that wakes up at their first login)."""
    from os1.server.auth import Passwords

    password = read_password(password_env, no_password)
    store = open_users(data)
    hashed = None
    if password is not None:
        try:
            hashed = Passwords().hash_now(Passwords.check(password))
        except Exception as exc:  # starlette's HTTPException carries the sentence
            raise fail(str(getattr(exc, "detail", exc))) from None
    user = store.add(name, hashed)
    console.print(f"Added user {user.name} ({user.id}).")


@users_app.command("list")
@plain_errors
def list_users(data: DataOption = None) -> None:
    """List the server's users."""
    for name in open_users(data).names():
        console.print(name)


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
