"""Echo rejection: keep os1's own voice, coming back through the microphone, from being taken
for the user.

The player hands every block it plays to ``EchoCanceller.add_reference`` on the microphone's
sample clock (16 kHz). For each microphone frame the canceller
1. finds the bulk delay between what was played and what was heard (GCC-PHAT, re-estimated
   while os1 speaks),
2. predicts the echo with a partitioned-block frequency-domain adaptive filter (the NLMS
   family Speex and WebRTC use; 4 partitions model 128 ms of room after the bulk delay) and
   subtracts it; adaptation freezes while the user talks over os1, so the user's voice is
   never learned as echo; when a frame is mostly unexplained, it checks whether the whole
   echo moved (the sound card's latency changed) and aims the filter there at once,
3. reports the residual and how much of the frame's energy the echo cannot explain, and,
   independently of that filter, how far the microphone rises above the echo an energy model
   expects in the sub-band where it rises most, and whether in some sub-band both the filter
   and that model find what cannot be os1's echo.
The voice loop runs VAD on the residual and takes speech for the user only when that share
and that rise (overall or in one sub-band) and its level over the noise floor are high too.
Pure numpy; no I/O.
"""

from __future__ import annotations

import itertools
from collections import deque
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from os1.voice.audio import STT_RATE
from os1.voice.base import Samples

_Complex = npt.NDArray[np.complex128]

FRAME = 512
_FFT = 2 * FRAME
_PARTS = 4
_HISTORY = 4 * STT_RATE
_TAIL = STT_RATE // 4  # reverberation heard after the reference stops
_GCC_SPAN = STT_RATE  # one second of signal per delay estimate
_SMOOTH = 0.9  # power estimate used to normalise the filter's step
_REG = 0.1
_MARGIN = 64
_SETTLE = 20  # frames of os1 speech (0.64 s) before the echo model is trusted: at 30 a user
# 1.3 s into a first reply was sometimes not heard for a second; at 15 os1 interrupted itself
_ROOM = 3 * FRAME  # how long the room keeps ringing after a sound
_BAND = slice(int(150 * _FFT / STT_RATE), int(7500 * _FFT / STT_RATE))
# Sub-bands of _BAND for the energy model: a room colours os1's voice, and a user's voice
# fills bands os1's current sound leaves empty. Eight bands, equal on a log scale (150 Hz to
# 7.5 kHz): narrower bands find more of those gaps than the five octave-ish bands used before.
_EDGES = [150, 245, 399, 650, 1061, 1730, 2820, 4599, 7500]
_HOLDS = 0.05  # a sub-band counts when it holds this share of the frame's energy
_OVER = 5.0  # "user" evidence needs the microphone this far above the expected echo
# A voice well under os1's echo shows in one narrow sub-band: one holding this share of the
# frame, _OVER above the expected echo, of which the filter cannot explain this share.
_BAND_HOLDS = 0.02
_BAND_NEAR = 0.8
# A change of the sound card's latency moves the whole echo: shifts this far either way are
# looked for, and only those of at least _PATH_MIN samples count (smaller is the filter's job).
_PATH_REACH = 640
_PATH_MIN = 16
_PATH_CONFIRM = 3  # frames after a move in which it is judged again, on all of them
_SUBBANDS = [slice(int(lo * _FFT / STT_RATE), int(hi * _FFT / STT_RATE))
             for lo, hi in itertools.pairwise(_EDGES)]


@dataclass(frozen=True)
class EchoResult:
    residual: Samples
    near_fraction: float  # share of the frame's speech-band energy the echo cannot explain
    echo_active: bool  # os1 was audible (reference energy) around this frame
    converged: bool
    near_snr_db: float = 99.0  # the unexplained energy over the microphone's noise floor
    # microphone energy over what os1's voice alone would cause, in the sub-band where it is
    # most (of those holding a twentieth of the frame's energy)
    over_echo: float = 99.0
    # in some sub-band, the energy model and the filter both say: not os1's echo
    near_band: bool = False

    def is_user(self, speech_prob: float, threshold: float = 0.5) -> bool:
        """Speech that is the user's, not os1's echo nor noise in a pause of os1's speech."""
        return self.user_evidence(speech_prob, threshold) > 0

    def user_evidence(self, speech_prob: float, threshold: float = 0.5) -> int:
        """0: not the user; 1: probably the user; 2: clearly the user (barge in at once)."""
        if speech_prob < threshold:
            return 0
        if not self.echo_active:
            return 2
        if not self.converged or self.near_snr_db < 10.0:
            return 0
        # One clear frame barges in at once, so it needs the filter and the energy model both
        # sure; two likely frames in a row barge in too. Chosen on recorded frames of os1's
        # voice alone and with a user over it, in simulated rooms, as the first reply of a
        # conversation and a later one (tuning and check sets apart from bench/voice.py's):
        # the broadband ratio left a user no louder than the echo at 0.5-1.5 and let the room's
        # colour on a new sound reach 2.7; per sub-band the echo alone reached 4.6 at most (once,
        # on the check set) and users mostly far above 5.
        if self.near_fraction >= 0.8 and self.over_echo >= _OVER and self.near_snr_db >= 15.0:
            return 2
        likely = self.near_fraction >= 0.5 and self.over_echo >= _OVER
        # A quiet voice (14 dB under the echo) hardly raises the broadband share, but fills a
        # sub-band os1's sound leaves empty; there both checks must agree. Over frames of os1
        # alone it held never (tuning set) and once, never twice in a row (check set, 78,789).
        return 1 if likely or self.near_band else 0


_Power = npt.NDArray[np.float64]


def _power(x: Samples) -> _Power:
    """Power spectrum of one frame (zero-padded to _FFT)."""
    return np.abs(np.fft.rfft(x.astype(np.float64), _FFT)) ** 2


def _band_energy(spec: _Power) -> float:
    return float(spec[_BAND].sum() / (_FFT * FRAME)) + 1e-12


def _subband_energies(spec: _Power) -> _Power:
    return np.array([spec[b].sum() for b in _SUBBANDS]) / (_FFT * FRAME) + 1e-12


class EchoCanceller:
    def __init__(self, max_delay_s: float = 0.4, step: float = 0.5, leak: float = 0.05) -> None:
        self.max_delay = int(max_delay_s * STT_RATE)
        self.step = step
        self.leak = leak  # echo the filter typically leaves, as a share of its prediction
        self._ref = np.zeros(_HISTORY, np.float32)
        self._mic = np.zeros(_HISTORY, np.float32)
        self._ref_end = 0  # absolute index one past the newest reference sample
        self._mic_end = 0
        self.delay = 0
        self._since_delay = 0
        self._floor = 1e-3  # speech-band energy of the quietest recent frames
        self._floors = np.full(len(_SUBBANDS), 1e-3)  # the same per sub-band
        self._last_fraction = 0.0
        self._frozen = 0
        self._moving: tuple[int, list[_Complex], int] | None = None  # delay, weights, end
        self._path_rest = 0  # no look for a moved echo before this sample
        # Echo energy per unit of reference energy, per sub-band, for the current and earlier
        # frames.
        self._coupling = np.tile([1.0, 0.5, 0.25, 0.1], (len(_SUBBANDS), 1))
        self._reset_filter()

    def _reset_filter(self) -> None:
        bins = _FFT // 2 + 1
        self._weights: list[_Complex] = [np.zeros(bins, np.complex128) for _ in range(_PARTS)]
        self._spectra: deque[_Complex] = deque(
            [np.zeros(bins, np.complex128) for _ in range(_PARTS)], maxlen=_PARTS
        )
        self._power = np.full(bins, 1e-2)
        self._adapted = 0

    @property
    def converged(self) -> bool:
        return self._adapted >= _SETTLE

    def add_reference(self, start: int, samples: Samples) -> None:
        """``samples`` (16 kHz) left the speaker at microphone sample index ``start``."""
        if start < self._ref_end:
            samples = samples[self._ref_end - start :]
            start = self._ref_end
        if start > self._ref_end:  # silence between playbacks
            gap = min(start - self._ref_end, _HISTORY)
            self._write(self._ref, start - gap, np.zeros(gap, np.float32))
        self._write(self._ref, start, samples)
        self._ref_end = start + len(samples)

    @staticmethod
    def _write(buf: Samples, start: int, samples: Samples) -> None:
        if len(samples) > _HISTORY:
            start += len(samples) - _HISTORY
            samples = samples[-_HISTORY:]
        buf[np.arange(start, start + len(samples)) % _HISTORY] = samples

    def _read(self, buf: Samples, start: int, n: int, valid_end: int) -> Samples:
        idx = np.arange(start, start + n)
        out = buf[idx % _HISTORY].copy()
        out[(idx < 0) | (idx >= valid_end) | (idx < valid_end - _HISTORY)] = 0.0
        return out

    def _estimate_delay(self, end: int) -> None:
        span = _GCC_SPAN
        mic = self._read(self._mic, end - span, span, self._mic_end).astype(np.float64)
        ref = self._read(self._ref, end - span - self.max_delay, span + self.max_delay,
                         self._ref_end).astype(np.float64)
        if np.mean(ref**2) < 1e-6 or np.mean(mic**2) < 1e-7:
            return
        n = 1 << int(np.ceil(np.log2(2 * len(ref))))
        cross = np.fft.rfft(ref, n) * np.conj(np.fft.rfft(mic, n))
        cc = np.fft.irfft(cross / (np.abs(cross) + 1e-12), n)
        # mic[t] ~ ref[t - d] and ref starts max_delay earlier: delay d peaks at max_delay - d.
        lags = cc[: self.max_delay + 1][::-1]
        peak = int(np.argmax(lags))
        spread = float(np.std(lags)) + 1e-12
        # The direct path is the first strong arrival; a reflection can correlate as well or
        # better, and a delay past the direct path leaves it outside the filter for good.
        first = int(np.argmax(lags >= max(0.25 * lags[peak], 8 * spread)))
        # Aim a little early: the filter can model a late echo but not an early one, and a
        # few samples of jitter are absorbed by it, so only a real move re-aims it.
        best = max(0, first - _MARGIN)
        if lags[peak] > 6 * spread and abs(best - self.delay) > FRAME // 4:
            self._move_delay(best, end)

    def _move_delay(self, delay: int, end: int) -> None:
        """Aim the filter at a new bulk delay estimate, keeping what it learned of the room.

        Estimates jitter while os1 speaks. The room's response seen from the new delay is the
        filter's taps moved by the difference; that is kept unless the old delay explains the
        microphone since the last estimate better (a user talking in it adds the same to
        both), as when the move would put the direct sound the filter models before its
        window. Starting the filter again instead left about a second without barge-in; only
        a filter still settling does."""
        if not self.converged:
            self.delay = delay
            self._reset_filter()
            return
        taps = np.concatenate([np.fft.irfft(w, _FFT)[:FRAME] for w in self._weights])
        shift = delay - self.delay
        moved = np.zeros_like(taps)
        if 0 <= shift < len(taps):
            moved[: len(taps) - shift] = taps[shift:]
        elif -len(taps) < shift < 0:
            moved[-shift:] = taps[: len(taps) + shift]
        readings = [(self.delay, taps), (delay, moved)]
        delay, chosen = min(readings, key=lambda r: self._unexplained(r[0], r[1], end))
        pad = np.zeros(FRAME)
        self._aim(delay, [np.fft.rfft(np.concatenate([chosen[p * FRAME : (p + 1) * FRAME], pad]))
                          for p in range(_PARTS)], end)

    def _aim(self, delay: int, weights: list[_Complex], end: int) -> None:
        """Use ``weights`` at ``delay``, with the reference blocks the partitions last saw as
        seen from there (the frame ending at ``end`` appends its own block next)."""
        self.delay, self._weights = delay, weights
        self._spectra = deque([self._block_spectrum(end - FRAME - p * FRAME)
                               for p in range(_PARTS)], maxlen=_PARTS)

    def _path_moved(self, delay: int, weights: list[_Complex], end: int, span: int) -> int:
        """How far the whole echo moved, if it did: the sound card's latency changed (a buffer
        dropped or repeated) and the room's echo, as ``weights`` at ``delay`` know it, now
        comes ``shift`` samples later (or earlier), judged on the last ``span`` microphone
        samples. 0 unless the echo where it was up to some sample and shifted after it leaves
        under a quarter of those samples and of what the echo where it was leaves; so never
        when the user talks, whose voice stays unexplained wherever the echo is put."""
        taps = np.concatenate([np.fft.irfft(w, _FFT)[:FRAME] for w in weights])
        reach = min(_PATH_REACH, delay)  # the echo cannot come before the sound
        mic = self._read(self._mic, end - span, span, self._mic_end).astype(np.float64)
        # The filter's echo from _PATH_REACH samples before the span to ``reach`` after it:
        # pred[k : k + span] is that echo as if it came _PATH_REACH - k samples later.
        n_pred = span + _PATH_REACH + reach
        ref = self._read(self._ref, end - span - _PATH_REACH - delay - len(taps) + 1,
                         n_pred + len(taps) - 1, self._ref_end).astype(np.float64)
        n = 1 << int(np.ceil(np.log2(len(ref) + len(taps))))
        pred = np.fft.irfft(np.fft.rfft(ref, n) * np.fft.rfft(taps, n), n)
        pred = pred[len(taps) - 1 : len(taps) - 1 + n_pred]
        # The best shift for the end of the span: a lone frame's second half (the move may
        # have come in its middle), or a longer span's last frame.
        tail = mic[-FRAME // 2 :] if span == FRAME else mic[-FRAME:]
        lo = span - len(tail)
        m = 1 << int(np.ceil(np.log2(n_pred + span)))
        cross = np.fft.irfft(np.fft.rfft(pred, m) * np.conj(np.fft.rfft(tail, m)), m)
        k = np.arange(n_pred - span + 1)
        power = np.cumsum(np.concatenate([[0.0], pred**2]))
        left = float(np.sum(tail**2)) - 2 * cross[k + lo] + power[k + span] - power[k + lo]
        best = int(np.argmin(left))
        shift = _PATH_REACH - best
        # The echo where it was up to some sample of the span and shifted after it must leave
        # under a quarter of the span and of what the echo where it was leaves: it must
        # explain most of the span, not merely less badly (a filter overshooting a new sound
        # leaves more than the frame itself).
        here = (mic - pred[_PATH_REACH : _PATH_REACH + span]) ** 2
        there = (mic - pred[best : best + span]) ** 2
        now = np.concatenate([[0.0], np.cumsum(here)])  # up to each sample, where it was
        moved = np.concatenate([np.cumsum(there[::-1])[::-1], [0.0]])  # from it, shifted
        heard = float(np.sum(mic**2))
        if abs(shift) < _PATH_MIN or float(np.min(now + moved)) > 0.25 * min(heard, now[-1]):
            return 0
        return shift

    def _unexplained(self, delay: int, taps: npt.NDArray[np.float64], end: int) -> float:
        """Microphone energy since the last delay estimate that ``taps`` at ``delay`` leave."""
        span = 8 * FRAME
        mic = self._read(self._mic, end - span, span, self._mic_end).astype(np.float64)
        ref = self._read(self._ref, end - span - delay - len(taps) + 1, span + len(taps) - 1,
                         self._ref_end).astype(np.float64)
        n = 1 << int(np.ceil(np.log2(len(ref) + len(taps))))
        echo = np.fft.irfft(np.fft.rfft(ref, n) * np.fft.rfft(taps, n), n)
        return float(np.sum((mic - echo[len(taps) - 1 : len(ref)]) ** 2))

    def _block_spectrum(self, end: int) -> _Complex:
        """Spectrum of the reference block that echoes in the microphone frame ending at
        ``end`` (two frames long, at the current delay)."""
        ref = self._read(self._ref, end - _FFT - self.delay, _FFT, self._ref_end)
        return np.fft.rfft(ref.astype(np.float64))

    def _filter(self, mic: Samples, end: int, adapt: bool) -> tuple[Samples, Samples]:
        """One overlap-save block: the predicted echo and the residual for this frame."""
        spectrum = self._block_spectrum(end)
        self._spectra.appendleft(spectrum)
        predicted = sum(w * x for w, x in zip(self._weights, self._spectra, strict=True))
        echo = np.fft.irfft(predicted, _FFT)[FRAME:].astype(np.float32)
        residual = (mic - echo).astype(np.float32)
        if adapt:
            # Normalise by the power the whole filter sees now (not a slow average), or the
            # first loud syllable after a pause makes the filter overshoot and diverge.
            now = np.abs(spectrum) ** 2
            self._power = np.maximum(_SMOOTH * self._power + (1 - _SMOOTH) * now, now)
            err = np.fft.rfft(np.concatenate([np.zeros(FRAME), residual.astype(np.float64)]))
            # Regularise by the mean power so bins the reference hardly excites are not driven
            # by microphone noise (they would blow up when that bin is excited later).
            norm = self._power + _REG * float(self._power.mean()) + 1e-4
            for p, x in enumerate(self._spectra):
                grad = np.fft.irfft(err * np.conj(x) / norm, _FFT)
                grad[FRAME:] = 0.0  # keep the filter causal and one block long
                self._weights[p] = self._weights[p] + self.step * np.fft.rfft(grad)
            self._adapted += 1
        return echo, residual

    def _cancel(self, frame: Samples, end: int, adapt: bool
                ) -> tuple[Samples, _Power, _Power, float]:
        """The frame's residual, its power spectrum and the predicted echo's, and the
        speech-band energy the echo cannot explain (less what the filter typically leaves)."""
        echo, residual = self._filter(frame, end, adapt)
        left, echoed = _power(residual), _power(echo)
        near = max(0.0, _band_energy(left) - self.leak * _band_energy(echoed))
        return residual, left, echoed, near

    def process(self, frame: Samples, index: int | None = None) -> EchoResult:
        """Clean one 512-sample microphone frame that starts at mic sample ``index``."""
        index = self._mic_end if index is None else index
        frame = frame.astype(np.float32, copy=False)
        self._write(self._mic, index, frame)
        self._mic_end = end = index + len(frame)
        spec = _power(frame)  # one FFT for the whole band and its sub-bands
        mic_energy = _band_energy(spec)
        self._floor = max(1e-9, min(mic_energy, self._floor * 1.01))
        mic_bands = _subband_energies(spec)
        self._floors = np.maximum(1e-10, np.minimum(mic_bands, self._floors * 1.01))
        recent = self._read(self._ref, end - _FFT - self.delay - _TAIL, _FFT + _TAIL,
                            self._ref_end)
        if float(np.mean(recent**2)) < 1e-7:
            return EchoResult(frame, 1.0, False, self.converged)
        self._since_delay += 1
        if self._since_delay >= 8 or not self.converged:
            self._since_delay = 0
            self._estimate_delay(end)
        # Freeze while the user talks over os1, but never for long: a filter that froze in a
        # bad state must be able to recover.
        frozen = self.converged and self._last_fraction >= 0.5 and self._frozen < 10
        self._frozen = self._frozen + 1 if frozen else 0
        adapt = not frozen
        if self._moving is not None:
            # Just after a move, it is judged again on every frame since, from where the echo
            # was (one frame can fit by chance, or a pitch period off): aimed anew, or back
            # where it was. The filter does not adapt until then.
            delay, weights, since = self._moving
            adapt = False
            shift = self._path_moved(delay, weights, end, end - since + FRAME)
            if delay + shift != self.delay or self._weights is not weights:  # else aimed so
                self._aim(delay + shift, weights, end)
            if not shift:  # it had not: back as it was, and no new look for a while
                self._since_delay = 0
                self._path_rest = end + _PATH_CONFIRM * FRAME
            if not shift or end - since >= _PATH_CONFIRM * FRAME:
                self._moving = None
        weights = list(self._weights)
        residual, left, echoed, near = self._cancel(frame, end, adapt)
        fraction = min(1.0, near / mic_energy)
        if (self.converged and fraction >= 0.5 and self._moving is None
                and end > self._path_rest
                and (shift := self._path_moved(self.delay, weights, end, FRAME))):
            # The echo seems to have moved: aim the filter where it is now and hear this frame
            # again. The next delay estimate waits until its second of signal is mostly the
            # new path.
            self._moving = (self.delay, weights, end)
            self._aim(self.delay + shift, weights, end)
            self._since_delay = 8 - _GCC_SPAN // FRAME
            residual, left, echoed, near = self._cancel(frame, end, adapt=False)
            fraction = min(1.0, near / mic_energy)
        self._last_fraction = fraction if self.converged else 0.0
        snr = 10 * float(np.log10(near / self._floor + 1e-12))
        # Independent of the filter (which can be briefly wrong on sounds it has not learned):
        # how much louder the microphone is than os1's voice alone would make it, per sub-band.
        # A broadband ratio missed a user no louder than the echo (their voice fills bands os1's
        # current sound leaves empty) and was fooled by the room's colour on new sounds.
        energies = self._reference_energies(end)  # sub-bands x frames, newest first
        expected = (self._coupling * energies).sum(axis=1)
        ratio = mic_bands / (expected + self._floors)
        holds = mic_bands >= _HOLDS * mic_bands.sum()
        over_echo = float(np.max(np.where(holds, ratio, 0.0)))
        near_bands = (_subband_energies(left) - self.leak * _subband_energies(echoed)) / mic_bands
        near_band = bool(np.any(
            (mic_bands >= _BAND_HOLDS * mic_bands.sum()) & (ratio >= _OVER)
            & (near_bands >= _BAND_NEAR)))
        if adapt and energies.sum() > 1e-7:
            # Energy-domain NLMS per sub-band: how loud the echo of each recent reference
            # frame is now.
            error = mic_bands - expected
            step = 0.3 * error / ((energies**2).sum(axis=1) + 1e-12)
            self._coupling = np.maximum(self._coupling + step[:, None] * energies, 0.0)
        return EchoResult(residual, self._last_fraction, True, self.converged, snr, over_echo,
                          near_band)

    def _reference_energies(self, end: int) -> npt.NDArray[np.float64]:
        """Sub-band energies (rows) of the reference frames that can still echo now (columns,
        newest first)."""
        start = end - self.delay - FRAME - _ROOM
        ref = self._read(self._ref, start, FRAME + _ROOM, self._ref_end)
        frames = ref[len(ref) % FRAME :].reshape(-1, FRAME)
        return np.array([_subband_energies(_power(f)) for f in frames[::-1]]).T
