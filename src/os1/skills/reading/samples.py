"""Write small real documents in every format os1 reads (PDF, DOCX, EPUB, HTML, Markdown,
text), page by page, for tests, benchmarks and demos. The PDF writer is a minimal one (Type 1
Helvetica text, one content stream per page) so no PDF-writing package is needed.
"""

from __future__ import annotations

from pathlib import Path


def _pdf_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def write_pdf(path: Path, pages: list[str]) -> Path:
    objects: list[bytes] = []
    page_ids = [4 + 2 * i for i in range(len(pages))]
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    kids = " ".join(f"{i} 0 R" for i in page_ids)
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica "
                   b"/Encoding /WinAnsiEncoding >>")
    for i, text in enumerate(pages):
        lines = [_pdf_escape(line) for line in text.splitlines() or [""]]
        body = "BT /F1 11 Tf 14 TL 56 780 Td " + " ".join(f"({ln}) Tj T*" for ln in lines) + " ET"
        stream = body.encode("cp1252", errors="replace")
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources "
                       f"<< /Font << /F1 3 0 R >> >> /Contents {page_ids[i] + 1} 0 R >>".encode())
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    path.write_bytes(bytes(out))
    return path


def write_docx(path: Path, pages: list[str]) -> Path:
    import docx
    from docx.enum.text import WD_BREAK

    document = docx.Document()
    for i, text in enumerate(pages):
        for line in text.splitlines():
            document.add_paragraph(line)
        if i < len(pages) - 1:
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    document.save(str(path))
    return path


def write_epub(path: Path, chapters: list[tuple[str, str]], title: str = "A book") -> Path:
    import warnings
    from html import escape

    from ebooklib import epub

    book = epub.EpubBook()
    book.set_identifier(f"os1-{path.stem}")
    book.set_title(title)
    book.set_language("en")
    items = []
    for i, (heading, text) in enumerate(chapters, 1):
        ch = epub.EpubHtml(title=heading, file_name=f"ch{i}.xhtml", lang="en")
        paras = "".join(f"<p>{escape(p)}</p>" for p in text.splitlines() if p.strip())
        ch.content = f"<h1>{escape(heading)}</h1>{paras}"
        book.add_item(ch)
        items.append(ch)
    book.toc = tuple(items)
    book.spine = ["nav", *items]
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        epub.write_epub(str(path), book)
    return path


def write_html(path: Path, sections: list[tuple[str, str]]) -> Path:
    from html import escape

    body = "".join(f"<h2>{escape(h)}</h2><p>{escape(t)}</p>" for h, t in sections)
    path.write_text(f"<html><head><title>{path.stem}</title><style>p{{}}</style>"
                    f"<script>var x = 'not text';</script></head><body>{body}</body></html>",
                    encoding="utf-8")
    return path
