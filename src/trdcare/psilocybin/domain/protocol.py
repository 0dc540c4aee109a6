"""Psilocybin protocol rules (RESEARCH PROTOCOL OR REGULATED PROGRAMME ONLY).

* :func:`screen`: every exclusion question answered; a VERIFIED exclusion answered yes
  excludes, an UNVERIFIED one needs a physician's review; below the programme's minimum age
  excludes (18 in a research protocol, 21 in Oregon's programme).
* :func:`washout_check`: every current antidepressant or augmenting agent in the record
  must have stopped at least the protocol's washout days before dosing (length UNVERIFIED,
  14 days by default, configurable per enrolment).
* :func:`check_dose`, :func:`check_preparation`, :func:`vitals_schedule`,
  :func:`check_observation`, :func:`check_dosing_discharge`: the dosing-day record.

References
----------
.. [1] modalities.md §4.2 Common eligibility / exclusion rules.
.. [2] modalities.md §4.1 Design (25 / 10 / 1 mg), §4.3 Session structure and time course.
.. [3] modalities.md §4.4 Oregon: preparation 24 h to 90 days before administration.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Literal

from trdcare.core.checks import Interval, check_constraints, check_option
from trdcare.core.clock import ensure_utc
from trdcare.core.errors import InvalidInput, IssueCollector
from trdcare.core.provenance import JSONDict, Reason, Source, Status, reasons_status
from trdcare.core.vitals import VitalSigns, check_vital_signs
from trdcare.psilocybin.domain.catalogue import (
    PROGRAMMES,
    load,
    programme,
    reason,
    restriction,
)

Verdict = Literal["eligible", "needs_review", "excluded"]


def _minute(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def exclusion_questions() -> tuple[tuple[str, str, str, str], ...]:
    """(id, question, effect, status) of every screening question, in order."""
    return tuple((e.id, e.question, e.effect, e.status) for e in load().exclusions)


# -- screening ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ScreenResult:
    programme: str
    verdict: Verdict
    findings: tuple[JSONDict, ...]
    reasons: tuple[Reason, ...]

    @property
    def status(self) -> Status:
        return reasons_status(self.reasons)

    def to_dict(self) -> JSONDict:
        return {
            "programme": self.programme,
            "verdict": self.verdict,
            "findings": list(self.findings),
            "restriction": restriction(),
            "status": self.status,
            "reasons": [r.to_dict() for r in self.reasons],
        }


def screen(
    answers: Mapping[str, bool | None], *, programme_id: str, age_years: int
) -> ScreenResult:
    """Screen a candidate against the exclusions and the programme's minimum age.

    Parameters
    ----------
    answers : mapping of str to bool
        One yes/no answer per question of :func:`exclusion_questions` (all required).
    programme_id : {"research_protocol", "regulated_programme"}
    age_years : int
        Age on the day of screening (from the record's date of birth).

    Returns
    -------
    ScreenResult
        ``excluded`` when a VERIFIED exclusion is answered yes or the age is below the
        programme's minimum; else ``needs_review`` when an UNVERIFIED one is answered yes
        (a physician weighs it against the protocol); else ``eligible``. Each finding names
        its question, answer, effect and status.

    Raises
    ------
    InvalidInput
        An unanswered or unknown question, an unknown programme.
    """
    check_option("programme", programme_id, PROGRAMMES)
    data = load()
    issues = IssueCollector()
    known = {e.id for e in data.exclusions}
    for key in answers:
        if key not in known:
            issues.add(key, "is not a screening question", allowed=", ".join(sorted(known)))
    for e in data.exclusions:
        if answers.get(e.id) is None:
            issues.add(e.id, "is not answered", allowed="yes or no")
    issues.raise_if_any(InvalidInput)
    prog = programme(programme_id)
    findings: list[JSONDict] = []
    reasons: list[Reason] = [reason("programme", prog, min_age_years=prog.min_age_years)]
    excluded = age_years < prog.min_age_years
    if excluded:
        findings.append(
            {
                "id": "age",
                "question": f"Age {prog.min_age_years} or over?",
                "answer": False,
                "effect": "exclude",
                "status": prog.status,
                "text": f"Age {age_years} is below the programme's minimum of "
                f"{prog.min_age_years}.",
            }
        )
    review = False
    for e in data.exclusions:
        if answers[e.id]:
            findings.append(
                {
                    "id": e.id,
                    "question": e.question,
                    "answer": True,
                    "effect": e.effect,
                    "status": e.status,
                    "text": e.text,
                }
            )
            reasons.append(reason(e.id, e))
            excluded = excluded or e.effect == "exclude"
            review = review or e.effect == "review"
    verdict: Verdict = "excluded" if excluded else "needs_review" if review else "eligible"
    return ScreenResult(programme_id, verdict, tuple(findings), tuple(reasons))


# -- washout --------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Medication:
    """A medication from the record: its name, kind and last day (``None`` while taken)."""

    name: str
    kind: str
    stopped_on: date | None


@dataclass(frozen=True, slots=True)
class WashoutCheck:
    on: date
    washout_days: int
    complete: bool
    pending: tuple[JSONDict, ...]
    reasons: tuple[Reason, ...]

    @property
    def status(self) -> Status:
        return reasons_status(self.reasons)

    def to_dict(self) -> JSONDict:
        return {
            "on": self.on.isoformat(),
            "washout_days": self.washout_days,
            "complete": self.complete,
            "pending": list(self.pending),
            "status": self.status,
            "reasons": [r.to_dict() for r in self.reasons],
        }


def washout_limits() -> Mapping[str, Interval]:
    w = load().washout
    return {"washout_days": Interval(w.min_days, w.max_days, unit="days", integer=True)}


def washout_check(
    medications: Sequence[Medication], *, on: date, washout_days: float | None = None
) -> WashoutCheck:
    """Check the washout of every antidepressant and augmenting agent before ``on``.

    A medication still taken, or stopped fewer than ``washout_days`` days before ``on``,
    is pending, with the first day it would be clear (``stopped_on + washout_days + 1``;
    a drug stopped exactly ``washout_days`` days before is clear).

    Raises
    ------
    InvalidInput
        ``washout_days`` outside the catalogue's range (0-90 days).
    """
    rule = load().washout
    days = rule.default_days if washout_days is None else washout_days
    check_constraints({"washout_days": days}, washout_limits())
    n = int(days)
    pending: list[JSONDict] = []
    for med in medications:
        if med.kind not in rule.applies_to:
            continue
        if med.stopped_on is None:
            pending.append(
                {
                    "name": med.name,
                    "kind": med.kind,
                    "stopped_on": None,
                    "clear_from": None,
                    "text": f"{med.name} is still taken: stop it at least {n} days before dosing.",
                }
            )
        elif (on - med.stopped_on).days < n:
            clear = med.stopped_on + timedelta(days=n)
            pending.append(
                {
                    "name": med.name,
                    "kind": med.kind,
                    "stopped_on": med.stopped_on.isoformat(),
                    "clear_from": clear.isoformat(),
                    "text": f"{med.name} stopped {med.stopped_on.isoformat()}: {n} days of washout "
                    f"end on {clear.isoformat()}.",
                }
            )
    reasons = (
        reason("washout", rule, washout_days=n, checked=len(medications)),
        Reason(
            rule="washout_days",
            finding=f"Washout of {n} days for this enrolment.",
            inputs={"washout_days": n},
            sources=(
                Source(
                    "protocol setting" if washout_days is not None else "catalogue default",
                    "UNVERIFIED",
                ),
            ),
        ),
    )
    return WashoutCheck(on, n, not pending, tuple(pending), reasons)


# -- dosing day -----------------------------------------------------------------------------
def check_dose(dose_mg: float) -> float:
    """Accept a dose only if it is one of the catalogue's doses (25, 10 or 1 mg)."""
    doses = load().dose.doses_mg
    if isinstance(dose_mg, bool) or float(dose_mg) not in doses:
        raise InvalidInput.single(
            "dose_mg",
            "is not a dose of the protocol catalogue",
            allowed=", ".join(f"{d:g}" for d in doses) + " mg",
            given=dose_mg,
        )
    return float(dose_mg)


def check_dosing_count(already: int) -> None:
    limit = load().dose.max_dosing_sessions
    if already >= limit:
        raise InvalidInput.single(
            "dosing_day",
            f"the protocol structure has at most {limit} drug sessions",
            allowed=f"at most {limit}",
            given=already + 1,
        )


def check_preparation(
    programme_id: str, preparations: Sequence[datetime], administered_at: datetime
) -> None:
    """Refuse a dose without the preparation the structure and the programme require.

    At least one preparation session before the dose (VERIFIED structure); in the
    regulated programme, one held at least 24 hours and at most 90 days before it (Oregon,
    VERIFIED).
    """
    at = ensure_utc(administered_at)
    before = [ensure_utc(p) for p in preparations if ensure_utc(p) < at]
    need = load().preparation.min_sessions_before_dosing
    if len(before) < need:
        raise InvalidInput.single(
            "administered_at",
            "no preparation session is recorded before the dose",
            allowed=f"at least {need} preparation session(s) before dosing",
            given=_minute(at),
        )
    window = programme(programme_id).prep_window
    if window is None:
        return
    earliest = at - timedelta(days=window.max_days_before)
    latest = at - timedelta(hours=window.min_hours_before)
    if not any(earliest <= p <= latest for p in before):
        raise InvalidInput.single(
            "administered_at",
            f"needs a preparation session {window.min_hours_before} hours to "
            f"{window.max_days_before} days before (regulated programme)",
            allowed=f"a preparation session between {_minute(earliest)} and {_minute(latest)}",
            given=_minute(at),
        )


def vitals_schedule(administered_at: datetime) -> list[str]:
    """When readings are due (the catalogue's minutes after the dose; UNVERIFIED)."""
    at = ensure_utc(administered_at)
    return [
        (at + timedelta(minutes=m)).isoformat() for m in load().vitals_schedule.minutes_after_dose
    ]


@dataclass(frozen=True, slots=True)
class DosingObservation:
    at: datetime
    minutes_after_dose: int
    vitals: VitalSigns
    effects_present: bool
    note: str

    def to_dict(self) -> JSONDict:
        return {
            "at": self.at.isoformat(),
            "minutes_after_dose": self.minutes_after_dose,
            **self.vitals.to_dict(),
            "effects_present": self.effects_present,
            "note": self.note,
        }


def check_observation(
    at: datetime,
    *,
    administered_at: datetime,
    systolic_mmhg: float | None = None,
    diastolic_mmhg: float | None = None,
    pulse_bpm: float | None = None,
    spo2_pct: float | None = None,
    respiratory_rate_per_min: float | None = None,
    effects_present: bool = True,
    note: str = "",
) -> DosingObservation:
    """One set of readings of the dosing day (not before the dose; shared ranges)."""
    dose_at, when = ensure_utc(administered_at), ensure_utc(at)
    if when < dose_at:
        raise InvalidInput.single(
            "at",
            "is before the dose",
            allowed=f"on or after {_minute(dose_at)}",
            given=_minute(when),
        )
    vitals = check_vital_signs(
        systolic_mmhg=systolic_mmhg,
        diastolic_mmhg=diastolic_mmhg,
        pulse_bpm=pulse_bpm,
        spo2_pct=spo2_pct,
        respiratory_rate_per_min=respiratory_rate_per_min,
    )
    minutes = int((when - dose_at).total_seconds() // 60)
    return DosingObservation(when, minutes, vitals, effects_present, note)


@dataclass(frozen=True, slots=True)
class DosingDischarge:
    monitored_min: int
    minimum_min: int
    earliest_discharge: datetime
    reasons: tuple[Reason, ...]

    def to_dict(self) -> JSONDict:
        return {
            "monitored_min": self.monitored_min,
            "minimum_min": self.minimum_min,
            "earliest_discharge": self.earliest_discharge.isoformat(),
            "status": reasons_status(self.reasons),
            "reasons": [r.to_dict() for r in self.reasons],
        }


def check_dosing_discharge(
    administered_at: datetime,
    discharged_at: datetime,
    *,
    effects_resolved: bool,
    support_person_present: bool,
) -> DosingDischarge:
    """Refuse leaving before 6 hours after the dose, before the effects resolved, or
    without the support person for the way home.

    Raises
    ------
    InvalidInput
        One issue per unmet criterion: ``discharged_at`` (allowed: on or after dose + 360
        min; exactly 6:00 counts), ``effects_resolved``, ``support_person_present``.
    """
    data = load()
    dose_at, at = ensure_utc(administered_at), ensure_utc(discharged_at)
    minimum = timedelta(minutes=data.monitoring.minimum_after_dose_min)
    issues = IssueCollector()
    if at < dose_at + minimum:
        issues.add(
            "discharged_at",
            f"is before the end of monitoring ({data.monitoring.minimum_after_dose_min} min "
            "after the dose)",
            allowed=f"on or after {_minute(dose_at + minimum)}",
            given=_minute(at),
        )
    if not effects_resolved:
        issues.add(
            "effects_resolved",
            "the effects have not resolved: monitoring continues",
            allowed="resolved",
            given="not resolved",
        )
    if not support_person_present:
        issues.add(
            "support_person_present",
            "the support person for the way home is not present",
            allowed="present",
            given="not present",
        )
    issues.raise_if_any(InvalidInput)
    return DosingDischarge(
        monitored_min=int((at - dose_at).total_seconds() // 60),
        minimum_min=data.monitoring.minimum_after_dose_min,
        earliest_discharge=dose_at + minimum,
        reasons=(
            reason("monitoring_window", data.monitoring),
            reason("support_person", data.support_person),
        ),
    )
