"""Checks on what the user typed or said, before anything is stored. Pure functions."""

from __future__ import annotations

import unicodedata

from os1.errors import InputError

MAX_CHARS = 16_000


def clean_user_text(raw: str | bytes) -> str:
    """Return text fit for a turn, or raise InputError with one sentence saying why not."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError(
                "That message is not valid UTF-8 text; check your terminal's encoding "
                "(e.g. LANG=C.UTF-8) and try again."
            ) from None
    if "\ufffd" in raw or any(0xDC80 <= ord(ch) <= 0xDCFF for ch in raw):
        raise InputError(
            "That message contains bytes that are not valid UTF-8; check your terminal's "
            "encoding (e.g. LANG=C.UTF-8) and try again."
        )
    text = "".join(ch for ch in raw if ch in "\n\t" or unicodedata.category(ch)[0] != "C").strip()
    controls = len(raw) - len(text) - (len(raw) - len(raw.strip()))
    if raw and controls > max(8, len(raw) // 10):
        raise InputError("That looks like binary data, not a message; nothing was stored.")
    if not text:
        raise InputError("The message is empty; type something to say.")
    if len(text) > MAX_CHARS:
        raise InputError(
            f"That message is {len(text):,} characters; the limit is {MAX_CHARS:,}. "
            "For long documents use 'os1 read FILE' instead."
        )
    return text
