"""`files tidy` on real temporary trees: the plan, approval, undo restoring every byte and name,
symlinks, hidden and system files, odd-byte names, and a folder changing while tidying."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import pytest

from os1.home import Home
from os1.skills.files.apply import apply_plan
from os1.skills.files.dups import find_duplicates
from os1.skills.files.plan import clean_name
from os1.skills.files.scan import scan
from os1.skills.files.tools import TidyOptions, build_plan
from os1.skills.journal import UndoJournal

TEXT = ("The tenant may keep one cat or one small dog with written consent of the landlord. "
        "Pets must not disturb neighbours and any damage is paid from the deposit. ")


def snapshot(root: Path) -> dict[bytes, tuple[str, bytes]]:
    """Every path under root (as bytes) -> (kind, content hash or link target)."""
    out: dict[bytes, tuple[str, bytes]] = {}
    for dirpath, dirnames, filenames in os.walk(os.fsencode(root)):
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            rel = os.path.relpath(p, os.fsencode(root))
            if os.path.islink(p):
                out[rel] = ("link", os.readlink(p))
            elif os.path.isdir(p):
                out[rel] = ("dir", b"")
            else:
                out[rel] = ("file", hashlib.sha256(Path(os.fsdecode(p)).read_bytes()).digest())
    return out


def make_messy(root: Path) -> None:
    (root / "old stuff").mkdir(parents=True)
    (root / "Copy of lease (1).PDF").write_bytes(b"%PDF-1.4 lease " * 50)
    (root / "lease.pdf").write_bytes(b"%PDF-1.4 lease " * 50)
    (root / "notes.txt").write_text(TEXT * 3)
    (root / "old stuff" / "notes v2.txt").write_text(TEXT * 3 + "One more line at the end.")
    (root / "old stuff" / "IMG_20230405.jpg").write_bytes(b"\xff\xd8 photo")
    (root / "song.MP3").write_bytes(b"ID3 music")
    (root / "budget.xlsx").write_bytes(b"PK sheet")
    (root / os.fsdecode(b"caf\xe9 menu.txt")).write_bytes(b"latin-1 named file")
    (root / ".bashrc").write_text("hidden")
    (root / "Thumbs.db").write_bytes(b"system")
    (root / "download.crdownload").write_bytes(b"partial")


def test_clean_names() -> None:
    assert clean_name("Copy of  My Report (1).PDF") == "My Report.pdf"
    assert clean_name("holiday - Copy.jpg") == "holiday.jpg"
    assert clean_name("IMG_2041.JPG") == "IMG_2041.jpg"
    assert clean_name("README") == "README"


def test_plan_groups_renames_and_finds_duplicates(tmp_path: Path) -> None:
    make_messy(tmp_path)
    plan, found, _ = build_plan(str(tmp_path), TidyOptions())
    moves = {m.src: m.dst for m in plan.moves}
    assert moves["lease.pdf"] == "Documents/lease.pdf"
    assert moves["Copy of lease (1).PDF"] == "Duplicates/lease.pdf"
    assert moves["song.MP3"] == "Audio/song.mp3"
    assert moves["old stuff/IMG_20230405.jpg"] == "Images/IMG_20230405.jpg"
    assert moves[os.fsdecode(b"caf\xe9 menu.txt")] == os.fsdecode(b"Documents/caf\xe9 menu.txt")
    assert plan.exact_groups == [["lease.pdf", "Copy of lease (1).PDF"]]
    assert [(a, b) for a, b, _ in plan.near_pairs] == [("notes.txt", "old stuff/notes v2.txt")]
    assert not any(".bashrc" in m or "Thumbs" in m or "crdownload" in m for m in moves)
    assert found.skipped_hidden == 1 and found.skipped_system == 2


def test_date_and_topic_grouping(tmp_path: Path) -> None:
    for i in range(3):
        (tmp_path / f"invoice-acme-{i}.pdf").write_bytes(f"invoice {i}".encode())
    (tmp_path / "IMG_20230405_1200.jpg").write_bytes(b"photo")
    by_topic, _, _ = build_plan(str(tmp_path), TidyOptions(group_by="topic"))
    dst = {m.src: m.dst for m in by_topic.moves}
    assert dst["invoice-acme-0.pdf"].startswith("Acme/") or dst["invoice-acme-0.pdf"].startswith(
        "Invoice/")
    assert dst["IMG_20230405_1200.jpg"] == "Images/IMG_20230405_1200.jpg"
    by_date, _, _ = build_plan(str(tmp_path), TidyOptions(group_by="date"))
    assert {m.src: m.dst for m in by_date.moves}["IMG_20230405_1200.jpg"] == (
        "2023/2023-04/IMG_20230405_1200.jpg")


async def test_apply_needs_approval_and_undo_restores_everything(
        tmp_path: Path, os1_home: Path, approve: Any) -> None:
    from os1.initiative.approvals import Actions
    from os1.skills.files import TOOLS
    from os1.skills.files.tools import save_plan

    root = tmp_path / "messy"
    make_messy(root)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("not yours")
    os.symlink(outside, root / "link-out")
    before = snapshot(root)
    home = Home.open(os1_home)
    actions = Actions(home.db, {t.name: t for t in TOOLS}, home.skill_context)
    _, _, payload = build_plan(str(root), TidyOptions())
    pid = save_plan(home.db, payload)
    pending = await actions.request("files_tidy", {"plan": pid}, "test")
    assert pending.status == "pending" and snapshot(root) == before
    done = await actions.approve(pending.approval_id)
    assert done.status == "done" and "Moved 8 file(s)" in done.result, done.result
    after = snapshot(root)
    assert b"Documents/lease.pdf" in after and b"old stuff" not in after
    assert after[b"link-out"] == before[b"link-out"]
    assert (outside / "secret.txt").read_text() == "not yours"
    again = await actions.request("files_tidy", {"plan": pid}, "t", confirm=approve)
    assert again.status == "failed" and "already applied" in again.result
    message = await UndoJournal(home.db).undo(home.skill_context)
    assert message.startswith("Put 8 file(s) back")
    assert snapshot(root) == before
    home.close()


def test_folder_changing_while_tidying_loses_nothing(tmp_path: Path) -> None:
    make_messy(tmp_path)
    _, _, payload = build_plan(str(tmp_path), TidyOptions())
    (tmp_path / "song.MP3").write_bytes(b"edited since the plan")
    (tmp_path / "budget.xlsx").unlink()
    (tmp_path / "Documents").mkdir()
    (tmp_path / "Documents" / "lease.pdf").write_bytes(b"someone else's file")
    done = apply_plan(payload)
    reasons = " ".join(done.skipped)
    assert "song.MP3 (changed or moved while tidying" in reasons
    assert "budget.xlsx (changed" in reasons
    assert "lease.pdf (Documents/lease.pdf appeared meanwhile" in reasons
    assert (tmp_path / "Documents" / "lease.pdf").read_bytes() == b"someone else's file"
    assert (tmp_path / "lease.pdf").exists() and (tmp_path / "song.MP3").exists()


def test_file_vanishing_before_hashing_is_reported(tmp_path: Path) -> None:
    for name in ("a.bin", "b.bin"):
        (tmp_path / name).write_bytes(b"same bytes")
    found = scan(str(tmp_path))
    (tmp_path / "b.bin").unlink()
    dups = find_duplicates(found.entries, str(tmp_path))
    assert dups.exact == [] and dups.unreadable == ["b.bin"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every folder")
def test_unreadable_folder_is_left_alone(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "x.txt").write_text("x")
    locked.chmod(0)
    try:
        found = scan(str(tmp_path))
        assert found.entries == [] and found.unreadable[0].startswith("locked")
    finally:
        locked.chmod(0o755)


def test_not_a_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(Exception, match="is not a folder"):
        build_plan(str(tmp_path / "missing"), TidyOptions())
    with pytest.raises(Exception, match="Group by one of"):
        build_plan(str(tmp_path), TidyOptions(group_by="colour"))


def test_cli_tidy_then_idempotent(tmp_path: Path, os1_home: Path) -> None:
    from typer.testing import CliRunner

    from os1.cli.main import app

    make_messy(tmp_path / "d")
    before = snapshot(tmp_path / "d")
    runner = CliRunner()
    out = runner.invoke(app, ["files", "tidy", str(tmp_path / "d"), "--yes"])
    assert out.exit_code == 0, out.output
    assert "Before:" in out.output and "After:" in out.output and "Moved 8 file(s)" in out.output
    assert "caf\\xe9 menu.txt" in out.output
    out = runner.invoke(app, ["files", "tidy", str(tmp_path / "d"), "--yes"])
    assert "already tidy" in out.output
    out = runner.invoke(app, ["undo"])
    assert out.exit_code == 0 and "Put 8 file(s) back" in out.output
    assert snapshot(tmp_path / "d") == before


def test_hidden_files_only_when_asked(tmp_path: Path) -> None:
    make_messy(tmp_path)
    plan, found, _ = build_plan(str(tmp_path), TidyOptions(include_hidden=True))
    moved = {m.src for m in plan.moves}
    assert ".bashrc" in moved and "Thumbs.db" in moved
    assert found.skipped_hidden == 0 and found.skipped_system == 0


def test_kind_then_date_and_user_subfolders_are_respected(tmp_path: Path) -> None:
    (tmp_path / "Images" / "Holiday").mkdir(parents=True)
    (tmp_path / "Images" / "Holiday" / "beach.jpg").write_bytes(b"sand")
    (tmp_path / "IMG_20220105.jpg").write_bytes(b"snow")
    plan, _, _ = build_plan(str(tmp_path), TidyOptions(group_by="kind-date"))
    assert [(m.src, m.dst) for m in plan.moves] == [
        ("IMG_20220105.jpg", "Images/2022/2022-01/IMG_20220105.jpg")]
