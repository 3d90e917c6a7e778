"""Reading printed text in an image with the Tesseract OCR engine (Debian tesseract-ocr).

Offline and packaged: the ``tesseract`` program with its English data. Words Tesseract itself
is unsure of (confidence under MIN_CONFIDENCE) are dropped rather than guessed. When the
program is missing, ``available()`` is False and the caller says so.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from os1.errors import BackendError

MIN_CONFIDENCE = 60.0
TIMEOUT_S = 30.0
TARGET_WIDTH = (1000, 2500)  # small text is upscaled, huge frames are shrunk


def available() -> bool:
    return shutil.which("tesseract") is not None


def _prepare(image: Any) -> Any:
    from PIL import Image, ImageOps

    gray = ImageOps.grayscale(image)
    w, h = gray.size
    lo, hi = TARGET_WIDTH
    if w < lo:
        scale = lo / w
    elif w > hi:
        scale = hi / w
    else:
        return gray
    size = (max(int(w * scale), 1), max(int(h * scale), 1))
    return gray.resize(size, Image.Resampling.LANCZOS)


def parse_tsv(tsv: str) -> str:
    """Tesseract's TSV output -> confident words, one line of the image per line."""
    lines: dict[tuple[str, str, str], list[str]] = {}
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or not cols[11].strip():
            continue
        try:
            conf = float(cols[10])
        except ValueError:
            continue
        word = cols[11].strip()
        if conf >= MIN_CONFIDENCE and any(ch.isalnum() for ch in word):
            lines.setdefault((cols[2], cols[3], cols[4]), []).append(word)
    return "\n".join(" ".join(ws) for ws in lines.values())


def read_text(image: Any) -> str:
    """The confident text in ``image`` (a PIL image), '' when there is none."""
    exe = shutil.which("tesseract")
    if exe is None:
        raise BackendError("Tesseract is not installed; run 'apt-get install tesseract-ocr'.")
    with tempfile.TemporaryDirectory(prefix="os1-ocr-") as tmp:
        src = Path(tmp) / "in.png"
        _prepare(image).save(src)
        try:
            done = subprocess.run(
                [exe, str(src), "stdout", "--psm", "3", "-l", "eng", "tsv"],
                capture_output=True, text=True, timeout=TIMEOUT_S, check=False,
            )  # fmt: skip
        except subprocess.TimeoutExpired as exc:
            raise BackendError(f"Reading text took over {TIMEOUT_S:.0f} s and was stopped.") from exc
    if done.returncode != 0:
        why = (done.stderr.strip().splitlines() or ["no reason given"])[-1]
        raise BackendError(f"Tesseract could not read the image ({why}).")
    return parse_tsv(done.stdout)


__all__ = ["available", "parse_tsv", "read_text"]
