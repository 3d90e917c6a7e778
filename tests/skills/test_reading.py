"""`os1 read`: real documents in every format, citations (file, page), hybrid search with the
real MiniLM embedder, and unreadable input."""

from __future__ import annotations

from pathlib import Path

import pytest

from os1.db import Database
from os1.skills.reading import search_documents
from os1.skills.reading.extract import extract
from os1.skills.reading.samples import write_docx, write_epub, write_html, write_pdf
from os1.skills.reading.store import DocumentStore, default_embed
from os1.skills.reading.tools import read_paths

LEASE = [
    "Residential lease\nThe rent is 900 pounds a month, due on the first day of each month.\n"
    "The deposit is held in a government scheme.",
    "Repairs\nThe landlord repairs the boiler and the roof. The tenant replaces light bulbs.",
    "Animals\nThe tenant may keep one cat or one small dog with written consent of the "
    "landlord.\nNo other pets are allowed in the flat.",
]


@pytest.fixture
def library(tmp_path: Path) -> Path:
    write_pdf(tmp_path / "lease.pdf", LEASE)
    write_docx(tmp_path / "contract.docx", ["Employment contract\nSalary is paid monthly.",
                                            "Holidays\nYou get 25 days of paid holiday."])
    write_epub(tmp_path / "novel.epub", [("Arrival", "The train came into the station late."),
                                         ("The garden", "Roses climbed the old stone wall.")])
    write_html(tmp_path / "recipe.html", [("Ingredients", "Flour, eggs and milk."),
                                          ("Method", "Whisk everything and rest for an hour.")])
    (tmp_path / "notes.md").write_text("# Shopping\nbread, cheese\n\n# Ideas\nlearn the cello\n")
    (tmp_path / "todo.txt").write_text("call the plumber\fpay the council tax\n")
    return tmp_path


def test_every_format_has_pages_or_sections(library: Path) -> None:
    labels = {p.name: [pg.label for pg in extract(p)] for p in sorted(library.iterdir())}
    assert labels == {
        "contract.docx": ["page 1", "page 2"],
        "lease.pdf": ["page 1", "page 2", "page 3"],
        "notes.md": ["section 'Shopping'", "section 'Ideas'"],
        "novel.epub": ["chapter 1: Arrival", "chapter 2: The garden"],
        "recipe.html": ["section 'Ingredients'", "section 'Method'"],
        "todo.txt": ["page 1", "page 2"],
    }


@pytest.mark.model
def test_lease_question_cites_file_and_page(library: Path, tmp_path: Path) -> None:
    db = Database(tmp_path / "os1.db")
    done, problems = read_paths(db, [str(library)])
    assert problems == [] and len(done) == 6

    class HomeLike:
        pass

    home = HomeLike()
    home.db = db  # type: ignore[attr-defined]
    hits = search_documents(home, "what does the lease say about pets?", 3)
    assert hits[0][1] == "lease.pdf, page 3"
    assert "one cat or one small dog" in hits[0][0]
    # By meaning, not only by words: no chunk says "vacation", the contract says "holiday".
    hits = search_documents(home, "how much vacation do I get", 2)
    assert hits[0][1] == "contract.docx, page 2"
    again, _ = read_paths(db, [str(library / "lease.pdf")])
    assert again[0].skipped


def test_lexical_search_without_vectors(library: Path, tmp_path: Path) -> None:
    store = DocumentStore(Database(tmp_path / "x.db"), embed=None)
    store.ingest(library / "novel.epub")
    hits = store.search("roses wall")
    assert hits[0].citation == "novel.epub, chapter 2: The garden"


def test_bad_input_is_named_and_skipped(tmp_path: Path) -> None:
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    (tmp_path / "broken.docx").write_bytes(b"PK not a zip")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02 binary")
    (tmp_path / "empty.md").write_bytes(b"")
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8")
    db = Database(tmp_path / "os1.db")
    names = ["broken.pdf", "broken.docx", "binary.txt", "empty.md", "photo.jpg", "missing.txt"]
    done, problems = read_paths(db, [str(tmp_path / n) for n in names], vectors=False)
    assert done == []
    text = " ".join(problems)
    assert "broken.pdf is not a readable PDF" in text
    assert "broken.docx is not a readable Word document" in text
    assert "binary.txt is not a text file" in text
    assert "empty.md is empty" in text
    assert "photo.jpg is not a format I read" in text
    assert "missing.txt does not exist" in text


def test_odd_byte_file_names(tmp_path: Path) -> None:
    import os

    odd = tmp_path / os.fsdecode(b"caf\xe9 notes.txt")
    odd.write_text("the boiler is serviced every spring")
    db = Database(tmp_path / "os1.db")
    done, problems = read_paths(db, [str(odd)], vectors=False)
    assert problems == [] and done[0].name == "caf\\xe9 notes.txt"
    hits = DocumentStore(db).search("boiler")
    assert hits[0].citation == "caf\\xe9 notes.txt, lines 1-1"


def test_default_embedder_is_available() -> None:
    assert default_embed() is not None


def test_cli_read_and_ask(library: Path) -> None:
    from typer.testing import CliRunner

    from os1.cli.main import app

    runner = CliRunner()
    out = runner.invoke(app, ["read", str(library / "lease.pdf"), "--no-vectors"])
    assert out.exit_code == 0 and "Read lease.pdf: 3 page(s)" in out.output
    out = runner.invoke(app, ["read", "--ask", "pets", "--no-vectors"])
    assert "[lease.pdf, page 3]" in out.output
    out = runner.invoke(app, ["read", str(library / "nope.pdf")])
    assert out.exit_code == 2 and "does not exist" in out.output
