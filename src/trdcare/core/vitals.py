"""Vital signs: the physiological-range checks every monitored-treatment room shares.

Blood pressure, pulse, pulse oximetry (SpO2) and respiratory rate are entered by hand at a
treatment chair (esketamine, IV ketamine, psilocybin dosing days). A value outside the range
below is taken as a typing error (a systolic of 1200 for 120, an SpO2 of 9 for 97) and refused
naming the field, what is allowed and what was given; nothing is written.

**These are plausibility ranges, not clinical thresholds.** No source in
``/work/shared/reference/`` gives the widest values a person's vital signs can take, so each
range is marked ``kind="plausibility"`` with status ``DESIGN``: the widest values a monitor in
an outpatient treatment room is expected to show in a living adult, chosen wide enough that a
real, alarming reading (an SpO2 of 75 %, a systolic of 220 mmHg, a respiratory rate of 4) is
always recordable. A clinical threshold (e.g. esketamine's pre-dose 140/90 mmHg warning) is a
separate, sourced rule in its room's data file and is checked only after these ranges pass.

A room that must name its fields differently (``predose_systolic_mmhg``,
``discharge_pulse_bpm``) passes ``prefix``; the check reports each issue under the prefixed
name and collects every issue before raising once.

Examples
--------
>>> check_vital_signs(systolic_mmhg=128, diastolic_mmhg=82, spo2_pct=97).to_dict()["spo2_pct"]
97
>>> check_vital_signs(prefix="predose_", spo2_pct=101)
Traceback (most recent call last):
...
trdcare.core.errors.InvalidInput: predose_spo2_pct: out of range (allowed: a whole number in [50, 100] %; given: 101)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from trdcare.core.checks import Interval
from trdcare.core.errors import IssueCollector
from trdcare.core.provenance import JSONDict, Status

RangeKind = Literal["plausibility", "sourced"]

VITAL_SIGN_FIELDS: tuple[str, ...] = (
    "systolic_mmhg",
    "diastolic_mmhg",
    "pulse_bpm",
    "spo2_pct",
    "respiratory_rate_per_min",
)


@dataclass(frozen=True, slots=True)
class VitalRange:
    """The range a vital sign may be entered in, with what it rests on.

    Parameters
    ----------
    field : str
        The input name, unit in the name (``systolic_mmhg``).
    label : str
        The clinic's words for it (``Systolic blood pressure``).
    interval : Interval
        The accepted values (closed, whole numbers).
    kind : {"plausibility", "sourced"}
        ``plausibility``: a DESIGN envelope against typing errors; ``sourced``: a range
        taken from a cited source (none yet).
    status : Status
        ``DESIGN`` for a plausibility range.
    basis : str
        Why the range is where it is.
    """

    field: str
    label: str
    interval: Interval
    kind: RangeKind
    status: Status
    basis: str

    def to_dict(self) -> JSONDict:
        return {
            "field": self.field,
            "label": self.label,
            "low": self.interval.low,
            "high": self.interval.high,
            "unit": self.interval.unit,
            "allowed": self.interval.describe(),
            "kind": self.kind,
            "status": self.status,
            "basis": self.basis,
        }


_MONITOR = (
    "Plausibility range (DESIGN, no clinical source): the widest values an outpatient "
    "monitor is expected to show in a living adult; outside it the entry is taken as a "
    "typing error."
)

VITAL_SIGN_RANGES: Mapping[str, VitalRange] = {
    "systolic_mmhg": VitalRange(
        "systolic_mmhg",
        "Systolic blood pressure",
        Interval(50, 300, unit="mmHg", integer=True),
        "plausibility",
        "DESIGN",
        _MONITOR + " A hypertensive crisis (above 180 mmHg) stays recordable.",
    ),
    "diastolic_mmhg": VitalRange(
        "diastolic_mmhg",
        "Diastolic blood pressure",
        Interval(20, 200, unit="mmHg", integer=True),
        "plausibility",
        "DESIGN",
        _MONITOR + " It must also be below the systolic pressure of the same reading.",
    ),
    "pulse_bpm": VitalRange(
        "pulse_bpm",
        "Pulse",
        Interval(20, 250, unit="beats/min", integer=True),
        "plausibility",
        "DESIGN",
        _MONITOR,
    ),
    "spo2_pct": VitalRange(
        "spo2_pct",
        "Oxygen saturation (SpO2)",
        Interval(50, 100, unit="%", integer=True),
        "plausibility",
        "DESIGN",
        _MONITOR + " 100 % is the physical maximum of a saturation.",
    ),
    "respiratory_rate_per_min": VitalRange(
        "respiratory_rate_per_min",
        "Respiratory rate",
        Interval(0, 80, unit="breaths/min", integer=True),
        "plausibility",
        "DESIGN",
        _MONITOR + " 0 (apnoea) is recordable: respiratory depression must never be refused.",
    ),
}
"""Every vital sign's entry range; all are DESIGN plausibility ranges (see the module)."""

VITAL_SIGN_LIMITS: Mapping[str, Interval] = {
    name: entry.interval for name, entry in VITAL_SIGN_RANGES.items()
}
"""The intervals of :data:`VITAL_SIGN_RANGES`, for :func:`~trdcare.core.checks.check_constraints`
and for HTML ``min``/``max`` attributes."""


@dataclass(frozen=True, slots=True)
class VitalSigns:
    """One accepted set of readings (any may be absent), as whole numbers."""

    systolic_mmhg: int | None = None
    diastolic_mmhg: int | None = None
    pulse_bpm: int | None = None
    spo2_pct: int | None = None
    respiratory_rate_per_min: int | None = None

    def to_dict(self) -> JSONDict:
        return {
            "systolic_mmhg": self.systolic_mmhg,
            "diastolic_mmhg": self.diastolic_mmhg,
            "pulse_bpm": self.pulse_bpm,
            "spo2_pct": self.spo2_pct,
            "respiratory_rate_per_min": self.respiratory_rate_per_min,
        }


def vital_sign_issues(
    issues: IssueCollector,
    *,
    prefix: str = "",
    systolic_mmhg: float | None = None,
    diastolic_mmhg: float | None = None,
    pulse_bpm: float | None = None,
    spo2_pct: float | None = None,
    respiratory_rate_per_min: float | None = None,
) -> None:
    """Add one issue per reading outside its range to ``issues`` (raise nothing).

    For a room that checks a whole record (several readings and other fields) and raises
    once. A diastolic pressure not below the systolic of the same reading is an issue of the
    diastolic field.
    """
    values = {
        "systolic_mmhg": systolic_mmhg,
        "diastolic_mmhg": diastolic_mmhg,
        "pulse_bpm": pulse_bpm,
        "spo2_pct": spo2_pct,
        "respiratory_rate_per_min": respiratory_rate_per_min,
    }
    in_range: dict[str, float] = {}
    for name, value in values.items():
        if value is None:
            continue
        interval = VITAL_SIGN_LIMITS[name]
        if interval.contains(value):
            in_range[name] = value
        else:
            issues.add(f"{prefix}{name}", "out of range", allowed=interval.describe(), given=value)
    systolic, diastolic = in_range.get("systolic_mmhg"), in_range.get("diastolic_mmhg")
    if systolic is not None and diastolic is not None and diastolic >= systolic:
        issues.add(
            f"{prefix}diastolic_mmhg",
            "must be lower than the systolic pressure",
            allowed=f"below {int(systolic)} mmHg",
            given=int(diastolic),
        )


def check_vital_signs(
    *,
    prefix: str = "",
    systolic_mmhg: float | None = None,
    diastolic_mmhg: float | None = None,
    pulse_bpm: float | None = None,
    spo2_pct: float | None = None,
    respiratory_rate_per_min: float | None = None,
) -> VitalSigns:
    """Accept readings inside :data:`VITAL_SIGN_RANGES`; refuse every one outside at once.

    Parameters
    ----------
    prefix : str
        Put before each field name in an issue (``"predose_"`` -> ``predose_systolic_mmhg``).
    systolic_mmhg, diastolic_mmhg : int, optional
        Blood pressure, mmHg; the diastolic must be below the systolic.
    pulse_bpm : int, optional
        Pulse, beats per minute.
    spo2_pct : int, optional
        Pulse-oximetry oxygen saturation, %.
    respiratory_rate_per_min : int, optional
        Breaths per minute.

    Returns
    -------
    VitalSigns
        The readings as whole numbers (absent ones ``None``).

    Raises
    ------
    InvalidInput
        One issue per reading outside its range (the bounds themselves are accepted) or a
        diastolic not below the systolic, each naming the field, the range and the value.
    """
    issues = IssueCollector()
    vital_sign_issues(
        issues,
        prefix=prefix,
        systolic_mmhg=systolic_mmhg,
        diastolic_mmhg=diastolic_mmhg,
        pulse_bpm=pulse_bpm,
        spo2_pct=spo2_pct,
        respiratory_rate_per_min=respiratory_rate_per_min,
    )
    issues.raise_if_any()

    def whole(value: float | None) -> int | None:
        return None if value is None else int(value)

    return VitalSigns(
        systolic_mmhg=whole(systolic_mmhg),
        diastolic_mmhg=whole(diastolic_mmhg),
        pulse_bpm=whole(pulse_bpm),
        spo2_pct=whole(spo2_pct),
        respiratory_rate_per_min=whole(respiratory_rate_per_min),
    )
