"""The streaming voice turn with the real engine (embedded model) and real speech models."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pytest

from os1.errors import InputError
from os1.events import TurnEnded
from os1.voice.audio import STT_RATE, Clip
from os1.voice.loop import (
    AudioOut,
    Clock,
    ReplySpeech,
    _speech_bounds,
    listen_file,
    respond,
    signal_end,
)
from os1.voice.vad import TurnSettings

from .conftest import espeak, needs_espeak

pytestmark = [pytest.mark.model, needs_espeak]


def question(*parts: str, gap_s: float = 0.0) -> Clip:
    silence = np.zeros(int(0.4 * STT_RATE), np.float32)
    pieces = [silence]
    for i, text in enumerate(parts):
        if i:
            pieces.append(np.zeros(int(gap_s * STT_RATE), np.float32))
        pieces.append(espeak(text, "en-us+m3"))
    pieces.append(silence)
    return Clip(np.concatenate(pieces), STT_RATE)


async def test_speech_starts_before_the_reply_is_finished(model_turn: Any, tts: Any) -> None:
    speech = ReplySpeech(model_turn("Tell me a long story about the sea and the moon."), tts,
                         Clock())
    order = [type(item).__name__ async for item in speech]
    first_audio, ended = order.index("AudioOut"), order.index("TurnEnded")
    assert first_audio < ended, order
    # the first phrase went to the voice after a few tokens, not after the whole reply
    assert len(speech.queued) >= 2
    assert speech.queued[0][0] < speech.tokens, (speech.queued, speech.tokens)
    marks = speech.clock.marks
    assert marks["first_token"] <= marks["first_phrase"] <= marks["first_audio"]


async def test_file_turn_end_to_end_with_stage_timings(
    engine: Any, stt: Any, tts: Any, vad: Any
) -> None:
    heard = await listen_file(question("What do you like about the ocean?"), stt, vad)
    assert "ocean" in heard.transcript.text.lower()
    assert heard.speculative  # transcription started during the end-of-turn wait
    reply = await respond(heard, engine.turn, tts)
    assert reply.reply and len(reply.audio) > tts.rate // 2
    t = reply.timings
    for key in ("vad_end_of_turn_s", "stt_s", "model_first_token_s", "tts_first_chunk_s",
                "end_of_speech_to_first_audio_s"):
        assert t[key] >= 0, key
    # the end-of-turn wait is real time after the last word, and bounded
    assert 0.2 <= t["vad_end_of_turn_s"] <= 1.2
    assert t["end_of_speech_to_first_audio_s"] <= t["end_of_speech_to_reply_done_s"]


def test_the_clock_starts_where_the_last_word_stops(vad: Any) -> None:
    speech = espeak("Turn the volume down a little.", "en-us+m3")  # as question() says it
    x = question("Turn the volume down a little.").samples
    lead = int(0.4 * STT_RATE)
    true_end = lead + len(speech) - int(np.argmax(np.abs(speech[::-1]) > 0.01))
    start, vad_end = _speech_bounds(x, vad, TurnSettings())
    end = signal_end(x, start, vad_end)
    assert abs(end - true_end) <= 0.012 * STT_RATE, (end, true_end, vad_end)
    # with room noise the end is still not put later than the words (latency not flattered)
    noisy = x + np.random.default_rng(0).normal(0, 0.01, len(x)).astype(np.float32)
    start, vad_end = _speech_bounds(noisy, vad, TurnSettings())
    assert signal_end(noisy, start, vad_end) <= true_end + 0.03 * STT_RATE


async def test_the_engine_waits_while_the_first_phrase_is_synthesised(
    engine: Any, tts: Any
) -> None:
    clock = Clock()
    made: list[float] = []

    async def watched(text: str) -> Any:  # the real engine turn; only notes when each event came
        async for ev in engine.turn(text):
            made.append(time.perf_counter() - clock.t0)
            yield ev

    speech = ReplySpeech(watched("Hello! How are you?"), tts, clock)
    items = [item async for item in speech]
    assert any(isinstance(i, AudioOut) for i in items)
    after = [t for t in made if t > clock.marks["first_phrase"]]
    assert after, "the greeting had more to say than its first phrase"
    assert min(after) >= clock.marks["first_audio"]


async def test_a_pause_mid_question_does_not_cut_it(stt: Any, vad: Any) -> None:
    clip = question("I was thinking about", "the weekend trip to the mountains.", gap_s=0.6)
    heard = await listen_file(clip, stt, vad)
    assert "mountains" in heard.transcript.text.lower()
    assert "thinking" in heard.transcript.text.lower()


class BusySTT:
    """Test double around the real Whisper: each transcript comes 0.3 s late, as on a machine
    busy with something else, so the turn's end waits for it."""

    def __init__(self, stt: Any) -> None:
        self.stt, self.rate, self.done_at = stt, stt.rate, 0.0

    def transcribe(self, samples: np.ndarray) -> Any:
        got = self.stt.transcribe(samples)
        time.sleep(0.3)
        self.done_at = time.perf_counter()
        return got


async def test_the_turn_ends_the_moment_its_transcript_comes(stt: Any, vad: Any) -> None:
    busy = BusySTT(stt)
    heard = await listen_file(question("What time is it in Tokyo?"), busy, vad)
    assert "tokyo" in heard.transcript.text.lower() and heard.speculative
    # the silence was long enough well before the words came; waiting for the next 32 ms frame
    # after them (as the loop once did) put the end 32-64 ms later
    ended = heard.clock.t0 + heard.clock.marks["end_of_turn"]
    assert 0 <= ended - busy.done_at < 0.015, ended - busy.done_at


@pytest.mark.parametrize(
    ("samples", "fragment"),
    [
        (np.zeros(STT_RATE * 2, np.float32), "silent"),
        (np.random.default_rng(0).normal(0, 0.05, STT_RATE * 2).astype(np.float32), "No speech"),
        (np.zeros(100, np.float32), "empty"),
    ],
)
async def test_unusable_recordings_are_one_clear_sentence(
    stt: Any, vad: Any, samples: np.ndarray, fragment: str
) -> None:
    with pytest.raises(InputError, match=fragment):
        await listen_file(Clip(samples, STT_RATE), stt, vad)


async def test_stopping_mid_reply_sends_no_more_audio(model_turn: Any, tts: Any) -> None:
    speech = ReplySpeech(model_turn("Tell me a long story about a lighthouse keeper."), tts,
                         Clock())
    audio_after_stop = 0
    ended = None
    async for item in speech:
        if isinstance(item, AudioOut):
            if speech.stopped:
                audio_after_stop += 1
            else:
                speech.stop()
        elif isinstance(item, TurnEnded):
            ended = item
    assert audio_after_stop == 0
    assert ended is not None and len(speech.queued) >= 2  # there was more to say


async def test_engine_turn_is_spoken_sentence_by_sentence(engine: Any, tts: Any) -> None:
    speech = ReplySpeech(engine.turn("Tell me about the sea."), tts, Clock())
    audio = [item async for item in speech if isinstance(item, AudioOut)]
    assert audio and {a.text for a in audio} == {p for _, p in speech.queued}
