"""Motor threshold: ML-PEST hunting, relative-frequency bookkeeping, treatment intensity.

ML-PEST (Awiszus 2003) is re-derived from its published description, not from any code:

* P(MEP >= criterion | x) = Phi((x - t) / s) with x and t as fractions of maximum
  stimulator output (MSO) and the spread tied to the threshold, s = 0.07 t;
* the log-likelihood of t is evaluated on a grid from 0.2% to 130% MSO in 0.2% steps,
  seeded by two pseudo-observations (no MEP at 0% MSO, an MEP at 130.2% MSO);
* the estimate is the maximum-likelihood t (the mean of tied maxima); the first pulse goes
  at the start (hotspot) intensity and every next pulse at the current estimate.

The session is an immutable value: :meth:`MlPestSession.record` returns a new session, and
:meth:`MlPestSession.to_dict` / :meth:`MlPestSession.from_dict` serialise it.

References
----------
.. [1] Awiszus F. Suppl Clin Neurophysiol 2003;56 - model, grid, pseudo-observations and
   stepping as described by the re-implementation "MLE-1 (Awiszus, 2003)" in
   BoshuoWang/TMS_Thresholding (SECONDARY, tms-verification.md §3.2; tms.md §4.2).
.. [2] Stopping: the re-implementation uses a fixed number of stimuli (SECONDARY); "many
   labs stop at 20 stimuli" ([R], UNVERIFIED); ~17 pulses on average (SECONDARY); MTAT's
   own stopping rule is UNVERIFIED. A site-modified MTAT stops at a 95% confidence interval
   (SECONDARY; no width given).
.. [3] Rossini-Rothwell: RMT = lowest intensity with MEPs >= 50 uV in >= 5 of 10 trials
   ([R] tms.md §4.1; SECONDARY descriptions, tms-verification.md §3.1).
.. [4] Stokes et al. 2005 J Neurophysiol 94:4520: 3% MSO per mm ([V]); Stokes et al. 2007
   Clin Neurophysiol 118:1617: 2.8% MSO per mm ([V]); MT_adj = MT + k (D_target - D_M1)
   ([R], tms.md §4.3).
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from trdcare.core.checks import Interval, check_constraints, check_option
from trdcare.core.errors import Conflict, InvalidInput
from trdcare.core.provenance import JSONDict, Reason, Source, Status, reasons_status
from trdcare.tms.domain.catalogue import source

MAX_HUNT_PULSES = 200
"""Most stimuli one threshold hunt may take: an input bound (DESIGN). ML-PEST needs about
17-25 and many labs stop at 20; the relative-frequency method about 75 (tms.md)."""

MAX_MEP_AMPLITUDE_UV = 100_000
"""An input bound (DESIGN, not clinical): 100 mV, 2000 times the 50 uV MEP criterion."""

MAX_SCALP_TO_CORTEX_MM = 50
"""An input bound (DESIGN, not clinical): 50 mm of scalp-to-cortex distance; a larger number
is taken for a typing error (each mm adds about 3% MSO, Stokes 2005, so 50 mm of difference
would already ask for 150% MSO)."""

MT_LIMITS: Mapping[str, Interval] = {
    "mt_pct_mso": Interval(1, 100, unit="%MSO"),
}
"""A motor threshold outside 1-100% MSO is refused (issue #3)."""

ML_PEST_LIMITS: Mapping[str, Interval] = {
    "start_pct_mso": Interval(1, 100, unit="%MSO"),
    "intensity_pct_mso": Interval(0, 100, unit="%MSO"),
    "max_pulses": Interval(1, MAX_HUNT_PULSES, integer=True),
    "ci_width_pct_mso": Interval(0, 100, closed="right", unit="%MSO"),
    "resolution_pct_mso": Interval(0, 10, closed="right", unit="%MSO"),
}
"""Declared limits of an ML-PEST session (a %MSO setting cannot exceed 100)."""

SPREAD_FRACTION = 0.07
"""s = 0.07 t (SECONDARY: Awiszus 2003 as re-implemented)."""
GRID_STEP = 0.002
"""Threshold grid step, 0.2% MSO (SECONDARY)."""
GRID_MAX = 1.30
"""Threshold grid top, 130% MSO (SECONDARY)."""
DEFAULT_MAX_PULSES = 20
"""Default stopping rule: 20 stimuli ("many labs stop at 20", [R] UNVERIFIED)."""
LR_95 = 1.920729410347062
"""Half the 95% quantile of chi-square(1): the likelihood-ratio 95% interval (statistics)."""

_SQRT2 = math.sqrt(2.0)
_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)
_GRID: tuple[float, ...] = tuple(
    round(GRID_STEP * i, 10) for i in range(1, round(GRID_MAX / GRID_STEP) + 1)
)
_TIE_TOL = 1e-9


def log_ndtr(z: float) -> float:
    """log Phi(z), accurate in both tails (no underflow to log 0).

    Examples
    --------
    >>> round(log_ndtr(0.0), 6)
    -0.693147
    """
    if z > 5.0:
        return math.log1p(-0.5 * math.erfc(z / _SQRT2))
    if z > -30.0:
        return math.log(0.5 * math.erfc(-z / _SQRT2))
    z2 = z * z
    return (
        -0.5 * z2
        - math.log(-z)
        - _HALF_LOG_2PI
        + math.log1p(-1.0 / z2 + 3.0 / z2**2 - 15.0 / z2**3)
    )


def _loglik_terms(x: float, mep: bool) -> list[float]:
    out = []
    for t in _GRID:
        z = (x - t) / (SPREAD_FRACTION * t)
        out.append(log_ndtr(z) if mep else log_ndtr(-z))
    return out


def _pseudo_loglik() -> tuple[float, ...]:
    no = _loglik_terms(0.0, False)
    yes = _loglik_terms(GRID_MAX + GRID_STEP, True)
    return tuple(a + b for a, b in zip(no, yes, strict=True))


_PSEUDO = _pseudo_loglik()


def _sources() -> tuple[Source, ...]:
    return (
        source("awiszus2003", "SECONDARY", where="tms-verification.md §3.2", tag="SECONDARY"),
        source(
            "tms_thresholding",
            "SECONDARY",
            where="tms-verification.md §3.2",
            tag="algorithm description only",
        ),
    )


@dataclass(frozen=True, slots=True)
class Trial:
    """One stimulus of a hunt: the intensity given and whether an MEP >= criterion came."""

    intensity_pct_mso: float
    mep: bool

    def to_dict(self) -> JSONDict:
        return {"intensity_pct_mso": self.intensity_pct_mso, "mep": self.mep}


StopReason = Literal["max_pulses", "ci_width"]
# The stop reasons in the clinic's words (a finding and an error message are read by staff).
STOP_REASON_WORDS: dict[str, str] = {
    "max_pulses": "the stimulus limit was reached",
    "ci_width": "the 95% interval is narrow enough",
}


@dataclass(frozen=True, slots=True)
class MtEstimate:
    """The outcome of a hunt."""

    estimate_pct_mso: float
    pulses: int
    ci95_pct_mso: tuple[float, float]
    stopped: bool
    stop_reason: StopReason | None
    within_device_range: bool
    reasons: tuple[Reason, ...]

    @property
    def status(self) -> Status:
        return reasons_status(self.reasons)

    def to_dict(self) -> JSONDict:
        return {
            "method": "ml_pest",
            "estimate_pct_mso": self.estimate_pct_mso,
            "pulses": self.pulses,
            "ci95_pct_mso": list(self.ci95_pct_mso),
            "stopped": self.stopped,
            "stop_reason": self.stop_reason,
            "within_device_range": self.within_device_range,
            "status": self.status,
            "reasons": [r.to_dict() for r in self.reasons],
        }


@dataclass(frozen=True, slots=True)
class MlPestSession:
    """A stateful, serialisable ML-PEST threshold hunt (immutable: ``record`` returns a new one).

    Parameters
    ----------
    start_pct_mso : float
        First stimulus, normally the hotspot intensity (1-100% MSO).
    max_pulses : int
        Stop after this many stimuli (default 20, UNVERIFIED).
    ci_width_pct_mso : float or None
        Optionally also stop once the likelihood-ratio 95% interval is this narrow (a
        clinic setting: the reference gives no width).
    resolution_pct_mso : float
        Proposed intensities are rounded to the stimulator's resolution (default 1% MSO,
        DESIGN).

    Examples
    --------
    >>> s = MlPestSession.create(60)
    >>> s.next_intensity_pct_mso
    60.0
    >>> s = s.record(True).record(False)
    >>> s.pulses_used
    2
    """

    start_pct_mso: float
    max_pulses: int = DEFAULT_MAX_PULSES
    ci_width_pct_mso: float | None = None
    resolution_pct_mso: float = 1.0
    trials: tuple[Trial, ...] = ()
    _loglik: tuple[float, ...] = field(default=_PSEUDO, repr=False, compare=False)

    @classmethod
    def create(
        cls,
        start_pct_mso: float,
        *,
        max_pulses: int = DEFAULT_MAX_PULSES,
        ci_width_pct_mso: float | None = None,
        resolution_pct_mso: float = 1.0,
    ) -> MlPestSession:
        """Validate the settings and open a hunt."""
        check_constraints(
            {
                "start_pct_mso": start_pct_mso,
                "max_pulses": max_pulses,
                "ci_width_pct_mso": ci_width_pct_mso,
                "resolution_pct_mso": resolution_pct_mso,
            },
            ML_PEST_LIMITS,
        )
        return cls(
            float(start_pct_mso),
            int(max_pulses),
            None if ci_width_pct_mso is None else float(ci_width_pct_mso),
            float(resolution_pct_mso),
        )

    # -- state -------------------------------------------------------------------------
    @property
    def pulses_used(self) -> int:
        return len(self.trials)

    def _argmax(self) -> tuple[float, float]:
        ll = self._loglik
        best = max(ll)
        ties = [t for t, v in zip(_GRID, ll, strict=True) if v >= best - _TIE_TOL]
        return sum(ties) / len(ties), best

    @property
    def estimate_pct_mso(self) -> float:
        """The maximum-likelihood threshold (mean of tied maxima), in % MSO."""
        return round(self._argmax()[0] * 100, 4)

    @property
    def ci95_pct_mso(self) -> tuple[float, float]:
        """Likelihood-ratio 95% interval of the threshold (grid values), in % MSO."""
        _, best = self._argmax()
        inside = [t for t, v in zip(_GRID, self._loglik, strict=True) if v >= best - LR_95]
        return (round(min(inside) * 100, 4), round(max(inside) * 100, 4))

    @property
    def stop_reason(self) -> StopReason | None:
        if self.pulses_used >= self.max_pulses:
            return "max_pulses"
        if self.ci_width_pct_mso is not None and self.trials:
            lo, hi = self.ci95_pct_mso
            if hi - lo <= self.ci_width_pct_mso:
                return "ci_width"
        return None

    @property
    def stopped(self) -> bool:
        return self.stop_reason is not None

    def _round(self, pct: float) -> float:
        r = self.resolution_pct_mso
        value = round(pct / r) * r
        return float(min(100.0, max(1.0, round(value, 6))))

    @property
    def next_intensity_pct_mso(self) -> float | None:
        """Where to stimulate next (``None`` once stopped): the start intensity first, then
        the current estimate rounded to the resolution and kept within 1-100% MSO."""
        if self.stopped:
            return None
        if not self.trials:
            return self._round(self.start_pct_mso)
        return self._round(self.estimate_pct_mso)

    # -- transitions ---------------------------------------------------------------------
    def record(self, mep: bool, intensity_pct_mso: float | None = None) -> MlPestSession:
        """Record one stimulus; returns the updated session.

        Parameters
        ----------
        mep : bool
            Whether an MEP at or above the criterion (e.g. 50 uV) followed.
        intensity_pct_mso : float, optional
            The intensity actually given (defaults to :attr:`next_intensity_pct_mso`).

        Raises
        ------
        Conflict
            The hunt has already stopped.
        InvalidInput
            The intensity is outside 0-100% MSO or ``mep`` is not a boolean.
        """
        nxt = self.next_intensity_pct_mso
        if nxt is None:
            raise Conflict(
                f"the threshold hunt has stopped ({STOP_REASON_WORDS.get(self.stop_reason or '', 'finished')}); "
                "start a new one to stimulate again"
            )
        if not isinstance(mep, bool):
            raise InvalidInput.single(
                "mep", "must be present (true) or absent (false)", allowed="true, false", given=mep
            )
        x = nxt if intensity_pct_mso is None else intensity_pct_mso
        check_constraints(
            {"intensity_pct_mso": x}, {"intensity_pct_mso": ML_PEST_LIMITS["intensity_pct_mso"]}
        )
        terms = _loglik_terms(x / 100.0, mep)
        ll = tuple(a + b for a, b in zip(self._loglik, terms, strict=True))
        return MlPestSession(
            self.start_pct_mso,
            self.max_pulses,
            self.ci_width_pct_mso,
            self.resolution_pct_mso,
            (*self.trials, Trial(float(x), mep)),
            ll,
        )

    def result(self) -> MtEstimate:
        """The current estimate with its reasons (usable before the hunt stops)."""
        est = self.estimate_pct_mso
        reason = Reason(
            rule="ml_pest",
            finding=f"maximum-likelihood threshold {est:g}% MSO after {self.pulses_used} "
            f"stimuli (95% likelihood interval {self.ci95_pct_mso[0]:g}-"
            f"{self.ci95_pct_mso[1]:g}% MSO)",
            inputs={
                "trials": [t.to_dict() for t in self.trials],
                "spread_fraction": SPREAD_FRACTION,
                "grid_step_pct_mso": GRID_STEP * 100,
                "grid_max_pct_mso": GRID_MAX * 100,
            },
            sources=_sources(),
        )
        stop = Reason(
            rule="ml_pest_stopping",
            finding=f"stop after {self.max_pulses} stimuli"
            + (
                f" or once the 95% interval is <= {self.ci_width_pct_mso:g}% MSO wide"
                if self.ci_width_pct_mso is not None
                else ""
            )
            + (
                f"; stopped: {STOP_REASON_WORDS[self.stop_reason]}"
                if self.stop_reason
                else "; still running"
            ),
            inputs={
                "max_pulses": self.max_pulses,
                "ci_width_pct_mso": self.ci_width_pct_mso,
                "pulses_used": self.pulses_used,
            },
            sources=(
                source(
                    "whatwhenhow_robotized_tms",
                    "UNVERIFIED",
                    where="tms.md §4.2",
                    tag="[R] many labs stop at 20",
                ),
            ),
        )
        return MtEstimate(
            est,
            self.pulses_used,
            self.ci95_pct_mso,
            self.stopped,
            self.stop_reason,
            MT_LIMITS["mt_pct_mso"].contains(est),
            (reason, stop),
        )

    # -- serialisation -------------------------------------------------------------------
    def to_dict(self) -> JSONDict:
        return {
            "method": "ml_pest",
            "model": {
                "spread_fraction": SPREAD_FRACTION,
                "grid_step": GRID_STEP,
                "grid_max": GRID_MAX,
            },
            "start_pct_mso": self.start_pct_mso,
            "max_pulses": self.max_pulses,
            "ci_width_pct_mso": self.ci_width_pct_mso,
            "resolution_pct_mso": self.resolution_pct_mso,
            "trials": [t.to_dict() for t in self.trials],
            "pulses_used": self.pulses_used,
            "next_intensity_pct_mso": self.next_intensity_pct_mso,
            "estimate_pct_mso": self.estimate_pct_mso,
            "ci95_pct_mso": list(self.ci95_pct_mso),
            "stopped": self.stopped,
            "stop_reason": self.stop_reason,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MlPestSession:
        """Rebuild a session by replaying its trials (the likelihood is recomputed)."""
        s = cls.create(
            float(data["start_pct_mso"]),
            max_pulses=int(data.get("max_pulses", DEFAULT_MAX_PULSES)),
            ci_width_pct_mso=None
            if data.get("ci_width_pct_mso") is None
            else float(data["ci_width_pct_mso"]),
            resolution_pct_mso=float(data.get("resolution_pct_mso", 1.0)),
        )
        for i, t in enumerate(data.get("trials", [])):
            if s.stopped:
                raise InvalidInput.single(f"trials.{i}", "comes after the hunt stopped", given=t)
            s = s.record(bool(t["mep"]), float(t["intensity_pct_mso"]))
        return s


# ---------------------------------------------------------------------------------------
# Relative-frequency bookkeeping (Rossini-Rothwell)

RF_CRITERION_UV = 50.0
"""MEP criterion, 50 uV peak to peak ([R] Rossini 1994/2015; SECONDARY glossary)."""

RF_LIMITS: Mapping[str, Interval] = {
    "intensity_pct_mso": Interval(1, 100, unit="%MSO"),
    "amplitude_uv": Interval(0, MAX_MEP_AMPLITUDE_UV, unit="uV"),
    "step_down_pct_mso": Interval(0, 100, closed="neither", unit="%MSO"),
    "step_up_pct_mso": Interval(0, 100, closed="neither", unit="%MSO"),
}
"""Declared limits of the relative-frequency hunt."""

RfRule = Literal["5/10", "10/20"]
_RF_RULES: Mapping[str, tuple[int, int]] = {"5/10": (5, 10), "10/20": (10, 20)}
BlockStatus = Literal["pending", "suprathreshold", "subthreshold"]


@dataclass(frozen=True, slots=True)
class RelativeFrequencyBlock:
    """MEPs at one intensity: suprathreshold once ``hits`` reach half the trials, subthreshold
    once more than half fail (the block stops early either way)."""

    intensity_pct_mso: float
    amplitudes_uv: tuple[float, ...] = ()
    rule: RfRule = "5/10"
    criterion_uv: float = RF_CRITERION_UV

    @property
    def hits(self) -> int:
        return sum(1 for a in self.amplitudes_uv if a >= self.criterion_uv)

    @property
    def misses(self) -> int:
        return len(self.amplitudes_uv) - self.hits

    @property
    def status(self) -> BlockStatus:
        need, n = _RF_RULES[self.rule]
        if self.hits >= need:
            return "suprathreshold"
        if self.misses > n - need:
            return "subthreshold"
        return "pending"

    def record(self, amplitude_uv: float) -> RelativeFrequencyBlock:
        if self.status != "pending":
            raise Conflict(f"the block at {self.intensity_pct_mso:g}% MSO is already {self.status}")
        check_constraints(
            {"amplitude_uv": amplitude_uv}, {"amplitude_uv": RF_LIMITS["amplitude_uv"]}
        )
        return RelativeFrequencyBlock(
            self.intensity_pct_mso,
            (*self.amplitudes_uv, float(amplitude_uv)),
            self.rule,
            self.criterion_uv,
        )

    def to_dict(self) -> JSONDict:
        return {
            "intensity_pct_mso": self.intensity_pct_mso,
            "amplitudes_uv": list(self.amplitudes_uv),
            "hits": self.hits,
            "trials": len(self.amplitudes_uv),
            "rule": self.rule,
            "criterion_uv": self.criterion_uv,
            "status": self.status,
        }


@dataclass(frozen=True, slots=True)
class RelativeFrequencyHunt:
    """Rossini-Rothwell bookkeeping: step up (5% MSO) until a block is suprathreshold, then
    down (1% MSO) until one is subthreshold; MT = the lowest suprathreshold intensity.

    Examples
    --------
    >>> h = RelativeFrequencyHunt.create(50)
    >>> for a in [80, 90, 10, 70, 60, 55]:
    ...     h = h.record(a)
    >>> h.blocks[0].status, h.next_intensity_pct_mso
    ('suprathreshold', 49.0)
    """

    start_pct_mso: float
    rule: RfRule = "5/10"
    step_down_pct_mso: float = 1.0
    step_up_pct_mso: float = 5.0
    criterion_uv: float = RF_CRITERION_UV
    blocks: tuple[RelativeFrequencyBlock, ...] = ()

    @classmethod
    def create(
        cls,
        start_pct_mso: float,
        *,
        rule: str = "5/10",
        step_down_pct_mso: float = 1.0,
        step_up_pct_mso: float = 5.0,
    ) -> RelativeFrequencyHunt:
        check_option("rule", rule, _RF_RULES)
        check_constraints(
            {
                "intensity_pct_mso": start_pct_mso,
                "step_down_pct_mso": step_down_pct_mso,
                "step_up_pct_mso": step_up_pct_mso,
            },
            RF_LIMITS,
        )
        return cls(
            float(start_pct_mso),
            cast(RfRule, rule),
            float(step_down_pct_mso),
            float(step_up_pct_mso),
        )

    @property
    def mt_pct_mso(self) -> float | None:
        """MT once the block one step below the lowest suprathreshold one is subthreshold."""
        supra = [b.intensity_pct_mso for b in self.blocks if b.status == "suprathreshold"]
        if not supra:
            return None
        lowest = min(supra)
        below = lowest - self.step_down_pct_mso
        if any(
            b.status == "subthreshold"
            and b.intensity_pct_mso <= below + 1e-9
            and b.intensity_pct_mso >= below - 1e-9
            for b in self.blocks
        ):
            return lowest
        if below < 1:
            return lowest
        return None

    @property
    def done(self) -> bool:
        return self.mt_pct_mso is not None

    @property
    def pulses(self) -> int:
        return sum(len(b.amplitudes_uv) for b in self.blocks)

    @property
    def next_intensity_pct_mso(self) -> float | None:
        """Where the next stimulus goes (``None`` when the MT is found)."""
        if self.done:
            return None
        if not self.blocks:
            return self.start_pct_mso
        last = self.blocks[-1]
        if last.status == "pending":
            return last.intensity_pct_mso
        supra = [b.intensity_pct_mso for b in self.blocks if b.status == "suprathreshold"]
        if not supra:
            nxt = last.intensity_pct_mso + self.step_up_pct_mso
            if nxt > 100:
                raise Conflict(
                    "no intensity up to 100% MSO gave MEPs in half the trials: "
                    "the motor threshold is outside the stimulator's range"
                )
            return nxt
        return round(min(supra) - self.step_down_pct_mso, 6)

    def record(self, amplitude_uv: float) -> RelativeFrequencyHunt:
        """Record one MEP amplitude (uV) at :attr:`next_intensity_pct_mso`."""
        nxt = self.next_intensity_pct_mso
        if nxt is None:
            raise Conflict("the motor threshold is already found; start a new hunt")
        blocks = list(self.blocks)
        if blocks and blocks[-1].status == "pending":
            blocks[-1] = blocks[-1].record(amplitude_uv)
        else:
            blocks.append(
                RelativeFrequencyBlock(nxt, (), self.rule, self.criterion_uv).record(amplitude_uv)
            )
        return RelativeFrequencyHunt(
            self.start_pct_mso,
            self.rule,
            self.step_down_pct_mso,
            self.step_up_pct_mso,
            self.criterion_uv,
            tuple(blocks),
        )

    def to_dict(self) -> JSONDict:
        return {
            "method": "relative_frequency",
            "rule": self.rule,
            "criterion_uv": self.criterion_uv,
            "start_pct_mso": self.start_pct_mso,
            "step_down_pct_mso": self.step_down_pct_mso,
            "step_up_pct_mso": self.step_up_pct_mso,
            "blocks": [b.to_dict() for b in self.blocks],
            "pulses": self.pulses,
            "next_intensity_pct_mso": self.next_intensity_pct_mso,
            "mt_pct_mso": self.mt_pct_mso,
            "sources": [
                source("rossini_rothwell", "UNVERIFIED", where="tms.md §4.1", tag="[R]").to_dict(),
                source(
                    "whatwhenhow_robotized_tms",
                    "SECONDARY",
                    where="tms-verification.md §3.1",
                    tag="SECONDARY",
                ).to_dict(),
            ],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RelativeFrequencyHunt:
        h = cls.create(
            float(data["start_pct_mso"]),
            rule=str(data.get("rule", "5/10")),
            step_down_pct_mso=float(data.get("step_down_pct_mso", 1.0)),
            step_up_pct_mso=float(data.get("step_up_pct_mso", 5.0)),
        )
        for b in data.get("blocks", []):
            for a in b["amplitudes_uv"]:
                h = h.record(float(a))
        return h


# ---------------------------------------------------------------------------------------
# Treatment intensity

DepthGradient = Literal["stokes2005", "stokes2007"]
DEPTH_GRADIENTS_PCT_MSO_PER_MM: Mapping[str, float] = {"stokes2005": 3.0, "stokes2007": 2.8}
"""% MSO per mm of scalp-to-cortex distance: 3 (Stokes 2005 [V]) or 2.8 (Stokes 2007 [V])."""

INTENSITY_LIMITS: Mapping[str, Interval] = {
    "mt_pct_mso": MT_LIMITS["mt_pct_mso"],
    "pct_mt": Interval(0, 130, closed="right", unit="%MT"),
    "m1_depth_mm": Interval(0, MAX_SCALP_TO_CORTEX_MM, closed="right", unit="mm"),
    "target_depth_mm": Interval(0, MAX_SCALP_TO_CORTEX_MM, closed="right", unit="mm"),
}
"""%MT is bounded by the maximum-safe-train table's columns (<= 130%, UNVERIFIED table)."""


@dataclass(frozen=True, slots=True)
class DepthAdjustment:
    """Scalp-to-cortex distances (mm, from MRI) at M1 and at the target."""

    m1_depth_mm: float
    target_depth_mm: float
    gradient: DepthGradient = "stokes2005"

    @property
    def gradient_pct_mso_per_mm(self) -> float:
        return DEPTH_GRADIENTS_PCT_MSO_PER_MM[self.gradient]

    def to_dict(self) -> JSONDict:
        return {
            "m1_depth_mm": self.m1_depth_mm,
            "target_depth_mm": self.target_depth_mm,
            "gradient": self.gradient,
            "gradient_pct_mso_per_mm": self.gradient_pct_mso_per_mm,
        }


@dataclass(frozen=True, slots=True)
class TreatmentIntensity:
    """The stimulator setting for a treatment: %MT x MT (optionally depth-adjusted)."""

    mt_pct_mso: float
    adjusted_mt_pct_mso: float
    pct_mt: float
    intensity_pct_mso: float
    unclipped_pct_mso: float
    clipped: bool
    depth: DepthAdjustment | None
    warnings: tuple[str, ...]
    reasons: tuple[Reason, ...]

    @property
    def status(self) -> Status:
        return reasons_status(self.reasons)

    def to_dict(self) -> JSONDict:
        return {
            "mt_pct_mso": self.mt_pct_mso,
            "adjusted_mt_pct_mso": self.adjusted_mt_pct_mso,
            "pct_mt": self.pct_mt,
            "intensity_pct_mso": self.intensity_pct_mso,
            "unclipped_pct_mso": self.unclipped_pct_mso,
            "clipped": self.clipped,
            "depth": None if self.depth is None else self.depth.to_dict(),
            "warnings": list(self.warnings),
            "status": self.status,
            "reasons": [r.to_dict() for r in self.reasons],
        }


def treatment_intensity(
    mt_pct_mso: float, pct_mt: float, *, depth: DepthAdjustment | None = None
) -> TreatmentIntensity:
    """Treatment intensity = %MT x MT, with an optional scalp-to-cortex depth adjustment.

    Parameters
    ----------
    mt_pct_mso : float
        Resting motor threshold, 1-100% MSO (outside that it is refused).
    pct_mt : float
        The protocol's intensity in % of MT, (0, 130].
    depth : DepthAdjustment, optional
        MT_adj = MT + k x (D_target - D_M1), k = 3 (Stokes 2005) or 2.8 (Stokes 2007) % MSO
        per mm.

    Returns
    -------
    TreatmentIntensity
        Clipped at 100% MSO with a warning when the product is higher.

    Raises
    ------
    InvalidInput
        MT outside 1-100% MSO, %MT outside (0, 130], a non-positive depth, or a depth
        adjustment that leaves the MT below 1% MSO.

    References
    ----------
    .. [1] Stokes 2005 [V] (3% MSO per mm), Stokes 2007 [V] (2.8% MSO per mm); the
       additive adjustment formula is [R] (tms.md §4.3). SAINT uses 90% of depth-adjusted
       RMT; Blumberger 2016 120% of coil-to-cortex-adjusted MT ([V]).

    Examples
    --------
    >>> treatment_intensity(50, 120).intensity_pct_mso
    60.0
    >>> r = treatment_intensity(90, 120)
    >>> (r.intensity_pct_mso, r.clipped)
    (100.0, True)
    """
    values: dict[str, float | None] = {"mt_pct_mso": mt_pct_mso, "pct_mt": pct_mt}
    if depth is not None:
        check_option("depth.gradient", depth.gradient, DEPTH_GRADIENTS_PCT_MSO_PER_MM)
        values["m1_depth_mm"] = depth.m1_depth_mm
        values["target_depth_mm"] = depth.target_depth_mm
    check_constraints(values, INTENSITY_LIMITS)
    reasons: list[Reason] = []
    warnings: list[str] = []
    adjusted = float(mt_pct_mso)
    if depth is not None:
        k = depth.gradient_pct_mso_per_mm
        adjusted = mt_pct_mso + k * (depth.target_depth_mm - depth.m1_depth_mm)
        if adjusted < 1:
            raise InvalidInput.single(
                "depth.target_depth_mm",
                "leaves the depth-adjusted MT below 1% MSO",
                allowed=f"> {depth.m1_depth_mm - (mt_pct_mso - 1) / k:.1f} mm for this MT",
                given=depth.target_depth_mm,
            )
        src = source(depth.gradient, "VERIFIED", where="tms.md §4.3", tag="[V]")
        formula = source(
            "stokes2005", "UNVERIFIED", where="tms.md §4.3", tag="[R] additive adjustment"
        )
        reasons.append(
            Reason(
                rule="depth_adjusted_mt",
                finding=f"MT adjusted for depth: {mt_pct_mso:g} + {k:g} x "
                f"({depth.target_depth_mm:g} - {depth.m1_depth_mm:g}) = {adjusted:.2f}% MSO",
                inputs={"mt_pct_mso": mt_pct_mso, **depth.to_dict()},
                sources=(src, formula),
            )
        )
        if adjusted > 100:
            warnings.append(
                f"the depth-adjusted MT ({adjusted:.1f}% MSO) is above the stimulator's maximum"
            )
    raw = pct_mt / 100.0 * adjusted
    clipped = raw > 100.0
    value = min(raw, 100.0)
    if clipped:
        warnings.append(
            f"{pct_mt:g}% of MT is {raw:.1f}% MSO, above the stimulator maximum: "
            "clipped to 100% MSO, so the dose is below the protocol's"
        )
    reasons.append(
        Reason(
            rule="treatment_intensity",
            finding=f"{pct_mt:g}% of {adjusted:.2f}% MSO = {raw:.2f}% MSO"
            + (" (clipped to 100% MSO)" if clipped else ""),
            inputs={"mt_pct_mso": mt_pct_mso, "adjusted_mt_pct_mso": adjusted, "pct_mt": pct_mt},
            sources=(
                source(
                    "issue3",
                    "DESIGN",
                    where="issue #3 item 4c",
                    tag="%MT x MT, clipped at 100% MSO",
                ),
            ),
        )
    )
    return TreatmentIntensity(
        float(mt_pct_mso),
        round(adjusted, 4),
        float(pct_mt),
        round(value, 4),
        round(raw, 4),
        clipped,
        depth,
        tuple(warnings),
        tuple(reasons),
    )


# ---------------------------------------------------------------------------------------
# Virtual subject and simulation

SubjectModel = Literal["normal", "logistic"]
SIMULATION_LIMITS: Mapping[str, Interval] = {
    "true_mt_pct_mso": Interval(1, 100, unit="%MSO"),
    "spread_fraction": Interval(0, 1, closed="right"),
}


@dataclass(frozen=True, slots=True)
class VirtualSubject:
    """A simulated subject: P(MEP | x) is a cumulative normal (or a logistic with the same
    standard deviation) around ``true_mt_pct_mso`` with sd = ``spread_fraction`` x MT."""

    true_mt_pct_mso: float
    spread_fraction: float = SPREAD_FRACTION
    model: SubjectModel = "normal"

    def p_mep(self, intensity_pct_mso: float) -> float:
        sd = self.spread_fraction * self.true_mt_pct_mso
        z = (intensity_pct_mso - self.true_mt_pct_mso) / sd
        if self.model == "normal":
            return 0.5 * math.erfc(-z / _SQRT2)
        scale = math.sqrt(3.0) / math.pi
        return 1.0 / (1.0 + math.exp(-z / scale))

    def respond(self, intensity_pct_mso: float, rng: random.Random) -> bool:
        return rng.random() < self.p_mep(intensity_pct_mso)

    def intensity_for_probability(self, p: float) -> float:
        """The intensity with MEP probability ``p`` (used to pick a supra-threshold start)."""
        lo, hi = 0.0, 200.0
        for _ in range(80):
            mid = (lo + hi) / 2
            if self.p_mep(mid) < p:
                lo = mid
            else:
                hi = mid
        return hi


@dataclass(frozen=True, slots=True)
class SimulatedHunt:
    """One simulated ML-PEST hunt."""

    seed: int
    true_mt_pct_mso: float
    start_pct_mso: float
    estimate_pct_mso: float
    pulses: int
    stop_reason: str | None
    trials: tuple[Trial, ...]

    @property
    def error_pct_mso(self) -> float:
        return self.estimate_pct_mso - self.true_mt_pct_mso

    @property
    def relative_error(self) -> float:
        return self.error_pct_mso / self.true_mt_pct_mso

    def to_dict(self) -> JSONDict:
        return {
            "seed": self.seed,
            "true_mt_pct_mso": self.true_mt_pct_mso,
            "start_pct_mso": self.start_pct_mso,
            "estimate_pct_mso": self.estimate_pct_mso,
            "error_pct_mso": round(self.error_pct_mso, 4),
            "pulses": self.pulses,
            "stop_reason": self.stop_reason,
            "trials": [t.to_dict() for t in self.trials],
        }


def simulate_hunt(
    true_mt_pct_mso: float,
    seed: int,
    *,
    start_pct_mso: float | None = None,
    max_pulses: int = DEFAULT_MAX_PULSES,
    ci_width_pct_mso: float | None = None,
    spread_fraction: float = SPREAD_FRACTION,
    model: str = "normal",
) -> SimulatedHunt:
    """Run one seeded ML-PEST hunt on a :class:`VirtualSubject`.

    The default start is the intensity with a 95% MEP probability (rounded up to 1% MSO),
    as in the re-implementation's simulation design (SECONDARY).

    Examples
    --------
    >>> a = simulate_hunt(55, seed=1)
    >>> b = simulate_hunt(55, seed=1)
    >>> a == b
    True
    """
    check_option("model", model, ("normal", "logistic"))
    check_constraints(
        {"true_mt_pct_mso": true_mt_pct_mso, "spread_fraction": spread_fraction}, SIMULATION_LIMITS
    )
    subject = VirtualSubject(
        float(true_mt_pct_mso), float(spread_fraction), cast(SubjectModel, model)
    )
    if start_pct_mso is None:
        start_pct_mso = min(100.0, float(math.ceil(subject.intensity_for_probability(0.95))))
    rng = random.Random(seed)  # noqa: S311 - a seeded simulation, not cryptography
    s = MlPestSession.create(
        start_pct_mso, max_pulses=max_pulses, ci_width_pct_mso=ci_width_pct_mso
    )
    while (x := s.next_intensity_pct_mso) is not None:
        s = s.record(subject.respond(x, rng), x)
    return SimulatedHunt(
        seed,
        float(true_mt_pct_mso),
        float(start_pct_mso),
        s.estimate_pct_mso,
        s.pulses_used,
        s.stop_reason,
        s.trials,
    )


def quantile(values: Sequence[float], q: float) -> float:
    """Linear-interpolation quantile (numpy's default), for simulation summaries."""
    if not values:
        raise ValueError("quantile of an empty sequence")
    xs = sorted(values)
    pos = (len(xs) - 1) * q
    lo = math.floor(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)
