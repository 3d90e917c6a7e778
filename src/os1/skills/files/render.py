"""Showing a tidy plan: before and after trees (folders with counts, a few names each), the
first moves, duplicates, and what was left alone. Names with odd bytes are shown escaped."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from os1.skills.files.plan import Plan
from os1.skills.files.scan import Scan


def shown(name: str) -> str:
    """A printable form of a file name (undecodable bytes as \\xNN)."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _nest(paths: Iterable[str]) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for p in paths:
        node = tree
        parts = p.split("/")
        for d in parts[:-1]:
            node = node.setdefault(d + "/", {})
        node[parts[-1]] = None
    return tree


def _count(node: dict[str, Any]) -> int:
    return sum(1 if v is None else _count(v) for v in node.values())


def tree_lines(paths: Iterable[str], max_children: int = 6, max_depth: int = 3) -> list[str]:
    lines: list[str] = []

    def walk(node: dict[str, Any], indent: str, depth: int) -> None:
        dirs = sorted(k for k, v in node.items() if v is not None)
        files = sorted(k for k, v in node.items() if v is None)
        for d in dirs[:max_children * 2]:
            n = _count(node[d])
            lines.append(f"{indent}{shown(d)}  ({n} file{'' if n == 1 else 's'})")
            if depth < max_depth:
                walk(node[d], indent + "  ", depth + 1)
        if len(dirs) > max_children * 2:
            lines.append(f"{indent}… {len(dirs) - max_children * 2} more folders")
        for f in files[:max_children]:
            lines.append(f"{indent}{shown(f)}")
        if len(files) > max_children:
            lines.append(f"{indent}… {len(files) - max_children} more files")

    walk(_nest(paths), "  ", 1)
    return lines


def render_plan(plan: Plan, scan: Scan, max_moves: int = 15) -> str:
    before = [e.rel for e in scan.entries]
    moved = {m.src: m.dst for m in plan.moves}
    after = [moved.get(p, p) for p in before]
    out = [f"Tidy {shown(plan.root)} (grouped by {plan.group_by}): {plan.total_files} files, "
           f"{len(plan.moves)} to move, {plan.duplicate_count} exact duplicate(s) set aside in "
           f"Duplicates/, {len(plan.near_pairs)} near-duplicate pair(s) to look at."]
    if not plan.moves:
        out.append("Nothing to move: the folder is already tidy.")
    else:
        out += ["", "Before:", *tree_lines(before), "", "After:", *tree_lines(after), "",
                "Moves:"]
        out += [f"  {shown(m.src)} -> {shown(m.dst)}" for m in plan.moves[:max_moves]]
        if len(plan.moves) > max_moves:
            out.append(f"  … {len(plan.moves) - max_moves} more")
    for group in plan.exact_groups[:5]:
        out.append(f"Same bytes: keep {shown(group[0])}; set aside "
                   + ", ".join(shown(g) for g in group[1:]))
    if len(plan.exact_groups) > 5:
        out.append(f"… and {len(plan.exact_groups) - 5} more sets of identical files")
    for a, b, sim in plan.near_pairs[:5]:
        out.append(f"Nearly the same ({sim:.0%}): {shown(a)} ~ {shown(b)} (both kept)")
    if len(plan.near_pairs) > 5:
        out.append(f"… and {len(plan.near_pairs) - 5} more nearly-identical pairs")
    out += _left_alone(scan)
    return "\n".join(out)


def _left_alone(scan: Scan) -> list[str]:
    notes = []
    if scan.skipped_hidden or scan.skipped_system:
        notes.append(f"Left alone: {scan.skipped_hidden} hidden and {scan.skipped_system} "
                     "system or in-progress file(s) (--include-hidden to tidy them too).")
    if scan.skipped_links:
        notes.append(f"Left alone: {scan.skipped_links} symbolic link(s) (never followed).")
    if scan.skipped_projects:
        notes.append("Left whole: project folder(s) "
                     + ", ".join(shown(p) for p in scan.skipped_projects[:5]) + ".")
    if scan.skipped_other_fs:
        notes.append("Not entered (another disk): "
                     + ", ".join(shown(p) for p in scan.skipped_other_fs[:5]) + ".")
    if scan.unreadable:
        notes.append(f"Could not read {len(scan.unreadable)} item(s), left alone: "
                     + ", ".join(shown(p) for p in scan.unreadable[:5]) + ".")
    return notes
