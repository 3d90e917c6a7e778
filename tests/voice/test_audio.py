"""WAV reading/writing, resampling and clip checks: every bad file is one clear InputError."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from os1.errors import InputError, StorageError
from os1.voice.audio import Clip, assess, parse_wav, read_wav, resample, wav_bytes, write_wav


def tone(freq: float, rate: int, seconds: float = 1.0, amp: float = 0.5) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def wav(tag: int, bits: int, channels: int, rate: int, payload: bytes, ext: bool = False) -> bytes:
    align = channels * bits // 8
    fmt = struct.pack("<HHIIHH", 0xFFFE if ext else tag, channels, rate, rate * align, align, bits)
    if ext:
        fmt += struct.pack("<HHIH", 22, bits, 0, tag) + b"\x00" * 14
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
    body += b"LIST" + struct.pack("<I", 4) + b"INFO"  # an extra chunk readers must skip
    body += b"data" + struct.pack("<I", len(payload)) + payload
    return b"RIFF" + struct.pack("<I", len(body)) + body


def test_round_trip_16_bit(tmp_path: Path) -> None:
    x = tone(440, 22050)
    write_wav(tmp_path / "a.wav", x, 22050)
    clip = read_wav(tmp_path / "a.wav")
    assert clip.rate == 22050 and len(clip.samples) == len(x)
    assert np.max(np.abs(clip.samples - x)) < 1e-3
    assert not list(tmp_path.glob("*.part"))


@pytest.mark.parametrize(
    ("tag", "bits", "encode"),
    [
        (1, 8, lambda x: ((x * 127) + 128).astype(np.uint8).tobytes()),
        (1, 16, lambda x: (x * 32767).astype("<i2").tobytes()),
        (1, 24, lambda x: b"".join(int(v).to_bytes(3, "little", signed=True)
                                   for v in (x * 8388607).astype(np.int32))),
        (1, 32, lambda x: (x * 2147483647).astype("<i4").tobytes()),
        (3, 32, lambda x: x.astype("<f4").tobytes()),
        (3, 64, lambda x: x.astype("<f8").tobytes()),
    ],
)
def test_every_pcm_and_float_encoding(tag: int, bits: int, encode: object) -> None:
    x = tone(300, 8000, 0.2)
    clip = parse_wav(wav(tag, bits, 1, 8000, encode(x), ext=bits == 24))  # type: ignore[operator]
    assert clip.rate == 8000
    assert np.max(np.abs(clip.samples - x)) < 0.01


def test_stereo_is_mixed_to_mono() -> None:
    left, right = tone(200, 16000, 0.1), np.zeros(1600, np.float32)
    inter = np.stack([left, right], axis=1).reshape(-1)
    clip = parse_wav(wav(1, 16, 2, 16000, (inter * 32767).astype("<i2").tobytes()))
    assert len(clip.samples) == 1600
    assert np.max(np.abs(clip.samples - left / 2)) < 1e-3


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"ID3\x03\x00" + b"\x00" * 200, "not a WAV file"),
        (b"hello, I am text, not audio at all", "not a WAV file"),
        (b"", "is empty (0 bytes)"),
        (b"RIFF\x10\x00\x00\x00WAVEjunk", "damaged WAV file"),
        (wav(1, 16, 1, 16000, b"")[:30], "damaged"),
        (wav(2, 16, 1, 16000, b"\x00" * 64), "cannot read"),
        (wav(1, 16, 0, 16000, b"\x00" * 64), "damaged WAV header"),
    ],
)
def test_bad_files_name_the_fix(tmp_path: Path, data: bytes, fragment: str) -> None:
    path = tmp_path / "bad.wav"
    path.write_bytes(data)
    with pytest.raises(InputError) as err:
        read_wav(path)
    assert fragment in err.value.message
    assert str(path) in err.value.message


def test_missing_and_directory_paths(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        read_wav(tmp_path / "nope.wav")
    with pytest.raises(InputError, match="is a folder"):
        read_wav(tmp_path)


def test_unwritable_output_is_a_storage_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(StorageError, match="pick a writable path"):
        write_wav(tmp_path / "file" / "out.wav", tone(100, 8000), 8000)


@pytest.mark.parametrize(("rate", "target"), [(44100, 16000), (8000, 16000), (22050, 16000)])
def test_resample_keeps_pitch_and_length(rate: int, target: int) -> None:
    y = resample(tone(440, rate, 1.0), rate, target)
    assert abs(len(y) - target) <= 1
    spectrum = np.abs(np.fft.rfft(y))
    assert abs(np.argmax(spectrum) * target / len(y) - 440) < 3


def test_downsampling_removes_what_cannot_be_represented() -> None:
    y = resample(tone(7900, 44100, 1.0), 44100, 16000)  # just under the old, over the new limit
    assert np.sqrt(np.mean(y**2)) < 0.05


def test_assess_flags_silence_empty_and_clipping() -> None:
    assert "silent" in assess(Clip(np.zeros(16000, np.float32), 16000)).problem
    assert "empty" in assess(Clip(np.zeros(100, np.float32), 16000)).problem
    loud = np.clip(tone(200, 16000) * 4, -1, 1)
    q = assess(Clip(loud, 16000))
    assert not q.problem and "clipped" in q.warning and q.clipped_fraction > 0.3
    ok = assess(Clip(tone(200, 16000), 16000))
    assert not ok.problem and not ok.warning


def test_wav_bytes_header_is_standard() -> None:
    data = wav_bytes(tone(100, 16000, 0.1), 16000)
    assert data[:4] == b"RIFF" and data[8:16] == b"WAVEfmt "
    assert struct.unpack("<I", data[4:8])[0] == len(data) - 8
