"""IV ketamine infusion-day rules (OFF-LABEL): pre-infusion blood pressure, the infusion's
length, observations and discharge.

* :func:`check_preinfusion_bp`: above 140/90 mmHg is a **warning that needs a physician's
  sign-off**, never a block (the esketamine label's threshold applied as a proxy: UNVERIFIED
  for IV ketamine; Sanacora 2017 says to treat an elevated baseline without a number).
* :func:`check_observation`: one set of readings during or after the infusion, each inside
  the shared physiological ranges (:mod:`trdcare.core.vitals`), with sedation, dissociation
  and respiratory depression present or not.
* :func:`discharge_readiness` / :func:`check_discharge`: at least the minimum observation
  after the end of the infusion (120 min, UNVERIFIED proxy) and sedation, dissociation and
  respiratory depression resolved; a discharge before that is refused naming the time.

References
----------
.. [1] modalities.md §1.6 Monitoring (Sanacora; UNVERIFIED: exact items not retrieved).
.. [2] modalities.md §1.2 Pre-dose BP threshold, Minimum observation and Discharge
   criteria (VERIFIED for esketamine; used here as a proxy, so UNVERIFIED).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from trdcare.core.clock import ensure_utc
from trdcare.core.errors import InvalidInput, IssueCollector
from trdcare.core.provenance import JSONDict, Reason, Status, reasons_status
from trdcare.core.vitals import VitalSigns, check_vital_signs
from trdcare.ketamine.domain.catalogue import load, off_label, reason

CRITERIA: tuple[str, ...] = ("sedation", "dissociation", "respiratory_depression")
OBSERVATION_PHASES: tuple[str, ...] = ("during", "after")

_CRITERION_WORDS = {
    "sedation": "Sedation has not resolved.",
    "dissociation": "Dissociation has not resolved.",
    "respiratory_depression": "Respiratory depression has not resolved.",
}


def _minute(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


@dataclass(frozen=True, slots=True)
class PreinfusionBpCheck:
    """The pre-infusion blood pressure against the (proxy) threshold: a warning only."""

    vitals: VitalSigns
    verdict: Literal["ok", "warning"]
    needs_physician_signoff: bool
    findings: tuple[str, ...]
    reasons: tuple[Reason, ...]

    @property
    def status(self) -> Status:
        return reasons_status(self.reasons)

    def to_dict(self) -> JSONDict:
        return {
            "vitals": self.vitals.to_dict(),
            "verdict": self.verdict,
            "needs_physician_signoff": self.needs_physician_signoff,
            "blocks_infusion": False,
            "findings": list(self.findings),
            "off_label": off_label(),
            "status": self.status,
            "reasons": [r.to_dict() for r in self.reasons],
        }


def check_preinfusion_bp(
    systolic_mmhg: float,
    diastolic_mmhg: float,
    pulse_bpm: float | None = None,
    spo2_pct: float | None = None,
) -> PreinfusionBpCheck:
    """Check the baseline readings before an infusion.

    Parameters
    ----------
    systolic_mmhg, diastolic_mmhg : int
        Baseline blood pressure, mmHg (required: Sanacora's baseline BP).
    pulse_bpm, spo2_pct : int, optional
        Baseline heart rate and saturation.

    Returns
    -------
    PreinfusionBpCheck
        ``verdict="warning"`` with ``needs_physician_signoff`` when systolic > 140 or
        diastolic > 90 mmHg (strictly above: 140/90 itself is ``"ok"``); never blocks.

    Raises
    ------
    InvalidInput
        A reading outside the shared physiological ranges (named ``predose_<field>``).

    Examples
    --------
    >>> check_preinfusion_bp(141, 80).verdict
    'warning'
    >>> check_preinfusion_bp(140, 90).verdict
    'ok'
    """
    vitals = check_vital_signs(
        prefix="predose_",
        systolic_mmhg=systolic_mmhg,
        diastolic_mmhg=diastolic_mmhg,
        pulse_bpm=pulse_bpm,
        spo2_pct=spo2_pct,
    )
    rule = load().preinfusion_blood_pressure
    systolic, diastolic = int(systolic_mmhg), int(diastolic_mmhg)
    findings: list[str] = []
    if systolic > rule.systolic_above_mmhg:
        findings.append(f"Systolic {systolic} mmHg is above {rule.systolic_above_mmhg} mmHg.")
    if diastolic > rule.diastolic_above_mmhg:
        findings.append(f"Diastolic {diastolic} mmHg is above {rule.diastolic_above_mmhg} mmHg.")
    elevated = bool(findings)
    if elevated:
        findings.append(
            "Elevated baseline blood pressure: treat it before infusing or record a "
            "physician's sign-off with a reason (a warning, not a block; threshold UNVERIFIED "
            "for IV ketamine)."
        )
    return PreinfusionBpCheck(
        vitals=vitals,
        verdict="warning" if elevated else "ok",
        needs_physician_signoff=elevated,
        findings=tuple(findings),
        reasons=(
            reason(
                "preinfusion_blood_pressure",
                rule,
                systolic_mmhg=systolic,
                diastolic_mmhg=diastolic,
                systolic_above_mmhg=rule.systolic_above_mmhg,
                diastolic_above_mmhg=rule.diastolic_above_mmhg,
            ),
            reason("monitoring", load().monitoring),
        ),
    )


@dataclass(frozen=True, slots=True)
class Observation:
    """One set of readings during or after the infusion."""

    at: datetime
    phase: str
    vitals: VitalSigns
    sedation: bool
    dissociation: bool
    respiratory_depression: bool
    note: str

    def to_dict(self) -> JSONDict:
        return {
            "at": self.at.isoformat(),
            "phase": self.phase,
            **self.vitals.to_dict(),
            "sedation": self.sedation,
            "dissociation": self.dissociation,
            "respiratory_depression": self.respiratory_depression,
            "note": self.note,
        }


def check_observation(
    at: datetime,
    *,
    started_at: datetime,
    ended_at: datetime | None,
    systolic_mmhg: float | None = None,
    diastolic_mmhg: float | None = None,
    pulse_bpm: float | None = None,
    spo2_pct: float | None = None,
    respiratory_rate_per_min: float | None = None,
    sedation: bool = False,
    dissociation: bool = False,
    respiratory_depression: bool = False,
    note: str = "",
) -> Observation:
    """Accept one observation of the infusion (BP, pulse and SpO2 monitored throughout).

    The readings must be inside the shared physiological ranges; the moment must not be
    before the infusion started. The phase (``during`` / ``after``) follows from the
    infusion's end.

    Raises
    ------
    InvalidInput
        A reading outside its range, or ``at`` before the start of the infusion.
    """
    start, when = ensure_utc(started_at), ensure_utc(at)
    if when < start:
        raise InvalidInput.single(
            "at",
            "is before the infusion started",
            allowed=f"on or after {_minute(start)}",
            given=_minute(when),
        )
    vitals = check_vital_signs(
        systolic_mmhg=systolic_mmhg,
        diastolic_mmhg=diastolic_mmhg,
        pulse_bpm=pulse_bpm,
        spo2_pct=spo2_pct,
        respiratory_rate_per_min=respiratory_rate_per_min,
    )
    phase = "after" if ended_at is not None and when >= ensure_utc(ended_at) else "during"
    return Observation(when, phase, vitals, sedation, dissociation, respiratory_depression, note)


def check_infusion_end(started_at: datetime, ended_at: datetime) -> int:
    """The infusion's length in whole minutes; an end not after the start is refused."""
    start, end = ensure_utc(started_at), ensure_utc(ended_at)
    if end <= start:
        raise InvalidInput.single(
            "ended_at",
            "must be after the start of the infusion",
            allowed=f"after {_minute(start)}",
            given=_minute(end),
        )
    return int((end - start).total_seconds() // 60)


@dataclass(frozen=True, slots=True)
class DischargeReadiness:
    """Whether the patient may leave, with every criterion still unmet."""

    ready: bool
    observed_min: int
    minimum_min: int
    earliest_discharge: datetime
    unmet: tuple[str, ...]
    reasons: tuple[Reason, ...]

    @property
    def status(self) -> Status:
        return reasons_status(self.reasons)

    def to_dict(self) -> JSONDict:
        return {
            "ready": self.ready,
            "observed_min": self.observed_min,
            "minimum_min": self.minimum_min,
            "earliest_discharge": self.earliest_discharge.isoformat(),
            "unmet": list(self.unmet),
            "status": self.status,
            "reasons": [r.to_dict() for r in self.reasons],
        }


def discharge_readiness(
    ended_at: datetime,
    now: datetime,
    *,
    sedation_resolved: bool,
    dissociation_resolved: bool,
    respiratory_depression_resolved: bool,
) -> DischargeReadiness:
    """Check the discharge criteria after an infusion.

    Parameters
    ----------
    ended_at : datetime
        End of the infusion (observation is counted from it).
    now : datetime
        The moment of the check or of the discharge.
    sedation_resolved, dissociation_resolved, respiratory_depression_resolved : bool
        The clinician's observations at discharge.

    Returns
    -------
    DischargeReadiness
        ``ready`` when at least the catalogue's minimum (120 min, UNVERIFIED proxy; exactly
        120:00 counts) has passed since the end of the infusion and all three resolved.
    """
    end, at = ensure_utc(ended_at), ensure_utc(now)
    data = load()
    minimum = timedelta(minutes=data.observation.minimum_after_infusion_min)
    elapsed = at - end
    observed = max(0, int(elapsed.total_seconds() // 60))
    unmet: list[str] = []
    if elapsed < minimum:
        unmet.append(
            f"Observed {observed} min after the infusion; at least "
            f"{data.observation.minimum_after_infusion_min} min are required (until "
            f"{_minute(end + minimum)})."
        )
    resolved = {
        "sedation": sedation_resolved,
        "dissociation": dissociation_resolved,
        "respiratory_depression": respiratory_depression_resolved,
    }
    unmet.extend(_CRITERION_WORDS[c] for c in data.discharge.must_resolve if not resolved[c])
    return DischargeReadiness(
        ready=not unmet,
        observed_min=observed,
        minimum_min=data.observation.minimum_after_infusion_min,
        earliest_discharge=end + minimum,
        unmet=tuple(unmet),
        reasons=(
            reason("minimum_observation", data.observation, observed_min=observed),
            reason("discharge_criteria", data.discharge, **resolved),
        ),
    )


def check_discharge(
    ended_at: datetime,
    discharged_at: datetime,
    *,
    sedation_resolved: bool,
    dissociation_resolved: bool,
    respiratory_depression_resolved: bool,
) -> DischargeReadiness:
    """:func:`discharge_readiness`, refusing a discharge that does not meet it.

    Raises
    ------
    InvalidInput
        ``discharged_at`` before the minimum observation has passed (allowed: on or after
        the earliest discharge), or a criterion not resolved (named by its field).
    """
    readiness = discharge_readiness(
        ended_at,
        discharged_at,
        sedation_resolved=sedation_resolved,
        dissociation_resolved=dissociation_resolved,
        respiratory_depression_resolved=respiratory_depression_resolved,
    )
    if readiness.ready:
        return readiness
    issues = IssueCollector()
    at = ensure_utc(discharged_at)
    if at < readiness.earliest_discharge:
        issues.add(
            "discharged_at",
            f"is before the end of the minimum observation ({readiness.minimum_min} min "
            "after the infusion ended)",
            allowed=f"on or after {_minute(readiness.earliest_discharge)}",
            given=_minute(at),
        )
    for criterion, done in (
        ("sedation", sedation_resolved),
        ("dissociation", dissociation_resolved),
        ("respiratory_depression", respiratory_depression_resolved),
    ):
        if not done and criterion in load().discharge.must_resolve:
            issues.add(
                f"{criterion}_resolved",
                _CRITERION_WORDS[criterion].replace(".", "") + ": discharge waits for it",
                allowed="resolved",
                given="not resolved",
            )
    issues.raise_if_any(InvalidInput)
    return readiness
