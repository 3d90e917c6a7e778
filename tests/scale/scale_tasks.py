"""Tasks the queue tests run (in worker threads and in real worker processes)."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any


def _log(path: str, line: str) -> None:
    with open(path, "a", encoding="utf-8") as f:  # O_APPEND: lines from processes never mix
        f.write(line + "\n")


def record(args: dict[str, Any]) -> str:
    _log(args["log"], f"start {args['n']} {os.getpid()}")
    time.sleep(args.get("sleep", 0))
    _log(args["log"], f"done {args['n']} {os.getpid()}")
    return f"ran {args['n']}"


def fail_until(args: dict[str, Any]) -> str:
    """Fails until it has been tried ``times`` times."""
    marker = Path(args["marker"])
    tries = int(marker.read_text()) + 1 if marker.exists() else 1
    marker.write_text(str(tries))
    if tries < args["times"]:
        raise RuntimeError(f"try {tries} failed")
    return f"ok after {tries}"


async def double(args: dict[str, Any]) -> int:
    return int(args["x"]) * 2
