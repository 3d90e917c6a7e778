"""Seeing: ``look(image)`` describes a picture honestly and can keep it in memory.

With a multimodal model behind an OpenAI-compatible server (``brain.backend = "openai"``),
the picture is sent as an ``image_url`` data URI and the model describes it. Offline, os1
says only what it can measure: size and format, the colours that cover most of it, how light
it is, scene guesses from colour and position (sky, sunset, greenery, water, a page), and
printed text read by Tesseract. It says plainly what it cannot see: no packaged model
recognises objects, people or places, so it never names them. Corrupt, empty and huge
images are refused with a sentence saying so.
"""

from __future__ import annotations

import base64
import io
import time
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from os1.errors import BackendError, InputError
from os1.minds import colours, ocr

if TYPE_CHECKING:
    from os1.config import BrainConfig
    from os1.home import Home

MAX_BYTES = 40 * 1024 * 1024
MAX_PIXELS = 80_000_000  # 80 megapixels: bigger is a decompression bomb or not a photo
THUMB = 160
REMOTE_SIDE = 1024
PROMPT = ("Describe what you see in this picture in two or three plain sentences: the scene, "
          "the main things in it, and any text. Say so if you are unsure.")
CANNOT = ("What I can't do offline: recognise objects, people, animals or places; no image "
          "model is installed, so this comes from colours, light and any printed text.")


@dataclass
class Sight:
    name: str
    width: int
    height: int
    format: str
    size_bytes: int
    colours: list[tuple[str, float]] = field(default_factory=list)
    light: str = ""
    cues: list[str] = field(default_factory=list)
    text: str = ""
    seen_by: str = "offline"  # or "model NAME"
    model_description: str = ""
    notes: list[str] = field(default_factory=list)  # what could not be done, and why
    seconds: float = 0.0
    memory_id: str = ""

    @property
    def orientation(self) -> str:
        if abs(self.width - self.height) <= 0.05 * max(self.width, self.height):
            return "square"
        return "landscape" if self.width > self.height else "portrait"

    def colour_words(self) -> str:
        names = [n for n, _ in self.colours]
        if not names:
            return ""
        if len(names) == 1:
            return f"mostly {names[0]}"
        return f"mostly {' and '.join(names[:2])}" + (
            f", with some {', '.join(names[2:])}" if names[2:] else "")

    def summary(self) -> str:
        """One line for memory and lists."""
        if self.model_description:
            return self.model_description.split("\n")[0][:300]
        parts = [f"a {self.orientation} picture, {self.light}, {self.colour_words()}"]
        if self.cues:
            parts.append(self.cues[0])
        if self.text:
            parts.append("with the words \"" + " ".join(self.text.split())[:120] + "\"")
        return "; ".join(p for p in parts if p)

    def describe(self) -> str:
        head = (f"{self.name}: a {self.width}x{self.height} {self.format} image "
                f"({self.orientation}, {_size_words(self.size_bytes)}).")
        lines = [head]
        if self.model_description:
            lines.append(f"{self.seen_by} says: {self.model_description}")
        lines.append(f"It is {self.light}; {self.colour_words()}.")
        lines += [c[0].upper() + c[1:] + "." for c in self.cues]
        if self.text:
            lines.append("Text I can read: \"" + " / ".join(self.text.splitlines()) + "\"")
        lines += self.notes
        if not self.model_description:
            lines.append(CANNOT)
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["summary"] = self.summary()
        return data


def _size_words(n: int) -> str:
    return f"{n / 2**20:.1f} MB" if n >= 2**20 else f"{max(n // 1024, 1)} KB"


def read_image_bytes(source: Path | bytes, name: str = "") -> tuple[bytes, str]:
    if isinstance(source, bytes):
        data, label = source, name or "the image"
    else:
        label = name or source.name
        try:
            if source.stat().st_size > MAX_BYTES:
                raise InputError(f"{label} is larger than {MAX_BYTES // 2**20} MB; use a smaller image.")
            data = source.read_bytes()
        except FileNotFoundError:
            raise InputError(f"{source} does not exist.") from None
        except IsADirectoryError:
            raise InputError(f"{source} is a folder; give an image file.") from None
        except OSError as exc:
            raise InputError(f"Cannot read {source}: {exc.strerror or exc}.") from exc
    if not data:
        raise InputError(f"{label} is empty: there is no picture in it.")
    if len(data) > MAX_BYTES:
        raise InputError(f"{label} is larger than {MAX_BYTES // 2**20} MB; use a smaller image.")
    return data, label


def open_image(data: bytes, label: str) -> Any:
    """A decoded RGB Pillow image, or an InputError saying why it cannot be one."""
    from PIL import Image, UnidentifiedImageError

    with warnings.catch_warnings():
        # our own pixel limit below gives the user a sentence instead of Pillow's warning
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            img = Image.open(io.BytesIO(data))
            w, h = img.size
            if w * h > MAX_PIXELS:
                raise InputError(
                    f"{label} is {w}x{h} pixels, over the {MAX_PIXELS // 1_000_000} megapixel "
                    "limit; scale it down first."
                )
            if w == 0 or h == 0:
                raise InputError(f"{label} has no pixels.")
            fmt = img.format or "unknown"
            img.draft("RGB", (THUMB * 4, THUMB * 4))  # JPEGs decode at a fraction of the size
            img.load()
        except UnidentifiedImageError:
            raise InputError(f"{label} is not an image I can read (PNG, JPEG, GIF, WebP, BMP, TIFF).") from None
        except Image.DecompressionBombError:
            raise InputError(f"{label} is too large to open safely; scale it down first.") from None
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise InputError(f"{label} is damaged or cut short ({exc}); try another copy.") from None
    rgb = img.convert("RGB") if img.mode != "RGB" else img
    rgb.info["os1_format"] = fmt
    rgb.info["os1_size"] = (w, h)
    return rgb


def measure(img: Any, sight: Sight) -> None:
    thumb = img.copy()
    thumb.thumbnail((THUMB, THUMB))
    pixels = np.asarray(thumb, dtype=np.uint8)
    light = colours.light_of(pixels)
    sight.colours = colours.dominant(pixels)
    sight.light = light.words
    sight.cues = colours.scene_cues(pixels)
    if light.contrast < 0.02:
        sight.notes.append("It is nearly one flat colour, so there is little else to see.")


def read_words(img: Any, sight: Sight) -> None:
    if not ocr.available():
        sight.notes.append("I could not look for text: Tesseract OCR is not installed.")
        return
    try:
        sight.text = ocr.read_text(img)
    except BackendError as exc:
        sight.notes.append(f"I could not read text in it: {exc.message}")


def data_uri(img: Any) -> str:
    small = img.copy()
    small.thumbnail((REMOTE_SIDE, REMOTE_SIDE))
    buf = io.BytesIO()
    small.save(buf, format="JPEG", quality=85)
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


async def describe_remote(img: Any, cfg: BrainConfig, model: str = "") -> str:
    """Ask a multimodal model on an OpenAI-compatible server what it sees."""
    import httpx

    from os1.brain.openai_compat import api_key

    body = {
        "model": model or cfg.model,
        "max_tokens": 200,
        "temperature": 0.2,
        "messages": [{"role": "user", "content": [
            {"type": "text", "text": PROMPT},
            {"type": "image_url", "image_url": {"url": data_uri(img)}},
        ]}],
    }  # fmt: skip
    headers = {}
    key = api_key(cfg)
    if key:
        headers["Authorization"] = f"Bearer {key}"
    url = cfg.base_url.rstrip("/") + "/chat/completions"
    try:
        async with httpx.AsyncClient(timeout=httpx.Timeout(cfg.timeout_s, connect=5.0)) as client:
            resp = await client.post(url, json=body, headers=headers)
    except httpx.HTTPError as exc:
        raise BackendError(f"the model server at {cfg.base_url} cannot be reached ({exc})") from exc
    if resp.status_code >= 400:
        raise BackendError(f"the model server answered HTTP {resp.status_code} "
                           f"({resp.text[:120].strip()})")
    try:
        text = str(resp.json()["choices"][0]["message"]["content"] or "").strip()
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise BackendError("the model server's answer had no description in it") from exc
    if not text:
        raise BackendError("the model returned an empty description")
    return text


async def look(
    source: Path | bytes,
    *,
    name: str = "",
    brain: BrainConfig | None = None,
    vision_model: str = "",
    read_text: bool = True,
) -> Sight:
    """Describe an image. ``brain`` with backend "openai" sends it to that server's model."""
    t0 = time.perf_counter()
    data, label = read_image_bytes(source, name)
    img = open_image(data, label)
    w, h = img.info["os1_size"]
    sight = Sight(label, w, h, img.info["os1_format"], len(data))
    measure(img, sight)
    if brain is not None and brain.backend == "openai":
        model = vision_model or brain.model
        try:
            sight.model_description = await describe_remote(img, brain, model)
            sight.seen_by = f"model {model}"
        except BackendError as exc:
            sight.notes.append(f"The model could not look ({exc.message}); this is what I can "
                               "tell offline.")
    if read_text:
        read_words(img, sight)
    sight.seconds = time.perf_counter() - t0
    return sight


def remember_sight(home: Home, sight: Sight, note: str = "") -> str:
    """Keep what was seen in the home's memory; returns the memory (turn) id."""
    from os1.memory import open_memory
    from os1.minds.remember import remember_lines

    what = " ".join(note.split())[:200] or "a picture"
    text = f"I saw {what} ({sight.name}): {sight.summary()}."
    _, ids = remember_lines(home.episodes, open_memory(home), "look", [("other", "sight", text)])
    sight.memory_id = ids[0]
    return ids[0]


__all__ = ["Sight", "describe_remote", "look", "open_image", "remember_sight"]
