"""Voice fixtures: the real models (loaded once), questions spoken by espeak-ng (a voice that is
not os1's own), the real engine with the embedded model, and ``VirtualRoom``, a test double
for the sound card (this machine has no audio device): what os1 plays comes back into the
microphone through a delayed, reverberant echo path, mixed with the user's voice and noise.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from os1.voice.audio import STT_RATE, parse_wav, resample
from os1.voice.vad import FRAME

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng missing")


needs_festival = pytest.mark.skipif(
    shutil.which("text2wave") is None
    or not Path("/usr/share/festival/voices/us/cmu_us_slt_arctic_hts").is_dir(),
    reason="Festival or its HTS voice missing (scripts/apt/voice-bench.txt)")


def festival(text: str, voice: str = "cmu_us_slt_arctic_hts") -> np.ndarray:
    """``text`` spoken by Festival (a second synthesiser, closer to a person), at 16 kHz."""
    with tempfile.TemporaryDirectory() as tmp:  # text2wave needs a file it can seek in
        wav = Path(tmp) / "said.wav"
        subprocess.run(["text2wave", "-eval", f"(voice_{voice})", "-o", str(wav)],
                       input=text.encode(), capture_output=True, check=True)
        clip = parse_wav(wav.read_bytes())
    return resample(clip.samples, clip.rate, STT_RATE)


def espeak(text: str, voice: str = "en-us", rate: int = STT_RATE) -> np.ndarray:
    """``text`` spoken by espeak-ng, resampled to ``rate``."""
    wav = subprocess.run(
        ["espeak-ng", "-v", voice, "-s", "160", "--stdout", text],
        capture_output=True, check=True,
    ).stdout
    clip = parse_wav(wav)
    return resample(clip.samples, clip.rate, rate)


def onset(x: np.ndarray, level: float = 0.02) -> int:
    return int(np.argmax(np.abs(x) > level))


@pytest.fixture(scope="session")
def stt() -> Any:
    from os1.voice.stt import WhisperSTT

    return WhisperSTT()


@pytest.fixture(scope="session")
def tts() -> Any:
    from os1.voice.tts import open_tts

    return open_tts("joe")


@pytest.fixture
def vad() -> Any:
    from os1.voice.vad import open_vad

    return open_vad()


@pytest.fixture(scope="session")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The real engine on the embedded model, in a home of its own."""
    from os1.engine import ensure_persona, open_engine
    from os1.home import Home

    home = Home.open(tmp_path_factory.mktemp("voicehome"))
    ensure_persona(home, user_name="Theodore")
    engine = open_engine(home)

    async def warm_up() -> None:  # the first turn loads what the engine loads lazily
        async for _ in engine.turn("hello"):
            pass

    asyncio.run(warm_up())
    yield engine
    home.close()


@pytest.fixture
def model_turn(engine: Any) -> Any:
    """A turn straight from the real embedded model, token by token, without the engine's
    sentence filter (which hands over whole sentences): the finest stream voice can get."""
    from os1.brain.base import Message, Sampling
    from os1.events import TextDelta, TurnEnded

    async def turn(text: str) -> Any:
        messages = [Message("system", "You are a warm storyteller."), Message("user", text)]
        parts = []
        async for chunk in engine.model.stream(messages, sampling=Sampling(max_tokens=120)):
            if chunk.text:
                parts.append(chunk.text)
                yield TextDelta(chunk.text)
        yield TurnEnded("test", "".join(parts))

    return turn


class VirtualRoom:
    """Test double for the sound card: a full-duplex stream paced in real time."""

    def __init__(self, conv: Any, player: Any, seconds: float, *, echo_gain: float = 0.5,
                 delay: int = 960, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.conv, self.player = conv, player
        self.n = int(seconds * STT_RATE)
        self.user = np.zeros(self.n, np.float32)
        self.played = np.zeros(self.n + FRAME, np.float32)
        self.noise = rng.normal(0, 0.002, self.n).astype(np.float32)
        ir = rng.normal(0, 1, 640) * np.exp(-np.arange(640) / 120) * 0.3
        ir[0] = 1.0
        self.ir = (ir * echo_gain).astype(np.float32)
        self.delay = delay
        self.interrupt: np.ndarray | None = None
        self.interrupt_after = 0
        self.interrupt_reply = 1
        self.interrupt_onset = -1
        self.first_played = -1

    def say(self, at_s: float, speech: np.ndarray, gain: float = 0.8) -> int:
        start = int(at_s * STT_RATE)
        end = min(self.n, start + len(speech))
        self.user[start:end] += speech[: end - start] * gain
        return start + onset(speech)

    def interrupt_when_playing(self, speech: np.ndarray, after_s: float, reply: int = 1) -> None:
        """Say ``speech`` once os1 has audibly spoken ``after_s`` into its ``reply``-th reply
        with a settled echo model."""
        self.interrupt, self.interrupt_after = speech, int(after_s * STT_RATE)
        self.interrupt_reply = reply

    def _echo(self, i: int) -> np.ndarray:
        k = len(self.ir)
        lo = i - self.delay - k + 1
        seg = self.played[max(0, lo) : max(0, i - self.delay + FRAME)]
        seg = np.concatenate([np.zeros(len(self.ir) - 1 + FRAME - len(seg), np.float32), seg])
        return np.convolve(seg, self.ir, mode="valid").astype(np.float32)

    async def run(self, heard: int = 1, play_s: float = 4.0,
                  follow_up: np.ndarray | None = None) -> None:
        """Until os1 has heard ``heard`` utterances and played ``play_s`` seconds of reply
        (or finished its reply), or time is up. ``follow_up`` is said after the first reply."""
        t0 = time.perf_counter()
        for i in range(0, self.n - FRAME + 1, FRAME):
            if (follow_up is not None and self.conv.exchanges and self.first_played >= 0
                    and not self.conv.speaking):
                self.say(i / STT_RATE + 0.3, follow_up)
                follow_up = None
            played = i - self.first_played if self.first_played >= 0 else -1
            over = played >= play_s * STT_RATE or (played > 0 and not self.conv.speaking)
            if len(self.conv.exchanges) >= heard and over:
                break
            out = self.player.read(FRAME)
            if self.first_played < 0 and np.any(out):
                self.first_played = i
            self.played[i : i + FRAME] = out
            self.conv.played(i, out)
            # The user talks over os1 once its echo model has settled (about a second of os1
            # speech per session; barge-in is not possible before that) and audio is playing.
            if (self.interrupt is not None and self.interrupt_onset < 0 and np.any(out)
                    and self.conv.echo.converged
                    and len(self.conv.exchanges) >= self.interrupt_reply):
                self.interrupt_after -= FRAME
                if self.interrupt_after <= 0:
                    self.interrupt_onset = self.say(i / STT_RATE, self.interrupt)
            mic = self._echo(i) + self.user[i : i + FRAME] + self.noise[i : i + FRAME]
            await self.conv.feed(mic, i)
            wait = t0 + (i + FRAME) / STT_RATE - time.perf_counter()
            if wait > 0:
                await asyncio.sleep(wait)
        await self.conv.close()


@pytest.fixture
def wav_dir(tmp_path: Path) -> Path:
    return tmp_path
