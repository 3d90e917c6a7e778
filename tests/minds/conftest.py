"""Fixtures for os1.minds: two personas built once per session from the invented corpora in
data/ (Orla Venn: short, second-person sentences about rivers and breath; Bartholomew
Ashgrove: long, ornate sentences about reason, duty and the republic), and generated images.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from os1.minds.corpus import Mind, MindLibrary, build_mind

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def built_minds() -> dict[str, Mind]:
    venn, _ = build_mind("Orla Venn", DATA / "venn", now=1.0)
    ash, _ = build_mind("Bartholomew Ashgrove", DATA / "ashgrove", now=1.0)
    return {"venn": venn, "ashgrove": ash}


@pytest.fixture
def library(tmp_path: Path, built_minds: dict[str, Mind]) -> MindLibrary:
    lib = MindLibrary(tmp_path / "minds")
    for mind in built_minds.values():
        lib.save(mind)
    return lib


def sunset_pixels(h: int = 480, w: int = 640) -> np.ndarray:
    """Orange-red sky fading to yellow over a dark blue sea."""
    a = np.zeros((h, w, 3), np.uint8)
    for y in range(h):
        t = y / h
        if t < 0.6:
            k = t / 0.6
            a[y] = (int(255 * (1 - 0.2 * k)), int(90 + 100 * k), int(40 + 20 * k))
        else:
            k = (t - 0.6) / 0.4
            a[y] = (int(40 * (1 - k)), int(30 * (1 - k)), int(70 + 30 * (1 - k)))
    return a


@pytest.fixture(scope="session")
def images(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from PIL import Image, ImageDraw, ImageFont

    root = tmp_path_factory.mktemp("images")
    out: dict[str, Path] = {}
    out["sunset"] = root / "sunset.jpg"
    Image.fromarray(sunset_pixels()).save(out["sunset"], quality=90)
    meadow = np.zeros((480, 640, 3), np.uint8)
    meadow[:240] = (90, 150, 230)
    meadow[240:] = (60, 160, 60)
    out["meadow"] = root / "meadow.png"
    Image.fromarray(meadow).save(out["meadow"])
    sign = Image.new("RGB", (900, 300), "white")
    draw = ImageDraw.Draw(sign)
    font = ImageFont.load_default(size=56)
    draw.text((40, 50), "HARBOUR CAFE", fill="black", font=font)
    draw.text((40, 160), "Open Sunday 9 to 5", fill="black", font=font)
    out["sign"] = root / "sign.png"
    sign.save(out["sign"])
    out["night"] = root / "night.png"
    Image.new("RGB", (320, 240), (8, 8, 12)).save(out["night"])
    return out
