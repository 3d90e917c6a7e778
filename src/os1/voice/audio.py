"""Audio I/O and checks: read/write WAV, resample, and judge whether a clip is usable.

Audio inside os1 is always mono float32 in [-1, 1]. Reading never raises anything but
InputError, whose sentence names the fix. Imports only numpy and os1.errors.
"""

from __future__ import annotations

import contextlib
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from os1.errors import InputError, StorageError

Samples = npt.NDArray[np.float32]

STT_RATE = 16000
MAX_SECONDS = 600.0
_PCM, _FLOAT, _EXTENSIBLE = 1, 3, 0xFFFE


@dataclass(frozen=True)
class Clip:
    samples: Samples
    rate: int

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.rate if self.rate else 0.0


def _chunks(data: bytes) -> dict[bytes, bytes]:
    found: dict[bytes, bytes] = {}
    pos = 12
    while pos + 8 <= len(data):
        cid, size = data[pos : pos + 4], struct.unpack("<I", data[pos + 4 : pos + 8])[0]
        body = data[pos + 8 : pos + 8 + size]
        found.setdefault(cid, body)
        pos += 8 + size + (size & 1)
    return found


def _decode(fmt: bytes, body: bytes, name: str) -> Clip:
    if len(fmt) < 16:
        raise InputError(f"{name} has a damaged WAV header; re-export it as a 16-bit PCM WAV file.")
    tag, channels, rate, _, align, bits = struct.unpack("<HHIIHH", fmt[:16])
    if tag == _EXTENSIBLE and len(fmt) >= 26:
        tag = struct.unpack("<H", fmt[24:26])[0]
    if channels < 1 or rate < 1000 or rate > 384000 or align < 1:
        raise InputError(f"{name} has a damaged WAV header; re-export it as a 16-bit PCM WAV file.")
    width = bits // 8
    usable = len(body) - len(body) % align
    raw = body[:usable]
    if tag == _PCM and width == 1:
        x = (np.frombuffer(raw, np.uint8).astype(np.float32) - 128.0) / 128.0
    elif tag == _PCM and width == 2:
        x = np.frombuffer(raw, "<i2").astype(np.float32) / 32768.0
    elif tag == _PCM and width == 3:
        b = np.frombuffer(raw, np.uint8).reshape(-1, 3).astype(np.int32)
        v = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        x = (np.where(v >= 1 << 23, v - (1 << 24), v) / float(1 << 23)).astype(np.float32)
    elif tag == _PCM and width == 4:
        x = (np.frombuffer(raw, "<i4") / 2147483648.0).astype(np.float32)
    elif tag == _FLOAT and width in (4, 8):
        x = np.frombuffer(raw, "<f4" if width == 4 else "<f8").astype(np.float32)
    else:
        raise InputError(
            f"{name} uses a WAV encoding os1 cannot read (format {tag}, {bits} bits); "
            "convert it with: sox IN.wav -b 16 OUT.wav"
        )
    if channels > 1:
        x = x[: len(x) - len(x) % channels].reshape(-1, channels).mean(axis=1)
    x = np.nan_to_num(np.clip(x, -1.0, 1.0)).astype(np.float32)
    return Clip(x, rate)


def parse_wav(data: bytes, name: str = "the audio") -> Clip:
    """Decode WAV bytes (PCM 8/16/24/32-bit or float, any channel count) into a mono clip."""
    if not data:
        raise InputError(f"{name} is empty (0 bytes); record the question again.")
    if len(data) < 12 or data[:4] not in (b"RIFF", b"RF64") or data[8:12] != b"WAVE":
        raise InputError(
            f"{name} is not a WAV file; convert it first, e.g. sox IN.mp3 -r 16000 -b 16 OUT.wav"
        )
    chunks = _chunks(data)
    if b"fmt " not in chunks or b"data" not in chunks:
        raise InputError(f"{name} is a damaged WAV file (no format or data part); record it again.")
    return _decode(chunks[b"fmt "], chunks[b"data"], name)


def read_wav(path: Path) -> Clip:
    """Read ``path`` as a mono clip; every failure is an InputError naming the fix."""
    try:
        size = path.stat().st_size
        if size > MAX_SECONDS * 384000 * 8:
            raise InputError(f"{path} is too large for one turn; keep questions under 10 minutes.")
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path} does not exist; give the path of a WAV recording.") from None
    except IsADirectoryError:
        raise InputError(f"{path} is a folder; give the path of a WAV recording.") from None
    except OSError as exc:
        raise InputError(
            f"Cannot read {path} ({exc.strerror}); check the path and permissions."
        ) from None
    return parse_wav(data, str(path))


def wav_bytes(samples: Samples, rate: int) -> bytes:
    """16-bit PCM mono WAV bytes for ``samples``."""
    pcm = (np.clip(samples, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()
    header = struct.pack(
        "<4sI4s4sIHHIIHH4sI",
        b"RIFF", 36 + len(pcm), b"WAVE", b"fmt ", 16, _PCM, 1, rate, rate * 2, 2, 16,
        b"data", len(pcm),
    )
    return header + pcm


def write_wav(path: Path, samples: Samples, rate: int) -> None:
    """Write atomically (a half-written reply file is never left behind)."""
    tmp = path.with_name(path.name + ".part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(wav_bytes(samples, rate))
        tmp.replace(path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise StorageError(f"Cannot write {path} ({exc.strerror}); pick a writable path.") from None


def _lowpass_taps(cutoff: float, n: int = 63) -> npt.NDArray[np.float64]:
    t = np.arange(n) - (n - 1) / 2
    h = np.sinc(2 * cutoff * t) * np.hamming(n)
    return np.asarray(h / h.sum(), dtype=np.float64)


def resample(samples: Samples, rate: int, target: int) -> Samples:
    """Band-limited resampling: low-pass below the new Nyquist, then interpolate."""
    if rate == target or len(samples) == 0:
        return samples.astype(np.float32, copy=False)
    x = samples.astype(np.float64)
    if target < rate:
        x = np.convolve(x, _lowpass_taps(0.45 * target / rate), mode="same")
    n_out = round(len(x) * target / rate)
    pos = np.arange(n_out) * (rate / target)
    out: Samples = np.interp(pos, np.arange(len(x)), x).astype(np.float32)
    return out


@dataclass(frozen=True)
class Quality:
    """What is wrong with a clip, if anything; ``problem`` is a sentence for the user."""

    rms: float
    peak: float
    clipped_fraction: float
    problem: str = ""
    warning: str = ""


def assess(clip: Clip, name: str = "the recording") -> Quality:
    """Silence, clipping and length checks that need no model."""
    x = clip.samples
    if clip.seconds < 0.1:
        return Quality(0.0, 0.0, 0.0, problem=f"{name} is empty or shorter than 0.1 s; "
                       "record at least a second of speech.")
    if clip.seconds > MAX_SECONDS:
        return Quality(0.0, 0.0, 0.0, problem=f"{name} is longer than 10 minutes; "
                       "split it into shorter questions.")
    rms = float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))
    peak = float(np.max(np.abs(x)))
    clipped = float(np.mean(np.abs(x) >= 0.99))
    if peak < 1e-3:
        return Quality(rms, peak, clipped, problem=f"{name} is silent; check that the "
                       "microphone is on and not muted, then record again.")
    warning = ""
    if clipped > 0.01:
        warning = (f"{name} is clipped ({clipped:.0%} of samples at full scale); "
                   "lower the microphone gain for better recognition.")
    return Quality(rms, peak, clipped, warning=warning)


def to_stt_rate(clip: Clip) -> Samples:
    return resample(clip.samples, clip.rate, STT_RATE)
