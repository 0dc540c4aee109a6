"""Treatment-history types: the current episode and the trials, courses and their outcomes.

All types are frozen. Constructors check context-free invariants (known option values,
positive doses, end not before start) and raise one :class:`~trdcare.core.errors.InvalidInput`
listing every issue; :func:`~trdcare.history.domain.parsing.parse_history` adds the checks
that need context (catalogue names, dates relative to today and to the episode).

Outcome vocabulary (clinician-rated): ``no_response`` (the criteria's "failure" band; under
EU-PEARL less than 25% improvement), ``partial_response`` (under EU-PEARL 25-49%
improvement, "partially responsive depression"; the exact PRD wording was not seen, so that
reading is UNVERIFIED; the Canadian 2021 criteria count it as non-response, <50%),
``response``, ``remission``, ``intolerance`` (stopped for side effects), ``ongoing`` (no
outcome yet). Which outcomes count as failure is a property of the adequacy criteria.

References
----------
.. [1] clinical-scales.md section 1a: Sforzini 2022 [S7] (<25% improvement; VERIFIED; PRD
   25-49% UNVERIFIED); Rybak 2021 [S8] (non-response <50%; VERIFIED).
.. [2] clinical-scales.md section 1c: MSM severity categories [S1] (VERIFIED).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final, Literal, TypeGuard

from trdcare.core.errors import IssueCollector

Severity = Literal[
    "subsyndromal", "mild", "moderate", "severe_without_psychosis", "severe_with_psychosis"
]
SEVERITIES: Final[tuple[Severity, ...]] = (
    "subsyndromal",
    "mild",
    "moderate",
    "severe_without_psychosis",
    "severe_with_psychosis",
)
Adherence = Literal["good", "partial", "poor", "unknown"]
ADHERENCE: Final[tuple[Adherence, ...]] = ("good", "partial", "poor", "unknown")
Outcome = Literal[
    "no_response", "partial_response", "response", "remission", "intolerance", "ongoing"
]
OUTCOMES: Final[tuple[Outcome, ...]] = (
    "no_response",
    "partial_response",
    "response",
    "remission",
    "intolerance",
    "ongoing",
)
ElectrodePlacement = Literal[
    "right_unilateral", "bilateral", "bifrontal", "left_unilateral", "unknown"
]
ELECTRODE_PLACEMENTS: Final[tuple[ElectrodePlacement, ...]] = (
    "right_unilateral",
    "bilateral",
    "bifrontal",
    "left_unilateral",
    "unknown",
)


def _option(issues: IssueCollector, path: str, value: object, allowed: tuple[str, ...]) -> None:
    if not isinstance(value, str) or value not in allowed:
        issues.add(path, "unknown value", allowed=", ".join(allowed), given=value)


def _is_date(value: object) -> TypeGuard[date]:
    return isinstance(value, date) and not isinstance(value, datetime)


def _is_number(value: object) -> TypeGuard[int | float]:
    """A JSON number: int (any size) or finite float, never bool."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, float) and math.isfinite(value)


def _period(issues: IssueCollector, start: object, end: object, outcome: object = None) -> None:
    if isinstance(end, date) and outcome == "ongoing":
        issues.add(
            "end",
            "must be null while the outcome is 'ongoing'",
            allowed="null, or record the outcome",
            given=end,
        )
    if not _is_date(start):
        issues.add("start", "must be a date", given=start)
        return
    if end is not None and not _is_date(end):
        issues.add("end", "must be a date or null", given=end)
        return
    if isinstance(end, date) and end < start:
        issues.add("end", "is before start", allowed=f"on or after {start.isoformat()}", given=end)


def _positive(issues: IssueCollector, path: str, value: object, *, optional: bool) -> None:
    if value is None and optional:
        return
    if not _is_number(value) or value <= 0:
        issues.add(path, "must be a positive number", allowed="a number > 0", given=value)


def _positive_int(issues: IssueCollector, path: str, value: object, *, optional: bool) -> None:
    if value is None and optional:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        issues.add(path, "must be a whole number >= 1", allowed="a whole number >= 1", given=value)


def _name(issues: IssueCollector, path: str, value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        issues.add(path, "must be a non-empty string", given=value)


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


@dataclass(frozen=True, slots=True)
class Episode:
    """The current major depressive episode.

    Parameters
    ----------
    onset : date
        Start of the current episode.
    as_of : date
        Date the history is assessed at (duration is counted from ``onset`` to ``as_of``).
    severity : str
        Clinician-rated severity at baseline, one of :data:`SEVERITIES` (MSM categories; the
        mapping from a rating-scale score is not specified in the sources, UNVERIFIED, so it
        stays a clinician input).
    """

    onset: date
    as_of: date
    severity: Severity

    def __post_init__(self) -> None:
        issues = IssueCollector()
        if not _is_date(self.onset):
            issues.add("onset", "must be a date", given=self.onset)
        if not _is_date(self.as_of):
            issues.add("as_of", "must be a date", given=self.as_of)
        elif _is_date(self.onset) and self.as_of < self.onset:
            issues.add(
                "as_of",
                "is before onset",
                allowed=f"on or after {self.onset.isoformat()}",
                given=self.as_of,
            )
        _option(issues, "severity", self.severity, SEVERITIES)
        issues.raise_if_any()

    @property
    def duration_days(self) -> int:
        """Days from onset to as_of."""
        return (self.as_of - self.onset).days

    def to_dict(self) -> dict[str, object]:
        return {
            "onset": self.onset.isoformat(),
            "as_of": self.as_of.isoformat(),
            "severity": self.severity,
        }


@dataclass(frozen=True, slots=True)
class AntidepressantTrial:
    """One antidepressant trial.

    Parameters
    ----------
    drug : str
        Catalogue name (lower case generic name).
    max_daily_dose_mg : float or None
        Highest daily dose reached, mg/day; ``None`` when not recorded (dose adequacy then
        cannot be judged).
    start, end : date, date or None
        ``end`` is ``None`` while the drug is still taken.
    adherence : {"good", "partial", "poor", "unknown"}
    outcome : {"no_response", "partial_response", "response", "remission", "intolerance", "ongoing"}
    dose_optimised : bool
        The dose was raised above the usual dose during the trial (clinician-rated; used by
        MGH-S for its +0.5 dose-optimisation point).
    """

    drug: str
    max_daily_dose_mg: float | None
    start: date
    end: date | None
    adherence: Adherence
    outcome: Outcome
    dose_optimised: bool = False

    def __post_init__(self) -> None:
        issues = IssueCollector()
        _name(issues, "drug", self.drug)
        _positive(issues, "max_daily_dose_mg", self.max_daily_dose_mg, optional=True)
        _period(issues, self.start, self.end, self.outcome)
        _option(issues, "adherence", self.adherence, ADHERENCE)
        _option(issues, "outcome", self.outcome, OUTCOMES)
        if not isinstance(self.dose_optimised, bool):
            issues.add("dose_optimised", "must be true or false", given=self.dose_optimised)
        issues.raise_if_any()

    def to_dict(self) -> dict[str, object]:
        return {
            "drug": self.drug,
            "max_daily_dose_mg": self.max_daily_dose_mg,
            "start": self.start.isoformat(),
            "end": _iso(self.end),
            "adherence": self.adherence,
            "outcome": self.outcome,
            "dose_optimised": self.dose_optimised,
        }


@dataclass(frozen=True, slots=True)
class AugmentationTrial:
    """An augmenting agent (or a second antidepressant, i.e. a combination) added to a trial.

    Parameters
    ----------
    agent : str
        Catalogue name of an augmenting agent, or of an antidepressant used in combination.
    max_daily_dose_mg : float or None
    start, end : date, date or None
    outcome : str
        One of :data:`OUTCOMES`.
    adherence : str
        One of :data:`ADHERENCE`; default ``"unknown"``.
    """

    agent: str
    max_daily_dose_mg: float | None
    start: date
    end: date | None
    outcome: Outcome
    adherence: Adherence = "unknown"

    def __post_init__(self) -> None:
        issues = IssueCollector()
        _name(issues, "agent", self.agent)
        _positive(issues, "max_daily_dose_mg", self.max_daily_dose_mg, optional=True)
        _period(issues, self.start, self.end, self.outcome)
        _option(issues, "outcome", self.outcome, OUTCOMES)
        _option(issues, "adherence", self.adherence, ADHERENCE)
        issues.raise_if_any()

    def to_dict(self) -> dict[str, object]:
        return {
            "agent": self.agent,
            "max_daily_dose_mg": self.max_daily_dose_mg,
            "start": self.start.isoformat(),
            "end": _iso(self.end),
            "outcome": self.outcome,
            "adherence": self.adherence,
        }


@dataclass(frozen=True, slots=True)
class EctCourse:
    """A course of electroconvulsive therapy.

    Parameters
    ----------
    start, end : date, date or None
    sessions : int
        Number of treatments given (>= 1).
    electrode_placement : str
        One of :data:`ELECTRODE_PLACEMENTS`; ``"bilateral"`` means bitemporal.
    outcome : str
        One of :data:`OUTCOMES`.
    """

    start: date
    end: date | None
    sessions: int
    electrode_placement: ElectrodePlacement
    outcome: Outcome

    def __post_init__(self) -> None:
        issues = IssueCollector()
        _period(issues, self.start, self.end, self.outcome)
        _positive_int(issues, "sessions", self.sessions, optional=False)
        _option(issues, "electrode_placement", self.electrode_placement, ELECTRODE_PLACEMENTS)
        _option(issues, "outcome", self.outcome, OUTCOMES)
        issues.raise_if_any()

    def to_dict(self) -> dict[str, object]:
        return {
            "start": self.start.isoformat(),
            "end": _iso(self.end),
            "sessions": self.sessions,
            "electrode_placement": self.electrode_placement,
            "outcome": self.outcome,
        }


@dataclass(frozen=True, slots=True)
class PsychotherapyCourse:
    """A course of psychotherapy (recorded; not scored by MSM, Thase-Rush or MGH-S).

    Parameters
    ----------
    modality : str
        Free text, e.g. "CBT", "IPT" (ATHF-SF lists BT, CBT, IPT, PST and short-term
        psychodynamic therapy [S14]).
    start, end : date, date or None
    sessions : int or None
    outcome : str
        One of :data:`OUTCOMES`.
    """

    modality: str
    start: date
    end: date | None
    sessions: int | None
    outcome: Outcome

    def __post_init__(self) -> None:
        issues = IssueCollector()
        _name(issues, "modality", self.modality)
        _period(issues, self.start, self.end, self.outcome)
        _positive_int(issues, "sessions", self.sessions, optional=True)
        _option(issues, "outcome", self.outcome, OUTCOMES)
        issues.raise_if_any()

    def to_dict(self) -> dict[str, object]:
        return {
            "modality": self.modality,
            "start": self.start.isoformat(),
            "end": _iso(self.end),
            "sessions": self.sessions,
            "outcome": self.outcome,
        }


@dataclass(frozen=True, slots=True)
class TreatmentHistory:
    """The treatment history of the current episode."""

    episode: Episode
    antidepressant_trials: tuple[AntidepressantTrial, ...] = ()
    augmentation_trials: tuple[AugmentationTrial, ...] = ()
    ect_courses: tuple[EctCourse, ...] = ()
    psychotherapy_courses: tuple[PsychotherapyCourse, ...] = ()

    def to_dict(self) -> dict[str, object]:
        """The JSON document of :func:`~trdcare.history.domain.parsing.parse_history`."""
        return {
            "episode": self.episode.to_dict(),
            "antidepressant_trials": [t.to_dict() for t in self.antidepressant_trials],
            "augmentation_trials": [t.to_dict() for t in self.augmentation_trials],
            "ect_courses": [c.to_dict() for c in self.ect_courses],
            "psychotherapy_courses": [c.to_dict() for c in self.psychotherapy_courses],
        }


def overlaps(start: date, end: date | None, window_start: date, window_end: date) -> bool:
    """Whether the period ``[start, end or window_end]`` overlaps ``[window_start, window_end]``."""
    last = end if end is not None else window_end
    return start <= window_end and last >= window_start
