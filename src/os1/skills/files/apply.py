"""Carry out a tidy plan, and undo it.

Only renames inside the folder: no byte is rewritten, nothing is deleted (duplicates are moved
to Duplicates/). Before the first move the whole plan goes into the undo journal, with each
file's inode, size and time, so undo works after a crash midway and never moves back a file
that is not the one os1 moved. Each move re-checks its file first: a file changed, moved or
replaced meanwhile is skipped and reported; an existing destination is never overwritten
(renameat2 RENAME_NOREPLACE where the filesystem has it).
"""

from __future__ import annotations

import ctypes
import errno
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from os1.skills.files.plan import Plan
from os1.skills.files.scan import Entry

TIDY_KIND = "files.tidy"
Progress = Callable[[int], None]
_AT_FDCWD = -100
_RENAME_NOREPLACE = 1


@dataclass
class Applied:
    moved: int = 0
    skipped: list[str] = field(default_factory=list)
    removed_dirs: int = 0


def _renameat2() -> Any:
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    return fn


_RENAMEAT2 = _renameat2()


def rename_no_replace(src: str, dst: str) -> None:
    """Rename, failing with FileExistsError instead of replacing an existing ``dst``."""
    if _RENAMEAT2 is not None:
        rc = _RENAMEAT2(_AT_FDCWD, os.fsencode(src), _AT_FDCWD, os.fsencode(dst), _RENAME_NOREPLACE)
        if rc == 0:
            return
        err = ctypes.get_errno()
        if err == errno.EEXIST:
            raise FileExistsError(err, os.strerror(err), dst)
        if err not in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
            raise OSError(err, os.strerror(err), src)
    if os.path.lexists(dst):
        raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), dst)
    os.rename(src, dst)


def journal_payload(plan: Plan, entries: dict[str, Entry], dir_modes: dict[str, int]) -> dict[
        str, Any]:
    moves = []
    for m in plan.moves:
        e = entries[m.src]
        moves.append([m.src, m.dst, e.ino, e.dev, e.size, e.mtime_ns])
    ancestors: set[str] = set()
    for parent in {m.src.rsplit("/", 1)[0] for m in plan.moves if "/" in m.src}:
        parts = parent.split("/")
        ancestors.update("/".join(parts[:i]) for i in range(1, len(parts) + 1))
    modes = {d: mode for d, mode in dir_modes.items() if d in ancestors}
    return {"root": plan.root, "moves": moves, "new_dirs": plan.new_dirs, "dir_modes": modes}


def _same_file(path: str, ino: int, dev: int, size: int | None = None,
               mtime_ns: int | None = None) -> bool:
    try:
        st = os.lstat(path)
    except OSError:
        return False
    if not stat.S_ISREG(st.st_mode) or (st.st_ino, st.st_dev) != (ino, dev):
        return False
    return size is None or (st.st_size == size and st.st_mtime_ns == mtime_ns)


def apply_plan(payload: dict[str, Any], progress: Progress | None = None) -> Applied:
    root = str(payload["root"])
    out = Applied()
    for d in payload["new_dirs"]:
        os.makedirs(os.path.join(root, d), exist_ok=True)
    for n, (src, dst, ino, dev, size, mtime_ns) in enumerate(payload["moves"]):
        s, t = os.path.join(root, src), os.path.join(root, dst)
        if not _same_file(s, ino, dev, size, mtime_ns):
            out.skipped.append(f"{src} (changed or moved while tidying; left alone)")
            continue
        try:
            rename_no_replace(s, t)
            out.moved += 1
        except FileExistsError:
            out.skipped.append(f"{src} ({dst} appeared meanwhile; nothing overwritten)")
        except OSError as exc:
            out.skipped.append(f"{src} ({exc.strerror or exc})")
        if progress is not None and n % 1000 == 0:
            progress(n)
    emptied = sorted({src.rsplit("/", 1)[0] for src, *_ in payload["moves"] if "/" in src},
                     key=lambda d: -d.count("/"))
    out.removed_dirs = _remove_empty(root, emptied, with_parents=True)
    _remove_empty(root, list(reversed(payload["new_dirs"])), with_parents=False)
    return out


def _remove_empty(root: str, dirs: list[str], with_parents: bool) -> int:
    removed = 0
    todo = list(dirs)
    while todo:
        d = todo.pop(0)
        try:
            os.rmdir(os.path.join(root, d))
        except OSError:
            continue
        removed += 1
        parent = d.rsplit("/", 1)[0] if "/" in d else ""
        if with_parents and parent and parent not in todo:
            todo.append(parent)
    return removed


def revert_plan(payload: dict[str, Any], progress: Progress | None = None) -> tuple[int, list[str]]:
    """Move every file back where it was; returns (moved back, what could not be and why)."""
    root = str(payload["root"])
    modes: dict[str, int] = payload.get("dir_modes", {})
    back, problems = 0, []
    for n, (src, dst, ino, dev, _size, _mtime) in enumerate(reversed(payload["moves"])):
        s, t = os.path.join(root, src), os.path.join(root, dst)
        if _same_file(s, ino, dev):
            continue  # never moved (skipped, or the crash came first)
        if not _same_file(t, ino, dev):
            problems.append(f"{src} (no longer at {dst})")
            continue
        try:
            _make_parents(root, src, modes)
            rename_no_replace(t, s)
            back += 1
        except FileExistsError:
            problems.append(f"{src} (a new file has that name now; it stays at {dst})")
        except OSError as exc:
            problems.append(f"{src} ({exc.strerror or exc})")
        if progress is not None and n % 1000 == 0:
            progress(n)
    _remove_empty(root, sorted(payload["new_dirs"], key=lambda d: -d.count("/")),
                  with_parents=False)
    return back, problems


def _make_parents(root: str, rel: str, modes: dict[str, int]) -> None:
    parts = rel.split("/")[:-1]
    for i in range(1, len(parts) + 1):
        d = "/".join(parts[:i])
        path = os.path.join(root, d)
        if not os.path.isdir(path):
            os.mkdir(path)
            if d in modes:
                os.chmod(path, stat.S_IMODE(modes[d]))
