"""Building personas from writings: style, themes, phrases, citations, bad corpora."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from os1.errors import InputError, NotFoundError, StorageError
from os1.minds.corpus import Mind, MindLibrary, build_mind, slug_of


def test_styles_of_two_writers_differ(built_minds: dict[str, Mind]) -> None:
    venn, ash = built_minds["venn"].style, built_minds["ashgrove"].style
    assert venn.mean_sentence_words < 10 < 25 < ash.mean_sentence_words
    assert venn.second_person_rate > venn.first_person_rate
    assert venn.question_rate > ash.question_rate
    assert "river" in venn.favourite_words[:5]
    assert "reason" in ash.favourite_words[:5]
    assert "it must be observed" in ash.signature_phrases
    assert any("river does not hurry" in p for p in venn.signature_phrases)
    assert "friendship" in ash.themes and "moderation" in ash.themes


def test_passages_carry_citations_and_vectors(built_minds: dict[str, Mind]) -> None:
    mind = built_minds["venn"]
    files = {p.source for p in mind.passages}
    assert files == {"on-rivers.txt", "on-breathing.txt", "on-waiting.txt", "on-grief.txt",
                     "on-silence.txt"}
    grief = [p for p in mind.passages if p.source == "on-grief.txt"]
    assert grief[0].citation == "on-grief.txt, paragraph 2"
    assert grief[0].text.startswith("Grief is water too.")
    assert mind.vectors.shape == (len(mind.passages), 384)
    assert np.allclose(np.linalg.norm(mind.vectors, axis=1), 1.0, atol=1e-3)
    for sentence, cite in mind.beliefs:
        source, label = cite.split(", ", 1)
        assert any(p.source == source and p.label == label and sentence in p.text
                   for p in mind.passages)


def test_library_round_trip(library: MindLibrary, built_minds: dict[str, Mind]) -> None:
    assert library.names() == ["Bartholomew Ashgrove", "Orla Venn"]
    loaded = library.load("orla venn")
    original = built_minds["venn"]
    assert loaded.style == original.style
    assert loaded.passages == original.passages
    assert np.array_equal(loaded.vectors, original.vectors)
    library.remove("Orla Venn")
    with pytest.raises(NotFoundError, match="no persona called"):
        library.load("Orla Venn")


def test_damaged_persona_is_a_clear_error(library: MindLibrary) -> None:
    (library.path("Orla Venn") / "mind.json").write_text("{not json", "utf-8")
    with pytest.raises(StorageError, match="damaged"):
        library.load("Orla Venn")


def test_markdown_and_nested_folders(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    body = "Attention is the rarest form of generosity. " * 6
    (tmp_path / "a" / "b" / "essay.md").write_text(f"# Title\n\n{body}\n\n**{body}**\n", "utf-8")
    mind, problems = build_mind("Simone", tmp_path)
    assert problems == []
    assert [p.citation for p in mind.passages] == ["a/b/essay.md, paragraph 2",
                                                   "a/b/essay.md, paragraph 3"]
    assert "**" not in mind.passages[1].text


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda d: None, "no writing I can read"),
        (lambda d: (d / "notes.txt").write_text("   \n\n", "utf-8"), "no writing I can read"),
        (lambda d: (d / "blob.txt").write_bytes(b"\x00\x01binary" * 50), "not a text file"),
        (lambda d: (d / "short.txt").write_text("Just a few words here today.", "utf-8"),
         "at least 80"),
        (lambda d: (d / "photo.jpg").write_bytes(b"\xff\xd8"), "no writing I can read"),
    ],
)
def test_bad_corpora(tmp_path: Path, setup: object, message: str) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    setup(folder)  # type: ignore[operator]
    with pytest.raises(InputError, match=message):
        build_mind("Nobody", folder)


def test_missing_folder_and_file_instead_of_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        build_mind("X", tmp_path / "nope")
    f = tmp_path / "one.txt"
    f.write_text("hello", "utf-8")
    with pytest.raises(InputError, match="not a folder"):
        build_mind("X", f)


@pytest.mark.parametrize("name", ["", "   ", "!!!", "x" * 61])
def test_bad_names(name: str) -> None:
    with pytest.raises(InputError):
        slug_of(name)
