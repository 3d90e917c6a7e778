"""Proofreading: spelling, grammar and style suggestions, each shown as a small diff that the
user accepts or declines one at a time, then applied to the file atomically with a .bak kept.

The checking is pure (text in, suggestions out); only :func:`read_text_file` and
:func:`write_accepted` touch the disk. Imports os1.errors and this package's rules/spelling.
"""

from __future__ import annotations

import difflib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from os1.errors import InputError, StorageError
from os1.skills.writing.rules import GRAMMAR_RULES, STYLE_RULES, Suggestion
from os1.skills.writing.spelling import spelling_rule

MAX_BYTES = 5_000_000
KIND_ORDER = {"spelling": 0, "grammar": 1, "style": 2}


def proofread(text: str, *, style: bool = True, known_words: Iterable[str] = ()
              ) -> list[Suggestion]:
    """Every suggestion for ``text`` in reading order; overlapping fixes keep the first
    (spelling beats grammar beats style), so any subset of the result applies cleanly."""
    found = list(spelling_rule(text, known_words))
    for grammar_rule in GRAMMAR_RULES:
        found.extend(grammar_rule(text))
    if style:
        for style_rule in STYLE_RULES:
            found.extend(style_rule(text))
    found.sort(key=lambda s: (KIND_ORDER[s.kind], s.start))
    kept: list[Suggestion] = []
    for s in found:
        if s.fixable and any(k.fixable and s.start < k.end and k.start < s.end for k in kept):
            continue
        if any(k.start == s.start and k.end == s.end and k.message == s.message for k in kept):
            continue
        kept.append(s)
    return sorted(kept, key=lambda s: (s.start, KIND_ORDER[s.kind]))


def apply(text: str, accepted: Sequence[Suggestion]) -> str:
    """``text`` with the accepted fixes made (hints are ignored)."""
    out = text
    last = len(text) + 1
    for s in sorted((s for s in accepted if s.fixable), key=lambda s: s.start, reverse=True):
        if s.end > last:
            raise InputError("Two accepted suggestions overlap; proofread the file again.")
        assert s.replacement is not None
        out = out[:s.start] + s.replacement + out[s.end:]
        last = s.start
    return out


def line_of(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


WINDOW = 70  # characters of context either side of a change in a long line


def _window(text: str, start: int, end: int) -> tuple[int, int]:
    """The line around [start, end), cut at word boundaries when the line is long."""
    first = text.rfind("\n", 0, start) + 1
    stop = text.find("\n", end)
    last = len(text) if stop < 0 else stop
    if start - first > WINDOW:
        cut = text.find(" ", start - WINDOW, start)
        first = cut + 1 if cut >= 0 else first
    if last - end > WINDOW:
        cut = text.rfind(" ", end, end + WINDOW)
        last = cut if cut >= 0 else last
    return first, last


def render_diff(text: str, s: Suggestion, name: str = "text") -> str:
    """A unified diff of the line(s) this suggestion changes (or the passage a hint is about)."""
    first, last = _window(text, s.start, s.end)
    before = text[first:last]
    lineno = line_of(text, s.start)
    if not s.fixable:
        return f"@@ line {lineno} @@ ({s.kind}: {s.message})\n  {before}"
    after = before[:s.start - first] + (s.replacement or "") + before[s.end - first:]
    diff = difflib.unified_diff(before.splitlines(), after.splitlines(), f"{name}:{lineno}",
                                f"{name}:{lineno} (suggested)", lineterm="", n=0)
    body = [d for d in diff if not d.startswith("@@")]
    return f"@@ line {lineno} @@ ({s.kind}: {s.message})\n" + "\n".join(body[2:])


def read_text_file(path: Path) -> str:
    if not path.exists():
        raise InputError(f"There is no file {path}.")
    if path.is_dir():
        raise InputError(f"{path} is a folder; give a text file to proofread.")
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise InputError(f"{path} is {size // 1_000_000} MB; I proofread text files up "
                             f"to {MAX_BYTES // 1_000_000} MB.")
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"Cannot read {path}: {exc.strerror or exc}.") from exc
    if b"\0" in data[:4096]:
        raise InputError(f"{path} is not a text file; I proofread plain text and Markdown.")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path} is not UTF-8 text; save it as UTF-8 and try again.") from exc


def write_atomic(path: Path, text: str, keep_backup: bool = True) -> Path | None:
    """Replace ``path`` by ``text`` in one step (temp file + rename), keeping ``path.bak``.

    A crash at any moment leaves either the old or the new file, never half of one."""
    backup = path.with_name(path.name + ".bak") if keep_backup else None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        if path.exists():
            shutil.copymode(path, tmp)
            if backup is not None:
                shutil.copy2(path, backup)
        os.replace(tmp, path)
    except OSError as exc:
        if "tmp" in locals() and os.path.exists(tmp):
            os.unlink(tmp)
        raise StorageError(f"Cannot write {path}: {exc.strerror or exc}; "
                           "the file was left as it was.") from exc
    return backup


def write_accepted(path: Path, original: str, accepted: Sequence[Suggestion]) -> Path | None:
    """Apply ``accepted`` to the file if anything changes; returns the backup's path."""
    new = apply(original, accepted)
    if new == original:
        return None
    if read_text_file(path) != original:
        raise InputError(f"{path} changed while you were proofreading it; nothing was "
                         "written. Run proofread again.")
    return write_atomic(path, new)


def summary(suggestions: Sequence[Suggestion]) -> str:
    counts = {k: sum(1 for s in suggestions if s.kind == k) for k in KIND_ORDER}
    parts = [f"{n} {k}" for k, n in counts.items() if n]
    return ", ".join(parts) if parts else "no suggestions"


Ask = Callable[[int, Suggestion], str]


def review(suggestions: Sequence[Suggestion], ask: Ask) -> list[Suggestion]:
    """Go through the fixable suggestions asking y(es) / n(o) / a(ll the rest) / q(uit);
    returns the accepted ones. Hints are not asked about."""
    accepted: list[Suggestion] = []
    fixes = [s for s in suggestions if s.fixable]
    for i, s in enumerate(fixes):
        answer = ask(i, s).strip().lower()[:1]
        if answer == "y":
            accepted.append(s)
        elif answer == "a":
            accepted.extend(fixes[i:])
            break
        elif answer == "q":
            break
    return accepted


def parse_choice(spec: str, count: int) -> list[int]:
    """'1,3-5' -> [0, 2, 3, 4] (numbers as shown, 1-based); InputError if out of range."""
    picked: list[int] = []
    for part in spec.replace(" ", "").split(","):
        if not part:
            continue
        lo, _, hi = part.partition("-")
        if not lo.isdigit() or (hi and not hi.isdigit()):
            raise InputError(f"'{spec}' should be suggestion numbers like 1,3-5.")
        a, b = int(lo), int(hi or lo)
        if not 1 <= a <= b <= count:
            raise InputError(f"There are {count} suggestions with a fix; {part} is not one.")
        picked.extend(range(a - 1, b))
    return sorted(set(picked))
