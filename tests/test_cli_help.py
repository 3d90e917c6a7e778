"""Help text: each docstring paragraph reads as one line, so the terminal wraps it once."""

from __future__ import annotations

from typer.testing import CliRunner

from os1.cli.main import app, reflow


def test_paragraphs_join_and_lists_keep_their_lines() -> None:
    doc = """First line
    goes on here.

    - one item
    - another item
    """
    assert reflow(doc) == "First line goes on here.\n\n- one item\n- another item"


def test_a_command_help_is_not_broken_mid_sentence() -> None:
    out = CliRunner().invoke(app, ["serve", "--help"], env={"COLUMNS": "250"})
    assert out.exit_code == 0, out.output
    # one source paragraph spans three docstring lines; it must print as one line
    assert "runs in the server too; what it says appears in the user's open tabs" in out.output
