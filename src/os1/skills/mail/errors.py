"""The mail skill's own error: the server could not be reached, refused us, or went away."""

from __future__ import annotations

from os1.errors import Os1Error


class MailError(Os1Error):
    exit_code = 5
