"""Walk a folder safely for tidying: regular files only, never through a symlink, never onto
another filesystem, hidden and system files left out unless asked, projects (a folder with
.git/.hg/.svn) kept whole, unreadable folders reported rather than fatal.

Paths are ``str`` as the OS gives them (undecodable bytes kept as surrogates, so odd-byte
names survive the round trip); they are relative to the root, with '/' separators.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, field

SYSTEM_NAMES = {"desktop.ini", "thumbs.db", "ehthumbs.db", ".ds_store", "icon\r", "$recycle.bin",
                "system volume information", "lost+found", ".trash", ".trashes",
                ".spotlight-v100", ".fseventsd", ".localized"}
IN_PROGRESS = (".part", ".crdownload", ".download", ".partial", ".tmp", ".swp", ".lock")
PROJECT_MARKERS = (".git", ".hg", ".svn")

Progress = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class Entry:
    rel: str  # relative path, '/'-separated
    size: int
    mtime_ns: int
    ino: int
    dev: int

    @property
    def name(self) -> str:
        return self.rel.rsplit("/", 1)[-1]

    @property
    def parent(self) -> str:
        return self.rel.rsplit("/", 1)[0] if "/" in self.rel else ""


@dataclass
class Scan:
    root: str
    entries: list[Entry] = field(default_factory=list)
    skipped_hidden: int = 0
    skipped_system: int = 0
    skipped_links: int = 0
    skipped_projects: list[str] = field(default_factory=list)
    skipped_other_fs: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    dirs: dict[str, int] = field(default_factory=dict)  # relative dir -> st_mode


def is_system(name: str) -> bool:
    low = name.lower()
    return low in SYSTEM_NAMES or low.startswith("~$") or low.endswith(IN_PROGRESS)


def scan(root: str, *, include_hidden: bool = False, top_level_only: bool = False,
         progress: Progress | None = None, every: int = 500) -> Scan:
    root = os.path.abspath(root)
    out = Scan(root)
    root_dev = os.lstat(root).st_dev
    stack = [""]
    while stack:
        rel_dir = stack.pop()
        path = os.path.join(root, rel_dir) if rel_dir else root
        try:
            with os.scandir(path) as it:
                items = list(it)
        except OSError as exc:
            out.unreadable.append(f"{rel_dir or '.'}/ ({exc.strerror or exc})")
            continue
        if rel_dir and any(i.name in PROJECT_MARKERS for i in items):
            out.skipped_projects.append(rel_dir)
            continue
        if rel_dir:
            out.dirs[rel_dir] = os.lstat(path).st_mode
        for item in sorted(items, key=lambda i: i.name):
            _visit(item, rel_dir, root_dev, out, stack, include_hidden, top_level_only)
            if progress is not None and len(out.entries) % every == 0 and out.entries:
                progress(len(out.entries))
    out.entries.sort(key=lambda e: e.rel)
    if progress is not None:
        progress(len(out.entries))
    return out


def _visit(item: os.DirEntry[str], rel_dir: str, root_dev: int, out: Scan, stack: list[str],
           include_hidden: bool, top_level_only: bool) -> None:
    rel = f"{rel_dir}/{item.name}" if rel_dir else item.name
    if item.name.startswith(".") and not include_hidden:
        out.skipped_hidden += 1
        return
    if is_system(item.name) and not include_hidden:
        out.skipped_system += 1
        return
    try:
        st = item.stat(follow_symlinks=False)
    except OSError as exc:
        out.unreadable.append(f"{rel} ({exc.strerror or exc})")
        return
    if stat.S_ISLNK(st.st_mode):
        out.skipped_links += 1  # never followed, never moved: a moved link may break
        return
    if stat.S_ISDIR(st.st_mode):
        if st.st_dev != root_dev:
            out.skipped_other_fs.append(rel)
        elif not top_level_only:
            stack.append(rel)
        return
    if stat.S_ISREG(st.st_mode):
        out.entries.append(Entry(rel, st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev))
