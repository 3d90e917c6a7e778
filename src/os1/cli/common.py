"""Helpers shared by CLI command modules: consoles, error handling, opening the home."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import typer
from rich.console import Console

from os1.errors import Os1Error

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)

F = TypeVar("F", bound=Callable[..., Any])


def fail(message: str, code: int = 2) -> typer.Exit:
    err_console.print(f"[red]os1:[/red] {message}", markup=True, soft_wrap=True)
    return typer.Exit(code)


def plain_errors(fn: F) -> F:
    """Turn an Os1Error into one sentence on stderr and its exit code, never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except Os1Error as exc:
            raise fail(exc.message, exc.exit_code) from None
        except KeyboardInterrupt:
            raise typer.Exit(130) from None
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except Exception as exc:
            if os.environ.get("OS1_DEBUG"):
                raise
            raise fail(
                f"os1 hit an unexpected problem ({type(exc).__name__}: {exc}); what was already "
                "saved is safe. Run again with OS1_DEBUG=1 for details and report it.",
                1,
            ) from None

    return wrapper  # type: ignore[return-value]


def interactive() -> bool:
    return sys.stdin.isatty()


def open_home() -> Any:
    from os1.home import Home

    return Home.open()
