"""Causal IIR filters whose state runs on across chunks (no look-ahead).

The design follows mne-lsl's online filters (neurofeedback.md §1): second-order sections
applied with :func:`scipy.signal.sosfilt` and a persistent ``zi``, the state started at the
step response's steady state times the first sample, so a DC offset does not ring. Because
the state is set from the first *sample* (not the first chunk's mean), the output does not
depend on how the input is cut into chunks: a live session and the offline re-analysis of
its recording give the same samples.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import signal

from trdcare.core.errors import InvalidInput

FloatArray = npt.NDArray[np.float64]

NOTCH_Q = 30.0  # quality factor of the line-noise notch (about 1.7 Hz wide at 50 Hz; DESIGN)
BUTTER_ORDER = 4  # DESIGN: a 4th-order Butterworth, as mne-lsl's examples and BrainFlow use


@dataclass(frozen=True, slots=True)
class FilterSpec:
    """What to filter: a high-pass (DC and drift), an optional low-pass, an optional notch."""

    sfreq_hz: float
    highpass_hz: float | None
    lowpass_hz: float | None = None
    notch_hz: float | None = None

    def describe(self) -> dict[str, float | None]:
        return {
            "highpass_hz": self.highpass_hz,
            "lowpass_hz": self.lowpass_hz,
            "notch_hz": self.notch_hz,
        }


def design(spec: FilterSpec) -> FloatArray:
    """Second-order sections of the cascade; an empty (0, 6) array when nothing is asked."""
    nyquist = spec.sfreq_hz / 2
    sections: list[FloatArray] = []
    for name, value in (
        ("highpass_hz", spec.highpass_hz),
        ("lowpass_hz", spec.lowpass_hz),
        ("notch_hz", spec.notch_hz),
    ):
        if value is not None and not 0 < value < nyquist:
            raise InvalidInput.single(
                name,
                "must lie between 0 Hz and half the sampling rate",
                allowed=f"0 < {name} < {nyquist:g} Hz (sampling rate {spec.sfreq_hz:g} Hz)",
                given=value,
            )
    if (
        spec.highpass_hz is not None
        and spec.lowpass_hz is not None
        and spec.lowpass_hz <= spec.highpass_hz
    ):
        raise InvalidInput.single(
            "lowpass_hz", "must be above the high-pass", given=spec.lowpass_hz
        )
    if spec.highpass_hz is not None:
        sections.append(
            np.asarray(
                signal.butter(
                    BUTTER_ORDER, spec.highpass_hz, "highpass", fs=spec.sfreq_hz, output="sos"
                ),
                dtype=np.float64,
            )
        )
    if spec.lowpass_hz is not None:
        sections.append(
            np.asarray(
                signal.butter(
                    BUTTER_ORDER, spec.lowpass_hz, "lowpass", fs=spec.sfreq_hz, output="sos"
                ),
                dtype=np.float64,
            )
        )
    if spec.notch_hz is not None:
        b, a = signal.iirnotch(spec.notch_hz, NOTCH_Q, fs=spec.sfreq_hz)
        sections.append(np.asarray(signal.tf2sos(b, a), dtype=np.float64))
    if not sections:
        return np.zeros((0, 6))
    return np.concatenate(sections, axis=0)


class CausalFilter:
    """A stateful causal filter over ``(n_samples, n_channels)`` chunks.

    Examples
    --------
    >>> import numpy as np
    >>> f = CausalFilter(FilterSpec(250.0, highpass_hz=1.0), n_channels=2)
    >>> x = np.random.default_rng(0).standard_normal((500, 2))
    >>> whole = CausalFilter(FilterSpec(250.0, highpass_hz=1.0), n_channels=2).apply(x)
    >>> bool(np.allclose(np.vstack([f.apply(x[:123]), f.apply(x[123:])]), whole))
    True
    """

    def __init__(self, spec: FilterSpec, n_channels: int) -> None:
        self.spec = spec
        self.sos = design(spec)
        self.n_channels = n_channels
        self._zi: FloatArray | None = None

    def apply(self, chunk: FloatArray) -> FloatArray:
        """Filter ``chunk`` (samples x channels) continuing from the previous chunk."""
        if self.sos.shape[0] == 0 or chunk.shape[0] == 0:
            return chunk.copy()
        if self._zi is None:
            steady = signal.sosfilt_zi(self.sos)  # (n_sections, 2), for a unit step
            self._zi = steady[:, :, None] * chunk[0][None, None, :]
        out, self._zi = signal.sosfilt(self.sos, chunk, axis=0, zi=self._zi)
        return np.asarray(out, dtype=np.float64)
