"""The os1 cache folder: files os1 derives once from what its packages ship (a quantised query
encoder, a joined speech model, a converted font), never downloaded. ``OS1_CACHE_DIR`` moves
it; otherwise it is the platform's user cache folder (~/.cache/os1 on Linux). Deleting it is
always safe: everything in it is made again on first use.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path


def cache_dir() -> Path:
    env = os.environ.get("OS1_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("os1", appauthor=False))


def write_once(path: Path, write: Callable[[Path], object]) -> Path:
    """``path``, made by ``write(tmp)`` unless it exists; atomic, so processes may race."""
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    write(tmp)
    os.replace(tmp, path)
    return path


__all__ = ["cache_dir", "write_once"]
