"""Esketamine session safety rules: dose steps, pre-dose blood pressure, discharge, REMS form.

* :func:`check_dose`: the dose must be one of the US label's doses for the population and
  phase, given as that many 28 mg devices (5 minutes' rest between devices).
* :func:`check_predose_bp`: above 140 mmHg systolic or 90 mmHg diastolic is a **warning that
  needs a prescriber's sign-off**, never a block (the label sets no absolute hold).
* :func:`discharge_readiness`: at least 2 hours of monitoring and sedation, dissociation and
  respiratory depression resolved; every unmet criterion is listed.
* :func:`check_discharge_bp`: a blood pressure still elevated at discharge is a **warning the
  discharging clinician confirms** (keep monitoring; emergency care for a hypertensive crisis),
  UNVERIFIED: the reference gives no number of its own.
* :func:`rems_form_due`: the REMS Patient Monitoring Form is due within 7 days of the
  session.

Vital signs are first checked against the shared plausibility ranges of
:mod:`trdcare.core.vitals` (DESIGN: they refuse typing errors; they are not clinical
thresholds); ``VITAL_SIGN_LIMITS`` and ``check_vital_signs`` are re-exported from there.

References
----------
.. [1] modalities.md §1.1 Device and dosing (VERIFIED: MIMS HK; Medscape; RxList).
.. [2] modalities.md §1.2 Pre-dose BP threshold (VERIFIED, secondary wording: droracle;
   Oncology Nurse Advisor), minimum observation (VERIFIED: label mirror; Epocrates; FDA
   REMS) and discharge criteria (VERIFIED, REMS objective: FDA REMS page); hypertensive BP
   at discharge (UNVERIFIED: exact label wording not retrieved).
.. [3] modalities.md §1.4 Patient Monitoring Form within 7 days (VERIFIED: J&J Medical
   Connect transcript).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from trdcare.core.checks import Interval, check_constraints, check_option
from trdcare.core.clock import ensure_utc
from trdcare.core.errors import InvalidInput
from trdcare.core.provenance import JSONDict, Reason, Status, reasons_status
from trdcare.core.vitals import check_vital_signs
from trdcare.esketamine.domain.catalogue import label_dict, load, sources_of
from trdcare.esketamine.domain.data_schema import DosePhase, Population

DOSE_PHASES: tuple[DosePhase, ...] = (
    "induction_day_1",
    "induction",
    "maintenance_weeks_5_to_8",
    "maintenance_week_9_on",
)
POPULATIONS: tuple[Population, ...] = ("trd", "mdd_suicidal")

DOSE_LIMITS: Mapping[str, Interval] = {
    "dose_mg": Interval(0, None, closed="neither", unit="mg", integer=True),
    "devices": Interval(1, None, unit="devices", integer=True),
}
"""Shape of a dose before the label's steps are checked (DESIGN)."""


# -- dose -----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class DoseCheck:
    """A dose accepted for its population and phase, with how to give it."""

    dose_mg: int
    devices: int
    phase: DosePhase
    population: Population
    rest_between_devices_min: int
    minimum_administration_min: int
    reasons: tuple[Reason, ...]

    @property
    def status(self) -> Status:
        return reasons_status(self.reasons)

    def to_dict(self) -> JSONDict:
        return {
            "dose_mg": self.dose_mg,
            "devices": self.devices,
            "phase": self.phase,
            "population": self.population,
            "rest_between_devices_min": self.rest_between_devices_min,
            "minimum_administration_min": self.minimum_administration_min,
            "label": dict(label_dict()),
            "status": self.status,
            "reasons": [r.to_dict() for r in self.reasons],
        }


def _mg(doses: tuple[int, ...]) -> str:
    words = [str(d) for d in doses]
    text = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]
    return f"{text} mg"


def check_dose(dose_mg: float, devices: float, phase: str, *, population: str = "trd") -> DoseCheck:
    """Accept a dose only if it is a label dose for the phase, given in the right devices.

    Parameters
    ----------
    dose_mg : int
        The dose, mg.
    devices : int
        How many 28 mg devices are used (each device is 2 sprays).
    phase : {"induction_day_1", "induction", "maintenance_weeks_5_to_8", "maintenance_week_9_on"}
        Where the session falls in the course.
    population : {"trd", "mdd_suicidal"}
        Treatment-resistant depression, or MDD with acute suicidal ideation or behaviour (whose
        label course is 4 weeks of induction only).

    Returns
    -------
    DoseCheck
        The accepted dose, its devices, the 5-minute rest between devices and the shortest
        time to give them (``(devices - 1) * 5`` minutes), with sources.

    Raises
    ------
    InvalidInput
        A dose that is not one of the label's doses for the population and phase (e.g. 28 mg,
        which the US label does not give in any phase; the Hong Kong label's 28 mg start at
        65 or over is UNVERIFIED for the US and not applied), a device count that does not
        make the dose, or a phase the label gives no dose for in that population.

    References
    ----------
    .. [1] modalities.md §1.1 Device, TRD induction and maintenance, MDD with acute suicidal
       ideation/behaviour (VERIFIED).
    """
    check_option("population", population, POPULATIONS)
    check_option("phase", phase, DOSE_PHASES)
    check_constraints({"dose_mg": dose_mg, "devices": devices}, DOSE_LIMITS)
    data = load()
    step = next((s for s in data.doses if s.population == population and s.phase == phase), None)
    if step is None:
        given_for = [s.phase for s in data.doses if s.population == population]
        raise InvalidInput.single(
            "phase",
            f"the label gives no dose for this phase in population {population} "
            "(use beyond the label's course has not been systematically evaluated)",
            allowed=", ".join(given_for),
            given=phase,
        )
    dose = int(dose_mg)
    if dose not in step.doses_mg:
        raise InvalidInput.single(
            "dose_mg",
            f"is not a label dose for {phase.replace('_', ' ')} ({population})",
            allowed=_mg(step.doses_mg),
            given=dose,
        )
    device = data.device
    needed = dose // device.mg_per_device
    if int(devices) != needed:
        raise InvalidInput.single(
            "devices",
            f"{dose} mg is {needed} device(s) of {device.mg_per_device} mg",
            allowed=str(needed),
            given=int(devices),
        )
    reasons = (
        Reason(
            rule="label_dose_step",
            finding=step.text,
            inputs={"dose_mg": dose, "phase": phase, "population": population},
            sources=sources_of(step.sources, step.status, where=step.where, tag=step.tag),
        ),
        Reason(
            rule="device_and_rest",
            finding=device.text,
            inputs={"devices": needed},
            sources=sources_of(device.sources, device.status, where=device.where, tag=device.tag),
        ),
    )
    return DoseCheck(
        dose_mg=dose,
        devices=needed,
        phase=step.phase,
        population=step.population,
        rest_between_devices_min=device.rest_between_devices_min,
        minimum_administration_min=(needed - 1) * device.rest_between_devices_min,
        reasons=reasons,
    )


# -- pre-dose blood pressure ----------------------------------------------------------------
BpVerdict = Literal["ok", "warning"]


@dataclass(frozen=True, slots=True)
class PredoseBpCheck:
    """The pre-dose blood pressure against the label's threshold (a warning, never a block)."""

    systolic_mmhg: int
    diastolic_mmhg: int
    verdict: BpVerdict
    needs_prescriber_signoff: bool
    findings: tuple[str, ...]
    reasons: tuple[Reason, ...]

    @property
    def status(self) -> Status:
        return reasons_status(self.reasons)

    def to_dict(self) -> JSONDict:
        return {
            "systolic_mmhg": self.systolic_mmhg,
            "diastolic_mmhg": self.diastolic_mmhg,
            "verdict": self.verdict,
            "needs_prescriber_signoff": self.needs_prescriber_signoff,
            "blocks_dosing": False,
            "findings": list(self.findings),
            "label": dict(label_dict()),
            "status": self.status,
            "reasons": [r.to_dict() for r in self.reasons],
        }


def check_predose_bp(systolic_mmhg: float, diastolic_mmhg: float) -> PredoseBpCheck:
    """Warn when the pre-dose blood pressure is above the label's threshold.

    Parameters
    ----------
    systolic_mmhg, diastolic_mmhg : int
        The pre-dose reading, mmHg (whole numbers within
        :data:`trdcare.core.vitals.VITAL_SIGN_LIMITS`).

    Returns
    -------
    PredoseBpCheck
        ``verdict="warning"`` with ``needs_prescriber_signoff`` when systolic > 140 or
        diastolic > 90 (strictly above: 140/90 itself is ``"ok"``), with one finding per
        elevated value; dosing is never blocked by this check.

    Raises
    ------
    InvalidInput
        A value outside the DESIGN input bounds or a diastolic not below the systolic.

    References
    ----------
    .. [1] modalities.md §1.2 Pre-dose BP threshold: ">140 mmHg systolic or >90 mmHg
       diastolic"; "implement it as a warning that needs prescriber sign-off, not a hard
       block" (VERIFIED, secondary wording: droracle; Oncology Nurse Advisor).
    """
    check_vital_signs(systolic_mmhg=systolic_mmhg, diastolic_mmhg=diastolic_mmhg)
    rule = load().predose_blood_pressure
    systolic, diastolic = int(systolic_mmhg), int(diastolic_mmhg)
    findings: list[str] = []
    if systolic > rule.systolic_above_mmhg:
        findings.append(f"Systolic {systolic} mmHg is above {rule.systolic_above_mmhg} mmHg.")
    if diastolic > rule.diastolic_above_mmhg:
        findings.append(f"Diastolic {diastolic} mmHg is above {rule.diastolic_above_mmhg} mmHg.")
    elevated = bool(findings)
    if elevated:
        findings.append(
            "Weigh the risk of a short-term rise in blood pressure against the benefit; "
            "a prescriber must sign off before dosing."
        )
    reason = Reason(
        rule="predose_blood_pressure",
        finding=rule.text,
        inputs={
            "systolic_mmhg": systolic,
            "diastolic_mmhg": diastolic,
            "systolic_above_mmhg": rule.systolic_above_mmhg,
            "diastolic_above_mmhg": rule.diastolic_above_mmhg,
        },
        sources=sources_of(rule.sources, rule.status, where=rule.where, tag=rule.tag),
    )
    return PredoseBpCheck(
        systolic_mmhg=systolic,
        diastolic_mmhg=diastolic,
        verdict="warning" if elevated else "ok",
        needs_prescriber_signoff=elevated,
        findings=tuple(findings),
        reasons=(reason,),
    )


# -- discharge ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class DischargeReadiness:
    """Whether the patient may leave, with every criterion still unmet."""

    ready: bool
    monitored_min: int
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
            "monitored_min": self.monitored_min,
            "minimum_min": self.minimum_min,
            "earliest_discharge": self.earliest_discharge.isoformat(),
            "unmet": list(self.unmet),
            "status": self.status,
            "reasons": [r.to_dict() for r in self.reasons],
        }


_CRITERION_WORDS = {
    "sedation": "Sedation has not resolved.",
    "dissociation": "Dissociation has not resolved.",
    "respiratory_depression": "Respiratory depression has not resolved.",
}


def discharge_readiness(
    monitoring_start: datetime,
    now: datetime,
    *,
    sedation_resolved: bool,
    dissociation_resolved: bool,
    respiratory_depression_resolved: bool,
) -> DischargeReadiness:
    """Check the label's discharge criteria after a dose.

    Parameters
    ----------
    monitoring_start : datetime
        When post-dose monitoring began (naive times are taken as UTC).
    now : datetime
        The moment of the check (passed in; the domain never reads the clock).
    sedation_resolved, dissociation_resolved, respiratory_depression_resolved : bool
        The clinician's observations.

    Returns
    -------
    DischargeReadiness
        ``ready`` only when at least 120 minutes have passed (exactly 2:00:00 counts) and all
        three have resolved; ``unmet`` lists every criterion not met. Clinical stability and a
        safe way home (no driving) remain the clinician's judgement, stated in the reasons.

    Raises
    ------
    InvalidInput
        ``now`` before ``monitoring_start``.

    References
    ----------
    .. [1] modalities.md §1.2 Minimum observation (VERIFIED: label mirror; Epocrates; FDA
       REMS) and Discharge criteria (VERIFIED, REMS objective: FDA REMS page).
    """
    start, at = ensure_utc(monitoring_start), ensure_utc(now)
    if at < start:
        raise InvalidInput.single(
            "now",
            "is before the start of monitoring",
            allowed=f"on or after {start.isoformat()}",
            given=at.isoformat(),
        )
    data = load()
    observation, discharge = data.observation, data.discharge
    minimum = timedelta(minutes=observation.minimum_min)
    elapsed = at - start
    unmet: list[str] = []
    if elapsed < minimum:
        monitored = int(elapsed.total_seconds() // 60)
        unmet.append(
            f"Monitored {monitored} min; at least {observation.minimum_min} min are required "
            f"(until {(start + minimum).isoformat()})."
        )
    resolved = {
        "sedation": sedation_resolved,
        "dissociation": dissociation_resolved,
        "respiratory_depression": respiratory_depression_resolved,
    }
    unmet.extend(_CRITERION_WORDS[c] for c in discharge.must_resolve if not resolved[c])
    reasons = (
        Reason(
            rule="minimum_observation",
            finding=observation.text,
            inputs={"monitored_min": int(elapsed.total_seconds() // 60)},
            sources=sources_of(
                observation.sources,
                observation.status,
                where=observation.where,
                tag=observation.tag,
            ),
        ),
        Reason(
            rule="discharge_criteria",
            finding=discharge.text,
            inputs=resolved,
            sources=sources_of(
                discharge.sources, discharge.status, where=discharge.where, tag=discharge.tag
            ),
        ),
    )
    return DischargeReadiness(
        ready=not unmet,
        monitored_min=int(elapsed.total_seconds() // 60),
        minimum_min=observation.minimum_min,
        earliest_discharge=start + minimum,
        unmet=tuple(unmet),
        reasons=reasons,
    )


# -- blood pressure at discharge ------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class DischargeBpCheck:
    """The blood pressure at discharge against the elevated threshold (a warning the
    discharging clinician confirms, never a block)."""

    systolic_mmhg: int
    diastolic_mmhg: int
    verdict: BpVerdict
    needs_review: bool
    findings: tuple[str, ...]
    reasons: tuple[Reason, ...]

    @property
    def status(self) -> Status:
        return reasons_status(self.reasons)


def check_discharge_bp(systolic_mmhg: float, diastolic_mmhg: float) -> DischargeBpCheck:
    """Warn when the blood pressure is still elevated at discharge.

    Parameters
    ----------
    systolic_mmhg, diastolic_mmhg : float
        The reading at discharge, mmHg (whole numbers within
        :data:`trdcare.core.vitals.VITAL_SIGN_LIMITS`).

    Returns
    -------
    DischargeBpCheck
        ``verdict="warning"`` with ``needs_review`` when systolic or diastolic is strictly above
        the data file's ``discharge_blood_pressure`` threshold (140/90 mmHg itself is ``"ok"``),
        one finding per elevated value plus what to do; discharge is never blocked by the
        reading itself, only by an unconfirmed review.

    Raises
    ------
    InvalidInput
        A value outside the plausibility ranges or a diastolic not below the systolic.

    References
    ----------
    .. [1] modalities.md §1.2 Hypertensive BP at discharge: "If BP is still elevated, keep
       monitoring; refer for emergency care if hypertensive crisis or hypertensive
       encephalopathy symptoms appear" (UNVERIFIED, exact label wording not retrieved). The
       threshold for "still elevated" is the pre-dose one (§1.2 Pre-dose BP threshold), a
       trdcare choice kept configurable in the data file.
    """
    check_vital_signs(systolic_mmhg=systolic_mmhg, diastolic_mmhg=diastolic_mmhg)
    rule = load().discharge_blood_pressure
    systolic, diastolic = int(systolic_mmhg), int(diastolic_mmhg)
    findings: list[str] = []
    if systolic > rule.systolic_above_mmhg:
        findings.append(f"Systolic {systolic} mmHg is above {rule.systolic_above_mmhg} mmHg.")
    if diastolic > rule.diastolic_above_mmhg:
        findings.append(f"Diastolic {diastolic} mmHg is above {rule.diastolic_above_mmhg} mmHg.")
    elevated = bool(findings)
    if elevated:
        findings.append(
            "Blood pressure is still elevated: keep monitoring, and refer for emergency care "
            "if a hypertensive crisis or symptoms of hypertensive encephalopathy appear."
        )
    reason = Reason(
        rule="discharge_blood_pressure",
        finding=rule.text,
        inputs={
            "systolic_mmhg": systolic,
            "diastolic_mmhg": diastolic,
            "systolic_above_mmhg": rule.systolic_above_mmhg,
            "diastolic_above_mmhg": rule.diastolic_above_mmhg,
        },
        sources=sources_of(rule.sources, rule.status, where=rule.where, tag=rule.tag),
    )
    return DischargeBpCheck(
        systolic_mmhg=systolic,
        diastolic_mmhg=diastolic,
        verdict="warning" if elevated else "ok",
        needs_review=elevated,
        findings=tuple(findings),
        reasons=(reason,),
    )


# -- REMS monitoring form -------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class RemsFormDeadline:
    """When the REMS Patient Monitoring Form of a session is due."""

    session_date: date
    due: date
    reasons: tuple[Reason, ...]

    def overdue(self, today: date) -> bool:
        """Overdue from the day after :attr:`due` (the due day itself is on time)."""
        return today > self.due

    def to_dict(self) -> JSONDict:
        return {
            "session_date": self.session_date.isoformat(),
            "due": self.due.isoformat(),
            "status": reasons_status(self.reasons),
            "reasons": [r.to_dict() for r in self.reasons],
        }


def rems_form_due(session_date: date) -> RemsFormDeadline:
    """The last day to submit the session's REMS Patient Monitoring Form.

    Parameters
    ----------
    session_date : date
        Day of the treatment session.

    Returns
    -------
    RemsFormDeadline
        ``due = session_date + 7 days`` ("within 7 days"); a form submitted on the due day is
        on time, from the next day it is overdue.

    References
    ----------
    .. [1] modalities.md §1.4 Patient Monitoring Form: complete after every session, submit
       within 7 days (VERIFIED: J&J Medical Connect transcript).
    """
    form = load().rems_monitoring_form
    return RemsFormDeadline(
        session_date=session_date,
        due=session_date + timedelta(days=form.submit_within_days),
        reasons=(
            Reason(
                rule="rems_monitoring_form",
                finding=form.text,
                inputs={"session_date": session_date.isoformat()},
                sources=sources_of(form.sources, form.status, where=form.where, tag=form.tag),
            ),
        ),
    )
