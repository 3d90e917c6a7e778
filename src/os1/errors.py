"""The project's exceptions. Each carries one plain sentence a user can act on.

Imports nothing from os1.
"""

from __future__ import annotations


class Os1Error(Exception):
    """Base error: ``str(err)`` is a sentence for the user; ``exit_code`` for the CLI."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigError(Os1Error):
    """A setting is unknown, has a bad value, or the config file cannot be read."""

    exit_code = 2


class BackendError(Os1Error):
    """The chat model (embedded file or remote server) cannot be used."""

    exit_code = 2


class InputError(Os1Error):
    """What the user gave us cannot be used (empty, too large, not text, bad file)."""

    exit_code = 2


class StorageError(Os1Error):
    """The user's data directory cannot be read or written (full disk, permissions)."""

    exit_code = 3


class NotFoundError(Os1Error):
    """A named thing (memory, account, approval, client) does not exist."""

    exit_code = 2


class ApprovalDenied(Os1Error):
    """An action with side effects was not approved."""

    exit_code = 4
