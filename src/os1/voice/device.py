"""The sound card: one full-duplex PortAudio stream (via sounddevice) so microphone and speaker
share one sample clock, which is what lets the echo canceller line os1's voice up with what
the microphone hears. Every failure becomes a ConfigError naming the fix.
"""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np

from os1.errors import ConfigError
from os1.voice.audio import STT_RATE, resample
from os1.voice.live import Conversation, Player
from os1.voice.vad import FRAME

NO_DEVICE = (
    "No microphone and speaker were found; connect an audio device (or use files: "
    "os1 voice --in QUESTION.wav --out REPLY.wav)."
)


def _sounddevice() -> Any:
    try:
        import sounddevice
    except OSError:
        raise ConfigError(
            "The PortAudio library is missing; install it with: apt-get install libportaudio2"
        ) from None
    except ImportError:
        raise ConfigError(
            "sounddevice is not installed; run: pip install -r requirements/voice.txt"
        ) from None
    return sounddevice


def check_devices() -> tuple[int, int]:
    """Default input and output device ids, or a ConfigError saying what to connect."""
    sd = _sounddevice()
    try:
        devices = sd.query_devices()
        inp, out = sd.default.device
    except Exception:  # PortAudio raises its own error types for a missing backend
        raise ConfigError(NO_DEVICE) from None
    has_in = any(d.get("max_input_channels", 0) > 0 for d in devices)
    has_out = any(d.get("max_output_channels", 0) > 0 for d in devices)
    if not has_in or not has_out:
        raise ConfigError(NO_DEVICE)
    return int(inp), int(out)


async def run_duplex(conversation: Conversation, player: Player, stop: asyncio.Event) -> None:
    """Run the conversation on the default devices until ``stop`` is set."""
    sd = _sounddevice()
    check_devices()
    loop = asyncio.get_running_loop()
    frames: asyncio.Queue[tuple[int, np.ndarray]] = asyncio.Queue()
    rate = STT_RATE
    try:
        sd.check_input_settings(samplerate=STT_RATE, channels=1)
        sd.check_output_settings(samplerate=STT_RATE, channels=1)
    except Exception:
        rate = int(sd.query_devices(kind="input")["default_samplerate"])
    block = FRAME * rate // STT_RATE
    counter = {"index": 0}

    def callback(indata: np.ndarray, outdata: np.ndarray, n: int, _t: Any, _s: Any) -> None:
        index = counter["index"]
        counter["index"] += FRAME
        out16 = player.read(FRAME)
        out = resample(out16, STT_RATE, rate) if rate != STT_RATE else out16
        outdata[:, 0] = np.pad(out[:n], (0, max(0, n - len(out))))
        mic = indata[:, 0].astype(np.float32)
        mic16 = resample(mic, rate, STT_RATE) if rate != STT_RATE else mic.copy()
        mic16 = np.pad(mic16[:FRAME], (0, max(0, FRAME - len(mic16))))  # VAD needs 512
        loop.call_soon_threadsafe(conversation.played, index + offset, out16)
        loop.call_soon_threadsafe(frames.put_nowait, (index, mic16))

    try:
        stream = sd.Stream(samplerate=rate, blocksize=block, channels=1, dtype="float32",
                           callback=callback)
    except Exception as exc:
        raise ConfigError(f"The audio device cannot be opened ({exc}); check that no other "
                          "program holds it, or pick another default device.") from None
    latency = stream.latency
    offset = int(0.5 * (float(latency[0]) + float(latency[1])) * STT_RATE)
    with stream:
        while not stop.is_set():
            try:
                index, mic = await asyncio.wait_for(frames.get(), timeout=0.5)
            except TimeoutError:
                continue
            await conversation.feed(mic, index)
    await conversation.close()
