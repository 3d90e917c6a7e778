"""The three voice seams: SpeechToText, TextToSpeech and VAD, and the values that cross them.

All three are CPU-bound and synchronous; the async voice loop runs them in worker threads so
the event loop never blocks. Audio is mono float32 in [-1, 1]. No I/O here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

Samples = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Transcript:
    text: str
    audio_s: float
    compute_s: float

    @property
    def rtf(self) -> float:
        return self.compute_s / self.audio_s if self.audio_s else 0.0


@runtime_checkable
class SpeechToText(Protocol):
    """Turn one utterance (16 kHz samples) into text."""

    name: str
    rate: int

    def transcribe(self, samples: Samples) -> Transcript: ...


@runtime_checkable
class TextToSpeech(Protocol):
    """Speak text; yields audio chunks at ``rate`` as soon as each is synthesised."""

    name: str
    rate: int

    def synthesize(self, text: str) -> Iterator[Samples]: ...


@runtime_checkable
class VAD(Protocol):
    """Per-frame speech probability for ``frame`` samples at ``rate``; stateful across frames."""

    name: str
    rate: int
    frame: int

    def probability(self, frame: Samples) -> float: ...

    def reset(self) -> None: ...
