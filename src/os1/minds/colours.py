"""What colour statistics can honestly say about a picture: names, light, simple scene cues.

Works on a small RGB thumbnail as a numpy array (values 0-255). Every cue is a guess from
colour and position only and is worded as one ("looks like", "perhaps"). Pure functions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Pixels = npt.NDArray[np.uint8]
Floats = npt.NDArray[np.float64]

HUES = (  # (upper bound in degrees, name)
    (15, "red"), (40, "orange"), (68, "yellow"), (160, "green"), (195, "teal"),
    (255, "blue"), (290, "purple"), (335, "pink"), (361, "red"),
)  # fmt: skip


def hsv(pixels: Pixels) -> tuple[Floats, Floats, Floats]:
    """Hue in degrees, saturation and value in 0..1, for an (..., 3) RGB array."""
    rgb = pixels.astype(np.float64) / 255.0
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    mx, mn = rgb.max(axis=-1), rgb.min(axis=-1)
    delta = mx - mn
    safe = np.where(delta == 0, 1.0, delta)
    hue = np.where(mx == r, ((g - b) / safe) % 6, np.where(mx == g, (b - r) / safe + 2,
                                                          (r - g) / safe + 4))
    hue = np.where(delta == 0, 0.0, hue * 60.0)
    sat = np.where(mx == 0, 0.0, delta / np.where(mx == 0, 1.0, mx))
    return hue, sat, mx


def colour_name(rgb: tuple[int, int, int]) -> str:
    h, s, v = (float(x.reshape(-1)[0]) for x in hsv(np.array([[rgb]], dtype=np.uint8)))
    if v < 0.16:
        return "black"
    if s < 0.14 or (s < 0.22 and v < 0.35):
        if v > 0.88:
            return "white"
        return "light grey" if v > 0.62 else "grey" if v > 0.35 else "dark grey"
    base = next(name for bound, name in HUES if h < bound)
    if base in ("orange", "red", "yellow") and v < 0.55 and s < 0.8:
        return "brown"
    if base == "yellow" and s < 0.45 and v > 0.7:
        return "beige"
    if v < 0.42:
        return f"dark {base}"
    if s < 0.4 and v > 0.75:
        return f"pale {base}"
    return base


@dataclass(frozen=True)
class Light:
    mean: float  # 0 (black) .. 1 (white)
    contrast: float
    saturation: float

    @property
    def words(self) -> str:
        level = ("very dark" if self.mean < 0.15 else "dim" if self.mean < 0.35
                 else "bright" if self.mean > 0.7 else "evenly lit")
        if self.saturation < 0.12:
            return f"{level}, almost without colour"
        if self.saturation > 0.55:
            return f"{level} and vivid"
        return level


def light_of(pixels: Pixels) -> Light:
    lum = (pixels[..., 0] * 0.299 + pixels[..., 1] * 0.587 + pixels[..., 2] * 0.114) / 255.0
    _, sat, _ = hsv(pixels)
    return Light(float(lum.mean()), float(lum.std()), float(sat.mean()))


def dominant(pixels: Pixels, top: int = 4, min_share: float = 0.06) -> list[tuple[str, float]]:
    """Colour names covering the most of the picture, with their share of it."""
    flat = pixels.reshape(-1, 3)
    shares: dict[str, float] = {}
    # 32-level buckets are enough to name colours and keep this fast on big thumbnails
    buckets, counts = np.unique(flat // 32, axis=0, return_counts=True)
    for bucket, count in zip(buckets, counts, strict=True):
        centre = tuple(int(c) * 32 + 16 for c in bucket)
        name = colour_name((centre[0], centre[1], centre[2]))
        shares[name] = shares.get(name, 0.0) + count / len(flat)
    ranked = sorted(shares.items(), key=lambda kv: -kv[1])
    return [(n, round(s, 3)) for n, s in ranked[:top] if s >= min_share]


def _share(mask: npt.NDArray[np.bool_]) -> float:
    return float(mask.mean()) if mask.size else 0.0


def scene_cues(pixels: Pixels) -> list[str]:
    """Guesses a person would make from colour and where it sits in the frame."""
    h, s, v = hsv(pixels)
    rows = pixels.shape[0]
    top, bottom = slice(0, max(rows // 3, 1)), slice(rows - max(rows // 3, 1), rows)
    blue = (h >= 185) & (h < 255) & (s > 0.2) & (v > 0.35)
    warm = ((h < 45) | (h >= 330)) & (s > 0.35) & (v > 0.3)
    green = (h >= 70) & (h < 165) & (s > 0.2) & (v > 0.2)
    white = (s < 0.12) & (v > 0.85)
    dark = v < 0.3
    light = light_of(pixels)
    cues: list[str] = []
    if light.mean < 0.12:
        cues.append("very dark: night, an unlit room, or a covered lens")
    upper_warm = _share(warm[: rows // 2])
    if upper_warm > 0.3 and (_share(dark[bottom]) > 0.3 or _share(blue[top]) > 0.15
                             or upper_warm > _share(warm[bottom]) + 0.1):
        cues.append("warm orange and red light across the sky: it looks like a sunset or sunrise")
    elif _share(blue[top]) > 0.5:
        cues.append("blue across the top: probably open sky, outdoors in daylight")
    if _share(blue[bottom]) > 0.4 and _share(blue[top]) > 0.2:
        cues.append("blue at the bottom as well: perhaps water, a lake or the sea")
    if _share(green) > 0.3:
        cues.append("a lot of green: plants, grass or trees, perhaps")
    if _share(white) > 0.6 and 0.005 < _share(dark) < 0.35:
        cues.append("mostly white with dark marks: a page, a screen or a sign with writing, perhaps")
    if not cues and light.saturation < 0.3 and _share(blue[top]) < 0.1 and light.mean > 0.15:
        cues.append("muted colours and no sky: perhaps indoors (a guess)")
    return cues


__all__ = ["Light", "colour_name", "dominant", "hsv", "light_of", "scene_cues"]
