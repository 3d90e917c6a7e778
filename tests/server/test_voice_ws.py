"""A voice turn over the WebSocket: PCM in (a question spoken by espeak-ng), transcript, the
reply's text, and its audio frames out. Real Whisper and the real voice."""

from __future__ import annotations

import json
import shutil
import struct
import subprocess

import numpy as np
import pytest
from serverkit import Browser, events_until_end

from os1.voice.audio import parse_wav

pytestmark = [
    pytest.mark.model,
    pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng missing"),
]


def spoken(text: str) -> tuple[bytes, int]:
    wav = subprocess.run(["espeak-ng", "-v", "en-us", "-s", "150", "--stdout", text],
                         capture_output=True, check=True).stdout
    clip = parse_wav(wav)
    pad = np.zeros(int(0.4 * clip.rate), np.float32)
    x = np.concatenate([pad, clip.samples, pad])
    return (x * 32767).astype("<i2").tobytes(), clip.rate


def test_voice_turn_transcribes_answers_and_speaks(booted: Browser) -> None:
    pcm, rate = spoken("What is your name?")
    persona = booted.get("/api/persona").json()["persona"]
    with booted.ws() as ws:
        ws.send(json.dumps({"type": "voice_start", "rate": rate, "speak": True}))
        assert json.loads(ws.recv(timeout=30))["type"] == "listening"
        step = rate // 10 * 2  # 100 ms frames, as a browser sends them
        for i in range(0, len(pcm), step):
            ws.send(pcm[i:i + step])
        ws.send(json.dumps({"type": "voice_end"}))
        events = events_until_end(ws, timeout=300)
        frames = []
        while True:  # audio can still follow turn_ended while the last phrase is synthesised
            try:
                raw = ws.recv(timeout=5)
            except TimeoutError:
                break
            if isinstance(raw, bytes):
                frames.append(raw)
    kinds = [e["type"] for e in events]
    transcript = next(e["text"] for e in events if e["type"] == "transcript")
    assert "name" in transcript.lower()
    assert kinds[-1] == "turn_ended" and persona["os_name"] in events[-1]["reply"]
    audio = [e for e in events if e["type"] == "audio"]
    assert audio or frames
    first = frames[0] if frames else None
    if first is not None:
        (out_rate,) = struct.unpack("<I", first[:4])
        assert 8000 <= out_rate <= 48000 and len(first) > 4


def test_silence_is_explained_not_transcribed(booted: Browser) -> None:
    with booted.ws() as ws:
        ws.send(json.dumps({"type": "voice_start", "rate": 16000}))
        ws.recv(timeout=30)
        ws.send(bytes(32000))
        ws.send(json.dumps({"type": "voice_end"}))
        ev = events_until_end(ws, timeout=120)[-1]
    assert ev["type"] == "error" and "silent" in ev["message"]


def test_too_long_a_recording_is_dropped(booted: Browser) -> None:
    with booted.ws() as ws:
        ws.send(json.dumps({"type": "voice_start", "rate": 8000}))
        ws.recv(timeout=30)
        second = bytes(16000)
        for _ in range(61):
            ws.send(second)
        ev = json.loads(ws.recv(timeout=30))
        assert ev["type"] == "error" and "longer than 60 s" in ev["message"]
        ws.send(json.dumps({"type": "ping"}))
        assert json.loads(ws.recv(timeout=30))["type"] == "pong"
