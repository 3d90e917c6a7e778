"""Open the three voice models from config: which voice to speak with, and the STT and VAD.

The voice is ``--voice`` if given, else ``voice.voice`` when the user set it in config, else
the one chosen at first boot (stored with the persona), else the best available.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from os1.config import VoiceConfig
from os1.voice.base import VAD, SpeechToText, TextToSpeech


@dataclass
class VoiceStack:
    stt: SpeechToText
    tts: TextToSpeech
    vad: VAD

    def warm(self) -> None:
        """Run each model once, before anyone speaks: the first call into CTranslate2 and
        onnxruntime sets up buffers (Whisper's first call took 0.22 s against 0.13-0.16 s
        after, measured here), which would otherwise land on the user's first turn."""
        for _ in self.tts.synthesize("Hello."):
            pass
        if self.stt is not None:
            rng = np.random.default_rng(0)
            self.stt.transcribe((rng.normal(0, 1e-3, self.stt.rate)).astype(np.float32))
        self.vad.probability(np.zeros(self.vad.frame, np.float32))
        self.vad.reset()


def choose_voice(cfg: VoiceConfig, persona: Any = None, override: str | None = None) -> str:
    if override:
        return override
    if "voice" in cfg.model_fields_set:
        return cfg.voice
    stored = getattr(persona, "voice", "")
    return str(stored or cfg.voice)


def open_stack(cfg: VoiceConfig, voice: str, need_stt: bool = True) -> VoiceStack:
    from os1.voice.stt import WhisperSTT
    from os1.voice.tts import open_tts
    from os1.voice.vad import open_vad

    tts = open_tts(voice)
    stt: Any = WhisperSTT(cfg.stt_model) if need_stt else None
    return VoiceStack(stt, tts, open_vad())
