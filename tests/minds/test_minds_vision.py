"""Seeing: honest offline descriptions, OCR, bad images, memory, and a multimodal server."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from os1.config import BrainConfig
from os1.errors import InputError
from os1.home import Home
from os1.memory import open_memory
from os1.minds import ocr
from os1.minds.colours import colour_name
from os1.minds.vision import CANNOT, look, remember_sight


async def test_sunset(images: dict[str, Path]) -> None:
    sight = await look(images["sunset"])
    assert (sight.width, sight.height, sight.format) == (640, 480, "JPEG")
    assert sight.colours[0][0] == "orange"
    assert any("sunset" in c for c in sight.cues)
    assert CANNOT in sight.describe()


async def test_meadow_sky_and_green(images: dict[str, Path]) -> None:
    sight = await look(images["meadow"], read_text=False)
    assert {n for n, _ in sight.colours} == {"blue", "green"}
    assert any("sky" in c for c in sight.cues) and any("green" in c for c in sight.cues)
    assert not any("sunset" in c for c in sight.cues)


async def test_night(images: dict[str, Path]) -> None:
    sight = await look(images["night"])
    assert sight.light.startswith("very dark")
    assert any("night" in c for c in sight.cues)
    assert sight.text == ""


@pytest.mark.skipif(not ocr.available(), reason="tesseract-ocr is installed by scripts/apt/minds.txt")
async def test_reads_text(images: dict[str, Path]) -> None:
    sight = await look(images["sign"])
    words = sight.text.upper()
    assert "HARBOUR" in words and "SUNDAY" in words
    assert any("writing" in c for c in sight.cues)
    assert "HARBOUR" in sight.describe().upper()


@pytest.mark.parametrize(("r", "g", "b", "name"), [
    (255, 140, 0, "orange"), (20, 20, 20, "black"), (250, 250, 250, "white"),
    (30, 60, 200, "blue"), (40, 160, 60, "green"), (120, 70, 30, "brown"),
    (128, 128, 128, "grey"), (20, 30, 90, "dark blue"),
])  # fmt: skip
def test_colour_names(r: int, g: int, b: int, name: str) -> None:
    assert colour_name((r, g, b)) == name


async def test_bad_images(tmp_path: Path, images: dict[str, Path]) -> None:
    from PIL import Image

    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        await look(empty)
    noise = tmp_path / "noise.jpg"
    noise.write_bytes(bytes(range(256)) * 20)
    with pytest.raises(InputError, match="not an image"):
        await look(noise)
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(images["sunset"].read_bytes()[:1500])
    with pytest.raises(InputError, match="damaged or cut short"):
        await look(cut)
    with pytest.raises(InputError, match="does not exist"):
        await look(tmp_path / "nope.png")
    with pytest.raises(InputError, match="folder"):
        await look(tmp_path)
    huge = tmp_path / "huge.png"
    Image.new("1", (12000, 9000)).save(huge)  # 108 megapixels in a few kilobytes
    with pytest.raises(InputError, match="megapixel limit"):
        await look(huge)
    with pytest.raises(InputError, match="empty"):
        await look(b"")


async def test_remembered_sight_is_recalled(images: dict[str, Path], tmp_path: Path) -> None:
    home = Home.open(tmp_path / "h")
    before = home.episodes.current_session()
    sight = await look(images["sunset"])
    memory_id = remember_sight(home, sight, "the sunset at the beach")
    hits = open_memory(home).search("what did you see at the beach?", limit=3)
    assert hits[0].id == memory_id
    assert "the sunset at the beach" in hits[0].text and "orange" in hits[0].text
    assert home.episodes.current_session() == before


class _MultimodalDouble(BaseHTTPRequestHandler):
    """Test double for an unreachable peer: a multimodal OpenAI-compatible server."""

    seen: ClassVar[list[dict[str, object]]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _MultimodalDouble.seen.append(body)
        parts = body["messages"][0]["content"]
        url = next(p["image_url"]["url"] for p in parts if p["type"] == "image_url")
        ok = url.startswith("data:image/jpeg;base64,") and len(url) > 1000
        text = "A red sun setting over a calm sea." if ok else "no image"
        data = json.dumps({"choices": [{"message": {"content": text}}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def multimodal_double() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _MultimodalDouble)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()


async def test_multimodal_model_when_configured(images: dict[str, Path], multimodal_double: str) -> None:
    brain = BrainConfig(backend="openai", base_url=multimodal_double, model="llava")
    sight = await look(images["sunset"], brain=brain, read_text=False)
    assert sight.model_description == "A red sun setting over a calm sea."
    assert sight.seen_by == "model llava"
    assert sight.summary() == "A red sun setting over a calm sea."
    assert CANNOT not in sight.describe()
    assert _MultimodalDouble.seen[-1]["model"] == "llava"


async def test_unreachable_model_falls_back_offline(images: dict[str, Path]) -> None:
    brain = BrainConfig(backend="openai", base_url="http://127.0.0.1:9/v1", timeout_s=2)
    sight = await look(images["sunset"], brain=brain, read_text=False)
    assert sight.seen_by == "offline"
    assert any("could not look" in n for n in sight.notes)
    assert any("sunset" in c for c in sight.cues)


def test_ocr_tsv_parsing_drops_unsure_words() -> None:
    tsv = ("level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n"
           "5\t1\t1\t1\t1\t1\t0\t0\t1\t1\t96.0\tHello\n"
           "5\t1\t1\t1\t1\t2\t0\t0\t1\t1\t12.0\tx#q\n"
           "5\t1\t1\t1\t2\t1\t0\t0\t1\t1\t91.5\tworld\n")
    assert ocr.parse_tsv(tsv) == "Hello\nworld"
