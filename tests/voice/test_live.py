"""The live conversation in a virtual room: os1's echo is not taken for the user, and the user
talking over os1 stops playback fast (counted in audio samples, not wall time)."""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np
import pytest

from os1.voice.audio import STT_RATE
from os1.voice.live import Conversation, Player
from os1.voice.vad import FRAME

from .conftest import VirtualRoom, espeak, needs_espeak

pytestmark = [pytest.mark.model, needs_espeak]


def conversation(stt: Any, tts: Any, vad: Any, engine: Any) -> tuple[Conversation, Player]:
    player = Player()
    conv = Conversation(stt, tts, vad, engine.turn, engine.stop, player)
    return conv, player


async def test_own_voice_through_the_mic_is_not_the_user(
    stt: Any, tts: Any, vad: Any, engine: Any
) -> None:
    conv, player = conversation(stt, tts, vad, engine)
    room = VirtualRoom(conv, player, seconds=60.0, echo_gain=0.6)
    room.say(0.3, espeak("Tell me something about the ocean.", "en-us+f3"))
    await room.run()
    assert len(conv.exchanges) == 1, [e.heard for e in conv.exchanges]
    assert "ocean" in conv.exchanges[0].heard.lower()
    assert conv.exchanges[0].interrupted_at < 0 and player.cleared_at == []
    assert room.first_played > 0 and float(abs(room.played).sum()) > 0


async def test_barge_in_stops_playback_and_is_heard(
    stt: Any, tts: Any, vad: Any, engine: Any
) -> None:
    conv, player = conversation(stt, tts, vad, engine)
    room = VirtualRoom(conv, player, seconds=90.0, echo_gain=0.15, seed=1)
    room.say(0.3, espeak("Tell me about the sea.", "en-us+f3"))
    # a second question once os1 has answered the first (its echo model has settled by then)
    later = espeak("And what about the moon?", "en-us+f3")
    room.interrupt_when_playing(espeak("Wait please, what time is it?", "en-us+m3"), 0.3,
                                reply=2)
    await room.run(heard=3, play_s=0.0, follow_up=later)
    assert room.interrupt_onset > 0, "os1 never spoke, so there was nothing to interrupt"
    assert player.cleared_at, "playback was not stopped"
    latency_ms = (player.cleared_at[0] - room.interrupt_onset) * 1000 / STT_RATE
    # Detection alone is held to 200 ms in test_echo; in the full loop a frame's worth of
    # echo-model disagreement sometimes delays it (447 ms seen in 1 of 3 runs).
    assert 0 < latency_ms <= 500, latency_ms
    assert conv.exchanges[1].interrupted_at == player.cleared_at[0]
    heard = [e.heard.lower() for e in conv.exchanges]
    assert len(heard) == 3 and "time" in heard[2], heard


async def test_a_turn_ends_when_its_transcript_comes_between_frames(
    stt: Any, tts: Any, vad: Any, engine: Any
) -> None:
    conv, _ = conversation(stt, tts, vad, engine)
    silence = np.zeros(int(0.6 * STT_RATE), np.float32)  # past the wait, short of the longest
    question = espeak("Tell me something about the ocean.", "en-us+f3")
    mic = np.concatenate([silence[:4000], question, silence])
    for i in range(0, len(mic) - FRAME + 1, FRAME):  # far faster than real time
        await conv.feed(mic[i : i + FRAME], i)
    assert conv._speculative is not None and not conv.exchanges  # still transcribing
    await conv._speculative
    for _ in range(3):  # the transcript's callback, then the turn's end, run on their own
        await asyncio.sleep(0)
    heard = [e.heard.lower() for e in conv.exchanges]
    assert len(heard) == 1 and "ocean" in heard[0], heard
    await conv.close()
