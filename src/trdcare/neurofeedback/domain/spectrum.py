"""Band power by Welch's method, computed incrementally over sliding windows.

Welch (1967): the window is cut into overlapping segments, each detrended (mean removed),
tapered by a periodic Hann window and transformed; the one-sided power spectral densities
(V²/Hz, scaled by ``1 / (fs * sum(w²))``, non-DC/non-Nyquist bins doubled) are averaged.
This is :func:`scipy.signal.welch` with ``window="hann", detrend="constant",
scaling="density", average="mean"``; band power is the sum of the PSD over the bins inside
``[low, high]`` Hz times the bin width. Tests hold the two equal to 1e-6 relative.

Incremental: when the segment step equals the update hop (the default: window 1 s, segment
0.5 s, hop 0.1 s), consecutive windows share all but one segment. Each segment's band
powers are computed once, when it completes, and a window's band power is the mean over its
segments, so an update costs one FFT per channel instead of six.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import signal

from trdcare.core.errors import InvalidInput

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Band:
    """A frequency band, both edges included, e.g. ``Band("alpha", 8, 13)``."""

    name: str
    low_hz: float
    high_hz: float

    def describe(self) -> str:
        return f"{self.name} {self.low_hz:g}-{self.high_hz:g} Hz"


@dataclass(frozen=True, slots=True)
class WelchPlan:
    """Sample counts of the window, its segments and their step, fixed at the session start.

    ``scipy.signal.welch(x, fs, window="hann", nperseg=segment_n, noverlap=segment_n - step_n)``
    on the ``window_n`` samples of a window gives the same PSD.
    """

    sfreq_hz: float
    window_n: int
    segment_n: int
    step_n: int
    hop_n: int

    @property
    def n_segments(self) -> int:
        return (self.window_n - self.segment_n) // self.step_n + 1

    @property
    def noverlap(self) -> int:
        return self.segment_n - self.step_n

    def freqs(self) -> FloatArray:
        return np.asarray(np.fft.rfftfreq(self.segment_n, 1.0 / self.sfreq_hz), dtype=np.float64)

    def describe(self) -> dict[str, float | int]:
        return {
            "window_s": self.window_n / self.sfreq_hz,
            "hop_s": self.hop_n / self.sfreq_hz,
            "segment_s": self.segment_n / self.sfreq_hz,
            "segment_overlap_s": self.noverlap / self.sfreq_hz,
            "window_samples": self.window_n,
            "hop_samples": self.hop_n,
            "segment_samples": self.segment_n,
            "segments_per_window": self.n_segments,
            "frequency_resolution_hz": self.sfreq_hz / self.segment_n,
        }


def plan(sfreq_hz: float, window_s: float, hop_s: float, segment_s: float) -> WelchPlan:
    """Round the durations to samples and choose the segment step.

    The step is the hop when the hop divides the span the segments slide over (then each
    update adds exactly one segment); otherwise half a segment, a quarter, or the whole
    span, whichever divides it first.
    """
    window_n = round(window_s * sfreq_hz)
    hop_n = round(hop_s * sfreq_hz)
    segment_n = round(segment_s * sfreq_hz)
    for name, n, given in (
        ("window_s", window_n, window_s),
        ("hop_s", hop_n, hop_s),
        ("segment_s", segment_n, segment_s),
    ):
        if n < 1 or not np.isfinite(given):
            raise InvalidInput.single(
                name,
                "is shorter than one sample",
                allowed=f"at least {1 / sfreq_hz:g} s at {sfreq_hz:g} Hz",
                given=given,
            )
    if segment_n > window_n:
        raise InvalidInput.single(
            "segment_s",
            "must not be longer than the window",
            allowed=f"<= {window_s:g} s",
            given=segment_s,
        )
    if segment_n < 8:
        raise InvalidInput.single(
            "segment_s",
            "holds fewer than 8 samples at this sampling rate",
            allowed=f">= {8 / sfreq_hz:g} s",
            given=segment_s,
        )
    span = window_n - segment_n
    if span == 0:
        step = segment_n
    else:
        step = next(
            (s for s in (hop_n, segment_n // 2, segment_n // 4) if s > 0 and span % s == 0),
            span,
        )
    return WelchPlan(sfreq_hz, window_n, segment_n, step, hop_n)


def check_bands(bands: Sequence[Band], sfreq_hz: float, resolution_hz: float) -> None:
    """Refuse a band the sampling rate cannot show, or narrower than one frequency bin."""
    nyquist = sfreq_hz / 2
    for band in bands:
        if not 0 <= band.low_hz < band.high_hz:
            raise InvalidInput.single(
                band.name,
                "the band's low edge must be below its high edge",
                given=f"{band.low_hz:g}-{band.high_hz:g} Hz",
            )
        if band.high_hz >= nyquist:
            raise InvalidInput.single(
                band.name,
                f"the sampling rate ({sfreq_hz:g} Hz) is too low for this band",
                allowed=f"bands below {nyquist:g} Hz (half the sampling rate)",
                given=f"{band.low_hz:g}-{band.high_hz:g} Hz",
            )
        if band.high_hz - band.low_hz < resolution_hz and np.ceil(
            band.low_hz / resolution_hz
        ) > np.floor(band.high_hz / resolution_hz):
            raise InvalidInput.single(
                band.name,
                "holds no frequency bin at this segment length",
                allowed=f"a band at least {resolution_hz:g} Hz wide, or longer segments",
                given=f"{band.low_hz:g}-{band.high_hz:g} Hz",
            )


def band_masks(freqs: FloatArray, bands: Sequence[Band]) -> FloatArray:
    """``(n_bands, n_freqs)`` 0/1 weights selecting each band's bins (edges included)."""
    eps = 1e-9 * max(1.0, float(freqs[-1]))
    return np.stack(
        [((freqs >= b.low_hz - eps) & (freqs <= b.high_hz + eps)).astype(np.float64) for b in bands]
    )


def welch_band_power(window: FloatArray, plan_: WelchPlan, bands: Sequence[Band]) -> FloatArray:
    """Band power (V²) of each channel of one window (samples x channels) with scipy's
    Welch: the reference the incremental estimator is held to. ``(n_bands, n_channels)``."""
    freqs, psd = signal.welch(
        window,
        fs=plan_.sfreq_hz,
        window="hann",
        nperseg=plan_.segment_n,
        noverlap=plan_.noverlap,
        detrend="constant",
        scaling="density",
        axis=0,
    )
    masks = band_masks(np.asarray(freqs, dtype=np.float64), bands)
    df = plan_.sfreq_hz / plan_.segment_n
    return np.asarray(masks @ np.asarray(psd) * df, dtype=np.float64)


class IncrementalWelch:
    """Band powers of sliding windows, each segment's contribution computed once.

    ``add_segment(end, samples)`` stores the band powers of the segment ending at absolute
    sample ``end``; ``window(end)`` averages the segments of the window ending there.
    """

    def __init__(self, plan_: WelchPlan, bands: Sequence[Band]) -> None:
        self.plan = plan_
        self.bands = tuple(bands)
        n = plan_.segment_n
        taper = np.asarray(signal.get_window("hann", n), dtype=np.float64)
        self._taper = taper[:, None]
        freqs = plan_.freqs()
        scale = np.full(freqs.shape, 2.0 / (plan_.sfreq_hz * float(np.sum(taper**2))))
        scale[0] /= 2
        if n % 2 == 0:
            scale[-1] /= 2
        df = plan_.sfreq_hz / n
        # band selection, one-sided scaling and the bin width folded into one matrix
        self._weights = band_masks(freqs, self.bands) * scale[None, :] * df
        self._segments: OrderedDict[int, FloatArray] = OrderedDict()
        self._keep = plan_.n_segments + max(1, plan_.hop_n // plan_.step_n) + 1

    def segment_power(self, samples: FloatArray) -> FloatArray:
        """``(n_bands, n_channels)`` band powers of one segment (samples x channels)."""
        centred = samples - samples.mean(axis=0, keepdims=True)
        spectrum = np.fft.rfft(centred * self._taper, axis=0)
        power = spectrum.real**2 + spectrum.imag**2
        return np.asarray(self._weights @ power, dtype=np.float64)

    def segment_ends(self, window_end: int) -> list[int]:
        p = self.plan
        first = window_end - p.window_n + p.segment_n
        return [first + k * p.step_n for k in range(p.n_segments)]

    def missing(self, window_end: int) -> list[int]:
        return [e for e in self.segment_ends(window_end) if e not in self._segments]

    def add_segment(self, end: int, samples: FloatArray) -> None:
        self._segments[end] = self.segment_power(samples)
        while len(self._segments) > self._keep:
            self._segments.popitem(last=False)

    def window(self, window_end: int) -> FloatArray:
        """``(n_bands, n_channels)`` band powers of the window ending at ``window_end``."""
        parts = [self._segments[e] for e in self.segment_ends(window_end)]
        return np.asarray(np.mean(parts, axis=0), dtype=np.float64)
