"""Camera mode over HTTP: a frame in, what os1 sees out (the same seeing as `os1 look`: real
Pillow measurements and real Tesseract OCR), kept in the user's memory once per view; bad,
oversized and too-frequent frames refused with a sentence."""

from __future__ import annotations

import io
import shutil
import time
from collections.abc import Iterator

import pytest
from serverkit import Browser, sign_picture

from os1.server.camera import MAX_FRAME_BYTES, Camera
from os1.server.testkit import RunningServer

pytestmark = pytest.mark.skipif(shutil.which("tesseract") is None, reason="needs tesseract")


@pytest.fixture
def camera(server: RunningServer) -> Iterator[Camera]:
    """A camera policy for one test: frames may come at any pace, changed views are kept at
    once."""
    saved = server.state.camera
    server.state.camera = Camera(every_s=0.0, keep_gap_s=0.0)
    yield server.state.camera
    server.state.camera = saved


def test_a_frame_is_seen_read_and_remembered_once_per_view(booted: Browser,
                                                            camera: Camera) -> None:
    sign = sign_picture("OPEN 24 HOURS")
    r = booted.look(sign)
    assert r.status_code == 200, r.text
    seen = r.json()
    assert seen["text"] == "OPEN 24 HOURS"  # read by Tesseract from the frame itself
    assert "blue" in seen["summary"] and "sky" in seen["summary"]
    assert (seen["width"], seen["height"], seen["format"]) == (640, 480, "PNG")
    assert "What I can't do offline" in seen["description"]  # honest about its limits
    assert seen["remembered"]
    again = booted.look(sign).json()
    assert again["text"] == "OPEN 24 HOURS" and again["remembered"] == ""  # same view
    other = booted.look(sign_picture("CLOSED", fmt="JPEG"), "image/jpeg").json()
    assert other["text"] == "CLOSED" and other["remembered"] not in ("", seen["remembered"])
    found = booted.get("/api/memory", params={"q": "OPEN 24 HOURS"}).json()["memories"]
    sights = [m for m in found if "OPEN 24 HOURS" in m["text"]]
    assert [m["id"] for m in sights] == [seen["remembered"]]  # once, though seen twice
    assert sights[0]["text"].startswith("I saw through the camera: a landscape picture")
    # a sight is not a chat turn: the conversation on screen is unchanged
    assert all("camera" not in t["text"] for t in booted.get("/api/history").json()["turns"])


def test_the_same_view_is_remembered_again_after_a_while(booted: Browser,
                                                         camera: Camera) -> None:
    camera.keep_again_s = 0.0
    sign = sign_picture("BAKERY")
    first = booted.look(sign).json()["remembered"]
    time.sleep(0.01)
    second = booted.look(sign).json()["remembered"]
    assert first and second and first != second


def test_bad_frames_are_refused_with_a_sentence(booted: Browser, camera: Camera) -> None:
    r = booted.look(b"hello", "text/plain")
    assert r.status_code == 415 and "image/jpeg" in r.json()["error"]
    r = booted.look(b"", "image/jpeg")
    assert r.status_code == 400 and "empty" in r.json()["error"]
    r = booted.look(b"\xff\xd8\xff\xe0 not really a jpeg" * 20, "image/jpeg")
    assert r.status_code == 400
    assert r.json()["error"].startswith("The camera frame is")
    huge = io.BytesIO()
    from PIL import Image

    Image.new("L", (5000, 4000)).save(huge, "PNG")  # 20 megapixels in 19 KB
    r = booted.look(huge.getvalue())
    assert r.status_code == 400 and "5000x4000" in r.json()["error"]
    r = booted.look(b"\x89PNG" + bytes(MAX_FRAME_BYTES))
    assert r.status_code == 413 and "600,000 bytes" in r.json()["error"]
    r = booted.http.post("/api/look", content=sign_picture("HI"),
                         headers={"content-type": "image/png"})  # no CSRF token
    assert r.status_code == 403
    assert booted.look(sign_picture("STILL HERE")).json()["text"] == "STILL HERE"


def test_frames_faster_than_the_pace_are_skipped(booted: Browser, camera: Camera) -> None:
    camera.every_s = 30.0
    camera.pace.window_s = 30.0
    assert booted.look(sign_picture("ONE")).status_code == 200
    r = booted.look(sign_picture("TWO"))
    assert r.status_code == 429 and "one frame every 30 seconds" in r.json()["error"]
    assert int(r.headers["retry-after"]) == 30
