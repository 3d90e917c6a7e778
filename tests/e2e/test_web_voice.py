"""A voice turn in real headless Chromium: Chromium's fake microphone plays a WAV file made
with espeak-ng ("What is your name?"); push-to-talk and hands-free send it to the server,
which transcribes it (Whisper), answers (the real model) and speaks (the real voice).
Screenshots go to tests/artifacts/web/.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from os1.server.testkit import RunningServer, make_state, run_in_thread
from os1.voice.audio import parse_wav, write_wav
from os1.voice.wer import normalise, word_errors

pytestmark = [
    pytest.mark.model,
    pytest.mark.skipif(shutil.which("chromium") is None or shutil.which("espeak-ng") is None,
                       reason="needs chromium and espeak-ng"),
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "web"
SLOW = 240_000


QUESTION = "What is your name?"


def heard_the_question(text: str) -> bool:
    """Somewhere in ``text``, the question with at most one word wrong: a whole question was
    sent (half of one, as when hands-free started mid-sentence, was heard as "dang"), and the
    robotic voice through Chromium's fake microphone may lose a sound (Whisper base heard
    "What is your aim?" in one clean-clone CI run, though it hears the file itself right)."""
    words = normalise(text)
    return any(word_errors(QUESTION, " ".join(words[i : i + n]))[0] <= 1
               for i in range(len(words)) for n in (3, 4, 5))


def question_wav(folder: Path) -> tuple[Path, float]:
    """The question with silence around it (the fake microphone loops the file)."""
    wav = subprocess.run(["espeak-ng", "-v", "en-us", "-s", "150", "--stdout", QUESTION],
                         capture_output=True, check=True).stdout
    clip = parse_wav(wav)
    quiet = np.zeros(int(clip.rate * 1.2), np.float32)
    samples = np.concatenate([quiet[: clip.rate // 4], clip.samples * 0.8, quiet, quiet])
    path = folder / "question.wav"
    write_wav(path, samples, clip.rate)
    return path, len(samples) / clip.rate


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    srv = run_in_thread(make_state(tmp_path_factory.mktemp("voice"), tools={}))
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def question(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, float]:
    return question_wav(tmp_path_factory.mktemp("mic"))


@pytest.fixture(scope="module")
def page(server: RunningServer, question: tuple[Path, float]) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    wav, _ = question
    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync",
            "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-audio-capture={wav}",
            "--autoplay-policy=no-user-gesture-required"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=args)
        pg = browser.new_page(viewport={"width": 1000, "height": 760})
        pg.goto(server.url)
        sign_up_and_boot(pg)
        yield pg
        browser.close()


def sign_up_and_boot(page: Any) -> None:
    from playwright.sync_api import expect

    page.click("#auth-switch")
    page.fill("#auth-name", "samantha-fan")
    page.fill("#auth-password", "the sound of a voice")
    page.click("#auth-submit")
    page.fill("#boot-input", "Theodore")
    page.press("#boot-input", "Enter")
    page.click("#boot-choices button:has-text('gentle')")
    page.fill("#boot-input", "Talk with me")
    page.press("#boot-input", "Enter")
    if page.locator("#boot-choices button").count():
        page.locator("#boot-choices button").first.click()
    page.click("#boot-begin", timeout=SLOW)
    expect(page.locator("#view-main")).to_be_visible()


def test_push_to_talk_turn_is_heard_answered_and_spoken(
    page: Any, question: tuple[Path, float]
) -> None:
    from playwright.sync_api import expect

    os_name = page.locator("#os-name").inner_text()
    mic = page.locator("#mic")
    mic.hover()
    page.mouse.down()
    expect(mic).to_have_class("mic on")
    # Held for one loop of the fake microphone's file and a question's length, so the
    # recording holds a whole question wherever the loop was when the button went down: at
    # 3.2 s, 4-5 of 21 start points in the loop left no "name" to hear (tiny.en and base
    # alike, transcribing the file's windows directly).
    page.wait_for_timeout(int(1000 * (question[1] + 1.5)))
    page.mouse.up()
    heard = page.locator("#messages li.user.heard")
    expect(heard).to_have_count(1, timeout=SLOW)
    assert heard_the_question(heard.inner_text()), heard.inner_text()
    reply = page.locator("#messages li.os").last
    expect(reply).to_contain_text(os_name, timeout=SLOW)
    expect(page.locator("#messages li.os.streaming")).to_have_count(0, timeout=SLOW)
    page.wait_for_timeout(1500)  # the last phrase's audio can trail the text
    assert page.evaluate("window.os1Debug.audioFrames") > 0
    page.screenshot(path=str(ARTIFACTS / "09_voice_push_to_talk.png"))


def test_hands_free_hears_the_next_question_by_itself(page: Any) -> None:
    from playwright.sync_api import expect

    page.check("#hands-free")
    heard = page.locator("#messages li.user.heard")
    expect(heard).to_have_count(2, timeout=SLOW)  # the microphone detected speech and its end
    expect(page.locator("#messages li.os")).to_have_count(3, timeout=SLOW)  # greeting + 2
    expect(page.locator("#messages li.os.streaming")).to_have_count(0, timeout=SLOW)
    page.uncheck("#hands-free")
    assert heard_the_question(heard.last.inner_text()), heard.last.inner_text()
    page.screenshot(path=str(ARTIFACTS / "10_voice_hands_free.png"))


HANDS_FREE_PROBE = """async (levels) => {
  const { Voice } = await import("/static/voice.js");
  const sent = [];
  const voice = new Voice({ send: (m) => sent.push(m.type || "pcm"), status: () => {},
                            orb: () => document.createElement("div"), isBusy: () => false });
  voice.mic = document.createElement("button");
  voice.ctx = { sampleRate: 48000 };
  voice.handsFree = true;
  for (const rms of levels) voice.onChunk(new Int16Array(4), rms);
  return sent;
}"""


def test_hands_free_turned_on_mid_sentence_waits_for_the_next_one(page: Any) -> None:
    # The client's own logic, fed 40 ms microphone levels: hands-free switched on while
    # someone is already talking must not send the rest of that sentence (it was misheard as
    # "dang" for "What is your name?"), but hears the next one from its start.
    loud, quiet = 0.1, 0.001
    mid_sentence = [loud] * 6 + [quiet] * 3 + [loud] * 6  # a word gap is not a pause
    sent = page.evaluate(HANDS_FREE_PROBE, mid_sentence + [quiet] * 25)
    assert "voice_start" not in sent
    sent = page.evaluate(HANDS_FREE_PROBE, mid_sentence + [quiet] * 10 + [loud] * 10 + [quiet] * 25)
    assert sent.count("voice_start") == 1 and sent[-1] == "voice_end"
    # the preroll's quiet chunks plus every chunk of the sentence itself
    assert sent.count("pcm") >= 10
