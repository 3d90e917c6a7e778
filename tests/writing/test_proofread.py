"""Proofreading: rules that fire where they should and not elsewhere, fixes applied piece by
piece, files written atomically with a .bak, and the CLI's non-interactive modes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from os1.cli.main import app
from os1.errors import InputError
from os1.skills.writing.proofread import (
    apply,
    parse_choice,
    proofread,
    render_diff,
    review,
    write_accepted,
)

DRAFT = ("dear Chris,\n\ni have been thinking about there house by the lake. Its been a long "
         "time since we went their. I recieve your letter and it was very lovely. Your going "
         "to love the the garden. we planted a apple tree and an tulip bed. It's roots are deep "
         "now. It is better then the city, and I could of called.\n")


def fixes(text: str) -> dict[str, str]:
    return {s.original: s.replacement or "" for s in proofread(text, style=False) if s.fixable}


def test_all_rule_kinds_fire_on_a_messy_letter() -> None:
    found = fixes(DRAFT)
    assert found["recieve"] == "receive"
    assert found["a"] == "an" and found["an"] == "a"
    assert found["the the"] == "the"
    assert found["d"] == "D" and found["w"] == "W" and found["i"] == "I"
    assert found["there"] == "their" and found["their"] == "there"
    assert found["Its"] == "It's" and found["It's"] == "Its"
    assert found["Your"] == "You're"
    assert found["then"] == "than" and found["of"] == "have"
    fixed = apply(DRAFT, [s for s in proofread(DRAFT, style=False) if s.fixable])
    assert fixed.startswith("Dear Chris,\n\nI have been thinking about their house")
    assert "went there." in fixed and "an apple tree and a tulip bed" in fixed
    assert proofread(fixed, style=False) == []


@pytest.mark.parametrize("clean", [
    "There is a house by the lake, and their dog sleeps there.",
    "It's raining, and the tree drops its leaves.",
    "You're right that your garden is lovely.",
    "An hour later a university friend brought an MBA and a one-off cake.",
    "We met Dr. Smith, e.g. at the party. Roberta said that that was fine.",
    "She had had enough of the colour of the neighbours' fence.",
])
def test_correct_sentences_are_left_alone(clean: str) -> None:
    assert fixes(clean) == {}


def test_names_are_not_spelling_mistakes() -> None:
    assert fixes("Yesterday Roberta and Theodore walked along Lake Vermilion.") == {}


def test_style_hints_and_filler_fixes() -> None:
    long_one = "This " + "very long and winding sentence goes on " * 6 + "forever."
    found = proofread(f"Basically it was written by me. {long_one}")
    kinds = {(s.kind, s.message.split(";")[0]) for s in found}
    assert ("style", "passive voice") in kinds
    assert any(s.kind == "style" and "long sentence" in s.message for s in found)
    filler = next(s for s in found if s.original.startswith("Basically"))
    assert apply("Basically it was written by me.", [filler]) == "It was written by me."
    assert fixes("Thank you very much.") == {}


def test_diff_shows_the_change_on_its_line() -> None:
    s = next(x for x in proofread(DRAFT) if x.original == "recieve")
    diff = render_diff(DRAFT, s, "draft.txt")
    assert "@@ line 3 @@" in diff and "-" in diff and "+" in diff
    minus = next(ln for ln in diff.splitlines() if ln.startswith("-"))
    plus = next(ln for ln in diff.splitlines() if ln.startswith("+"))
    assert "recieve" in minus and "receive" in plus and "recieve" not in plus


def test_review_yes_no_all_quit() -> None:
    found = [s for s in proofread(DRAFT) if s.fixable]
    answers = iter(["y", "n", "y", "q"])
    taken = review(found, lambda i, s: next(answers))
    assert taken == [found[0], found[2]]
    answers = iter(["n", "a"])
    assert review(found, lambda i, s: next(answers)) == found[1:]


def test_parse_choice() -> None:
    assert parse_choice("1,3-4", 5) == [0, 2, 3]
    with pytest.raises(InputError):
        parse_choice("7", 5)
    with pytest.raises(InputError):
        parse_choice("x", 5)


def test_write_keeps_a_backup_and_refuses_a_changed_file(tmp_path: Path) -> None:
    f = tmp_path / "letter.txt"
    f.write_text(DRAFT)
    found = [s for s in proofread(DRAFT) if s.fixable]
    backup = write_accepted(f, DRAFT, found[:1])
    assert backup is not None and backup.read_text() == DRAFT
    assert f.read_text().startswith("Dear Chris")
    with pytest.raises(InputError, match="changed while"):
        write_accepted(f, DRAFT, found[1:2])


def test_cli_all_json_and_non_interactive(tmp_path: Path) -> None:
    f = tmp_path / "draft.txt"
    f.write_text(DRAFT)
    runner = CliRunner()
    out = runner.invoke(app, ["proofread", str(f), "--json"])
    assert out.exit_code == 0
    data = json.loads(out.stdout)
    assert any(s["original"] == "recieve" and s["number"] for s in data["suggestions"])
    assert f.read_text() == DRAFT  # --json changes nothing
    out = runner.invoke(app, ["proofread", str(f)])
    assert out.exit_code == 0 and "Nothing changed" in out.stdout and f.read_text() == DRAFT
    out = runner.invoke(app, ["proofread", str(f), "--all"])
    assert out.exit_code == 0 and "old version" in " ".join(out.stdout.split())  # wrapped
    assert "I receive your letter" in f.read_text()
    assert (tmp_path / "draft.txt.bak").read_text() == DRAFT


@pytest.mark.parametrize("make, message", [
    (lambda p: p, "no file"),
    (lambda p: (p.mkdir(), p)[1], "folder"),
    (lambda p: (p.write_bytes(b"\x00\x01binary"), p)[1], "not a text file"),
    (lambda p: (p.write_bytes("caf\xe9".encode("latin-1")), p)[1], "UTF-8"),
])
def test_cli_bad_files_are_one_sentence(tmp_path: Path, make: object, message: str) -> None:
    path = make(tmp_path / "x.txt")  # type: ignore[operator]
    out = CliRunner().invoke(app, ["proofread", str(path)])
    assert out.exit_code == 2
    assert message in out.output and "Traceback" not in out.output
