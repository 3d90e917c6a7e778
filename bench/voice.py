"""Voice benchmark: word error rate, real-time factors, voice-to-voice latency and barge-in.

Run: flock /tmp/os1-cpu.lock python bench/voice.py [--parts stt,tts,latency,barge_in] [--quick]
Speech in is synthesised (never by os1's own Piper voice), clean and with white noise at 20 and
10 dB SNR, from two sources: espeak-ng in six of its voices, and Festival in three (an HTS voice
trained on a woman's recordings and two diphone voices; skipped with a note when Festival is not
installed). The two sources are reported apart and together. Word error rates are given twice:
"basic" forgives only case and punctuation; "normalised" also forgives numbers written as
digits, contractions and British spellings (os1.voice.wer). Latency uses the real engine with
the packaged model, in a fresh home, through the same path as `os1 voice --in`: the clock
starts where the sound of the last word stops, the silence after it is paced in real time (so
end-of-turn detection is measured, not assumed), and it stops at the first audio sample of the
reply. Turns are also grouped by what the engine did (a template only, a template then
generated words, or generated words only), so a fast template cannot hide a slow generation.
Speech in is also measured on HELD_OUT (bench/voice_speech.py), 84 sentences no setting was
chosen on ("held_out_clean"), for Whisper base (the default) and the faster, less accurate
tiny.en; voice-to-voice latency is measured with base, or with --stt-model tiny.en (kept
apart, as "latency_tiny.en"). Barge-in plays --replies fresh Piper syntheses of a reply into
three simulated rooms (the echo path of tests/voice/test_echo.py): how often os1's own voice
alone is taken for the user, and how soon another voice over it is heard (counted in audio
samples), as the first reply of a conversation and as a later one. Writes
bench/results/voice.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))  # this folder's voice_speech
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the tests' speech and rooms
from voice_speech import (
    FESTIVAL_VOICES,
    HELD_OUT,
    UTTERANCES,
    VOICES,
    Said,
    has_festival,
    speak,
    with_noise,
)

from os1.voice.audio import STT_RATE, Clip, resample
from os1.voice.wer import basic, normalise, word_errors


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))], 4)


def stt_conditions(sources: dict[str, tuple[Said, Said]]) -> dict[str, tuple[Said, float | None]]:
    """Condition name -> (speech, SNR of the added noise). espeak-ng's keep their old names."""
    out: dict[str, tuple[Said, float | None]] = {}
    for source, (said, held) in sources.items():
        prefix = "" if source == "espeak" else f"{source}_"
        out[f"{prefix}clean"] = (said, None)
        out[f"{prefix}noise_20db"] = (said, 20.0)
        out[f"{prefix}noise_10db"] = (said, 10.0)
        out[f"{prefix}held_out_clean"] = (held, None)
    return out


def bench_stt(sources: dict[str, tuple[Said, Said]]) -> dict[str, Any]:
    from os1.voice.stt import WhisperSTT

    out: dict[str, Any] = {}
    conditions = stt_conditions(sources)
    # the default (base), the faster and less accurate tiny.en, and tiny.en decoding greedily
    configs = [("default_12s_window_beam5", "base", 5), ("tiny_12s_window_beam5", "tiny.en", 5),
               ("tiny_12s_window_greedy", "tiny.en", 1)]
    for name, model, beam in configs:
        stt = WhisperSTT(model, beam=beam)
        stt.transcribe(sources["espeak"][0][0][2])  # warm-up
        for condition, (said, snr) in conditions.items():
            errors = words = raw_errors = raw_words = 0
            compute = audio = 0.0
            by_voice: dict[str, list[int]] = {}
            misheard = []
            for i, (text, voice, x) in enumerate(said):
                sample = x if snr is None else with_noise(x, snr, i)
                got = stt.transcribe(sample)
                e, n = word_errors(text, got.text, normalise)
                raw_e, raw_n = word_errors(text, got.text, basic)
                errors, words = errors + e, words + n
                raw_errors, raw_words = raw_errors + raw_e, raw_words + raw_n
                compute, audio = compute + got.compute_s, audio + got.audio_s
                tally = by_voice.setdefault(voice, [0, 0])
                tally[0], tally[1] = tally[0] + e, tally[1] + n
                if raw_e:
                    misheard.append({"said": text, "voice": voice, "heard": got.text,
                                     "errors": e, "errors_basic": raw_e})
            out[f"{name}_{condition}"] = {
                "wer": round(errors / words, 4), "wer_basic": round(raw_errors / raw_words, 4),
                "words": words, "words_basic": raw_words,
                "utterances": len(said),
                "wer_by_voice": {v: round(e / n, 4) for v, (e, n) in by_voice.items()},
                "rtf": round(compute / audio, 4), "mean_compute_s": round(compute / len(said), 4),
                "misheard": misheard,
            }
        if "festival" in sources:  # both sources together, weighted by words
            for condition in ("clean", "held_out_clean"):
                rows = [out[f"{name}_{condition}"], out[f"{name}_festival_{condition}"]]
                out[f"{name}_{condition}_both_sources"] = {
                    key: round(sum(r[key] * r[words] for r in rows)
                               / sum(r[words] for r in rows), 4)
                    for key, words in (("wer", "words"), ("wer_basic", "words_basic"))
                } | {"words": sum(r["words"] for r in rows),
                     "utterances": sum(r["utterances"] for r in rows),
                     "rtf": round(sum(r["rtf"] for r in rows) / 2, 4)}
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
        # its own conversation, as the engine's turns are one: its prompts share their start
        sampling = Sampling(max_tokens=60, cache_key="bench-raw-model")
        async for chunk in model.stream(messages, sampling=sampling):
            if chunk.text:
                parts.append(chunk.text)
                yield TextDelta(chunk.text)
        yield TurnEnded("bench", "".join(parts))

    return turn


async def bench_latency(clips: list[tuple[str, np.ndarray]], turns: int,
                        stt_model: str) -> dict[str, Any]:
    from os1.engine import ensure_persona_async, open_engine
    from os1.home import Home
    from os1.voice.loop import listen_file, respond
    from os1.voice.stack import VoiceStack
    from os1.voice.stt import WhisperSTT
    from os1.voice.tts import open_tts
    from os1.voice.vad import open_vad

    home = Home.open(Path(tempfile.mkdtemp(prefix="os1-bench-voice-")))
    await ensure_persona_async(home, user_name="Theodore")
    engine = open_engine(home, warm=True)  # as `os1 voice` opens it
    stack = VoiceStack(WhisperSTT(stt_model), open_tts("joe"), open_vad())
    stack.warm()  # as `os1 voice` does before anyone speaks
    async for _ in engine.turn("hello"):  # warm-up: lazy loads are not a turn's latency
        pass
    plans: list[Any] = []
    planner = engine.planner
    assert planner is not None

    async def noting_planner(*args: Any) -> Any:  # only records what kind of reply it was
        plan = await planner(*args)
        plans.append(plan)
        return plan

    engine.planner = noting_planner
    pad = np.zeros(int(0.3 * STT_RATE), np.float32)
    out: dict[str, Any] = {}
    runs = (("engine", engine.turn, turns), ("raw_model_stream", raw_model_turn(home.model),
                                             min(turns, RAW_TURNS)))
    for name, turn, count in runs:
        rows = []
        for text, x in clips[:count]:
            plans.clear()
            clip = Clip(np.concatenate([pad, x, pad]), STT_RATE)
            heard = await listen_file(clip, stack.stt, stack.vad)
            reply = await respond(heard, turn, stack.tts)
            row = {"question": text, "heard": reply.transcript, "reply": reply.reply}
            if plans:
                row["reply_kind"] = reply_kind(plans[0])
            rows.append({**row, **reply.timings})
        out[name] = summarise(rows)
    home.close()
    out["stt_model"] = stt_model
    return out


RAW_TURNS = 20
KINDS = {
    "template": "said from a template, memory or a skill; no generation",
    "template_then_generated": "a template first, then the model's filtered words",
    "generated": "the model's filtered words only (first audio waits for a whole sentence)",
}


def reply_kind(plan: Any) -> str:
    if not plan.generate:
        return "template"
    return "template_then_generated" if plan.say else "generated"


STAGES = ["vad_end_of_turn_s", "stt_s", "model_first_token_s", "first_phrase_s",
          "tts_first_chunk_s", "end_of_speech_to_first_audio_s"]


def stage_summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    summary = {}
    for stage in STAGES:
        values = [r[stage] for r in rows if stage in r]
        if values:
            summary[stage] = {"p50": pct(values, 0.5), "p95": pct(values, 0.95)}
    return summary


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    silent = sum(1 for r in rows if "end_of_speech_to_first_audio_s" not in r)
    result: dict[str, Any] = {"turns": len(rows), "turns_without_reply": silent,
                              "stages": stage_summary(rows)}
    kinds = sorted({r["reply_kind"] for r in rows if "reply_kind" in r})
    if kinds:
        result["by_reply_kind"] = {
            kind: {"meaning": KINDS[kind],
                   "turns": sum(1 for r in rows if r.get("reply_kind") == kind),
                   "stages": stage_summary([r for r in rows if r.get("reply_kind") == kind])}
            for kind in kinds
        }
    result["rows"] = rows
    return result


def bench_barge_in(replies: int) -> dict[str, Any]:
    """os1's reply played into a simulated room (tests/voice/test_echo.py's delayed,
    reverberant echo path plus noise), ``replies`` fresh Piper syntheses (Piper draws new noise
    each time, so every reply sounds a little different): how often os1's own voice alone is
    taken for the user, and how soon a second voice talking over it is. Twice: as the first
    reply of a conversation (the canceller starts from nothing) and as a later one (the same
    canceller heard an earlier reply in that room first, as in `os1 voice`)."""
    from tests.voice.conftest import espeak, onset
    from tests.voice.test_echo import EARLIER, REPLY, first_detection, room

    from os1.voice.tts import open_tts
    from os1.voice.vad import open_vad

    tts = open_tts("joe")
    vad = open_vad()
    words = "Wait a moment please, I have a question."
    # a higher voice as loud as os1's echo path, and a lower one at half that (quieter than
    # the echo in the loudest room)
    users = {"espeak-ng en-us+f3, gain 0.8": (espeak(words, "en-us+f3"), 0.8),
             "espeak-ng en-us, gain 0.4": (espeak(words, "en-us"), 0.4)}
    rooms = {"960 samples, gain 0.5": (960, 0.5), "3000 samples, gain 0.8": (3000, 0.8),
             "200 samples, gain 0.3": (200, 0.3)}
    whens = ("first_reply", "later_reply")
    false = {w: dict.fromkeys(rooms, 0) for w in whens}
    delays: dict[str, dict[str, dict[str, list[float]]]] = {
        w: {r: {u: [] for u in users} for r in rooms} for w in whens}
    silence = np.zeros(STT_RATE, np.float32)
    start = STT_RATE + 20000  # about 1.3 s into os1's reply

    def played(text: str) -> np.ndarray:
        audio = np.concatenate([c for c in tts.synthesize(text)])
        return np.concatenate([silence, resample(audio, tts.rate, STT_RATE), silence])

    for k in range(replies):
        ref, earlier_ref = played(REPLY), played(EARLIER)
        for name, (delay, gain) in rooms.items():
            for when in whens:
                before = ((room(earlier_ref, delay, gain, 100 + k), earlier_ref)
                          if when == "later_reply" else None)
                echo_only = first_detection(room(ref, delay, gain, 100 + k), ref, vad, before)
                false[when][name] += echo_only != -1
                for who, (user, user_gain) in users.items():
                    mic = room(ref, delay, gain, 100 + k)
                    mic[start : start + len(user)] += user_gain * user
                    heard = first_detection(mic, ref, vad, before)
                    spoken_at = start + onset(user)
                    delays[when][name][who].append(
                        -1.0 if heard < 0 else (heard - spoken_at) / STT_RATE)
    out: dict[str, Any] = {"replies": replies, "users": list(users)}
    for when in whens:
        out[when] = {name: barge_in_summary(false[when][name], delays[when][name], replies)
                     for name in rooms}
    return out


def barge_in_summary(false: int, delays: dict[str, list[float]], replies: int) -> dict[str, Any]:
    every = [d for who in delays for d in delays[who]]
    heard_s = [d for d in every if d >= 0]
    return {
        "own_voice_taken_for_user": false,
        "user_missed": len(every) - len(heard_s),
        "user_heard_after_p50_s": pct(heard_s, 0.5), "user_heard_after_p95_s": pct(heard_s, 0.95),
        "user_heard_after_max_s": round(max(heard_s), 4),
        "user_heard_within_200ms": round(sum(0 <= d <= 0.2 for d in every) / len(every), 4),
        "user_heard_within_200ms_by_user": {
            who: round(sum(0 <= d <= 0.2 for d in delays[who]) / replies, 4) for who in delays},
    }


PARTS = ("stt", "tts", "latency", "barge_in")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--turns", type=int, default=len(UTTERANCES),
                        help="voice-to-voice turns through the engine (default: every utterance)")
    parser.add_argument("--quick", action="store_true", help="10 utterances, 5 turns")
    parser.add_argument("--parts", default=",".join(PARTS),
                        help="which parts to measure (stt,tts,latency); the others are kept "
                             "from the last run, each with its own time and load average")
    parser.add_argument("--replies", type=int, default=100,
                        help="Piper syntheses of the reply for the barge-in part (default 100)")
    parser.add_argument("--stt-model", default="base", choices=["base", "tiny.en"],
                        help="the speech model the latency part hears with (default base)")
    args = parser.parse_args()
    parts = [p for p in args.parts.split(",") if p]
    if unknown := set(parts) - set(PARTS):
        parser.error(f"unknown part(s) {', '.join(sorted(unknown))}; choose from {PARTS}")
    n = 10 if args.quick else len(UTTERANCES)
    turns = 5 if args.quick else args.turns
    command = "flock /tmp/os1-cpu.lock python bench/voice.py " + " ".join(
        ["--quick"] if args.quick else
        [f"--turns {turns}"] * ("latency" in parts) + [f"--parts {','.join(parts)}"]
        + ([f"--stt-model {args.stt_model}"] if args.stt_model != "base" else [])
        + ([f"--replies {args.replies}"] if "barge_in" in parts else []))
    out = Path(__file__).parent / "results" / "voice.json"
    result: dict[str, Any] = {}
    if set(parts) != set(PARTS) and out.is_file():
        result = json.loads(out.read_text())
    said = speak(UTTERANCES[:n], "espeak")
    clips = [(t, x) for t, _, x in said]
    for part in PARTS:
        if part not in parts:
            continue
        before = load()
        if part == "stt":
            held = HELD_OUT[: 7 if args.quick else len(HELD_OUT)]
            sources = {"espeak": (said, speak(held, "espeak"))}
            if has_festival():
                sources["festival"] = (speak(UTTERANCES[:n], "festival"), speak(held, "festival"))
            else:
                print("Festival is not installed, so speech in is measured on espeak-ng alone "
                      "(apt-get install festival festvox-us-slt-hts festvox-kallpc16k "
                      "festvox-kdlpc16k).")
            data: dict[str, Any] = bench_stt(sources)
        elif part == "barge_in":
            data = bench_barge_in(10 if args.quick else args.replies)
        elif part == "tts":
            data = bench_tts([t for t, _ in clips[:20]])
        else:
            data = asyncio.run(bench_latency(clips, turns, args.stt_model))
        data["measured"] = {"finished_at": time.strftime("%Y-%m-%d %H:%M:%S"),
                            "command": command,
                            "load_average_1_5_15_min_before": before,
                            "load_average_1_5_15_min_after": load()}
        result[part if part != "latency" else latency_key(args.stt_model)] = data
    result["machine"] = {"cpus": os.cpu_count(), "platform": platform.platform()}
    result["speech_voices"] = {"espeak": VOICES, "festival": FESTIVAL_VOICES}
    result.pop("command", None)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    report(result, parts, args.stt_model)
    print(f"wrote {out}")


def latency_key(stt_model: str) -> str:
    """Where the latency part's result goes: another speech model than the default (base) is
    kept beside the default's."""
    return "latency" if stt_model == "base" else f"latency_{stt_model}"


def report(result: dict[str, Any], parts: list[str], stt_model: str = "base") -> None:
    def measured(part: str) -> str:
        m = result[part]["measured"]
        return (f"   [{m['finished_at']}, load {m['load_average_1_5_15_min_before'][0]:.2f} -> "
                f"{m['load_average_1_5_15_min_after'][0]:.2f} on {os.cpu_count()} CPUs]")

    if "stt" in parts:
        stt = {k: v for k, v in result["stt"].items() if k != "measured"}
        print(f"{'speech in (Whisper, CTranslate2 int8)':<58}{'WER':>8}{'basic':>8}{'RTF':>8}"
              + measured("stt"))
        for key, row in stt.items():
            print(f"  {key:<56}{row['wer']:>8.1%}{row['wer_basic']:>8.1%}{row['rtf']:>8.3f}")
    if "barge_in" in parts:
        barge = result["barge_in"]
        for when in ("first_reply", "later_reply"):
            title = f"barge-in, {when.replace('_', ' ')}, {barge['replies']} x 2 users"
            print(f"{title:<44}{'false':>8}{'p50 s':>8}{'p95 s':>8}{'max s':>8}{'<=0.2 s':>9}"
                  + measured("barge_in"))
            for name, row in barge[when].items():
                print(f"  {'echo ' + name:<42}{row['own_voice_taken_for_user']:>8}"
                      f"{row['user_heard_after_p50_s']:>8.3f}{row['user_heard_after_p95_s']:>8.3f}"
                      f"{row['user_heard_after_max_s']:>8.3f}"
                      f"{row['user_heard_within_200ms']:>9.0%}")
    if "tts" in parts:
        tts = result["tts"]
        print(f"speech out (Piper {tts['voice']}): RTF {tts['rtf']:.3f}, first phrase chunk "
              f"p50 {tts['first_phrase_chunk_p50_s']:.3f} s" + measured("tts"))
    if "latency" in parts:
        key = latency_key(stt_model)
        print(f"voice-to-voice, hearing with Whisper {stt_model}" + measured(key))
        for name, series in result[key].items():
            if not isinstance(series, dict) or name == "measured":
                continue
            print(f"{'  ' + name + ' (end of speech ->)':<44}{'p50 s':>8}{'p95 s':>8}"
                  f"   {series['turns']} turns, {series['turns_without_reply']} without audio")
            for stage, row in series["stages"].items():
                print(f"    {stage:<40}{row['p50']:>8.3f}{row['p95']:>8.3f}")
            for kind, group in series.get("by_reply_kind", {}).items():
                total = group["stages"].get("end_of_speech_to_first_audio_s")
                if total:
                    label = f"first audio, {kind} ({group['turns']})"
                    print(f"    {label:<40}{total['p50']:>8.3f}{total['p95']:>8.3f}")


def load() -> list[float]:
    return [round(v, 2) for v in os.getloadavg()]


if __name__ == "__main__":
    main()
