"""Speech for the browser: PCM from the microphone in, spoken replies out.

One Whisper and one voice per name, loaded on first use and shared by every user; each runs
in a worker thread so the event loop keeps streaming other users' tokens meanwhile.
Audio frames sent to the browser are ``uint32 sample rate (LE) + int16 PCM (LE)``.
"""

from __future__ import annotations

import asyncio
import struct
from collections.abc import AsyncIterator
from typing import Any

import numpy as np

from os1.config import VoiceConfig
from os1.errors import InputError
from os1.events import Event

MAX_SECONDS = 60.0
RATES = range(8000, 96001)


def pcm16_to_float(data: bytes) -> Any:
    usable = len(data) - len(data) % 2
    return np.frombuffer(data[:usable], "<i2").astype(np.float32) / 32768.0


def audio_frame(samples: Any, rate: int) -> bytes:
    pcm = (np.clip(samples, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()
    return bytes(struct.pack("<I", rate) + pcm)


class VoiceService:
    def __init__(self, cfg: VoiceConfig) -> None:
        self.cfg = cfg
        self._stt: Any = None
        self._tts: dict[str, Any] = {}
        self._stt_lock = asyncio.Lock()
        self._load_lock = asyncio.Lock()

    def voices(self) -> list[str]:
        from os1.voice.tts import available_voices

        return available_voices()

    async def _stt_model(self) -> Any:
        async with self._load_lock:
            if self._stt is None:
                from os1.voice.stt import WhisperSTT

                self._stt = await asyncio.to_thread(WhisperSTT, self.cfg.stt_model)
        return self._stt

    async def tts(self, voice: str) -> Any:
        async with self._load_lock:
            if voice not in self._tts:
                from os1.voice.tts import open_tts

                self._tts[voice] = await asyncio.to_thread(open_tts, voice)
        return self._tts[voice]

    async def transcribe(self, pcm: bytes, rate: int) -> str:
        """The words in a recording (16-bit mono PCM at ``rate``), or InputError saying why not."""
        from os1.voice.audio import Clip, assess, to_stt_rate

        clip = Clip(pcm16_to_float(pcm), rate)
        quality = assess(clip, "the recording")
        if quality.problem:
            raise InputError(quality.problem)
        samples = to_stt_rate(clip)
        stt = await self._stt_model()
        async with self._stt_lock:
            transcript = await asyncio.to_thread(stt.transcribe, samples)
        if not transcript.text.strip():
            raise InputError("I couldn't make out any words; try again a little closer to the mic.")
        return str(transcript.text)

    async def speak(
        self, events: AsyncIterator[Event], voice: str
    ) -> AsyncIterator[Event | bytes]:
        """The turn's events, with audio frames interleaved as each phrase is synthesised."""
        from os1.voice.loop import AudioOut, Clock, ReplySpeech

        tts = await self.tts(voice)
        async for item in ReplySpeech(events, tts, Clock()):
            if isinstance(item, AudioOut):
                yield audio_frame(item.samples, item.rate)
            else:
                yield item


__all__ = ["MAX_SECONDS", "RATES", "VoiceService", "audio_frame", "pcm16_to_float"]
