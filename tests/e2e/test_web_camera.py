"""Camera mode in real headless Chromium: Chromium's fake camera plays a known picture (a sign
reading "OPEN 24 HOURS" under a blue sky, written as a Y4M video); with camera mode on, the
page sends a frame every few seconds, the server looks at it as `os1 look` does (real
Tesseract OCR), shows what it sees, and keeps it in that user's memory. Off by default, and
plainly on while on. Screenshots go to tests/artifacts/web/.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from os1.server.testkit import RunningServer, make_state, run_in_thread

pytestmark = [
    pytest.mark.model,
    pytest.mark.skipif(shutil.which("chromium") is None or shutil.which("tesseract") is None,
                       reason="needs chromium and tesseract"),
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "web"
SLOW = 240_000
WORDS = "OPEN 24 HOURS"


def sign_video(folder: Path, words: str = WORDS) -> Path:
    """A Y4M video (what Chromium's fake camera plays) of a shop sign: sky over the top two
    fifths, the words in black on white below. 640x480, 4:2:0, two identical frames."""
    from PIL import Image, ImageDraw, ImageFont

    w, h = 640, 480
    img = Image.new("RGB", (w, h), (255, 255, 255))
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 0, w, h * 2 // 5), fill=(90, 150, 225))
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", h // 8)
    draw.text((w // 16, h // 2), words, fill=(0, 0, 0), font=font)
    ycc = np.asarray(img.convert("YCbCr"), dtype=np.float32)
    y = ycc[..., 0].astype(np.uint8)
    chroma = ycc[..., 1:].reshape(h // 2, 2, w // 2, 2, 2).mean(axis=(1, 3))
    u, v = (np.round(chroma[..., i]).astype(np.uint8) for i in (0, 1))
    frame = b"FRAME\n" + y.tobytes() + u.tobytes() + v.tobytes()
    path = folder / "sign.y4m"
    path.write_bytes(f"YUV4MPEG2 W{w} H{h} F10:1 Ip A1:1 C420jpeg\n".encode() + frame * 2)
    return path


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    srv = run_in_thread(make_state(tmp_path_factory.mktemp("camera"), tools={}))
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def page(server: RunningServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    video = sign_video(tmp_path_factory.mktemp("cam"))
    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync",
            "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={video}"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=args)
        pg = browser.new_page(viewport={"width": 1000, "height": 800})
        errors: list[str] = []
        pg.on("pageerror", lambda e: errors.append(str(e)))
        looks: list[str] = []
        pg.on("request", lambda r: looks.append(r.method) if r.url.endswith("/api/look") else None)
        pg.looks = looks  # type: ignore[attr-defined]
        pg.goto(server.url)
        sign_up_and_boot(pg)
        yield pg
        browser.close()
        assert not errors, errors


def sign_up_and_boot(page: Any) -> None:
    from playwright.sync_api import expect

    page.click("#auth-switch")
    page.fill("#auth-name", "pocket-camera")
    page.fill("#auth-password", "the shirt pocket")
    page.click("#auth-submit")
    page.fill("#boot-input", "Theodore")
    page.press("#boot-input", "Enter")
    page.click("#boot-choices button:has-text('gentle')")
    page.fill("#boot-input", "Come along and see things with me")
    page.press("#boot-input", "Enter")
    if page.locator("#boot-choices button").count():
        page.locator("#boot-choices button").first.click()
    page.click("#boot-begin", timeout=SLOW)
    expect(page.locator("#view-main")).to_be_visible()


def test_camera_is_off_until_the_user_turns_it_on(page: Any) -> None:
    from playwright.sync_api import expect

    expect(page.locator("#camera-toggle")).not_to_be_checked()
    page.wait_for_timeout(6000)  # longer than a frame's interval
    expect(page.locator("#camera-on")).to_be_hidden()
    expect(page.locator("#camera-box")).to_be_hidden()
    assert page.looks == [] and page.evaluate("window.os1Debug.cameraFrames") == 0


def test_camera_mode_sees_the_sign_and_remembers_it(page: Any) -> None:
    from playwright.sync_api import expect

    page.check("#camera-toggle")
    expect(page.locator("#camera-on")).to_be_visible()
    expect(page.locator("#camera-on")).to_have_text("Camera on")
    expect(page.locator("#camera-box")).to_be_visible()
    seen = page.locator("#camera-seen")
    expect(seen).to_contain_text(f'with the words "{WORDS}"', timeout=60_000)
    expect(seen).to_contain_text("sky")
    expect(seen).to_contain_text(re.compile(r"I'll remember this\.|Kept in my memory at"))
    assert page.evaluate("document.querySelector('#camera-view').videoWidth") == 640
    remembered = seen.get_attribute("data-remembered")
    assert remembered
    page.screenshot(path=str(ARTIFACTS / "11_camera_on.png"))
    page.click(".tab[data-tab=memory]")
    expect(page.locator("#camera-on")).to_be_visible()  # still on, whichever panel is open
    page.fill("#memory-q", WORDS)
    page.press("#memory-q", "Enter")
    kept = page.locator(f"#memories li[data-id='{remembered}']")
    expect(kept).to_contain_text("camera")
    expect(kept).to_contain_text(WORDS)
    page.screenshot(path=str(ARTIFACTS / "12_camera_memory.png"))
    page.click(".tab[data-tab=talk]")


def test_turning_the_camera_off_stops_it(page: Any) -> None:
    from playwright.sync_api import expect

    sent = len(page.looks)
    assert sent >= 1 and set(page.looks) == {"POST"}
    page.uncheck("#camera-toggle")
    expect(page.locator("#camera-on")).to_be_hidden()
    expect(page.locator("#camera-box")).to_be_hidden()
    assert page.evaluate("document.querySelector('#camera-view').srcObject") is None
    page.wait_for_timeout(6000)
    assert len(page.looks) == sent  # no frame after the camera was turned off
    page.screenshot(path=str(ARTIFACTS / "13_camera_off.png"))
