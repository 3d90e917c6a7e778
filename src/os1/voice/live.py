"""The live conversation: microphone frames in, speaker audio out, with barge-in.

``Conversation`` is the whole logic and does no device I/O: feed it microphone frames (16 kHz,
512 samples, on the microphone's sample clock) and tell it what the speaker played; it
detects turns, transcribes, streams the engine's reply into the ``Player`` and stops that
playback the moment the user talks over it. Echo rejection (os1's own voice coming back
through the microphone) happens before VAD, so that voice never starts a turn or a barge-in.
The sound card adapter lives in os1.voice.device.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from os1.events import ErrorEvent, TurnEnded
from os1.voice.audio import STT_RATE, resample
from os1.voice.base import VAD, Samples, SpeechToText, TextToSpeech, Transcript
from os1.voice.echo import EchoCanceller
from os1.voice.loop import AudioOut, Clock, ReplySpeech, TurnFn
from os1.voice.vad import FRAME, TurnDetector, TurnEvent, TurnSettings

_PREROLL_FRAMES = 8  # 256 ms of audio kept from before speech was confirmed
BARGE_IN_EVIDENCE = 2  # one clear frame of the user, or two likely ones in a row


class Player:
    """Audio waiting to be played (16 kHz). The sound card thread reads; the loop writes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._chunks: deque[Samples] = deque()
        self._offset = 0
        self.cleared_at: list[int] = []

    def enqueue(self, samples: Samples) -> None:
        with self._lock:
            self._chunks.append(samples.astype(np.float32, copy=False))

    def clear(self) -> None:
        with self._lock:
            self._chunks.clear()
            self._offset = 0

    @property
    def pending(self) -> int:
        with self._lock:
            return sum(len(c) for c in self._chunks) - self._offset

    def read(self, n: int) -> Samples:
        """Exactly ``n`` samples: queued audio, then silence."""
        out = np.zeros(n, np.float32)
        filled = 0
        with self._lock:
            while filled < n and self._chunks:
                chunk = self._chunks[0]
                take = min(n - filled, len(chunk) - self._offset)
                out[filled : filled + take] = chunk[self._offset : self._offset + take]
                filled += take
                self._offset += take
                if self._offset >= len(chunk):
                    self._chunks.popleft()
                    self._offset = 0
        return out


@dataclass
class Exchange:
    """One heard utterance and what os1 said back (for the console and for tests)."""

    heard: str
    started_at: int  # microphone sample index where the user's speech began
    reply: str = ""
    interrupted_at: int = -1  # microphone sample index of the barge-in, -1 if none
    errors: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


class Conversation:
    def __init__(
        self, stt: SpeechToText, tts: TextToSpeech, vad: VAD, turn: TurnFn,
        stop_engine: Callable[[], None], player: Player, *, barge_in: bool = True,
        settings: TurnSettings | None = None, on_exchange: Callable[[Exchange], None] | None = None,
    ) -> None:
        self.stt, self.tts, self.vad, self.turn = stt, tts, vad, turn
        self.stop_engine = stop_engine
        self.player = player
        self.barge_in = barge_in
        self.settings = settings or TurnSettings()
        self.detector = TurnDetector(self.settings)
        self.echo = EchoCanceller()
        self.on_exchange = on_exchange
        self.exchanges: list[Exchange] = []
        self._recent: deque[Samples] = deque(maxlen=_PREROLL_FRAMES)
        self._utterance: list[Samples] = []
        self._speech_start = 0
        self._user_run = 0
        self._speculative: asyncio.Task[Transcript] | None = None
        self._hinted = False
        self._ending: asyncio.Task[None] | None = None  # a turn ended by its transcript
        self._heard_to = 0  # microphone sample index just past the last frame fed
        self._reply: asyncio.Task[None] | None = None
        self._speech: ReplySpeech | None = None

    @property
    def speaking(self) -> bool:
        return (self._reply is not None and not self._reply.done()) or self.player.pending > 0

    def played(self, index: int, samples: Samples) -> None:
        """The speaker is about to sound ``samples`` at microphone sample ``index``."""
        self.echo.add_reference(index, samples)

    def _interrupt(self, index: int, barge_in: bool = True) -> None:
        self.player.clear()
        if self._speech is not None:
            self._speech.stop()
        self.stop_engine()
        if barge_in:
            self.player.cleared_at.append(index)
            if self.exchanges and self.exchanges[-1].interrupted_at < 0:
                self.exchanges[-1].interrupted_at = index

    async def feed(self, frame: Samples, index: int) -> None:
        """Process one 512-sample microphone frame starting at sample ``index``."""
        if self._ending is not None and self._ending.done():
            ending, self._ending = self._ending, None
            await ending  # its errors surface here, as a turn ended by a frame's would
        self._heard_to = index + FRAME
        result = self.echo.process(frame, index)
        prob = self.vad.probability(result.residual)
        evidence = result.user_evidence(prob, self.settings.threshold)
        user = evidence > 0
        self._user_run = self._user_run + evidence if user else 0
        if self.barge_in and self.speaking and self._user_run >= BARGE_IN_EVIDENCE:
            self._interrupt(index + FRAME)
        event = self.detector.push(prob if user else 0.0)
        if self.detector.in_speech or event is TurnEvent.ENDED:
            self._utterance.append(frame)
        else:
            self._recent.append(frame)
        await self._on_event(event, index)

    async def _on_event(self, event: TurnEvent, index: int) -> None:
        if event is TurnEvent.STARTED:
            self._utterance = [*self._recent, *self._utterance[-_PREROLL_FRAMES:]]
            self._speech_start = self.detector.start_at
            self._recent.clear()
        elif event is TurnEvent.PAUSED:
            self._hinted = False
            audio = np.concatenate(self._utterance)
            task = asyncio.create_task(asyncio.to_thread(self.stt.transcribe, audio))
            task.add_done_callback(self._transcribed)
            self._speculative = task
            self.detector.transcribing()
        elif event is TurnEvent.RESUMED:
            self._speculative = None
            self.detector.heard(None)
        elif event is TurnEvent.ENDED:
            await self._end_turn(index, self.detector.silence_run)

    def _transcribed(self, task: asyncio.Task[Transcript]) -> None:
        """The words so far are transcribed: they tell how long to wait, and if the silence
        has already lasted that long the turn ends now, not at the next frame (a failed
        transcription is reported when the turn ends)."""
        if task is not self._speculative or self._hinted or task.cancelled() or task.exception():
            return
        self._hinted = True
        self.detector.heard(task.result().text)
        if self.detector.due():
            self.detector.end()
            self._ending = asyncio.create_task(self._end_turn(self._heard_to,
                                                             self.detector.silence_run))

    async def _end_turn(self, index: int, silence: int) -> None:
        clock = Clock()
        clock.t0 -= silence / STT_RATE  # the end of speech, not of the wait
        clock.mark("end_of_turn")
        pending, self._speculative = self._speculative, None
        audio = np.concatenate(self._utterance)
        self._utterance = []
        transcript = await pending if pending else await asyncio.to_thread(
            self.stt.transcribe, audio
        )
        clock.mark("transcript")
        text = transcript.text.strip()
        if not text:
            return
        if self._reply is not None and not self._reply.done():
            self._interrupt(index)
            await self._reply
        exchange = Exchange(text, self._speech_start)
        self.exchanges.append(exchange)
        self._reply = asyncio.create_task(self._speak(exchange, clock))

    async def _speak(self, exchange: Exchange, clock: Clock) -> None:
        from os1.voice.loop import stage_timings

        self._speech = speech = ReplySpeech(self.turn(exchange.heard), self.tts, clock)
        async for item in speech:
            if isinstance(item, AudioOut):
                self.player.enqueue(resample(item.samples, item.rate, STT_RATE))
            elif isinstance(item, TurnEnded):
                exchange.reply = item.reply
            elif isinstance(item, ErrorEvent):
                exchange.errors.append(item.message)
        exchange.timings = stage_timings(clock)
        if self.on_exchange is not None:
            self.on_exchange(exchange)

    async def close(self) -> None:
        if self._ending is not None:
            await self._ending
        if self._reply is not None and not self._reply.done():
            self._interrupt(0, barge_in=False)
            await self._reply
