"""Text out of documents, page by page, with a label a citation can use.

PDF: real page numbers. DOCX: pages counted at explicit and last-rendered page breaks. EPUB:
chapters in reading order. HTML and Markdown: sections by heading. Plain text: pages at form
feeds, else numbered blocks of lines. A file that cannot be read becomes an InputError saying
why (missing, not allowed, encrypted, corrupt, not text).
"""

from __future__ import annotations

import re
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from os1.errors import InputError

KINDS = {".txt": "text", ".text": "text", ".md": "markdown", ".markdown": "markdown",
         ".pdf": "pdf", ".docx": "docx", ".epub": "epub", ".html": "html", ".htm": "html",
         ".xhtml": "html"}
LINES_PER_BLOCK = 60


@dataclass(frozen=True)
class Page:
    number: int | None  # a page number where the format has pages
    label: str  # "page 3", "chapter 2: Pets", "section Pets", "lines 61-120"
    text: str


def printable(text: str) -> str:
    """A file name as storable, printable text: undecodable bytes become \\xNN."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def kind_of(path: Path) -> str:
    kind = KINDS.get(path.suffix.lower())
    if kind is None:
        raise InputError(
            f"{printable(path.name)} is not a format I read (txt, md, pdf, docx, epub, html)."
        )
    return kind


def _bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise InputError(f"{printable(str(path))} does not exist.") from exc
    except IsADirectoryError as exc:
        raise InputError(f"{printable(str(path))} is a folder; give the files in it.") from exc
    except OSError as exc:
        raise InputError(f"Cannot read {printable(str(path))}: {exc.strerror or exc}.") from exc


def extract(path: Path) -> list[Page]:
    kind = kind_of(path)
    data = _bytes(path)
    if not data.strip():
        raise InputError(f"{printable(path.name)} is empty.")
    pages = {"text": _text, "markdown": _markdown, "pdf": _pdf, "docx": _docx, "epub": _epub,
             "html": _html}[kind](data, printable(path.name))
    pages = [p for p in pages if p.text.strip()]
    if not pages:
        raise InputError(f"{printable(path.name)} has no text I can read (a scan without OCR?).")
    return pages


def _decode(data: bytes, name: str) -> str:
    if b"\x00" in data[:4096]:
        raise InputError(f"{name} is not a text file.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _text(data: bytes, name: str) -> list[Page]:
    text = _decode(data, name)
    if "\f" in text:
        return [Page(i, f"page {i}", t) for i, t in enumerate(text.split("\f"), 1)]
    lines = text.splitlines()
    out = []
    for start in range(0, len(lines), LINES_PER_BLOCK):
        block = lines[start:start + LINES_PER_BLOCK]
        end = start + len(block)
        out.append(Page(None, f"lines {start + 1}-{end}", "\n".join(block)))
    return out


def _markdown(data: bytes, name: str) -> list[Page]:
    text = _decode(data, name)
    parts = re.split(r"(?m)^(#{1,3} .+)$", text)
    out = []
    if parts[0].strip():
        out.append(Page(None, "start", parts[0]))
    for i in range(1, len(parts) - 1, 2):
        heading = parts[i].lstrip("#").strip()
        out.append(Page(None, f"section '{heading}'", heading + "\n" + parts[i + 1]))
    return out or _text(data, name)


def _pdf(data: bytes, name: str) -> list[Page]:
    import io

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted and not reader.decrypt(""):
                raise InputError(f"{name} is password-protected; save an unlocked copy first.")
            return [Page(i, f"page {i}", page.extract_text() or "")
                    for i, page in enumerate(reader.pages, 1)]
    except InputError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        raise InputError(f"{name} is not a readable PDF ({exc}).") from exc


def _docx(data: bytes, name: str) -> list[Page]:
    import io

    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise InputError(f"{name} is not a readable Word document ({exc}).") from exc
    ns = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    pages: list[list[str]] = [[]]
    for block in document.element.body.iter(f"{ns}p"):
        texts = []
        for node in block.iter():
            if node.tag == f"{ns}t" and node.text:
                texts.append(node.text)
            elif node.tag == f"{ns}tab":
                texts.append("\t")
            elif _page_break(node, ns) and (texts or pages[-1]):
                pages[-1].append("".join(texts))
                texts = []
                pages.append([])
        pages[-1].append("".join(texts))
    return [Page(i, f"page {i}", "\n".join(p)) for i, p in enumerate(pages, 1)]


def _page_break(node: Any, ns: str) -> bool:
    if node.tag == f"{ns}br":
        return bool(node.get(f"{ns}type") == "page")
    return bool(node.tag == f"{ns}lastRenderedPageBreak")


def _html_text(markup: bytes) -> tuple[str, str]:
    """(title or first heading, visible text) of an HTML document."""
    import lxml.html

    doc = lxml.html.document_fromstring(markup)
    for bad in doc.xpath("//script|//style|//noscript|//template"):
        bad.drop_tree()
    heading = doc.xpath("string((//h1|//h2|//title)[1])").strip()
    text = "\n".join(t.strip() for t in doc.itertext() if t.strip())
    return heading, text


def _html(data: bytes, name: str) -> list[Page]:
    import lxml.etree
    import lxml.html

    try:
        doc = lxml.html.document_fromstring(data)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise InputError(f"{name} is not readable HTML ({exc}).") from exc
    for bad in doc.xpath("//script|//style|//noscript|//template"):
        bad.drop_tree()
    out: list[Page] = []
    label, buf = "start", list[str]()
    for el in doc.body.iter() if doc.body is not None else doc.iter():
        if not isinstance(el.tag, str):
            continue
        if el.tag in ("h1", "h2", "h3"):
            if any(b.strip() for b in buf):
                out.append(Page(None, label, "\n".join(buf)))
            label, buf = f"section '{el.text_content().strip()[:60]}'", []
        for piece in (el.text, el.tail if el.tag not in ("body",) else None):
            if piece and piece.strip():
                buf.append(piece.strip())
    if any(b.strip() for b in buf):
        out.append(Page(None, label, "\n".join(buf)))
    return out


def _epub(data: bytes, name: str) -> list[Page]:
    import io
    import tempfile

    from ebooklib import ITEM_DOCUMENT, epub

    try:
        zipfile.ZipFile(io.BytesIO(data)).testzip()
        with tempfile.NamedTemporaryFile(suffix=".epub") as tmp, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tmp.write(data)
            tmp.flush()
            book = epub.read_epub(tmp.name, {"ignore_ncx": True})
    except (zipfile.BadZipFile, KeyError, ValueError, AttributeError, OSError,
            epub.EpubException) as exc:
        raise InputError(f"{name} is not a readable EPUB ({exc}).") from exc
    out = []
    chapter = 0
    for idref, _linear in book.spine:
        item = book.get_item_with_id(idref)
        if item is None or item.get_type() != ITEM_DOCUMENT or "nav" in (item.get_name() or ""):
            continue
        heading, text = _html_text(item.get_content())
        if not text.strip():
            continue
        chapter += 1
        label = f"chapter {chapter}" + (f": {heading[:60]}" if heading else "")
        out.append(Page(chapter, label, text))
    return out
