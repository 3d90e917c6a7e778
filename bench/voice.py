"""Voice benchmark: word error rate, real-time factors and voice-to-voice latency.

Run: python bench/voice.py [--turns 20] [--quick]
Speech in is synthesised by espeak-ng in several of its voices (not os1's Piper voice), clean
and with white noise at 10 dB SNR. Latency uses the real engine with the embedded model, in a
fresh home, through the same path as `os1 voice --in`: the silence after the last word is
paced in real time, so end-of-turn detection is measured, not assumed. Writes
bench/results/voice.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from os1.voice.audio import STT_RATE, Clip, parse_wav, resample
from os1.voice.wer import word_errors

UTTERANCES = [
    "What's on my calendar for tomorrow morning?",
    "Remind me to call my mother at six this evening.",
    "Read me the latest message from Amelia.",
    "How are you feeling today?",
    "I had a really long day at work.",
    "Can you summarise my unread emails?",
    "Set a timer for fifteen minutes.",
    "What did I tell you about my brother last week?",
    "Write a short note saying I will be late for dinner.",
    "Do I have any meetings this afternoon?",
    "Move my dentist appointment to next Tuesday.",
    "Tell me something that will make me smile.",
    "Who sent me that letter about the apartment?",
    "Please reply that I can meet on Thursday at noon.",
    "What was the name of the book you recommended?",
    "I think I need a holiday somewhere warm.",
    "Add milk, eggs and bread to my shopping list.",
    "When is my sister's birthday?",
    "Cancel the call with the design team.",
    "Let's talk about something else for a while.",
    "Is it going to rain this weekend?",
    "Open the document I was writing yesterday.",
    "How many unread messages do I have?",
    "Thank you, that was very helpful.",
    "I can't sleep, will you talk with me for a bit?",
    "Find the photos from our trip to the coast.",
    "What time does the train leave in the morning?",
    "Send the report to Paul before five o'clock.",
    "Did anyone reply to my invitation?",
    "Tell me a short story about a lighthouse.",
    "I'm nervous about the interview on Monday.",
    "Please don't delete anything without asking me.",
    "What do you remember about my first day here?",
    "Schedule a lunch with Catherine next week.",
    "Is there anything important I should know today?",
    "Turn the volume down a little.",
    "Why do you think I keep putting this off?",
    "Give me three ideas for the weekend.",
    "Forward this email to my accountant.",
    "I finally finished the letter to my father.",
    "What should I cook for dinner tonight?",
    "Remind me to take my medicine after breakfast.",
    "How long have we been talking?",
    "Mark all the newsletters as read.",
    "Can you help me write a birthday message?",
    "I'd like to go for a walk before it gets dark.",
    "Who is coming to the party on Saturday?",
    "Please stop, I want to ask something else.",
    "Play the music I listened to last night.",
    "What's the weather like in Paris right now?",
    "Archive everything from the old project.",
    "Good night, talk to you tomorrow.",
    "Tell me about the ocean.",
    "Book a table for two at eight.",
    "I'm happy today, the sun is out.",
    "Where did I put my notes from the meeting?",
    "Could you read that again, a bit slower?",
    "Don't send anything until I say so.",
    "What's the first thing on my list?",
    "How do you choose your own name?",
]
VOICES = ["en-us", "en-us+f3", "en-us+m3", "en-gb", "en-us+f2", "en-gb-x-rp"]


def espeak(text: str, voice: str) -> np.ndarray:
    wav = subprocess.run(["espeak-ng", "-v", voice, "-s", "160", "--stdout", text],
                         capture_output=True, check=True).stdout
    clip = parse_wav(wav)
    return resample(clip.samples, clip.rate, STT_RATE)


def with_noise(x: np.ndarray, snr_db: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    power = float(np.mean(x[np.abs(x) > 0.01] ** 2))
    noise = rng.normal(0, np.sqrt(power / 10 ** (snr_db / 10)), len(x))
    return np.clip(x + noise, -1, 1).astype(np.float32)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))], 4)


def bench_stt(clips: list[tuple[str, np.ndarray]]) -> dict[str, Any]:
    from os1.voice.stt import WhisperSTT

    out: dict[str, Any] = {}
    configs = [("default_12s_window_beam5", True, 5), ("12s_window_greedy", True, 1),
               ("full_30s_window_beam5", False, 5)]
    for name, short, beam in configs:
        stt = WhisperSTT(short_window=short, beam=beam)
        stt.transcribe(clips[0][1])  # warm-up
        for condition in ("clean", "noise_20db", "noise_10db"):
            errors = words = 0
            compute = audio = 0.0
            by_voice: dict[str, list[int]] = {}
            for i, (text, x) in enumerate(clips):
                snr = {"clean": None, "noise_20db": 20.0, "noise_10db": 10.0}[condition]
                sample = x if snr is None else with_noise(x, snr, i)
                got = stt.transcribe(sample)
                e, n = word_errors(text, got.text)
                errors, words = errors + e, words + n
                compute, audio = compute + got.compute_s, audio + got.audio_s
                tally = by_voice.setdefault(VOICES[i % len(VOICES)], [0, 0])
                tally[0], tally[1] = tally[0] + e, tally[1] + n
            out[f"{name}_{condition}"] = {
                "wer_by_voice": {v: round(e / n, 4) for v, (e, n) in by_voice.items()},
                "wer": round(errors / words, 4), "words": words, "utterances": len(clips),
                "rtf": round(compute / audio, 4), "mean_compute_s": round(compute / len(clips), 4),
            }
    return out


def bench_tts(sentences: list[str]) -> dict[str, Any]:
    from os1.voice.phrases import split_text
    from os1.voice.tts import open_tts

    tts = open_tts("joe")
    list(tts.synthesize("Warm up."))
    compute = audio = 0.0
    first_chunk = []
    for text in sentences:
        first = split_text(text)[0]
        t0 = time.perf_counter()
        next(iter(tts.synthesize(first)))
        first_chunk.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        n = sum(len(c) for c in tts.synthesize(text))
        compute += time.perf_counter() - t0
        audio += n / tts.rate
    return {"voice": tts.name, "rtf": round(compute / audio, 4), "sentences": len(sentences),
            "first_phrase_chunk_p50_s": pct(first_chunk, 0.5),
            "first_phrase_chunk_p95_s": pct(first_chunk, 0.95)}


def raw_model_turn(model: Any) -> Any:
    """The embedded model streamed token by token, without the engine's sentence filter."""
    from os1.brain.base import Message, Sampling
    from os1.events import TextDelta, TurnEnded

    async def turn(text: str) -> Any:
        messages = [Message("system", "You are a warm, brief companion."), Message("user", text)]
        parts = []
        async for chunk in model.stream(messages, sampling=Sampling(max_tokens=60)):
            if chunk.text:
                parts.append(chunk.text)
                yield TextDelta(chunk.text)
        yield TurnEnded("bench", "".join(parts))

    return turn


async def bench_latency(clips: list[tuple[str, np.ndarray]], turns: int) -> dict[str, Any]:
    from os1.engine import ensure_persona_async, open_engine
    from os1.home import Home
    from os1.voice.loop import listen_file, respond
    from os1.voice.stt import WhisperSTT
    from os1.voice.tts import open_tts
    from os1.voice.vad import open_vad

    home = Home.open(Path(tempfile.mkdtemp(prefix="os1-bench-voice-")))
    await ensure_persona_async(home, user_name="Theodore")
    engine = open_engine(home)
    stt, tts, vad = WhisperSTT(), open_tts("joe"), open_vad()
    async for _ in engine.turn("hello"):  # warm-up: lazy loads are not a turn's latency
        pass
    pad = np.zeros(int(0.3 * STT_RATE), np.float32)
    out = {}
    for name, turn in (("engine", engine.turn), ("raw_model_stream", raw_model_turn(home.model))):
        rows = []
        for text, x in clips[:turns]:
            clip = Clip(np.concatenate([pad, x, pad]), STT_RATE)
            heard = await listen_file(clip, stt, vad)
            reply = await respond(heard, turn, tts)
            rows.append({"question": text, "heard": reply.transcript, "reply": reply.reply,
                         **reply.timings})
        out[name] = summarise(rows)
    home.close()
    return out


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    stages = ["vad_end_of_turn_s", "stt_s", "model_first_token_s", "first_phrase_s",
              "tts_first_chunk_s", "end_of_speech_to_first_audio_s"]
    summary = {}
    for stage in stages:
        values = [r[stage] for r in rows if stage in r]
        if values:
            summary[stage] = {"p50": pct(values, 0.5), "p95": pct(values, 0.95)}
    silent = sum(1 for r in rows if "end_of_speech_to_first_audio_s" not in r)
    return {"turns": len(rows), "turns_without_reply": silent, "stages": summary, "rows": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--turns", type=int, default=20, help="voice-to-voice turns")
    parser.add_argument("--quick", action="store_true", help="10 utterances, 5 turns")
    args = parser.parse_args()
    n = 10 if args.quick else len(UTTERANCES)
    turns = 5 if args.quick else args.turns
    load_before = os.getloadavg()
    clips = [(t, espeak(t, VOICES[i % len(VOICES)])) for i, t in enumerate(UTTERANCES[:n])]
    stt = bench_stt(clips)
    tts = bench_tts([t for t, _ in clips[:20]])
    latency = asyncio.run(bench_latency(clips, turns))
    result = {
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                    "load_before": [round(v, 2) for v in load_before],
                    "load_after": [round(v, 2) for v in os.getloadavg()]},
        "speech_voices": VOICES, "stt": stt, "tts": tts, "latency": latency,
    }
    out = Path(__file__).parent / "results" / "voice.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"{'speech in (Whisper tiny.en int8)':<44}{'WER':>8}{'RTF':>8}")
    for key, row in stt.items():
        print(f"  {key:<42}{row['wer']:>8.1%}{row['rtf']:>8.3f}")
    print(f"speech out (Piper {tts['voice']}): RTF {tts['rtf']:.3f}, first phrase chunk "
          f"p50 {tts['first_phrase_chunk_p50_s']:.3f} s")
    for name, series in latency.items():
        print(f"{'voice-to-voice, ' + name + ' (end of speech ->)':<44}{'p50 s':>8}{'p95 s':>8}")
        for stage, row in series["stages"].items():
            print(f"  {stage:<42}{row['p50']:>8.3f}{row['p95']:>8.3f}")
    print(f"load average before/after: {load_before[0]:.1f} / {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} CPUs; wrote {out}")


if __name__ == "__main__":
    main()
