"""The book as an EPUB 3 file, written by hand with zipfile: a title page, a contents page
(nav.xhtml, plus toc.ncx for older readers) and one chapter per letter. Imports nothing from
os1; the caller gives plain data.
"""

from __future__ import annotations

import html
import uuid
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

CSS = """body { font-family: serif; line-height: 1.5; margin: 1em; }
h1 { font-style: italic; text-align: center; margin-top: 3em; }
h2 { font-style: italic; margin-bottom: 0.2em; }
p.meta { color: #666; font-size: 0.9em; margin-top: 0; }
p.title-author { text-align: center; font-size: 1.2em; }
p.signoff { margin-left: 50%; }
"""


@dataclass(frozen=True)
class Chapter:
    title: str  # "To Chris"
    meta: str  # "from Roberta Hale · our 50th wedding anniversary"
    body: str


def _page(title: str, body: str) -> str:
    return ('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html>\n'
            '<html xmlns="http://www.w3.org/1999/xhtml" '
            'xmlns:epub="http://www.idpf.org/2007/ops" xml:lang="en" lang="en">\n'
            f'<head><meta charset="utf-8"/><title>{html.escape(title)}</title>'
            '<link rel="stylesheet" type="text/css" href="style.css"/></head>\n'
            f'<body>\n{body}\n</body>\n</html>\n')


def letter_html(body: str) -> str:
    blocks = [b.strip() for b in body.strip().split("\n\n") if b.strip()]
    out = []
    for i, block in enumerate(blocks):
        cls = ' class="signoff"' if i == len(blocks) - 1 and len(block) < 80 and i else ""
        lines = "<br/>".join(html.escape(ln) for ln in block.split("\n"))
        out.append(f"<p{cls}>{lines}</p>")
    return "\n".join(out)


def _opf(title: str, author: str, book_id: str, n: int) -> str:
    modified = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    items = "\n".join(f'    <item id="c{i}" href="chapter-{i}.xhtml" '
                      'media-type="application/xhtml+xml"/>' for i in range(1, n + 1))
    spine = "\n".join(f'    <itemref idref="c{i}"/>' for i in range(1, n + 1))
    return f"""<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="bookid">
  <metadata xmlns:dc="http://purl.org/dc/elements/1.1/">
    <dc:identifier id="bookid">urn:uuid:{book_id}</dc:identifier>
    <dc:title>{html.escape(title)}</dc:title>
    <dc:creator>{html.escape(author)}</dc:creator>
    <dc:language>en</dc:language>
    <meta property="dcterms:modified">{modified}</meta>
  </metadata>
  <manifest>
    <item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>
    <item id="ncx" href="toc.ncx" media-type="application/x-dtbncx+xml"/>
    <item id="css" href="style.css" media-type="text/css"/>
    <item id="title" href="title.xhtml" media-type="application/xhtml+xml"/>
{items}
  </manifest>
  <spine toc="ncx">
    <itemref idref="title"/>
    <itemref idref="nav"/>
{spine}
  </spine>
</package>
"""


def _ncx(title: str, book_id: str, chapters: Sequence[Chapter]) -> str:
    points = "\n".join(
        f'    <navPoint id="p{i}" playOrder="{i}"><navLabel><text>{html.escape(c.title)}'
        f'</text></navLabel><content src="chapter-{i}.xhtml"/></navPoint>'
        for i, c in enumerate(chapters, 1))
    return f"""<?xml version="1.0" encoding="utf-8"?>
<ncx xmlns="http://www.daisy.org/z3986/2005/ncx/" version="2005-1">
  <head><meta name="dtb:uid" content="urn:uuid:{book_id}"/></head>
  <docTitle><text>{html.escape(title)}</text></docTitle>
  <navMap>
{points}
  </navMap>
</ncx>
"""


def write_epub(out: Path, title: str, author: str, chapters: Sequence[Chapter],
               progress: Callable[[int], None] | None = None) -> Path:
    """Write the EPUB to ``out`` (through a temporary file, so it appears whole)."""
    book_id = str(uuid.uuid4())
    tmp = out.with_name(f".{out.name}.tmp")
    with zipfile.ZipFile(tmp, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip",
                   compress_type=zipfile.ZIP_STORED)
        deflate = zipfile.ZIP_DEFLATED
        z.writestr("META-INF/container.xml", (
            '<?xml version="1.0" encoding="utf-8"?>\n<container version="1.0" '
            'xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
            '<rootfile full-path="OEBPS/content.opf" '
            'media-type="application/oebps-package+xml"/></rootfiles></container>\n'),
            compress_type=deflate)
        z.writestr("OEBPS/content.opf", _opf(title, author, book_id, len(chapters)),
                   compress_type=deflate)
        z.writestr("OEBPS/toc.ncx", _ncx(title, book_id, chapters), compress_type=deflate)
        z.writestr("OEBPS/style.css", CSS, compress_type=deflate)
        z.writestr("OEBPS/title.xhtml", _page(title, (
            f"<h1>{html.escape(title)}</h1>\n"
            f'<p class="title-author">{html.escape(author)}</p>')), compress_type=deflate)
        entries = "\n".join(f'<li><a href="chapter-{i}.xhtml">{html.escape(c.title)}, '
                            f"{html.escape(c.meta)}</a></li>"
                            for i, c in enumerate(chapters, 1))
        z.writestr("OEBPS/nav.xhtml", _page("Contents", (
            f'<nav epub:type="toc" id="toc"><h1>Contents</h1>\n<ol>\n{entries}\n</ol></nav>')),
            compress_type=deflate)
        for i, c in enumerate(chapters, 1):
            body = (f"<h2>{html.escape(c.title)}</h2>\n<p class=\"meta\">"
                    f"{html.escape(c.meta)}</p>\n{letter_html(c.body)}")
            z.writestr(f"OEBPS/chapter-{i}.xhtml", _page(c.title, body), compress_type=deflate)
            if progress is not None:
                progress(i)
    tmp.replace(out)
    return out
