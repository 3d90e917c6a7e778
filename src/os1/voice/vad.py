"""Voice activity and end of turn.

``SileroVAD`` runs the Silero model that ships inside the faster-whisper wheel (onnxruntime,
one thread, 32 ms frames, state carried across frames); ``EnergyVAD`` is the fallback when
that asset is missing. ``TurnDetector`` turns per-frame probabilities into speech start,
a *pause* (speech may have ended: the loop starts transcribing speculatively) and the end of
the turn after a hangover: shorter when the words so far (transcribed during the pause) end
a sentence, longer when they sound unfinished.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from os1.voice.audio import STT_RATE
from os1.voice.base import VAD, Samples

FRAME = 512  # 32 ms at 16 kHz: the frame Silero was trained on
_CONTEXT = 64


def silero_asset() -> Path | None:
    try:
        from faster_whisper.utils import get_assets_path
    except ImportError:
        return None
    found = sorted(Path(get_assets_path()).glob("silero_vad*.onnx"))
    return found[-1] if found else None


class SileroVAD:
    name = "silero"
    rate = STT_RATE
    frame = FRAME

    def __init__(self, path: Path) -> None:
        import onnxruntime

        opts = onnxruntime.SessionOptions()
        opts.inter_op_num_threads = 1
        opts.intra_op_num_threads = 1
        opts.log_severity_level = 4
        self.session = onnxruntime.InferenceSession(
            str(path), providers=["CPUExecutionProvider"], sess_options=opts
        )
        self.reset()

    def reset(self) -> None:
        self._h = np.zeros((1, 1, 128), np.float32)
        self._c = np.zeros((1, 1, 128), np.float32)
        self._context = np.zeros(_CONTEXT, np.float32)

    def probability(self, frame: Samples) -> float:
        x = np.concatenate([self._context, frame.astype(np.float32, copy=False)])[None, :]
        out, self._h, self._c = self.session.run(None, {"input": x, "h": self._h, "c": self._c})
        self._context = x[0, -_CONTEXT:].copy()
        return float(np.asarray(out).reshape(-1)[0])


class EnergyVAD:
    """Adaptive energy detector: speech is well above a slowly tracked noise floor."""

    name = "energy"
    rate = STT_RATE
    frame = FRAME

    def __init__(self, ratio_db: float = 12.0) -> None:
        self.ratio_db = ratio_db
        self.reset()

    def reset(self) -> None:
        self._floor = 1e-4

    def probability(self, frame: Samples) -> float:
        energy = float(np.mean(np.square(frame, dtype=np.float64))) + 1e-10
        # Minimum tracking: the floor drops at once to a quieter frame and creeps up about
        # 4 dB a second, so pauses between words do not drag it up to speech level.
        self._floor = max(1e-7, min(energy, self._floor * 1.015))
        if energy < 1e-5:
            return 0.0
        above = 10 * np.log10(energy / self._floor)
        return float(1 / (1 + np.exp(-(above - self.ratio_db) / 2)))


def open_vad() -> VAD:
    asset = silero_asset()
    if asset is not None:
        try:
            return SileroVAD(asset)
        except (ImportError, OSError, RuntimeError):
            pass
    return EnergyVAD()


class TurnEvent(enum.Enum):
    NONE = "none"
    STARTED = "started"
    PAUSED = "paused"  # speech stopped; it may resume
    RESUMED = "resumed"
    ENDED = "ended"


_UNFINISHED = frozenset(
    ["and", "or", "but", "so", "because", "the", "a", "an", "to", "of", "with", "for",
     "my", "your", "if", "that", "then", "when", "i"]
)


def sounds_unfinished(text: str) -> bool:
    """Words that usually continue ("and", "the", a trailing comma) earn a longer wait."""
    t = text.strip().lower()
    if not t:
        return True
    if t[-1] in ",-":
        return True
    last = t.rstrip(".?!").split()[-1] if t.rstrip(".?!").split() else ""
    return last in _UNFINISHED


@dataclass
class TurnSettings:
    threshold: float = 0.5
    min_speech_ms: int = 160
    pause_ms: int = 96
    end_ms: int = 320
    complete_end_ms: int = 320  # measured: 240 ms split "Wait please, what time is it?"
    unfinished_end_ms: int = 900
    short_end_ms: int = 640  # one or two words so far ("So wait."): a pause, rarely the end


class TurnDetector:
    """Frame-by-frame state machine over VAD probabilities (all times in audio samples)."""

    def __init__(self, settings: TurnSettings | None = None, rate: int = STT_RATE) -> None:
        self.s = settings or TurnSettings()
        self.rate = rate
        self.reset()

    def reset(self) -> None:
        self.in_speech = False
        self.paused = False
        self.speech_run = 0
        self.silence_run = 0
        self.samples = 0
        self.start_at = -1
        self.end_at = -1
        self.wait_ms = self.s.end_ms
        self.hint_pending = False

    def transcribing(self) -> None:
        """The words so far are being transcribed: the turn does not end before :meth:`heard`
        tells what they say (or ``unfinished_end_ms`` passes). The transcript is needed before
        any answer anyway, so waiting for it costs nothing, and speech that resumes meanwhile
        stays one turn on a busy machine too."""
        self.hint_pending = True

    def heard(self, text: str | None) -> None:
        """What the words so far say about the end of the turn (None: speech resumed)."""
        self.hint_pending = False
        if text is None:
            self.wait_ms = self.s.end_ms
        elif sounds_unfinished(text):
            self.wait_ms = self.s.unfinished_end_ms
        elif len(text.split()) <= 2 and not text.rstrip().endswith(("?", "!")):
            self.wait_ms = self.s.short_end_ms
        elif text.rstrip().endswith(("?", ".", "!")):
            self.wait_ms = self.s.complete_end_ms
        else:
            self.wait_ms = self.s.end_ms

    def _ms(self, n: int) -> float:
        return 1000.0 * n / self.rate

    def push(self, prob: float, n: int = FRAME) -> TurnEvent:
        self.samples += n
        voiced = prob >= (self.s.threshold if not self.in_speech else self.s.threshold - 0.15)
        if not self.in_speech:
            self.speech_run = self.speech_run + n if voiced else 0
            if self._ms(self.speech_run) >= self.s.min_speech_ms:
                self.in_speech = True
                self.start_at = self.samples - self.speech_run
                return TurnEvent.STARTED
            return TurnEvent.NONE
        if voiced:
            self.silence_run = 0
            self.hint_pending = False
            if self.paused:
                self.paused = False
                return TurnEvent.RESUMED
            return TurnEvent.NONE
        self.silence_run += n
        if not self.paused:
            if self._ms(self.silence_run) >= self.s.pause_ms:
                self.paused = True
                self.end_at = self.samples - self.silence_run
                return TurnEvent.PAUSED
            return TurnEvent.NONE
        return self.end() if self.due() else TurnEvent.NONE

    def due(self) -> bool:
        """The silence so far is long enough to end the turn, given what the words say."""
        waited = self._ms(self.silence_run)
        return (self.in_speech and self.paused and waited >= self.wait_ms
                and (not self.hint_pending or waited >= self.s.unfinished_end_ms))

    def end(self) -> TurnEvent:
        """End the turn now: at a frame, or the moment a transcript shows it is :meth:`due`
        (waiting for the next frame would add up to 32 ms to every reply that waited for its
        transcript)."""
        self.in_speech = False
        self.hint_pending = False
        self.paused = False
        self.speech_run = 0
        self.wait_ms = self.s.end_ms
        return TurnEvent.ENDED
