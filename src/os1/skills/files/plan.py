"""The tidy plan: where each file should go. Pure (no I/O): entries and duplicates in, moves out.

Grouping: by kind (Documents, Images, ...), by date (2024/2024-03, from a date in the name or
else the modified time), by topic (the most shared meaningful word of the file names, e.g.
"Invoices"), or kind then date. Renames make names consistent (trimmed, one space, copy
markers like " (1)" and "Copy of" dropped, lower-case extension). Exact duplicates go to
Duplicates/ (never deleted); near duplicates are only reported. A file already where the plan
would put it stays, so tidying a tidy folder plans nothing.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from os1.skills.files.dups import Duplicates
from os1.skills.files.scan import Entry

GroupBy = Literal["kind", "date", "topic", "kind-date"]
DUPLICATES_DIR = "Duplicates"

KINDS: dict[str, tuple[str, ...]] = {
    "Documents": ("pdf", "doc", "docx", "odt", "rtf", "txt", "md", "markdown", "tex", "pages",
                  "epub", "mobi", "rst", "org", "wpd"),
    "Spreadsheets": ("xls", "xlsx", "xlsm", "ods", "csv", "tsv", "numbers"),
    "Presentations": ("ppt", "pptx", "odp", "key"),
    "Images": ("jpg", "jpeg", "png", "gif", "bmp", "tif", "tiff", "webp", "heic", "heif", "svg",
               "raw", "cr2", "nef", "arw", "dng", "psd", "ico"),
    "Audio": ("mp3", "wav", "flac", "aac", "m4a", "ogg", "opus", "wma", "aiff", "mid"),
    "Video": ("mp4", "mov", "avi", "mkv", "webm", "wmv", "m4v", "mpg", "mpeg", "3gp"),
    "Archives": ("zip", "tar", "gz", "tgz", "bz2", "xz", "7z", "rar", "zst"),
    "Code": ("py", "js", "ts", "java", "c", "h", "cpp", "go", "rs", "rb", "sh", "html", "htm",
             "css", "json", "xml", "yaml", "yml", "toml", "ini", "sql", "ipynb"),
    "Installers": ("exe", "msi", "dmg", "pkg", "deb", "rpm", "apk", "appimage", "iso"),
    "Fonts": ("ttf", "otf", "woff", "woff2"),
    "Calendars and contacts": ("ics", "vcf"),
    "Mail": ("eml", "msg", "mbox"),
}
_KIND_OF = {ext: kind for kind, exts in KINDS.items() for ext in exts}
GROUP_NAMES = {*KINDS, "Other", DUPLICATES_DIR}
_COPY = re.compile(r"^(?:copy of\s+)+|\s*(?:\(\d+\)|-\s*copy(?:\s*\d+)?|\s+copy(?:\s*\d+)?)$",
                   re.I)
_DATE_IN_NAME = re.compile(r"(?<!\d)((?:19|20)\d\d)[-_. ]?(0[1-9]|1[0-2])(?:[-_. ]?(\d\d))?(?!\d)")
_STOPWORDS = {"the", "and", "for", "with", "from", "final", "draft", "copy", "new", "old", "img",
              "image", "scan", "file", "document", "doc", "untitled", "version", "rev", "dsc",
              "screenshot", "photo", "pic", "vid", "video", "audio", "v1", "v2", "v3", "of"}
MIN_TOPIC = 3


@dataclass(frozen=True, slots=True)
class Move:
    src: str
    dst: str
    why: str  # "tidy" | "duplicate"


@dataclass
class Plan:
    root: str
    group_by: str
    moves: list[Move] = field(default_factory=list)
    exact_groups: list[list[str]] = field(default_factory=list)  # first one is kept
    near_pairs: list[tuple[str, str, float]] = field(default_factory=list)
    total_files: int = 0
    new_dirs: list[str] = field(default_factory=list)

    @property
    def duplicate_count(self) -> int:
        return sum(len(g) - 1 for g in self.exact_groups)


def extension(name: str) -> str:
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem and " " not in ext and len(ext) <= 10 else ""


def kind_of(name: str) -> str:
    return _KIND_OF.get(extension(name), "Other")


def clean_name(name: str) -> str:
    """'Copy of  My Report (1).PDF' -> 'My Report.pdf' (underscores and case are kept)."""
    ext = extension(name)
    stem = name[: -(len(ext) + 1)] if ext else name
    cleaned = " ".join(stem.split())
    for _ in range(3):
        cleaned = _COPY.sub("", cleaned).strip(" -")
    cleaned = cleaned or stem.strip() or "unnamed"
    return f"{cleaned}.{ext}" if ext else cleaned


def date_folder(e: Entry) -> str:
    m = _DATE_IN_NAME.search(e.name)
    if m:
        year, month = m.group(1), m.group(2)
    else:
        when = datetime.fromtimestamp(e.mtime_ns / 1e9, UTC)
        year, month = f"{when.year}", f"{when.month:02d}"
    return f"{year}/{year}-{month}"


def name_words(name: str) -> list[str]:
    stem = name.rsplit(".", 1)[0]
    stem = re.sub(r"([a-z])([A-Z])", r"\1 \2", stem)
    words = re.findall(r"[a-z]+", stem.lower())
    return [w for w in words if len(w) > 2 and w not in _STOPWORDS]


def topics(entries: list[Entry]) -> dict[str, str]:
    """Each file's topic: its name word shared by the most files (at least MIN_TOPIC)."""
    counts: Counter[str] = Counter()
    words = {e.rel: set(name_words(e.name)) for e in entries}
    for ws in words.values():
        counts.update(ws)
    out = {}
    for e in entries:
        best = max(words[e.rel], key=lambda w: (counts[w], w), default="")
        out[e.rel] = best.capitalize() if best and counts[best] >= MIN_TOPIC else ""
    return out


def _folder(e: Entry, group_by: str, topic: str) -> str:
    if group_by == "date":
        return date_folder(e)
    if group_by == "kind-date":
        return f"{kind_of(e.name)}/{date_folder(e)}"
    if group_by == "topic":
        return topic or kind_of(e.name)
    return kind_of(e.name)


def _unique(folder: str, name: str, taken: set[str]) -> str:
    ext = extension(name)
    stem = name[: -(len(ext) + 1)] if ext else name
    candidate, n = f"{folder}/{name}", 2
    while candidate.casefold() in taken:
        candidate = f"{folder}/{stem} ({n})" + (f".{ext}" if ext else "")
        n += 1
    taken.add(candidate.casefold())
    return candidate


def make_plan(root: str, entries: list[Entry], dups: Duplicates, group_by: str = "kind",
              rename: bool = True, existing_dirs: set[str] | None = None) -> Plan:
    plan = Plan(root, group_by, total_files=len(entries))
    drop = {}
    for group in dups.exact:
        keep = min(group, key=lambda e: (e.rel.startswith(DUPLICATES_DIR + "/"), len(e.name),
                                         e.mtime_ns, e.rel))
        plan.exact_groups.append([keep.rel] + [e.rel for e in group if e is not keep])
        drop.update({e.rel: keep for e in group if e is not keep})
    plan.near_pairs = [(a.rel, b.rel, round(s, 3)) for a, b, s in dups.near
                       if a.rel not in drop and b.rel not in drop]
    topic = topics(entries) if group_by == "topic" else {}
    # Files that stay put keep their names; everyone else picks a free name around them.
    targets = {e.rel: _target(e, group_by, topic.get(e.rel, ""), rename, e.rel in drop)
               for e in entries}
    taken = {e.rel.casefold() for e in entries if targets[e.rel] == e.rel}
    for e in entries:
        want = targets[e.rel]
        if want == e.rel:
            continue
        folder, _, name = want.rpartition("/")
        dst = _unique(folder, name, taken)
        plan.moves.append(Move(e.rel, dst, "duplicate" if e.rel in drop else "tidy"))
    plan.new_dirs = _new_dirs(plan.moves, existing_dirs or set())
    return plan


def _target(e: Entry, group_by: str, topic: str, rename: bool, duplicate: bool) -> str:
    name = clean_name(e.name) if rename else e.name
    folder = DUPLICATES_DIR if duplicate else _folder(e, group_by, topic)
    if e.parent == folder and (not rename or clean_name(e.name) == e.name or
                               _is_numbered_twin(e.name)):
        return e.rel
    top = e.parent.split("/", 1)[0]
    if top and top == folder.split("/", 1)[0] and e.parent != folder:
        return e.rel  # filed by the user in a subfolder of the right folder: leave it
    return f"{folder}/{name}"


def _is_numbered_twin(name: str) -> bool:
    # "Report (2).pdf" made by an earlier tidy to avoid a clash must not be renamed again.
    return bool(re.search(r" \(\d+\)(?:\.[^.]+)?$", name))


def _new_dirs(moves: list[Move], existing: set[str]) -> list[str]:
    need: set[str] = set()
    for m in moves:
        parts = m.dst.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            need.add("/".join(parts[:i]))
    return sorted(d for d in need if d not in existing)
