"""The real speech models: espeak-ng speech (not os1's voice) in, Piper and espeak-ng out."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from os1.errors import ConfigError
from os1.voice.audio import STT_RATE, resample
from os1.voice.stt import looping
from os1.voice.tts import available_voices, open_tts
from os1.voice.wer import basic, normalise, word_errors

from .conftest import espeak, festival, needs_espeak, needs_festival

pytestmark = [pytest.mark.model, needs_espeak]


SENTENCES = [
    ("Could you read me my new messages, please?", "en-us"),
    ("Remind me to call my brother tomorrow morning.", "en-us+f3"),
    ("What is on my calendar for Friday afternoon?", "en-gb"),
]


def test_round_trip_espeak_speech_to_text(stt: Any) -> None:
    errors = total = 0
    for text, voice in SENTENCES:
        transcript = stt.transcribe(espeak(text, voice))
        assert transcript.compute_s > 0 and transcript.audio_s > 1.0
        e, n = word_errors(text, transcript.text)
        assert e <= n // 2, transcript.text  # no sentence lost
        errors, total = errors + e, total + n
    assert errors / total <= 0.15


@needs_festival
def test_round_trip_festival_speech_to_text(stt: Any) -> None:
    # a second synthesiser, with voices cut from people's recordings: closer to a user
    errors = total = 0
    for text, voice in [("Please move my dentist appointment to Thursday.", "cmu_us_slt_arctic_hts"),
                        ("Did my sister answer the letter about the holiday?", "kal_diphone")]:
        e, n = word_errors(text, stt.transcribe(festival(text, voice)).text)
        errors, total = errors + e, total + n
    assert errors / total <= 0.1


def test_a_recording_that_starts_with_the_first_word_keeps_it(stt: Any) -> None:
    # no silence before the first word (a clip cut tight, or a VAD that opened late):
    # without some lead-in tiny.en tends to drop the first word
    for text, voice in [("What's on my calendar for tomorrow morning?", "en-us"),
                        ("Did anyone reply to my invitation?", "en-us+f2")]:
        speech = espeak(text, voice)
        speech = speech[int(np.argmax(np.abs(speech) > 0.01)) :]
        heard = normalise(stt.transcribe(speech).text)
        assert heard[:2] == normalise(text)[:2], heard


def test_piper_voice_is_understood_too(stt: Any, tts: Any) -> None:
    errors = total = 0
    for text in ("I have booked a table for two at eight.",
                 "Your sister wrote to you about dinner on Friday.",
                 "Do you want me to read the whole letter to you?"):
        audio = np.concatenate(list(tts.synthesize(text)))
        heard = stt.transcribe(resample(audio, tts.rate, STT_RATE)).text
        e, n = word_errors(text, heard)
        errors, total = errors + e, total + n
    assert errors / total <= 0.2


def test_silence_and_noise_give_no_words(stt: Any) -> None:
    rng = np.random.default_rng(0)
    assert stt.transcribe(np.zeros(STT_RATE * 2, np.float32)).text == ""
    noise = rng.normal(0, 0.05, STT_RATE * 2).astype(np.float32)
    assert len(normalise(stt.transcribe(noise).text)) <= 2


def test_word_errors_are_normalised() -> None:
    assert word_errors("Meet at 2, OK?", "meet at two okay") == (0, 4)
    assert word_errors("a b c", "a x c d") == (2, 3)
    # numbers, contractions and British spelling: the usual normalisation, both sides alike
    assert word_errors("Set a timer for fifteen minutes.", "set a timer for 15 minutes") == (0, 6)
    assert word_errors("Can you summarise my colour notes?", "Can you summarize my color notes") \
        == (0, 6)
    assert word_errors("What's the twenty-first? Let's see.", "what is the 21st let us see")[0] == 0
    assert word_errors("one hundred and five", "105") == (0, 1)
    assert word_errors("six and seven", "6 and 7") == (0, 3)  # an 'and' between numbers stays
    assert word_errors("Um, I can't.", "I cannot") == (0, 3)
    # what the normaliser must not forgive
    assert word_errors("Is it going to rain?", "It's going to rain")[0] == 2
    assert word_errors("five o'clock", "nine o'clock")[0] == 1


def test_basic_comparison_forgives_only_case_and_punctuation() -> None:
    assert basic("Hello, World! It's e-mail.") == ["hello", "world", "it's", "e", "mail"]
    assert word_errors("Set a timer for fifteen minutes.", "set a timer for 15 minutes.",
                       basic) == (1, 6)
    assert word_errors("Can you summarise it?", "can you summarize it", basic) == (1, 4)


def test_a_decode_loop_is_recognised() -> None:
    phrase = [11, 22, 33, 44]
    assert looping(phrase * 2, cap=100) and looping([1] * 50, cap=50)
    assert looping([7, 8, *phrase, 9, *phrase[:3], *phrase], cap=100)
    assert not looping([1, 2, 3, 4, 5, 6, 7], cap=100)


def test_voices_and_synthesis_are_streamed_in_chunks(tts: Any) -> None:
    assert available_voices()[:2] == ["joe", "espeak"]
    chunks = list(tts.synthesize("First sentence here. And a second one follows."))
    assert len(chunks) == 2 and all(c.dtype == np.float32 and len(c) > 1000 for c in chunks)
    assert tts.rate == 22050 and max(float(np.abs(c).max()) for c in chunks) <= 1.0
    espeak_voice = open_tts("espeak")
    assert sum(len(c) for c in espeak_voice.synthesize("Hello.")) > 0.2 * espeak_voice.rate
    assert list(tts.synthesize("  ** ")) == []


def test_unknown_voice_names_the_fix() -> None:
    with pytest.raises(ConfigError, match="os1 config set voice.voice"):
        open_tts("galadriel")


def test_warming_the_stack_leaves_no_state_behind(stt: Any, tts: Any, vad: Any) -> None:
    from os1.voice.stack import VoiceStack
    from os1.voice.vad import open_vad

    VoiceStack(stt, tts, vad).warm()
    frame = espeak("Hello there.", "en-us")[4000:4512]
    assert vad.probability(frame) == pytest.approx(open_vad().probability(frame), abs=1e-6)


def test_the_base_model_is_joined_once_from_its_packages(tmp_path: Any,
                                                         monkeypatch: Any) -> None:
    from os1.voice.stt import model_dir_for

    monkeypatch.setenv("OS1_CACHE_DIR", str(tmp_path))
    folder = model_dir_for("base")
    assert folder.is_relative_to(tmp_path)
    made = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    assert set(made) == {"model.bin", "config.json", "tokenizer.json", "vocabulary.txt"}
    assert (folder / "model.bin").stat().st_size > 140_000_000  # both halves
    assert model_dir_for("base") == folder  # the second time: nothing written again
    assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} == made
    assert not list(folder.glob("*.tmp"))
