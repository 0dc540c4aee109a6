"""The processing pipeline: chunks in, one feedback value per hop out.

Order on each new chunk (mne-lsl's documented order, neurofeedback.md §1): missing samples
held and marked -> re-reference -> causal filters with state -> ring buffer; then for every
window that has become complete: Welch band powers (incremental), artifact gates, feature.

Everything here is pure and deterministic: the same samples give the same values however
they are chunked, so a live session and ``nf analyze`` of its recording agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt

from trdcare.core.errors import InvalidInput
from trdcare.neurofeedback.domain import artifacts, catalogue, reference, spectrum
from trdcare.neurofeedback.domain.artifacts import GateSettings, MuscleLimit, WindowQuality
from trdcare.neurofeedback.domain.channels import BLINK_SITES, is_eog, pick, unique_names
from trdcare.neurofeedback.domain.filters import CausalFilter, FilterSpec
from trdcare.neurofeedback.domain.protocols import Protocol
from trdcare.neurofeedback.domain.ringbuffer import RingBuffer
from trdcare.neurofeedback.domain.spectrum import Band, IncrementalWelch

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class PipelineSettings:
    """Everything that decides the numbers; stored with a session and printed with a result."""

    window_s: float
    hop_s: float
    segment_s: float
    highpass_hz: float | None
    lowpass_hz: float | None
    notch_hz: float | None
    reference: str
    gate: GateSettings
    muscle_band: Band

    @classmethod
    def defaults(cls, **changes: object) -> PipelineSettings:
        base = cls(
            window_s=catalogue.default("window_s"),
            hop_s=catalogue.default("hop_s"),
            segment_s=catalogue.default("segment_s"),
            highpass_hz=catalogue.default("highpass_hz"),
            lowpass_hz=None,
            notch_hz=None,
            reference="as_recorded",
            gate=GateSettings.defaults(),
            muscle_band=Band(
                "muscle", catalogue.default("muscle_low_hz"), catalogue.default("muscle_high_hz")
            ),
        )
        return replace(base, **changes)  # type: ignore[arg-type]

    def describe(self) -> dict[str, object]:
        return {
            "window_s": self.window_s,
            "hop_s": self.hop_s,
            "segment_s": self.segment_s,
            "highpass_hz": self.highpass_hz,
            "lowpass_hz": self.lowpass_hz,
            "notch_hz": self.notch_hz,
            "reference": self.reference,
            "amplitude_uv": self.gate.amplitude_uv,
            "flat_uv": self.gate.flat_uv,
            "blink_uv": self.gate.blink_uv,
            "muscle_band_hz": [self.muscle_band.low_hz, self.muscle_band.high_hz],
            "muscle_sd": self.gate.muscle_sd,
        }


@dataclass(frozen=True, slots=True)
class WindowResult:
    """One window's outcome. ``feature`` is ``None`` only when it cannot be computed."""

    index: int
    end_sample: int
    time_s: float  # the window's end, from the first sample
    feature: float | None
    reasons: tuple[str, ...]
    band_power_v2: FloatArray  # protocol bands x training channels
    muscle_log10: FloatArray  # training channels
    quality: WindowQuality = field(repr=False)
    also: tuple[float | None, ...] = ()  # the features of ``Pipeline(also=...)``, in order

    @property
    def accepted(self) -> bool:
        return not self.reasons and self.feature is not None


class Pipeline:
    """Feed ``(n_samples, n_channels)`` chunks in volts with :meth:`push`.

    Parameters
    ----------
    labels : sequence of str
        The source's channel labels (normalised to 10-10 names here).
    sfreq_hz : float
        Sampling rate.
    protocol : Protocol
        What to compute.
    settings : PipelineSettings
        Windows, filters, reference and gates.
    """

    def __init__(
        self,
        labels: Sequence[str],
        sfreq_hz: float,
        protocol: Protocol,
        settings: PipelineSettings,
        *,
        also: Sequence[Protocol] = (),
    ) -> None:
        if not (np.isfinite(sfreq_hz) and sfreq_hz > 0):
            raise InvalidInput.single(
                "sampling_rate", "must be a positive number of Hz", given=sfreq_hz
            )
        self.names = unique_names(labels)
        self.sfreq_hz = float(sfreq_hz)
        self.protocol = protocol
        self.settings = settings
        self.training = pick(self.names, protocol.channels)
        # further protocols computed on the same windows (a display of a second value);
        # their channels are gated too
        self.also = tuple(also)
        self._also_channels = [pick(self.names, p.channels) for p in self.also]
        self.gated = sorted(set(self.training).union(*self._also_channels))
        self.blink_channels = [i for i, n in enumerate(self.names) if n in BLINK_SITES or is_eog(n)]
        self._ref = reference.matrix(self.names, settings.reference)
        self.plan = spectrum.plan(sfreq_hz, settings.window_s, settings.hop_s, settings.segment_s)
        resolution = sfreq_hz / self.plan.segment_n
        all_bands = [b for p in (protocol, *self.also) for b in p.bands]
        spectrum.check_bands(all_bands, sfreq_hz, resolution)
        if settings.lowpass_hz is not None and any(
            b.high_hz > settings.lowpass_hz for b in all_bands
        ):
            raise InvalidInput.single(
                "lowpass_hz", "cuts into a protocol band", given=settings.lowpass_hz
            )
        # The muscle rule needs its band below Nyquist; at lower rates it is not applied.
        self.muscle_enabled = settings.muscle_band.high_hz < sfreq_hz / 2 and (
            settings.lowpass_hz is None or settings.lowpass_hz >= settings.muscle_band.high_hz
        )
        bands = list(dict.fromkeys([*all_bands, settings.muscle_band]))
        if not self.muscle_enabled:
            bands.remove(settings.muscle_band)
        self.bands = tuple(bands)
        self._band_index = {b: i for i, b in enumerate(self.bands)}
        self._protocol_rows = [self._band_index[b] for b in protocol.bands]
        self.welch = IncrementalWelch(self.plan, self.bands)
        n = len(self.names)
        self.filter = CausalFilter(
            FilterSpec(sfreq_hz, settings.highpass_hz, settings.lowpass_hz, settings.notch_hz), n
        )
        capacity = self.plan.window_n + self.plan.hop_n
        self._filtered = RingBuffer(capacity, n)
        self._raw = RingBuffer(capacity, n)
        self._next_end = self.plan.window_n
        self._last_good = np.zeros(n)
        self._last_missing = -1  # absolute number of the last non-finite sample
        self.missing_samples = 0
        self.muscle_limit: MuscleLimit | None = None
        self._count = 0
        # Signal-quality figures from per-hop block stats when windows are whole blocks
        hop = self.plan.hop_n
        self._blocks_per_window = self.plan.window_n // hop if self.plan.window_n % hop == 0 else 0
        self._blocks: dict[int, FloatArray] = {}

    @property
    def samples_seen(self) -> int:
        return self._raw.total

    def set_muscle_limit(self, limit: MuscleLimit | None) -> None:
        self.muscle_limit = limit if self.muscle_enabled else None

    def push(self, chunk: FloatArray) -> list[WindowResult]:
        """Process new samples; return the windows they completed, oldest first."""
        data = np.asarray(chunk, dtype=np.float64)
        if data.ndim != 2 or data.shape[1] != len(self.names):
            raise InvalidInput.single(
                "samples",
                "a chunk must be samples x channels",
                allowed=f"(n, {len(self.names)})",
                given=str(data.shape),
            )
        out: list[WindowResult] = []
        step = self.plan.hop_n
        for start in range(0, data.shape[0], step):
            out.extend(self._push_piece(data[start : start + step]))
        return out

    def _push_piece(self, piece: FloatArray) -> list[WindowResult]:
        finite = np.isfinite(piece)
        if not finite.all():
            bad_rows = np.flatnonzero(~finite.all(axis=1))
            self.missing_samples += int((~finite).sum())
            self._last_missing = self._raw.total + int(bad_rows[-1])
            piece = piece.copy()
            # hold the last good value so the filter state is not poisoned
            for row in range(piece.shape[0]):
                bad = ~finite[row]
                piece[row, bad] = self._last_good[bad]
                self._last_good = piece[row]
        if piece.shape[0]:
            self._last_good = piece[-1].copy()
        referenced = reference.apply(piece, self._ref)
        self._raw.write(referenced)
        self._filtered.write(self.filter.apply(referenced))
        out: list[WindowResult] = []
        while self._raw.total >= self._next_end:
            out.append(self._window(self._next_end))
            self._next_end += self.plan.hop_n
        return out

    def _quality(self, start: int, end: int) -> WindowQuality:
        hop, count = self.plan.hop_n, self._blocks_per_window
        if not count:
            return artifacts.quality(self._filtered.span(start, end), self._raw.span(start, end))
        first = start // hop
        for b in range(first, first + count):
            if b not in self._blocks:
                a = b * hop
                self._blocks[b] = artifacts.block_stats(
                    self._filtered.span(a, a + hop), self._raw.span(a, a + hop)
                )
        for old in [b for b in self._blocks if b < first]:
            del self._blocks[old]
        return artifacts.quality_from_blocks(
            [self._blocks[b] for b in range(first, first + count)], self.plan.window_n
        )

    def _window(self, end: int) -> WindowResult:
        seg = self.plan.segment_n
        for seg_end in self.welch.missing(end):
            self.welch.add_segment(seg_end, self._filtered.span(seg_end - seg, seg_end))
        powers = self.welch.window(end)
        start = end - self.plan.window_n
        q = self._quality(start, end)
        training = self.gated
        if self.muscle_enabled:
            mus = powers[self._band_index[self.settings.muscle_band], training]
            muscle_log10 = np.log10(np.maximum(mus, np.finfo(np.float64).tiny))
        else:
            muscle_log10 = np.full(len(training), np.nan)
        feature = self.protocol.feature(powers, self._band_index, self.training)
        found = artifacts.reasons(
            q,
            training,
            self.blink_channels,
            self.settings.gate,
            missing=self._last_missing >= start,
            muscle_log10=muscle_log10 if self.muscle_enabled else None,
            limit=self.muscle_limit,
        )
        if feature is None and "flat" not in found:
            found = (*found, "flat")
        result = WindowResult(
            index=self._count,
            end_sample=end,
            time_s=end / self.sfreq_hz,
            feature=feature,
            reasons=found,
            band_power_v2=powers[np.ix_(self._protocol_rows, self.training)],
            muscle_log10=muscle_log10,
            quality=q,
            also=tuple(
                p.feature(powers, self._band_index, ch)
                for p, ch in zip(self.also, self._also_channels, strict=True)
            ),
        )
        self._count += 1
        return result
