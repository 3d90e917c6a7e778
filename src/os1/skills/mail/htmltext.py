"""HTML to plain text for mail bodies, keeping apart what a reader would never see.

Visible text becomes the body; text hidden by CSS (display:none, visibility:hidden, zero font
size or opacity, white-on-white), the ``hidden`` attribute and comments is collected separately
because hidden text is a classic carrier of prompt injection. Links are listed with their text.
Iterative (no recursion), so deeply nested markup cannot exhaust the stack.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

_SKIP = {"script", "style", "head", "title", "template", "noscript"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
         "source", "track", "wbr"}
_BLOCK = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul",
          "ol", "blockquote", "pre", "hr", "section", "article", "header", "footer"}
_HIDDEN_CSS = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0(?![.\d]*[1-9])|"
    r"opacity\s*:\s*0(?![.\d]*[1-9])|(?<![-\w])color\s*:\s*(#fff\b|#ffffff\b|white\b)|"
    r"max-height\s*:\s*0|height\s*:\s*0(px)?\s*;.*overflow\s*:\s*hidden",
    re.I,
)


@dataclass
class HtmlText:
    text: str
    hidden: str
    links: list[tuple[str, str]] = field(default_factory=list)  # (visible text, href)


class _Extractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []  # (tag, hides its content)
        self.visible: list[str] = []
        self.hidden: list[str] = []
        self.links: list[tuple[str, str]] = []
        self._link: tuple[str, list[str]] | None = None

    def _hiding(self) -> bool:
        return any(h for _, h in self.stack)

    def _skipping(self) -> bool:
        return any(t in _SKIP for t, _ in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag in _BLOCK and not self._hiding():
            self.visible.append("\n")
        if tag == "a" and a.get("href"):
            self._link = (a["href"], [])
        if tag == "img" and a.get("alt") and not self._hiding():
            self.visible.append(a["alt"])
        if tag in _VOID:
            return
        hides = "hidden" in a or a.get("aria-hidden") == "true" or bool(
            _HIDDEN_CSS.search(a.get("style", ""))
        )
        self.stack.append((tag, hides))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._link is not None:
            href, parts = self._link
            self.links.append((" ".join("".join(parts).split()), href))
            self._link = None
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break
        if tag in _BLOCK and not self._hiding():
            self.visible.append("\n")

    def handle_data(self, data: str) -> None:
        if self._skipping():
            return
        if self._hiding():
            self.hidden.append(data)
            return
        self.visible.append(data)
        if self._link is not None:
            self._link[1].append(data)

    def handle_comment(self, data: str) -> None:
        self.hidden.append(data)


def _tidy(text: str) -> str:
    lines = [" ".join(line.split()) for line in text.splitlines()]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


def html_to_text(html: str) -> HtmlText:
    parser = _Extractor()
    try:
        parser.feed(html)
        parser.close()
    except (AssertionError, ValueError):  # pathological markup: keep what was read so far
        pass
    return HtmlText(_tidy("".join(parser.visible)), _tidy(" ".join(parser.hidden)), parser.links)
