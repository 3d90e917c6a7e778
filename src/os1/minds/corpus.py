"""A persona built from a folder of someone's writings, and the library that keeps them.

``build_mind(name, folder)`` reads every text file in the folder (txt and md directly; pdf,
docx, epub and html through os1.skills.reading), cuts it into passages that each carry a
citation ("on-rivers.txt, paragraph 3"), profiles the style, picks the central statements
(beliefs) and embeds every passage with MiniLM for retrieval. ``MindLibrary`` stores each mind
as ``<home>/minds/<slug>/mind.json`` + ``vectors.npy``, written whole or not at all.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from os1.errors import InputError, NotFoundError, StorageError
from os1.minds import style
from os1.minds.text import paragraphs, sentences, split_long, words

TEXT_SUFFIXES = {".txt", ".text", ".md", ".markdown"}
OTHER_SUFFIXES = {".pdf", ".docx", ".epub", ".html", ".htm", ".xhtml"}
MAX_FILES = 2000
MAX_TOTAL_BYTES = 50 * 1024 * 1024
MIN_WORDS = 80
PASSAGE_WORDS = 120
BELIEF_MARKERS = re.compile(
    r"\b(is|are|must|never|always|cannot|can't|should|believe|nothing|everything|only)\b", re.I
)

Vectors = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Passage:
    source: str  # the file, relative to the corpus folder
    label: str  # "paragraph 3" or "page 2, paragraph 1"
    text: str

    @property
    def citation(self) -> str:
        return f"{self.source}, {self.label}"


@dataclass
class Mind:
    name: str
    slug: str
    source_dir: str
    created: float
    style: style.StyleProfile
    beliefs: list[tuple[str, str]] = field(default_factory=list)  # (sentence, citation)
    passages: list[Passage] = field(default_factory=list)
    vectors: Vectors = field(default_factory=lambda: np.zeros((0, 384), dtype=np.float32))

    def describe(self) -> str:
        lines = [f"{self.name}: {len(self.passages)} passages from {self.source_dir}.",
                 self.style.summary()]
        if self.style.themes:
            lines.append("Themes: " + ", ".join(self.style.themes[:8]) + ".")
        if self.style.favourite_words:
            lines.append("Favourite words: " + ", ".join(self.style.favourite_words[:8]) + ".")
        if self.style.signature_phrases:
            lines.append("Signature phrases: "
                         + "; ".join(f"'{p}'" for p in self.style.signature_phrases[:5]) + ".")
        for sentence, cite in self.beliefs[:3]:
            lines.append(f"Believes: \"{sentence}\" ({cite})")
        return "\n".join(lines)


def slug_of(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.strip().lower()).strip("-")
    if not slug or len(name.strip()) > 60:
        raise InputError("A persona name needs 1 to 60 characters with a letter or digit.")
    return slug


def _files(folder: Path) -> Iterator[Path]:
    if not folder.exists():
        raise InputError(f"{folder} does not exist; give a folder of writings.")
    if not folder.is_dir():
        raise InputError(f"{folder} is not a folder; give a folder of writings.")
    count = 0
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.name.startswith(".") and (
            path.suffix.lower() in TEXT_SUFFIXES | OTHER_SUFFIXES
        ):
            count += 1
            if count > MAX_FILES:
                raise InputError(f"{folder} has more than {MAX_FILES} documents; pick a smaller folder.")
            yield path


def _read_text(path: Path) -> str:
    # the reading skill already decodes text files the way os1 reads documents everywhere
    from os1.skills.reading.extract import _bytes, _decode

    return _decode(_bytes(path), path.name)


def _strip_markdown(text: str) -> str:
    # a heading is a title, not the author's voice, but it still counts as a block so the
    # paragraph numbers match what the reader sees
    text = re.sub(r"(?m)^#{1,6}\s+.*$", "\n\n#\n\n", text)
    return re.sub(r"[*_`>]+", "", text)


def passages_of(path: Path, rel: str) -> list[Passage]:
    """One file's passages; paragraphs longer than PASSAGE_WORDS are cut at sentence ends."""
    if path.suffix.lower() in TEXT_SUFFIXES:
        text = _read_text(path)
        if path.suffix.lower() in (".md", ".markdown"):
            text = _strip_markdown(text)
        pages = [("", text)]
    else:
        from os1.skills.reading.extract import extract

        pages = [(p.label + ", ", p.text) for p in extract(path)]
    out = []
    for prefix, text in pages:
        for i, para in enumerate(paragraphs(text), 1):
            if len(words(para)) < 4:
                continue  # titles, dates, signatures
            pieces = split_long(para, PASSAGE_WORDS)
            for j, piece in enumerate(pieces, 1):
                part = f" (part {j})" if len(pieces) > 1 else ""
                out.append(Passage(rel, f"{prefix}paragraph {i}{part}", piece))
    return out


def read_corpus(folder: Path) -> tuple[list[Passage], list[str]]:
    """All passages of the folder, and one sentence per file that could not be used."""
    passages: list[Passage] = []
    problems: list[str] = []
    total = 0
    for path in _files(folder):
        total += path.stat().st_size
        if total > MAX_TOTAL_BYTES:
            raise InputError(
                f"{folder} holds more than {MAX_TOTAL_BYTES // 2**20} MB of writing; pick fewer files."
            )
        try:
            passages += passages_of(path, path.relative_to(folder).as_posix())
        except InputError as exc:
            problems.append(exc.message)
    return passages, problems


def central_beliefs(passages: list[Passage], vectors: Vectors, limit: int = 5) -> list[tuple[str, str]]:
    """Assertions closest to the centre of everything written: what the writer keeps saying."""
    if not passages:
        return []
    centre = vectors.mean(axis=0)
    order = np.argsort(-(vectors @ centre))
    out: list[tuple[str, str]] = []
    for i in order:
        p = passages[int(i)]
        for s in sentences(p.text):
            if BELIEF_MARKERS.search(s) and 5 <= len(s.split()) <= 30 and not s.endswith("?"):
                out.append((s, p.citation))
                break
        if len(out) >= limit:
            break
    return out


def embed(texts: list[str]) -> Vectors:
    from os1.memory.embed import embedder

    return np.asarray(embedder().embed(texts), dtype=np.float32)


def build_mind(name: str, folder: Path, now: float | None = None) -> tuple[Mind, list[str]]:
    slug = slug_of(name)
    passages, problems = read_corpus(folder)
    if not passages:
        why = f" ({problems[0]})" if problems else ""
        raise InputError(f"{folder} has no writing I can read{why}; add .txt or .md files.")
    n_words = sum(len(words(p.text)) for p in passages)
    if n_words < MIN_WORDS:
        raise InputError(
            f"{folder} has only {n_words} words; a persona needs at least {MIN_WORDS} to learn a style from."
        )
    by_source: dict[str, list[str]] = {}
    for p in passages:
        by_source.setdefault(p.source, []).append(p.text)
    vectors = embed([p.text for p in passages])
    mind = Mind(
        name=" ".join(name.split()),
        slug=slug,
        source_dir=str(folder),
        created=now if now is not None else time.time(),
        style=style.profile(by_source),
        beliefs=central_beliefs(passages, vectors),
        passages=passages,
        vectors=vectors,
    )
    return mind, problems


def _to_json(mind: Mind) -> dict[str, Any]:
    data = asdict(mind)
    data.pop("vectors")
    return data


def _from_json(data: dict[str, Any], vectors: Vectors) -> Mind:
    return Mind(
        name=data["name"], slug=data["slug"], source_dir=data["source_dir"],
        created=data["created"], style=style.StyleProfile(**data["style"]),
        beliefs=[(s, c) for s, c in data["beliefs"]],
        passages=[Passage(**p) for p in data["passages"]], vectors=vectors,
    )  # fmt: skip


class MindLibrary:
    """The personas of one home, one folder each under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, name: str) -> Path:
        return self.root / slug_of(name)

    def exists(self, name: str) -> bool:
        return (self.path(name) / "mind.json").is_file()

    def save(self, mind: Mind) -> None:
        target = self.root / mind.slug
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=f".{mind.slug}-", dir=self.root))
            (tmp / "mind.json").write_text(json.dumps(_to_json(mind), indent=1), "utf-8")
            np.save(tmp / "vectors.npy", mind.vectors)
            old_memory = target / "memory.db"
            if old_memory.exists():  # a rebuilt persona keeps what it lived through
                for f in target.glob("memory.db*"):
                    shutil.move(str(f), tmp / f.name)
            if target.exists():
                shutil.rmtree(target)
            tmp.rename(target)
        except OSError as exc:
            raise StorageError(f"Cannot write the persona to {target}: {exc.strerror or exc}.") from exc

    def load(self, name: str) -> Mind:
        folder = self.path(name)
        try:
            data = json.loads((folder / "mind.json").read_text("utf-8"))
            vectors = np.load(folder / "vectors.npy")
        except FileNotFoundError:
            raise NotFoundError(
                f"There is no persona called '{name}'; 'os1 minds list' shows them."
            ) from None
        except (OSError, ValueError, KeyError) as exc:
            raise StorageError(
                f"The persona '{name}' in {folder} is damaged ({exc}); create it again."
            ) from exc
        return _from_json(data, vectors.astype(np.float32))

    def names(self) -> list[str]:
        if not self.root.is_dir():
            return []
        out = []
        for f in sorted(self.root.glob("*/mind.json")):
            try:
                out.append(str(json.loads(f.read_text("utf-8"))["name"]))
            except (OSError, ValueError, KeyError):
                continue
        return out

    def remove(self, name: str) -> None:
        if not self.exists(name):
            raise NotFoundError(f"There is no persona called '{name}'.")
        shutil.rmtree(self.path(name))

    def memory_db_path(self, name: str) -> Path:
        return self.path(name) / "memory.db"


def library_for(home_path: Path) -> MindLibrary:
    return MindLibrary(home_path / "minds")


__all__ = ["Mind", "MindLibrary", "Passage", "build_mind", "library_for", "slug_of"]
