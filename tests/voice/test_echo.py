"""Echo rejection, offline: os1's own (Piper) voice mixed into the microphone signal through a
delayed, reverberant path is not taken for the user; a different voice on top of it is, and
fast enough for barge-in. Times are counted in audio samples, never wall time."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np
import pytest

from os1.voice.audio import STT_RATE, resample
from os1.voice.echo import EchoCanceller, EchoResult
from os1.voice.live import BARGE_IN_EVIDENCE
from os1.voice.vad import FRAME

from .conftest import espeak, needs_espeak, onset

pytestmark = [pytest.mark.model, needs_espeak]

EARLIER = ("Good morning. You have two meetings today, and the weather looks fine for a walk "
           "at lunch.")
REPLY = ("I found three new messages in your inbox. One is from your sister about dinner on "
         "Friday, and two are newsletters you can probably skip.")


def steady_speech(tts: Any, text: str) -> np.ndarray:
    # Piper draws fresh noise for every synthesis, so its audio differs run to run; without
    # the noise the test hears the same reply every time. (With it, the strongest echo case
    # was taken for the user once in 150 draws: a rare false barge-in, noted on issue 4.)
    from piper import SynthesisConfig

    steady = SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0)
    out = np.concatenate([c.audio_float_array for c in tts.voice.synthesize(text,
                                                                             syn_config=steady)])
    ref = resample(out, tts.rate, STT_RATE)
    return np.concatenate([np.zeros(STT_RATE, np.float32), ref, np.zeros(STT_RATE, np.float32)])


@pytest.fixture(scope="module")
def reference(tts: Any) -> np.ndarray:
    return steady_speech(tts, REPLY)


@pytest.fixture(scope="module")
def earlier(tts: Any) -> np.ndarray:
    return steady_speech(tts, EARLIER)


def room(ref: np.ndarray, delay: int, gain: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    ir = rng.normal(0, 1, 800) * np.exp(-np.arange(800) / 160) * 0.3
    ir[0] = 1.0
    echo = np.convolve(ref, ir)[: len(ref)]
    echo = np.concatenate([np.zeros(delay), echo])[: len(ref)] * gain
    return (echo + rng.normal(0, 0.003, len(ref))).astype(np.float32)


def hear(canceller: EchoCanceller, mic: np.ndarray, ref: np.ndarray,
         offset: int = 0) -> Iterator[tuple[int, EchoResult]]:
    """Play ``ref`` and feed ``mic`` to ``canceller`` frame by frame, as the live loop does,
    ``offset`` samples into its stream: (frame start in ``mic``, result)."""
    for i in range(0, len(mic) - FRAME + 1, FRAME):
        canceller.add_reference(offset + i, ref[i : i + FRAME])
        yield i, canceller.process(mic[i : i + FRAME], offset + i)


def first_detection(mic: np.ndarray, ref: np.ndarray, vad: Any,
                    before: tuple[np.ndarray, np.ndarray] | None = None) -> int:
    """Sample index in ``mic`` where the user would be detected (as in the live loop), or -1.
    ``before``: (microphone, reference) of an earlier reply the same canceller heard first,
    as in a conversation, where one canceller serves every reply."""
    canceller = EchoCanceller()
    offset = 0
    if before is not None:
        earlier_mic, earlier_ref = before
        for _ in hear(canceller, earlier_mic, earlier_ref):
            pass
        offset = len(earlier_mic) - len(earlier_mic) % FRAME
    return barge_in(hear(canceller, mic, ref, offset), vad)


def barge_in(frames: Iterable[tuple[int, EchoResult]], vad: Any) -> int:
    """Where the live loop would barge in on these canceller results (one past the frame), or
    -1: one clear frame of the user, or two likely ones in a row."""
    vad.reset()  # Silero keeps state between frames: start each recording fresh
    run = 0
    for i, result in frames:
        evidence = result.user_evidence(vad.probability(result.residual))
        run = run + evidence if evidence else 0
        if run >= BARGE_IN_EVIDENCE:
            return i + FRAME
    return -1


CASES = [(960, 0.5, 1), (3000, 0.8, 2), (200, 0.3, 3)]


@pytest.mark.parametrize(("delay", "gain", "seed"), CASES)
def test_own_voice_alone_is_not_the_user(
    reference: np.ndarray, vad: Any, delay: int, gain: float, seed: int
) -> None:
    mic = room(reference, delay, gain, seed)
    assert first_detection(mic, reference, vad) == -1


@pytest.mark.parametrize(("delay", "gain", "seed"), CASES)
def test_a_later_reply_keeps_what_the_canceller_learned(
    reference: np.ndarray, earlier: np.ndarray, vad: Any, delay: int, gain: float, seed: int
) -> None:
    # One canceller serves a whole conversation: after an earlier reply in the same room, os1's
    # voice is still not the user, and a user talking over the next reply is heard in time.
    before = (room(earlier, delay, gain, seed), earlier)
    assert first_detection(room(reference, delay, gain, seed), reference, vad, before) == -1
    mic = room(reference, delay, gain, seed)
    user = espeak("Wait a moment please, I have a question.", "en-us+f3")
    start = STT_RATE + 20000
    mic[start : start + len(user)] += 0.8 * user[: len(mic) - start]
    detected = first_detection(mic, reference, vad, before)
    assert 0 <= (detected - start - onset(user)) * 1000 / STT_RATE <= 200


def test_without_the_canceller_the_echo_would_be_taken_for_the_user(
    reference: np.ndarray, vad: Any
) -> None:
    mic = room(reference, 960, 0.5, 1)
    probs = [vad.probability(mic[i : i + FRAME]) for i in range(0, len(mic) - FRAME, FRAME)]
    assert sum(p > 0.5 for p in probs) > 20  # what the canceller has to remove


@pytest.mark.parametrize(
    ("delay", "gain", "seed", "words", "limit_ms"),
    [
        (960, 0.5, 1, "Wait a moment please, I have a question.", 200),
        (3000, 0.8, 2, "Wait a moment please, I have a question.", 200),
        # A hiss like the s of "stop" is quiet and masked by os1's voice; the vowel after
        # it is what gets detected, up to a frame (32 ms) later.
        (960, 0.5, 1, "Stop, I have a question.", 232),
    ],
)
def test_another_voice_over_it_is_detected_fast(
    reference: np.ndarray, vad: Any, delay: int, gain: float, seed: int, words: str,
    limit_ms: int,
) -> None:
    mic = room(reference, delay, gain, seed)
    user = espeak(words, "en-us+f3")
    start = STT_RATE + 20000  # about 1.3 s into os1's reply
    mic[start : start + len(user)] += 0.8 * user[: len(mic) - start]
    spoken = start + onset(user)
    detected = first_detection(mic, reference, vad)
    assert detected > spoken, "detected before the user spoke: that was the echo"
    assert (detected - spoken) * 1000 / STT_RATE <= limit_ms


@pytest.mark.parametrize("user_gain", [0.5, 0.3])
def test_a_user_quieter_than_the_echo_is_heard_fast(
    reference: np.ndarray, vad: Any, user_gain: float
) -> None:
    # The loudest room (os1 at gain 0.8, 187 ms late) and a lower voice than the test above,
    # quieter than the echo: the microphone's energy hardly rises overall, but the user's
    # voice fills sub-bands os1's current sound leaves empty. (With one broadband energy
    # ratio this took 1.2-1.5 s.)
    mic = room(reference, 3000, 0.8, 2)
    user = espeak("Wait a moment please, I have a question.", "en-us")
    start = STT_RATE + 20000
    mic[start : start + len(user)] += user_gain * user[: len(mic) - start]
    spoken = start + onset(user)
    detected = first_detection(mic, reference, vad)
    assert detected > spoken, "detected before the user spoke: that was the echo"
    assert (detected - spoken) * 1000 / STT_RATE <= 200


@pytest.mark.parametrize("seed", [7, 8, 13])
def test_a_quiet_user_over_a_later_reply_is_heard_fast(
    reference: np.ndarray, earlier: np.ndarray, vad: Any, seed: int
) -> None:
    # The loudest room, later in a conversation, and the lower voice about 14 dB under os1's
    # echo: it raises the broadband share the filter cannot explain too little, but in one
    # narrow sub-band both the filter and the energy model see it. In these rooms, without
    # that per-band check, it was heard after 0.95-1.5 s.
    before = (room(earlier, 3000, 0.8, seed), earlier)
    mic = room(reference, 3000, 0.8, seed)
    user = espeak("Wait a moment please, I have a question.", "en-us")
    start = STT_RATE + 20000
    mic[start : start + len(user)] += 0.4 * user[: len(mic) - start]
    spoken = start + onset(user)
    detected = first_detection(mic, reference, vad, before)
    assert detected > spoken, "detected before the user spoke: that was the echo"
    assert (detected - spoken) * 1000 / STT_RATE <= 200


def test_one_likely_frame_alone_is_not_a_barge_in() -> None:
    frame = np.zeros(FRAME, np.float32)
    likely = EchoResult(frame, 0.68, True, True, near_snr_db=32.6, over_echo=5.0)
    assert likely.user_evidence(0.78) == 1 < BARGE_IN_EVIDENCE
    clear = EchoResult(frame, 0.96, True, True, near_snr_db=31.0, over_echo=12.0)
    assert clear.user_evidence(0.9) >= BARGE_IN_EVIDENCE
    # os1's own voice: the filter explains most of it, the energy is what the echo makes
    own = EchoResult(frame, 0.3, True, True, near_snr_db=20.0, over_echo=1.2)
    assert own.user_evidence(0.9) == 0
    # a quiet voice: little of the whole frame, but one sub-band both checks agree on
    quiet = EchoResult(frame, 0.2, True, True, near_snr_db=20.0, over_echo=8.0, near_band=True)
    assert quiet.user_evidence(0.9) == 1 < BARGE_IN_EVIDENCE


def test_the_delay_is_the_direct_path_even_when_a_reflection_is_louder(
    reference: np.ndarray,
) -> None:
    # A wall's reflection 150 samples after the direct sound, louder than it: locking onto the
    # reflection would leave the direct sound before the filter's window, never cancelled.
    delay = 960
    ir = np.zeros(400)
    ir[0], ir[150], ir[250] = 0.6, 1.0, 0.3
    echo = np.convolve(reference, ir)[: len(reference)]
    mic = (np.concatenate([np.zeros(delay), echo])[: len(reference)] * 0.5
           + np.random.default_rng(4).normal(0, 0.003, len(reference))).astype(np.float32)
    canceller = EchoCanceller()
    mic_energy = residual_energy = 0.0
    for i, result in hear(canceller, mic, reference):
        if i > 3 * STT_RATE and result.echo_active:
            mic_energy += float(np.sum(mic[i : i + FRAME] ** 2))
            residual_energy += float(np.sum(result.residual**2))
    assert canceller.delay <= delay
    assert 10 * np.log10(mic_energy / residual_energy) > 15  # the echo is cancelled


@pytest.mark.parametrize("moved", [-200, 200])
def test_a_new_delay_estimate_keeps_what_the_filter_learned(
    reference: np.ndarray, vad: Any, moved: int
) -> None:
    # Delay estimates jitter while os1 speaks; one that moves by more than a quarter frame
    # re-aims the filter. The room is the same, so the filter keeps its response (moved by
    # the difference) and stays converged: the echo is still removed, and a user who speaks
    # right after is heard in time. (Starting the filter again left about a second in which
    # nobody could barge in.)
    mic = room(reference, 960, 0.5, 1)
    user = espeak("Wait a moment please, I have a question.", "en-us+f3")
    start = 3 * STT_RATE
    with_user = mic.copy()
    with_user[start : start + len(user)] += 0.8 * user[: len(mic) - start]
    spoken = start + onset(user)
    moved_at = (start // FRAME - 4) * FRAME  # four frames before the user starts

    def moving(canceller: EchoCanceller, signal: np.ndarray,
               energy: dict[str, float]) -> Iterator[tuple[int, EchoResult]]:
        for i, result in hear(canceller, signal, reference):
            if i == moved_at:
                assert canceller.converged
                canceller._move_delay(canceller.delay + moved, i + FRAME)
            elif moved_at < i < start:  # the echo alone, just after the move
                energy["heard"] += float(np.sum(mic[i : i + FRAME] ** 2))
                energy["left"] += float(np.sum(result.residual**2))
            yield i, result

    for signal in (mic, with_user):
        canceller = EchoCanceller()
        energy = {"heard": 0.0, "left": 0.0}
        frames = moving(canceller, signal, energy)
        detected = barge_in(frames, vad)
        for _ in frames:  # and the rest of the reply
            pass
        assert canceller.converged
        if signal is mic:
            assert detected == -1
            assert 10 * np.log10(energy["heard"] / energy["left"]) > 10
        else:
            assert 0 < (detected - spoken) * 1000 / STT_RATE <= 200


@pytest.mark.parametrize(("delay", "gain", "seed"), CASES)
@pytest.mark.parametrize("moved", [-300, 300])
def test_a_change_of_the_sound_cards_latency_mid_reply_is_not_the_user(
    reference: np.ndarray, vad: Any, delay: int, gain: float, seed: int, moved: int
) -> None:
    # A buffer dropped or played twice moves the whole echo at once. Before the canceller
    # looked for that, os1's own voice was taken for the user after 2 of these 5 moves (and
    # after half of 69 random ones of 50-400 samples); now the filter is aimed where the echo
    # went, on the frame where it shows.
    if delay + moved < 128:
        pytest.skip("the sound cannot come back before it is played")
    before, after = room(reference, delay, gain, seed), room(reference, delay + moved, gain, seed)
    at = 3 * STT_RATE + 1234  # in the middle of a frame
    mic = np.concatenate([before[:at], after[at:]])
    assert first_detection(mic, reference, vad) == -1
    user = espeak("Wait a moment please, I have a question.", "en-us+f3")
    start = at + STT_RATE  # and the user, a second later, is heard in time
    with_user = mic.copy()
    with_user[start : start + len(user)] += 0.8 * user[: len(mic) - start]
    detected = first_detection(with_user, reference, vad)
    assert 0 < (detected - start - onset(user)) * 1000 / STT_RATE <= 200
