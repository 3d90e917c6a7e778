"""The streaming voice turn: end of speech -> transcript -> engine tokens -> phrases -> audio.

``ReplySpeech`` consumes the engine's events and yields audio chunks as soon as each phrase is
synthesised, while the engine is still generating. ``listen_file`` replays a recorded
question through the same VAD / end-of-turn logic as the microphone (the silence after the
last word is paced in real time, so end-of-turn latency is measured, not assumed), with the
transcription started speculatively at the first pause. ``voice_turn`` chains the two.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import numpy as np

from os1.errors import InputError
from os1.events import ErrorEvent, Event, TextDelta, TurnEnded
from os1.voice.audio import STT_RATE, Clip, assess, to_stt_rate
from os1.voice.base import VAD, Samples, SpeechToText, TextToSpeech, Transcript
from os1.voice.phrases import PhraseSplitter
from os1.voice.vad import FRAME, TurnDetector, TurnEvent, TurnSettings

TurnFn = Callable[[str], AsyncIterator[Event]]

_PREROLL = int(0.25 * STT_RATE)


class Clock:
    """Named moments, in seconds since ``t0``; only the first mark of a name counts."""

    def __init__(self, t0: float | None = None) -> None:
        self.t0 = time.perf_counter() if t0 is None else t0
        self.marks: dict[str, float] = {}

    def mark(self, name: str) -> None:
        self.marks.setdefault(name, time.perf_counter() - self.t0)

    def get(self, name: str) -> float | None:
        return self.marks.get(name)


@dataclass(frozen=True)
class AudioOut:
    samples: Samples
    rate: int
    text: str


class ReplySpeech:
    """Speak an engine turn as it streams. Iterate for AudioOut and the engine's events.

    Once the first phrase is handed to the voice, the engine is not asked for more until
    that phrase's first audio is out: on 2 cores the model generating alongside made the
    voice's first chunk ~2.5x slower (0.27 s instead of 0.11 s, measured), and the rest of
    the reply has the whole first phrase's playing time to catch up.
    """

    def __init__(
        self, events: AsyncIterator[Event], tts: TextToSpeech, clock: Clock, first_words: int = 4
    ) -> None:
        self.events = events
        self.tts = tts
        self.clock = clock
        self.splitter = PhraseSplitter(first_words=first_words)
        self.stopped = False
        self.tokens = 0
        self.queued: list[tuple[int, str]] = []  # (tokens received by then, phrase)
        self._out: asyncio.Queue[AudioOut | Event | None] = asyncio.Queue()
        self._pieces: asyncio.Queue[str | None] = asyncio.Queue()
        self._first_out = asyncio.Event()  # the first phrase has sounded (or never will)

    def stop(self) -> None:
        """Barge-in: synthesise nothing more (the engine is stopped by its owner)."""
        self.stopped = True

    async def _queue_pieces(self, pieces: list[str]) -> None:
        for piece in pieces:
            self.clock.mark("first_phrase")
            self.queued.append((self.tokens, piece))
            await self._pieces.put(piece)

    async def _read(self) -> None:
        try:
            async for ev in self.events:
                if isinstance(ev, TextDelta):
                    self.tokens += 1
                    self.clock.mark("first_token")
                    await self._queue_pieces(self.splitter.feed(ev.text))
                await self._out.put(ev)
                if self.queued:
                    await self._first_out.wait()
            await self._queue_pieces(self.splitter.flush())
        finally:
            await self._pieces.put(None)

    async def _synthesise(self) -> None:
        try:
            while (piece := await self._pieces.get()) is not None:
                chunks = iter(self.tts.synthesize(piece))
                while not self.stopped:
                    chunk = await asyncio.to_thread(next, chunks, None)
                    if chunk is None:
                        break
                    self.clock.mark("first_audio")
                    await self._out.put(AudioOut(chunk, self.tts.rate, piece))
                    self._first_out.set()
                self._first_out.set()  # a phrase with no audio must not hold the engine up
        finally:
            self._first_out.set()
            await self._out.put(None)

    async def __aiter__(self) -> AsyncIterator[AudioOut | Event]:
        tasks = [asyncio.create_task(self._read()), asyncio.create_task(self._synthesise())]
        try:
            while (item := await self._out.get()) is not None:
                if not (self.stopped and isinstance(item, AudioOut)):
                    yield item
            await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()


@dataclass
class Heard:
    """One utterance taken from a recording, with how long end-of-turn detection took."""

    samples: Samples
    transcript: Transcript
    clock: Clock  # t0 = the end of speech
    warning: str = ""
    speculative: bool = False


def _speech_bounds(x: Samples, vad: VAD, settings: TurnSettings) -> tuple[int, int]:
    """First speech start and last voiced sample of a whole recording (fast, no pacing)."""
    vad.reset()
    detector = TurnDetector(settings)
    start, last = -1, -1
    for i in range(0, len(x) - FRAME + 1, FRAME):
        prob = vad.probability(x[i : i + FRAME])
        event = detector.push(prob)
        if event is TurnEvent.STARTED and start < 0:
            start = detector.start_at
        if start >= 0 and prob >= settings.threshold:
            last = i + FRAME
    return start, last


_WINDOW = STT_RATE // 100  # 10 ms


def signal_end(x: Samples, start: int, vad_end: int) -> int:
    """Where the sound of the last word really stops, near the VAD's last voiced frame.

    The VAD decides in 32 ms frames and tends to call the frame after the last word voiced
    too; measuring latency from there would hide up to ~60 ms. So: the last 10 ms window
    within 0.2 s of the VAD's end whose level is above both the room's noise floor (the
    quietest windows of the recording) and 40 dB under the loudest part of the speech.
    """
    n = len(x) // _WINDOW
    if n == 0:
        return vad_end
    levels = np.sqrt(np.mean(np.square(x[: n * _WINDOW].reshape(n, _WINDOW),
                                       dtype=np.float64), axis=1))
    floor = float(np.percentile(levels, 10))
    peak = float(levels[start // _WINDOW : max(start // _WINDOW + 1, vad_end // _WINDOW)].max())
    level = max(3 * floor, peak * 0.01, 1e-4)
    lo = max(start, vad_end - STT_RATE // 5) // _WINDOW
    hi = min(n, (vad_end + STT_RATE // 5) // _WINDOW)
    loud = np.nonzero(levels[lo:hi] > level)[0]
    return vad_end if len(loud) == 0 else (lo + int(loud[-1]) + 1) * _WINDOW


async def listen_file(
    clip: Clip, stt: SpeechToText, vad: VAD, settings: TurnSettings | None = None,
    name: str = "the recording",
) -> Heard:
    """Find the question in ``clip`` and transcribe it as the live loop would.

    The clock starts where the sound of the last word stops (see ``signal_end``); the
    recording after that point is fed to the VAD frame by frame in real time.
    """
    settings = settings or TurnSettings()
    quality = assess(clip, name)
    if quality.problem:
        raise InputError(quality.problem)
    x = to_stt_rate(clip)
    start, end = _speech_bounds(x, vad, settings)
    if start < 0 or end <= start:
        raise InputError(f"No speech found in {name}; speak closer to the microphone or record "
                         "in a quieter place.")
    end = signal_end(x, start, end)
    vad.reset()
    for i in range(end % FRAME, end - FRAME + 1, FRAME):  # VAD state up to the last word
        vad.probability(x[i : i + FRAME])
    wait = (settings.unfinished_end_ms + 500) * STT_RATE // 1000
    tail = np.concatenate([x[end:], np.zeros(wait, np.float32)])[:wait]
    utterance = x[max(0, start - _PREROLL) : end]
    return await _paced_end_of_turn(utterance, tail, stt, vad, settings, quality.warning)


async def _paced_end_of_turn(
    utterance: Samples, tail: Samples, stt: SpeechToText, vad: VAD, settings: TurnSettings,
    warning: str,
) -> Heard:
    detector = TurnDetector(settings)
    detector.in_speech = True
    clock = Clock()
    speculative: asyncio.Task[Transcript] | None = None
    hinted = False
    for i in range(0, len(tail) - FRAME + 1, FRAME):
        deadline = clock.t0 + (i + FRAME) / STT_RATE
        if speculative is not None and not hinted:  # a transcript between frames ends it at once
            await asyncio.wait({speculative}, timeout=max(0.0, deadline - time.perf_counter()))
            if speculative.done():
                hinted = True
                detector.heard(speculative.result().text)
                if detector.due():
                    break
        delay = deadline - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        event = detector.push(vad.probability(tail[i : i + FRAME]))
        if event is TurnEvent.PAUSED and speculative is None:
            speculative = asyncio.create_task(asyncio.to_thread(stt.transcribe, utterance))
            detector.transcribing()
        if event is TurnEvent.ENDED:
            break
    clock.mark("end_of_turn")
    used_speculative = speculative is not None
    transcript = await speculative if speculative is not None else await asyncio.to_thread(
        stt.transcribe, utterance
    )
    clock.mark("transcript")
    return Heard(utterance, transcript, clock, warning, used_speculative)


@dataclass
class VoiceReply:
    transcript: str
    reply: str
    audio: Samples
    rate: int
    timings: dict[str, float]
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


STAGES = (
    ("vad_end_of_turn_s", None, "end_of_turn"),
    ("stt_s", "end_of_turn", "transcript"),
    ("model_first_token_s", "transcript", "first_token"),
    ("first_phrase_s", "first_token", "first_phrase"),
    ("tts_first_chunk_s", "first_phrase", "first_audio"),
)


def stage_timings(clock: Clock) -> dict[str, float]:
    """Per-stage seconds from the end of speech, plus the total to the first audio sample."""
    out: dict[str, float] = {}
    for name, since, until in STAGES:
        a = 0.0 if since is None else clock.get(since)
        b = clock.get(until)
        if a is not None and b is not None:
            out[name] = round(b - a, 4)
    first = clock.get("first_audio")
    if first is not None:
        out["end_of_speech_to_first_audio_s"] = round(first, 4)
    if (done := clock.get("reply_done")) is not None:
        out["end_of_speech_to_reply_done_s"] = round(done, 4)
    return out


async def respond(
    heard: Heard, turn: TurnFn, tts: TextToSpeech, first_words: int = 4
) -> VoiceReply:
    """Stream the engine's reply to ``heard`` into audio; timings share ``heard.clock``."""
    text = heard.transcript.text.strip()
    warnings = [heard.warning] if heard.warning else []
    if not text:
        raise InputError("No words could be recognised; speak clearly and a little slower, "
                         "closer to the microphone.")
    chunks: list[Samples] = []
    reply, errors = "", []
    speech = ReplySpeech(turn(text), tts, heard.clock, first_words)
    async for item in speech:
        if isinstance(item, AudioOut):
            chunks.append(item.samples)
        elif isinstance(item, TurnEnded):
            reply = item.reply
        elif isinstance(item, ErrorEvent):
            errors.append(item.message)
    heard.clock.mark("reply_done")
    timings = stage_timings(heard.clock)
    timings["stt_compute_s"] = round(heard.transcript.compute_s, 4)
    audio = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
    return VoiceReply(text, reply, audio, tts.rate, timings, errors, warnings)
