"""Voice activity (Silero from the faster-whisper wheel, energy fallback) and end of turn."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from os1.voice.vad import (
    FRAME,
    EnergyVAD,
    SileroVAD,
    TurnDetector,
    TurnEvent,
    TurnSettings,
    silero_asset,
    sounds_unfinished,
)

from .conftest import espeak, needs_espeak


def events(vad: Any, x: np.ndarray, settings: TurnSettings | None = None) -> list[tuple[float, str]]:
    det = TurnDetector(settings)
    vad.reset()
    out = []
    for i in range(0, len(x) - FRAME + 1, FRAME):
        ev = det.push(vad.probability(x[i : i + FRAME]))
        if ev is not TurnEvent.NONE:
            out.append((round((i + FRAME) / 16000, 2), ev.value))
    return out


def padded(speech: np.ndarray, before: float = 0.5, after: float = 1.5) -> np.ndarray:
    rng = np.random.default_rng(3)
    x = np.concatenate([np.zeros(int(before * 16000)), speech, np.zeros(int(after * 16000))])
    return (x + rng.normal(0, 0.002, len(x))).astype(np.float32)


def test_the_silero_asset_ships_in_the_wheel() -> None:
    path = silero_asset()
    assert path is not None and path.is_file() and path.suffix == ".onnx"


@needs_espeak
@pytest.mark.parametrize("kind", ["silero", "energy"])
def test_speech_start_and_end_of_turn(kind: str) -> None:
    vad = SileroVAD(silero_asset()) if kind == "silero" else EnergyVAD()  # type: ignore[arg-type]
    speech = espeak("Please turn off the lights in the kitchen.")
    x = padded(speech)
    got = events(vad, x)
    kinds = [k for _, k in got]
    assert kinds[0] == "started" and kinds[-1] == "ended" and kinds.count("ended") == 1
    end_of_speech = 0.5 + (len(speech) - np.argmax(np.abs(speech[::-1]) > 0.02)) / 16000
    ended_at = got[-1][0]
    # the turn ends after the hangover (320 ms), not before the speech is over
    assert end_of_speech < ended_at < end_of_speech + 0.7


@pytest.mark.parametrize("level", [0.0, 0.01, 0.1])
def test_silence_and_steady_noise_are_not_speech(level: float) -> None:
    vad = SileroVAD(silero_asset())  # type: ignore[arg-type]
    rng = np.random.default_rng(0)
    noise = (rng.normal(0, level, 16000 * 3)).astype(np.float32)
    assert events(vad, noise) == []


def test_unfinished_words_wait_longer() -> None:
    assert sounds_unfinished("I want to go to the") and sounds_unfinished("milk, eggs,")
    assert not sounds_unfinished("What time is it?")
    det = TurnDetector(TurnSettings(end_ms=320, unfinished_end_ms=900))
    for _ in range(10):
        det.push(1.0)
    det.heard("I want to go to the")
    pushes = 0
    while det.push(0.0) is not TurnEvent.ENDED:
        pushes += 1
    assert pushes * FRAME / 16000 >= 0.85
    for _ in range(10):
        det.push(1.0)
    det.heard("What time is it?")  # back to the normal wait
    pushes = 0
    while det.push(0.0) is not TurnEvent.ENDED:
        pushes += 1
    assert 0.25 <= pushes * FRAME / 16000 < 0.4


def silence_until_end(det: TurnDetector, hint_after_s: float = -1.0,
                      hint: str = "") -> float:
    """Seconds of silence until the turn ends; ``hint`` arrives after ``hint_after_s``."""
    pushes = 0
    while True:
        if 0 <= hint_after_s <= pushes * FRAME / 16000 and det.hint_pending:
            det.heard(hint)
        if det.push(0.0) is TurnEvent.ENDED:
            return (pushes + 1) * FRAME / 16000
        pushes += 1


def test_the_turn_waits_for_its_transcript_then_its_words() -> None:
    settings = TurnSettings(end_ms=320, complete_end_ms=320, unfinished_end_ms=900)
    det = TurnDetector(settings)
    for _ in range(10):
        det.push(1.0)
    det.transcribing()  # a busy machine: the words come 0.6 s into the silence
    assert 0.6 <= silence_until_end(det, 0.6, "What time is it?") < 0.7
    for _ in range(10):
        det.push(1.0)
    det.transcribing()  # no transcript at all: the longest wait, then the turn ends anyway
    assert 0.88 <= silence_until_end(det) < 0.95
    for _ in range(10):
        det.push(1.0)
    det.transcribing()  # "So wait." then a pause: one or two words wait longer
    assert 0.62 <= silence_until_end(det, 0.1, "So wait.") < 0.7
    for _ in range(10):
        det.push(1.0)
    assert 0.3 <= silence_until_end(det) < 0.4  # no transcription asked for: the plain wait


def test_short_clicks_do_not_start_a_turn() -> None:
    det = TurnDetector()
    assert [det.push(p) for p in (0.9, 0.9, 0.0, 0.9, 0.0)] == [TurnEvent.NONE] * 5
