"""A seeded synthetic EEG generator with known band powers and asymmetry (for tests, demos).

Each channel is a sum of (a) a background of white noise of a stated RMS, (b) one alpha
sinusoid per channel at ``alpha_hz`` whose power (``A²/2``) is stated per channel, and
optionally (c) a theta sinusoid. F4's alpha power is ``exp(asymmetry)`` times F3's, so the
true FAA is ``asymmetry`` (plus what the background adds inside the band, which the stated
tolerance of the tests covers). Artifacts can be injected at stated times: blinks (a
300 µV half-sine bump, 0.3 s, largest at Fp1/Fp2 and falling off backwards), flat segments
(all channels at one constant), and muscle bursts (30-45 Hz-heavy noise on temporal/frontal
channels). Generation is by absolute sample number, so chunks join without seams and the
same seed gives the same signal however it is chunked.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
UV = 1e-6

DEFAULT_CHANNELS = ("Fp1", "Fp2", "F7", "F3", "Fz", "F4", "F8", "C3", "Cz", "C4", "Pz", "O1", "O2")


@dataclass(frozen=True, slots=True)
class Artifact:
    kind: str  # "blink", "flat", "muscle"
    start_s: float
    duration_s: float


@dataclass(frozen=True, slots=True)
class SyntheticSpec:
    """What to generate. Powers in V² (``alpha_power_v2`` is F3's and the others')."""

    sfreq_hz: float = 250.0
    channels: tuple[str, ...] = DEFAULT_CHANNELS
    seed: int = 0
    alpha_hz: float = 10.0
    alpha_power_v2: float = (10 * UV) ** 2 / 2  # a 10 µV sinusoid
    asymmetry: float = 0.3  # ln alpha(F4) - ln alpha(F3)
    theta_hz: float = 6.0
    theta_power_v2: float = (4 * UV) ** 2 / 2
    noise_rms_v: float = 2 * UV
    # slow swing of the asymmetry (amplitude, period) so that feedback has something to follow
    swing: float = 0.0
    swing_period_s: float = 30.0
    artifacts: tuple[Artifact, ...] = field(default=())

    def alpha_power(self, channel: str) -> float:
        """The stated alpha power (V²) of ``channel`` (without the swing)."""
        if channel == "F4":
            return self.alpha_power_v2 * math.exp(self.asymmetry)
        return self.alpha_power_v2


class SyntheticEEG:
    """Generate ``(n_samples, n_channels)`` volts from absolute sample ``start``."""

    def __init__(self, spec: SyntheticSpec) -> None:
        self.spec = spec
        rng = np.random.default_rng(spec.seed)
        n = len(spec.channels)
        self._alpha_phase = rng.uniform(0, 2 * np.pi, n)
        self._theta_phase = rng.uniform(0, 2 * np.pi, n)
        self._noise_seed = int(rng.integers(0, 2**31 - 1))
        self._alpha_amp = np.array([math.sqrt(2 * spec.alpha_power(c)) for c in spec.channels])
        self._theta_amp = math.sqrt(2 * spec.theta_power_v2)
        self._f4 = spec.channels.index("F4") if "F4" in spec.channels else -1
        self._blink_gain = np.array([_blink_gain(c) for c in spec.channels])
        self._muscle_gain = np.array([_muscle_gain(c) for c in spec.channels])

    def _noise(self, start: int, n: int, salt: int) -> FloatArray:
        # Noise of sample k depends only on (seed, k, salt): blocks of 256 samples, each seeded.
        block = 256
        first, last = start // block, (start + n - 1) // block
        parts = [
            np.random.default_rng([self._noise_seed, salt, b]).standard_normal(
                (block, len(self.spec.channels))
            )
            for b in range(first, last + 1)
        ]
        whole = np.vstack(parts)
        offset = start - first * block
        return whole[offset : offset + n]

    def generate(self, start: int, n: int) -> FloatArray:
        s = self.spec
        t = (start + np.arange(n)) / s.sfreq_hz
        amp = np.tile(self._alpha_amp, (n, 1))
        if s.swing and self._f4 >= 0:
            # power factor exp(swing * sin) on F4: amplitude factor exp(swing * sin / 2)
            amp[:, self._f4] *= np.exp(s.swing * np.sin(2 * np.pi * t / s.swing_period_s) / 2)
        x = amp * np.sin(2 * np.pi * s.alpha_hz * t[:, None] + self._alpha_phase[None, :])
        x += self._theta_amp * np.sin(
            2 * np.pi * s.theta_hz * t[:, None] + self._theta_phase[None, :]
        )
        x += s.noise_rms_v * self._noise(start, n, 1)
        for art in s.artifacts:
            a = round(art.start_s * s.sfreq_hz)
            b = a + max(1, round(art.duration_s * s.sfreq_hz))
            lo, hi = max(a, start), min(b, start + n)
            if lo >= hi:
                continue
            rows = slice(lo - start, hi - start)
            if art.kind == "blink":
                phase = (np.arange(lo, hi) - a) / (b - a)
                bump = 300 * UV * np.sin(np.pi * phase)
                x[rows] += bump[:, None] * self._blink_gain[None, :]
            elif art.kind == "flat":
                x[rows] = 5 * UV
            elif art.kind == "muscle":
                burst = _high_freq(self._noise(lo, hi - lo, 2))
                x[rows] += 60 * UV * burst * self._muscle_gain[None, :]
            else:
                raise ValueError(f"artifact kind must be blink, flat or muscle; got {art.kind!r}")
        return x


def _high_freq(noise: FloatArray) -> FloatArray:
    # first difference twice: a noise whose power rises with frequency (EMG-like)
    d = np.diff(noise, n=2, axis=0, prepend=noise[:1], append=noise[-1:])
    return np.asarray(d[: noise.shape[0]] / 2.0, dtype=np.float64)


def _blink_gain(channel: str) -> float:
    c = channel.upper()
    if c.startswith("FP") or "EOG" in c:
        return 1.0
    if c.startswith("AF"):
        return 0.6
    if c.startswith("F"):
        return 0.25
    return 0.05


def _muscle_gain(channel: str) -> float:
    c = channel.upper()
    return 1.0 if c.startswith(("F", "T", "AF")) else 0.2


def spec_with(channels: Sequence[str] | None = None, **changes: object) -> SyntheticSpec:
    base = SyntheticSpec()
    values = {f: getattr(base, f) for f in base.__dataclass_fields__}
    if channels is not None:
        values["channels"] = tuple(channels)
    values.update(changes)
    return SyntheticSpec(**values)
