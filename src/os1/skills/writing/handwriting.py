"""A letter as a PDF that looks handwritten: a handwriting font from a Debian package, natural
jitter (each line drifts and tilts a little, each word sits a little high or low, a little
bigger or smaller, letters a little wider or tighter), ink that varies, on cream paper with
faint ruled lines and specks. The text stays real text, so it can be searched and copied.

Fonts: ``OS1_HANDWRITING_FONT`` or ``--font`` first, then the packaged fonts below. An OpenType
font with CFF outlines is converted once to TrueType outlines (PDF viewers expect those for
this embedding) and cached in the user's cache folder. Imports os1.errors only.
"""

from __future__ import annotations

import hashlib
import os
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from os1.errors import InputError, StorageError

FONTS = (
    ("/usr/share/fonts/opentype/dancingscript/DancingScript-Regular.otf", "fonts-dancingscript"),
    ("/usr/share/fonts/truetype/kristi/Kristi.ttf", "fonts-kristi"),
    ("/usr/share/fonts/truetype/fifthhorseman/dkg.ttf", "fonts-dkg-handwriting"),
    ("/usr/share/fonts/truetype/femkeklaver/femkeklaver.ttf", "fonts-femkeklaver"),
)
FALLBACK_CHARS = {"’": "'", "‘": "'", "“": '"', "”": '"', "—": "-", "–": "-", "…": "...",
                  "\u00a0": " "}
PAPER = (252, 247, 234)
RULE = (160, 185, 215)
MARGIN_RULE = (225, 150, 150)
INK = (28, 38, 92)


class FontMissing(InputError):
    """No handwriting font could be found or read."""


def find_font(explicit: Path | None = None) -> Path:
    env = os.environ.get("OS1_HANDWRITING_FONT", "")
    for chosen in (explicit, Path(env) if env else None):
        if chosen is not None:
            if not chosen.is_file():
                raise FontMissing(f"The handwriting font {chosen} does not exist; give a .ttf "
                                  "or .otf file.")
            return chosen
    for path, _package in FONTS:
        if Path(path).is_file():
            return Path(path)
    raise FontMissing(
        "No handwriting font is installed: install one with 'sudo apt-get install "
        "fonts-dancingscript' (or run scripts/install.sh), or pass --font PATH to a .ttf or "
        ".otf file.")


def cache_dir() -> Path:
    from os1.cache import cache_dir as os1_cache

    return os1_cache() / "fonts"


def truetype_outlines(font_path: Path, cache: Path | None = None) -> Path:
    """``font_path`` itself if it has TrueType outlines, else a cached TrueType conversion."""
    try:
        from fontTools.ttLib import TTFont, TTLibError
    except ImportError as exc:
        raise FontMissing("fontTools is missing; run scripts/install.sh.") from exc
    try:
        with font_path.open("rb") as f:
            magic = f.read(4)
    except OSError as exc:
        raise FontMissing(f"Cannot read the font {font_path}: {exc.strerror or exc}.") from exc
    if magic not in {b"\x00\x01\x00\x00", b"OTTO", b"true", b"ttcf"}:
        raise FontMissing(f"{font_path} is not a font file I can read; give a .ttf or .otf "
                          "file.")
    try:
        with TTFont(str(font_path), lazy=True) as font:
            has_cff = "CFF " in font
    except (TTLibError, OSError, AssertionError) as exc:
        raise FontMissing(f"{font_path} is not a font file I can read; give a .ttf or .otf "
                          "file.") from exc
    if not has_cff:
        return font_path
    digest = hashlib.sha256(font_path.read_bytes()).hexdigest()[:16]
    target = (cache or cache_dir()) / f"{font_path.stem}-{digest}.ttf"
    if not target.exists():
        with TTFont(str(font_path)) as font:
            _convert_cff(font, target)
    return target


def _convert_cff(font: Any, target: Path) -> None:
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import newTable

    order = font.getGlyphOrder()
    glyphs = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder, glyf.glyphs = order, {}
    for name in order:
        pen = TTGlyphPen(glyphs)
        glyphs[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        glyf[name] = pen.glyph()
    font["loca"], font["glyf"] = newTable("loca"), glyf
    maxp = font["maxp"]
    maxp.tableVersion = 0x00010000
    for attr in ("maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs",
                 "maxInstructionDefs", "maxStackElements", "maxSizeOfInstructions",
                 "maxComponentElements", "maxComponentDepth"):
        setattr(maxp, attr, 1 if attr == "maxZones" else 0)
    font["head"].glyphDataFormat = 0
    post = font["post"]
    post.formatType, post.extraNames, post.mapping = 2.0, [], {}
    del font["CFF "]
    font.sfntVersion = "\x00\x01\x00\x00"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".tmp")
        font.save(str(tmp))
        os.replace(tmp, target)
    except OSError as exc:
        raise StorageError(f"Cannot write the font cache {target.parent}: "
                           f"{exc.strerror or exc}.") from exc


def covered(text: str, font_path: Path) -> str:
    """``text`` with characters the font lacks replaced by plain look-alikes (or '?')."""
    from fontTools.ttLib import TTFont

    with TTFont(str(font_path), lazy=True) as font:
        cmap = font.getBestCmap() or {}
    out = []
    for ch in text:
        if ch == "\n" or ord(ch) in cmap:
            out.append(ch)
        else:
            alt = FALLBACK_CHARS.get(ch, "?")
            out.append(alt if all(ord(a) in cmap for a in alt) else "?")
    return "".join(out)


@dataclass(frozen=True)
class Style:
    size: float = 19.0
    line_height: float = 28.0
    margin_left: float = 72.0
    margin_right: float = 56.0
    margin_top: float = 92.0
    margin_bottom: float = 70.0
    jitter: float = 1.0  # 0 = a typed-looking page, 1 = natural, 2 = a hurried hand


def new_pdf(font: Path, title: str) -> Any:
    from fpdf import FPDF

    pdf = FPDF(unit="pt", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_title(title)
    pdf.set_creator("os1")
    pdf.add_font("hand", "", str(font))
    return pdf


def paper(pdf: Any, rng: random.Random, style: Style) -> None:
    """A cream page with faint rules, a margin line, specks, and slightly darker edges."""
    w, h = pdf.w, pdf.h
    pdf.set_fill_color(*PAPER)
    pdf.rect(0, 0, w, h, style="F")
    with pdf.local_context(fill_opacity=0.05):
        pdf.set_fill_color(150, 120, 70)
        for _ in range(160):
            r = rng.uniform(0.2, 1.1)
            pdf.circle(rng.uniform(0, w), rng.uniform(0, h), r, style="F")
    with pdf.local_context(stroke_opacity=0.035):
        pdf.set_draw_color(120, 95, 50)
        for inset in range(0, 18, 3):
            pdf.set_line_width(3.2)
            pdf.rect(inset, inset, w - 2 * inset, h - 2 * inset)
    with pdf.local_context(stroke_opacity=0.55):
        pdf.set_draw_color(*RULE)
        pdf.set_line_width(0.35)
        y = style.margin_top
        while y < h - style.margin_bottom + 1:
            pdf.line(28, y, w - 28, y)
            y += style.line_height
        pdf.set_draw_color(*MARGIN_RULE)
        pdf.line(style.margin_left - 14, 24, style.margin_left - 14, h - 24)


class Hand:
    """Writes lines of words onto ruled pages, the way a steady but human hand would."""

    def __init__(self, pdf: Any, rng: random.Random, style: Style) -> None:
        self.pdf, self.rng, self.style = pdf, rng, style
        self.rule = 0.0
        self.drift = 0.0

    def new_page(self) -> None:
        self.pdf.add_page()
        paper(self.pdf, self.rng, self.style)
        self.rule = self.style.margin_top + self.style.line_height

    def _room(self) -> None:
        if self.rule > self.pdf.h - self.style.margin_bottom:
            self.new_page()

    def skip(self, lines: int = 1) -> None:
        self.rule += self.style.line_height * lines

    def wrap(self, paragraph: str, width: float) -> list[list[str]]:
        self.pdf.set_font("hand", size=self.style.size)
        space = self.pdf.get_string_width(" ")
        lines: list[list[str]] = [[]]
        used = 0.0
        for word in paragraph.split():
            w = self.pdf.get_string_width(word) * 1.04
            if lines[-1] and used + space + w > width:
                lines.append([])
                used = 0.0
            used += (space if lines[-1] else 0.0) + w
            lines[-1].append(word)
        return [ln for ln in lines if ln]

    def line(self, words: list[str], indent: float = 0.0) -> None:
        self._room()
        pdf, rng, j = self.pdf, self.rng, self.style.jitter
        baseline = self.rule - 4 + rng.gauss(0, 0.8 * j)
        x = self.style.margin_left + indent + rng.uniform(-2, 5) * j
        angle = max(-0.6, min(0.6, rng.gauss(0, 0.2 * j)))
        with pdf.rotation(angle, x, baseline):
            for word in words:
                size = self.style.size * (1 + max(-0.08, min(0.08, rng.gauss(0, 0.03 * j))))
                self.drift = max(-1.6, min(1.6, 0.7 * self.drift + rng.gauss(0, 0.55 * j)))
                spacing = max(-0.3, min(0.45, rng.gauss(0.1, 0.18 * j)))
                shade = rng.randint(-10, 10) if j else 0
                pdf.set_font("hand", size=size)
                pdf.set_char_spacing(spacing)
                pdf.set_text_color(*(max(0, c + shade) for c in INK))
                pdf.text(x, baseline + self.drift, word)
                x += pdf.get_string_width(word) + spacing * max(0, len(word) - 1)
                x += pdf.get_string_width(" ") * max(1.0, 1.25 + rng.gauss(0, 0.12 * j))
        pdf.set_char_spacing(0)
        self.skip()

    def write(self, text: str) -> None:
        """Paragraphs (blank-line separated); a last short block (sign-off) sits to the right."""
        width = self.pdf.w - self.style.margin_left - self.style.margin_right
        blocks = [b.strip() for b in text.strip().split("\n\n") if b.strip()]
        for i, block in enumerate(blocks):
            closing = i == len(blocks) - 1 and len(blocks) > 1 and len(block) < 80
            indent = width * 0.45 if closing else 0.0
            for raw in block.split("\n"):
                for ln in self.wrap(raw, width - indent):
                    self.line(ln, indent)
            self.skip(1 if i < len(blocks) - 1 else 0)


def render_letter(text: str, out: Path, *, font: Path | None = None, seed: str = "",
                  style: Style | None = None, title: str = "A letter") -> Path:
    """Write ``text`` as a handwritten-looking PDF at ``out``; returns ``out``."""
    if not text.strip():
        raise InputError("The letter is empty; there is nothing to write out.")
    hand_font = truetype_outlines(find_font(font))
    rng = random.Random(int(hashlib.sha256((seed or text).encode()).hexdigest()[:12], 16))
    pdf = new_pdf(hand_font, title)
    hand = Hand(pdf, rng, style or Style())
    hand.new_page()
    hand.write(covered(text, hand_font))
    save_pdf(pdf, out)
    return out


def save_pdf(pdf: Any, out: Path) -> None:
    """Write atomically: a reader never sees half a PDF."""
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(f".{out.name}.tmp")
        pdf.output(str(tmp))
        os.replace(tmp, out)
    except OSError as exc:
        raise StorageError(f"Cannot write {out}: {exc.strerror or exc}.") from exc
