"""`os1 say` and `os1 voice` as a user runs them: real models, real files, bad inputs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from os1.cli.main import app
from os1.voice.audio import STT_RATE, read_wav, resample, write_wav

from .conftest import espeak, needs_espeak

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


@pytest.mark.model
def test_say_writes_a_valid_wav(tmp_path: Path) -> None:
    out = tmp_path / "hello.wav"
    code, text = run("say", "Hello there. I am glad you are here.", "--out", str(out), "--json")
    assert code == 0, text
    info = json.loads(text)
    clip = read_wav(out)
    assert clip.rate == 22050 == info["rate"] and info["voice"] == "joe"
    assert 1.0 < clip.seconds < 6.0 and float(np.abs(clip.samples).max()) > 0.05
    assert info["first_chunk_s"] <= info["synth_s"]


@pytest.mark.model
def test_say_with_the_fallback_voice(tmp_path: Path) -> None:
    code, text = run("say", "Testing the other voice.", "-o", str(tmp_path / "e.wav"),
                     "--voice", "espeak")
    assert code == 0 and "voice espeak" in text
    assert read_wav(tmp_path / "e.wav").seconds > 0.5


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("say", "   ", "-o", "x.wav"), "nothing to say"),
        (("say", "hi", "-o", "x.wav", "--voice", "nobody"), "Unknown voice 'nobody'"),
        (("say", "hi"), "No microphone and speaker were found"),
        (("voice",), "No microphone and speaker were found"),
        (("voice", "--json"), "need --in"),
        (("voice", "--in", "missing.wav", "-o", "r.wav"), "does not exist"),
    ],
)
def test_problems_are_one_sentence_without_traceback(args: tuple[str, ...], fragment: str) -> None:
    code, text = run(*args)
    assert code == 2 and fragment in text and "Traceback" not in text, text


@pytest.fixture
def bad_files(tmp_path: Path) -> dict[str, Path]:
    rng = np.random.default_rng(0)
    files = {
        "silence": np.zeros(STT_RATE * 2, np.float32),
        "noise": rng.normal(0, 0.1, STT_RATE * 2).astype(np.float32),
    }
    paths = {}
    for name, samples in files.items():
        paths[name] = tmp_path / f"{name}.wav"
        write_wav(paths[name], samples, STT_RATE)
    paths["text"] = tmp_path / "notes.wav"
    paths["text"].write_text("these are notes, not audio")
    paths["truncated"] = tmp_path / "cut.wav"
    paths["truncated"].write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt ")
    return paths


@pytest.mark.parametrize(
    ("name", "fragment"),
    [("silence", "is silent"), ("noise", "No speech found"), ("text", "not a WAV file"),
     ("truncated", "damaged WAV file")],
)
def test_bad_recordings(bad_files: dict[str, Path], tmp_path: Path, name: str,
                        fragment: str) -> None:
    code, text = run("voice", "--in", str(bad_files[name]), "--out", str(tmp_path / "r.wav"))
    assert code == 2 and fragment in text and "Traceback" not in text, text
    assert not (tmp_path / "r.wav").exists()


@pytest.mark.model
@needs_espeak
def test_voice_file_to_file_with_odd_rate_and_clipping(tmp_path: Path) -> None:
    speech = espeak("What is your favourite colour?", "en-us+m3", rate=44100)
    loud = np.clip(speech * 6.0, -1.0, 1.0)  # clipped, at 44.1 kHz
    pad = np.zeros(22050, np.float32)
    write_wav(tmp_path / "q.wav", np.concatenate([pad, loud, pad]), 44100)
    code, text = run("voice", "--in", str(tmp_path / "q.wav"), "--out",
                     str(tmp_path / "r.wav"), "--json")
    assert code == 0, text
    out = json.loads(text)
    assert "colour" in out["transcript"].lower() or "color" in out["transcript"].lower()
    assert out["reply"] and any("clipped" in w for w in out["warnings"])
    assert 0 < out["timings"]["end_of_speech_to_first_audio_s"] < 30
    assert read_wav(tmp_path / "r.wav").seconds > 0.3
    # the 8 kHz telephone version of the same question is resampled and understood too
    phone = resample(espeak("What is your favourite colour?", "en-us+m3"), STT_RATE, 8000)
    write_wav(tmp_path / "p.wav", np.concatenate([np.zeros(4000, np.float32), phone,
                                                 np.zeros(4000, np.float32)]), 8000)
    code, text = run("voice", "--in", str(tmp_path / "p.wav"), "--out",
                     str(tmp_path / "r2.wav"), "--json")
    assert code == 0 and "favo" in json.loads(text)["transcript"].lower(), text
