"""Artifact gating: a window is withheld from feedback when its signal is not brain.

Rules (neurofeedback.md §2 "Artifact handling"; the numbers are UNVERIFIED defaults of
``domain/data/neurofeedback.json``, configurable per session):

* ``amplitude`` - a training channel's largest deviation from its window mean (the signal
  already high-passed, so after DC removal) exceeds ``amplitude_uv``;
* ``flat`` - a training channel's peak-to-peak in the unfiltered window is below ``flat_uv``;
* ``blink`` - a frontopolar (Fp1/Fpz/Fp2/AF7/AF8) or EOG channel exceeds ``blink_uv`` after
  DC removal (the window's mean, on the unfiltered signal: a 1 Hz high-pass reshapes a
  0.3 s blink into a later, smaller swing, which would let its first windows through);
* ``muscle`` - a training channel's 30-45 Hz power (log10) exceeds the baseline's mean +
  ``muscle_sd`` SD; not applied until a baseline has set the limit;
* ``missing`` - the window holds samples that were not numbers (NaN/inf) in the source.

Policy: a rejected window gives no reward and freezes the display; rejected time is counted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from trdcare.neurofeedback.domain import catalogue

FloatArray = npt.NDArray[np.float64]
REASONS = ("amplitude", "flat", "blink", "muscle", "missing")
UV = 1e-6


@dataclass(frozen=True, slots=True)
class GateSettings:
    amplitude_uv: float
    flat_uv: float
    blink_uv: float
    muscle_sd: float

    @classmethod
    def defaults(cls) -> GateSettings:
        return cls(
            amplitude_uv=catalogue.default("amplitude_uv"),
            flat_uv=catalogue.default("flat_uv"),
            blink_uv=catalogue.default("blink_uv"),
            muscle_sd=catalogue.default("muscle_sd"),
        )


@dataclass(frozen=True, slots=True)
class MuscleLimit:
    """Per training channel: the log10 muscle-band power (V²) above which a window is muscle."""

    log10_limit: tuple[float, ...]
    mean: tuple[float, ...]
    sd: tuple[float, ...]
    n_windows: int


def muscle_limit(log10_power: FloatArray, n_sd: float) -> MuscleLimit | None:
    """Mean + ``n_sd`` SD of the calibration windows' log10 muscle power, per channel
    (``log10_power``: windows x training channels). ``None`` with fewer than 2 windows."""
    if log10_power.shape[0] < 2:
        return None
    mean = log10_power.mean(axis=0)
    sd = log10_power.std(axis=0, ddof=1)
    return MuscleLimit(
        tuple(float(v) for v in mean + n_sd * sd),
        tuple(float(v) for v in mean),
        tuple(float(v) for v in sd),
        int(log10_power.shape[0]),
    )


@dataclass(frozen=True, slots=True)
class WindowQuality:
    """Per-channel figures of one window, in µV, for the clinician's signal-quality view."""

    deviation_uv: FloatArray  # largest |x - mean| of the filtered window
    raw_deviation_uv: FloatArray  # largest |x - mean| of the unfiltered window
    ptp_raw_uv: FloatArray  # peak-to-peak of the unfiltered window


def block_stats(filtered: FloatArray, raw: FloatArray) -> FloatArray:
    """``(6, n_channels)``: sum, max and min of the filtered, then of the raw samples of one
    block. A window made of whole blocks gets its :class:`WindowQuality` from these
    (:func:`quality_from_blocks`) at the cost of one hop's samples per update."""
    return np.stack(
        [
            filtered.sum(axis=0),
            filtered.max(axis=0),
            filtered.min(axis=0),
            raw.sum(axis=0),
            raw.max(axis=0),
            raw.min(axis=0),
        ]
    )


def quality_from_blocks(blocks: list[FloatArray], n_samples: int) -> WindowQuality:
    """The same figures as :func:`quality` on the window the blocks make up: the largest
    deviation from the mean is ``max(max - mean, mean - min)``; peak-to-peak ``max - min``."""
    stacked = np.stack(blocks)
    mean_f = stacked[:, 0].sum(axis=0) / n_samples
    max_f, min_f = stacked[:, 1].max(axis=0), stacked[:, 2].min(axis=0)
    mean_r = stacked[:, 3].sum(axis=0) / n_samples
    max_r, min_r = stacked[:, 4].max(axis=0), stacked[:, 5].min(axis=0)
    return WindowQuality(
        np.maximum(max_f - mean_f, mean_f - min_f) / UV,
        np.maximum(max_r - mean_r, mean_r - min_r) / UV,
        (max_r - min_r) / UV,
    )


def quality(filtered: FloatArray, raw: FloatArray) -> WindowQuality:
    dev = np.abs(filtered - filtered.mean(axis=0, keepdims=True)).max(axis=0) / UV
    raw_dev = np.abs(raw - raw.mean(axis=0, keepdims=True)).max(axis=0) / UV
    ptp = np.ptp(raw, axis=0) / UV
    return WindowQuality(dev, raw_dev, ptp)


def reasons(
    q: WindowQuality,
    training: list[int],
    blink_channels: list[int],
    settings: GateSettings,
    *,
    missing: bool,
    muscle_log10: FloatArray | None,
    limit: MuscleLimit | None,
) -> tuple[str, ...]:
    """Why the window is withheld (empty when it is accepted), in :data:`REASONS` order."""
    found: list[str] = []
    if np.any(q.deviation_uv[training] > settings.amplitude_uv):
        found.append("amplitude")
    if np.any(q.ptp_raw_uv[training] < settings.flat_uv):
        found.append("flat")
    if blink_channels and np.any(q.raw_deviation_uv[blink_channels] > settings.blink_uv):
        found.append("blink")
    if limit is not None and muscle_log10 is not None and is_muscle(muscle_log10, limit):
        found.append("muscle")
    if missing:
        found.append("missing")
    return tuple(found)


def is_muscle(muscle_log10: FloatArray, limit: MuscleLimit) -> bool:
    return bool(np.any(muscle_log10 > np.asarray(limit.log10_limit)))
