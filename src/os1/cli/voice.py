"""`os1 say` (text to a WAV file or the speakers) and `os1 voice` (talk: live, or file to file)."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from os1.cli.common import console, err_console, open_home, plain_errors

if TYPE_CHECKING:
    from os1.voice.base import Samples

VoiceOpt = Annotated[
    str | None, typer.Option("--voice", help="Voice to speak with (default: voice.voice).")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]


def _voice_for(home: Any, override: str | None) -> str:
    from os1.voice.stack import choose_voice

    return choose_voice(home.config.voice, home.personas.get(), override)


def _play(audio: Samples, rate: int) -> None:
    from os1.voice.device import _sounddevice, check_devices

    check_devices()
    sd = _sounddevice()
    sd.play(audio, rate)
    sd.wait()


def _read_text(text: str) -> str:
    from os1.errors import InputError

    if text != "-":
        return text
    try:
        return sys.stdin.buffer.read().decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("The text on standard input is not UTF-8; convert it first.") from None


@plain_errors
def say(
    text: Annotated[str, typer.Argument(help="What to say ('-' reads standard input).")],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write a WAV file.")] = None,
    voice: VoiceOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Speak TEXT with os1's voice, into a WAV file (--out) or through the speakers."""
    import numpy as np

    from os1.voice.audio import write_wav
    from os1.voice.tts import check_text, open_tts

    text = check_text(_read_text(text))
    home = open_home()
    name = _voice_for(home, voice)
    t0 = time.perf_counter()
    tts = open_tts(name)
    loaded = time.perf_counter()
    first: float | None = None
    chunks = []
    for chunk in tts.synthesize(text):
        first = first if first is not None else time.perf_counter() - loaded
        chunks.append(chunk)
    audio = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
    seconds = len(audio) / tts.rate
    if out is not None:
        write_wav(out, audio, tts.rate)
    else:
        _play(audio, tts.rate)
    if json_out:
        print(json.dumps({
            "voice": tts.name, "out": str(out) if out else None, "rate": tts.rate,
            "audio_s": round(seconds, 3), "load_s": round(loaded - t0, 3),
            "first_chunk_s": round(first or 0.0, 3),
            "synth_s": round(time.perf_counter() - loaded, 3),
        }))
    elif out is not None:
        console.print(f"Wrote {out} ({seconds:.1f} s, voice {tts.name}).")


def _warm_engine() -> None:
    """The engine's sentence judge loads its embedding model on first use (about 1.5 s of a
    first generated turn, measured here); load it before anyone speaks."""
    try:
        from os1.memory.embed import embedder
    except ImportError:  # the engine runs without memory too
        return
    embedder().embed(["hello"])


def _file_turn(home: Any, voice: str, wav: Path) -> Any:
    from os1.engine import open_engine
    from os1.errors import InputError
    from os1.voice.audio import assess, read_wav
    from os1.voice.loop import listen_file, respond
    from os1.voice.stack import open_stack

    clip = read_wav(wav)  # bad files fail before any model loads
    if problem := assess(clip, str(wav)).problem:
        raise InputError(problem)
    engine = open_engine(home)  # one turn: nothing to read ahead for
    stack = open_stack(home.config.voice, voice)
    stack.warm()  # as live mode does before anyone speaks; the recording is replayed after
    _warm_engine()

    async def run() -> Any:
        heard = await listen_file(clip, stack.stt, stack.vad, name=str(wav))
        return await respond(heard, engine.turn, stack.tts)

    return asyncio.run(run())


def _live(home: Any, voice: str) -> None:
    from os1.engine import open_engine
    from os1.voice.device import check_devices, run_duplex
    from os1.voice.live import Conversation, Exchange, Player
    from os1.voice.stack import open_stack

    check_devices()
    engine = open_engine(home, warm=True)
    stack = open_stack(home.config.voice, voice)
    stack.warm()  # the first call into each model is slow; not on the user's first turn
    _warm_engine()
    player = Player()

    def show(ex: Exchange) -> None:
        cut = " [interrupted]" if ex.interrupted_at >= 0 else ""
        console.print(f"[dim]you:[/dim] {ex.heard}\n[bold]{engine.persona.os_name}:[/bold] "
                      f"{ex.reply}{cut}")
        for message in ex.errors:
            err_console.print(f"[red]os1:[/red] {message}")

    conv = Conversation(stack.stt, stack.tts, stack.vad, engine.turn, engine.stop, player,
                        barge_in=home.config.voice.barge_in, on_exchange=show)
    console.print(f"[bold]{engine.persona.os_name}[/bold] is listening. Speak; Ctrl-C leaves.")

    async def run() -> None:
        await run_duplex(conv, player, asyncio.Event())

    asyncio.run(run())


@plain_errors
def voice(
    inp: Annotated[Path | None, typer.Option("--in", "-i", help="A WAV question.")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the reply.")] = None,
    voice_name: VoiceOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Talk with os1: live from microphone to speakers, or --in QUESTION.wav --out REPLY.wav."""
    from os1.errors import InputError
    from os1.voice.audio import write_wav

    home = open_home()
    name = _voice_for(home, voice_name)
    if inp is None:
        if out is not None or json_out:
            raise InputError("--out and --json need --in QUESTION.wav; live mode uses speakers.")
        _live(home, name)
        return
    result = _file_turn(home, name, inp)
    if out is not None:
        write_wav(out, result.audio, result.rate)
    else:
        _play(result.audio, result.rate)
    if json_out:
        print(json.dumps({
            "transcript": result.transcript, "reply": result.reply,
            "out": str(out) if out else None,
            "audio_s": round(len(result.audio) / result.rate, 3), "timings": result.timings,
            "warnings": result.warnings, "errors": result.errors,
        }, ensure_ascii=False))
        return
    for warning in result.warnings:
        err_console.print(f"[yellow]os1:[/yellow] {warning}")
    console.print(f"[dim]you:[/dim] {result.transcript}\n[bold]os1:[/bold] {result.reply}")
    for message in result.errors:
        err_console.print(f"[red]os1:[/red] {message}")


def register(app: typer.Typer) -> None:
    app.command("say")(say)
    app.command("voice")(voice)
