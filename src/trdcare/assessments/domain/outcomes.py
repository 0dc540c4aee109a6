"""Outcomes of a treatment course from a series of total scores of one scale.

All scales here score higher = worse, so improvement is a fall of the total.

One rule for "how did this course go": :func:`course_verdict` chooses the baseline and
applies the response, partial-response and remission rules. The outcome view
(:func:`course_outcome`), the caseload read model (:func:`caseload_figures`) and the TMS
decision points all read it, with the clinic's :class:`OutcomeCriteria`.

Definitions (thresholds are :class:`OutcomeCriteria` fields; defaults and statuses below):

* change = latest - baseline; percent change = 100 * change / baseline (negative =
  improvement); undefined (None) when the baseline total is 0.
* response: reduction >= 50% [S50][S8] VERIFIED.
* partial response: reduction >= 25% and < 50%, UNVERIFIED as a named definition (inferred
  from the EU-PEARL < 25% non-improvement cut [S7]).
* remission: latest total at or below the scale's remission cut-off (per-scale data with
  its source on each ``Scale.remission``; overridable).
* early improvement: reduction >= 20% within 2 weeks (Szegedi 2009, HAM-D17 [S51];
  meta-analysis [S52]). Operationalised (DERIVED): any score dated 1 to 14 days after the
  baseline date (both inclusive) with a reduction >= 20%; None when no score falls in that
  window or the baseline is 0.
* reliable change (Jacobson & Truax 1991 [S57][S58]): SE = SD * sqrt(1 - r),
  S_diff = sqrt(2) * SE, RC = (latest - baseline) / S_diff, reliable when |RC| > 1.96.
  ``reliability`` and ``baseline_sd`` are required named parameters: no default is sourced.
* sustained remission: the ACNP Task Force [A6] ascribes remission after 3 consecutive
  weeks of minimal symptoms (VERIFIED, abstract). Operationalised (DERIVED): consecutive
  scores all at or below the remission cut-off whose first and last dates are >= 21 days
  apart. Once ascribed, remission is lost only by relapse [A6].
* recovery: at least 4 months after remission onset without relapse [A6] VERIFIED.
* relapse: return of the episode after remission onset and before recovery [A6];
  recurrence: after recovery. Operationalised: a score at or above the scale's relapse
  threshold (QIDS-SR16 >= 11, HAM-D17 >= 14: STAR*D [A5] VERIFIED; PHQ-9 >= 10 and
  MADRS >= 20 DERIVED; none for GAD-7). Frank et al. 1991 [A7] proposed the concepts;
  its operational numbers were not read.
* sustained response: no published operational definition was found; by analogy with
  the ACNP remission duration: consecutive responding scores spanning >= 21 days.
  UNVERIFIED.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from types import MappingProxyType
from typing import Any, Literal

from trdcare.assessments.domain.model import Scale, ThresholdRule
from trdcare.assessments.domain.scoring import SCALE_IDS, get_scale
from trdcare.assessments.domain.sources import Provenance
from trdcare.core.checks import Interval, check_constraints
from trdcare.core.errors import InvalidInput, IssueCollector

SCORED_SCALE_IDS: tuple[str, ...] = tuple(s for s in SCALE_IDS if get_scale(s).has_total)
"""Scales with a total score (outcomes do not apply to the C-SSRS screener)."""

CRITERIA_LIMITS: Mapping[str, Interval] = {
    "response_min_reduction_pct": Interval(0, 100, closed="neither", unit="%"),
    "partial_response_min_reduction_pct": Interval(0, 100, closed="neither", unit="%"),
    "early_improvement_min_reduction_pct": Interval(0, 100, closed="neither", unit="%"),
    "early_improvement_window_days": Interval(1, None, unit="days", integer=True),
    "sustained_response_min_days": Interval(1, None, unit="days", integer=True),
    "sustained_remission_min_days": Interval(1, None, unit="days", integer=True),
    "recovery_min_months": Interval(1, None, unit="months", integer=True),
    "reliable_change_z": Interval(0, None, closed="neither"),
}
"""Sanity limits of the configurable thresholds (not clinical values)."""

RELIABILITY_LIMIT = Interval(0, 1, closed="left")
BASELINE_SD_LIMIT = Interval(0, None, closed="neither", unit="points")

CRITERIA_PROVENANCE: Mapping[str, Provenance] = {
    "response_min_reduction_pct": Provenance(("S50", "S8"), "VERIFIED"),
    "partial_response_min_reduction_pct": Provenance(
        ("S7",), "UNVERIFIED", "25-49% reduction inferred from the EU-PEARL < 25% cut"
    ),
    "early_improvement_min_reduction_pct": Provenance(
        ("S51", "S52"), "VERIFIED", "Szegedi 2009: >= 20% within 2 weeks (HAM-D17)"
    ),
    "early_improvement_window_days": Provenance(
        ("S51",), "DERIVED", "'within 2 weeks' as days 1-14 after the baseline date"
    ),
    "sustained_response_min_days": Provenance(
        ("A6",),
        "UNVERIFIED",
        "no published sustained-response definition found; ACNP remission duration reused",
    ),
    "sustained_remission_min_days": Provenance(
        ("A6",),
        "VERIFIED",
        "3 consecutive weeks [A6]; measured with the scale's remission cut-off (DERIVED)",
    ),
    "recovery_min_months": Provenance(("A6",), "VERIFIED", "at least 4 months after onset"),
    "reliable_change_z": Provenance(("S57", "S58"), "VERIFIED", "|RC| > 1.96"),
}


def _check_overrides(
    name: str, overrides: Mapping[str, int], issues: IssueCollector
) -> dict[str, int]:
    clean: dict[str, int] = {}
    for scale_id, value in overrides.items():
        if scale_id not in SCORED_SCALE_IDS:
            issues.add(
                f"{name}.{scale_id}",
                "unknown scale",
                allowed=", ".join(SCORED_SCALE_IDS),
                given=scale_id,
            )
            continue
        scale = get_scale(scale_id)
        assert scale.total_min is not None and scale.total_max is not None
        limit = Interval(scale.total_min, scale.total_max, integer=True, unit="points")
        if isinstance(value, bool) or not limit.contains(value):
            issues.add(f"{name}.{scale_id}", "out of range", allowed=limit.describe(), given=value)
            continue
        clean[scale_id] = int(value)
    return clean


@dataclass(frozen=True, slots=True)
class OutcomeCriteria:
    """Named, configurable outcome thresholds with sourced defaults.

    Parameters
    ----------
    response_min_reduction_pct : float
        Response: reduction from baseline >= this (50, [S50][S8] VERIFIED).
    partial_response_min_reduction_pct : float
        Partial response: reduction >= this and below the response cut (25, [S7]
        UNVERIFIED as a named definition).
    early_improvement_min_reduction_pct : float
        Early improvement reduction (20, Szegedi 2009 [S51] VERIFIED).
    early_improvement_window_days : int
        Days after baseline in which early improvement counts (14, DERIVED from
        "within 2 weeks" [S51]).
    sustained_response_min_days : int
        Span of consecutive responding scores (21, UNVERIFIED: no source found).
    sustained_remission_min_days : int
        Span of consecutive remitted scores (21, ACNP 3 weeks [A6] VERIFIED).
    recovery_min_months : int
        Months of remission, without relapse, to recovery (4, [A6] VERIFIED).
    reliable_change_z : float
        Critical value of the reliable change index (1.96, [S57][S58] VERIFIED).
    remission_max_total : mapping of str to int
        Per-scale override of the remission cut-off (e.g. ``{"madrs": 12}`` [S52]).
    relapse_min_total : mapping of str to int
        Per-scale override of the relapse threshold.

    Raises
    ------
    InvalidInput
        A value outside :data:`CRITERIA_LIMITS`, partial >= response, an unknown scale or
        a total outside the scale range in an override, or a relapse threshold not above
        the remission cut-off; all issues at once.
    """

    response_min_reduction_pct: float = 50.0
    partial_response_min_reduction_pct: float = 25.0
    early_improvement_min_reduction_pct: float = 20.0
    early_improvement_window_days: int = 14
    sustained_response_min_days: int = 21
    sustained_remission_min_days: int = 21
    recovery_min_months: int = 4
    reliable_change_z: float = 1.96
    remission_max_total: Mapping[str, int] = field(default_factory=dict, hash=False)
    relapse_min_total: Mapping[str, int] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        issues = IssueCollector()
        for name, limit in CRITERIA_LIMITS.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not limit.contains(value):
                issues.add(name, "out of range", allowed=limit.describe(), given=value)
        if self.partial_response_min_reduction_pct >= self.response_min_reduction_pct:
            issues.add(
                "partial_response_min_reduction_pct",
                "must be below response_min_reduction_pct",
                allowed=f"< {self.response_min_reduction_pct}",
                given=self.partial_response_min_reduction_pct,
            )
        remission = _check_overrides("remission_max_total", self.remission_max_total, issues)
        relapse = _check_overrides("relapse_min_total", self.relapse_min_total, issues)
        object.__setattr__(self, "remission_max_total", MappingProxyType(remission))
        object.__setattr__(self, "relapse_min_total", MappingProxyType(relapse))
        for scale_id in SCORED_SCALE_IDS:
            scale = get_scale(scale_id)
            remission_rule = self.remission_rule(scale)
            relapse_rule = self.relapse_rule(scale)
            if relapse_rule is not None and relapse_rule.value <= remission_rule.value:
                issues.add(
                    f"relapse_min_total.{scale_id}",
                    "must be above the remission cut-off",
                    allowed=f"> {remission_rule.value}",
                    given=relapse_rule.value,
                )
        issues.raise_if_any()

    def remission_rule(self, scale: Scale) -> ThresholdRule:
        """The remission rule of ``scale``: the override, else the scale's sourced rule."""
        assert scale.remission is not None
        if scale.id in self.remission_max_total:
            return ThresholdRule(
                "remission",
                "<=",
                self.remission_max_total[scale.id],
                Provenance((), "UNVERIFIED", f"local override of {scale.remission.describe()}"),
            )
        return scale.remission

    def relapse_rule(self, scale: Scale) -> ThresholdRule | None:
        """The relapse rule of ``scale`` (None where relapse is not defined, e.g. GAD-7)."""
        if scale.id in self.relapse_min_total:
            default = "none" if scale.relapse is None else scale.relapse.describe()
            return ThresholdRule(
                "relapse",
                ">=",
                self.relapse_min_total[scale.id],
                Provenance((), "UNVERIFIED", f"local override of {default}"),
            )
        return scale.relapse

    def to_dict(self) -> dict[str, Any]:
        """Each threshold with its value, default, source and status.

        A value that differs from its default is reported with status ``UNVERIFIED``
        and the note ``local override``.
        """
        defaults = OutcomeCriteria.__dataclass_fields__
        out: dict[str, Any] = {}
        for name, provenance in CRITERIA_PROVENANCE.items():
            value = getattr(self, name)
            default = defaults[name].default
            entry = {"value": value, "default": default, **provenance.to_dict()}
            if value != default:
                entry["status"] = "UNVERIFIED"
                entry["note"] = f"local override (default {default}: {provenance.cite()})"
            out[name] = entry
        out["remission_max_total"] = dict(self.remission_max_total)
        out["relapse_min_total"] = dict(self.relapse_min_total)
        return out


DEFAULT_CRITERIA = OutcomeCriteria()
DEFAULT = DEFAULT_CRITERIA


@dataclass(frozen=True, slots=True)
class ScorePoint:
    """One dated total score."""

    on: date
    total: int

    def to_dict(self) -> dict[str, Any]:
        return {"on": self.on.isoformat(), "total": self.total}


@dataclass(frozen=True, slots=True)
class PointOutcome:
    """Outcome status at one score of the course, relative to the baseline."""

    on: date
    total: int
    days_from_baseline: int
    change: int
    percent_change: float | None
    response: bool
    partial_response: bool
    remission: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "on": self.on.isoformat(),
            "total": self.total,
            "days_from_baseline": self.days_from_baseline,
            "change": self.change,
            "percent_change": _round(self.percent_change),
            "response": self.response,
            "partial_response": self.partial_response,
            "remission": self.remission,
        }


@dataclass(frozen=True, slots=True)
class ReliableChange:
    """Jacobson-Truax reliable change between two totals, with its working."""

    reliability: float
    baseline_sd: float
    z: float
    standard_error: float
    s_diff: float
    threshold_points: float
    rci: float
    category: Literal["reliable_improvement", "reliable_deterioration", "no_reliable_change"]
    explanation: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "reliability": self.reliability,
            "baseline_sd": self.baseline_sd,
            "z": self.z,
            "standard_error": round(self.standard_error, 3),
            "s_diff": round(self.s_diff, 3),
            "threshold_points": round(self.threshold_points, 2),
            "rci": round(self.rci, 3),
            "category": self.category,
            "explanation": self.explanation,
        }


@dataclass(frozen=True, slots=True)
class CourseEvent:
    """A change point of the course: remission, recovery, relapse or recurrence."""

    kind: Literal["remission", "recovery", "relapse", "recurrence"]
    on: date
    total: int
    rule: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "on": self.on.isoformat(),
            "total": self.total,
            "rule": self.rule,
        }


@dataclass(frozen=True, slots=True)
class CourseOutcome:
    """Outcome of a course: baseline versus latest, per-point rows, course events, reasons.

    ``state`` is the course state after the last score: ``not_remitted``, ``remission``
    (sustained remission ascribed, no relapse since) or ``recovery``.
    """

    scale_id: str
    baseline: ScorePoint
    latest: ScorePoint
    baseline_rule: str
    baseline_after_course_start: bool
    change: int
    percent_change: float | None
    response: bool
    partial_response: bool
    remission: bool
    early_improvement: bool | None
    reliable_change: ReliableChange | None
    sustained_response: bool
    sustained_remission: bool
    relapse: bool
    state: Literal["not_remitted", "remission", "recovery"]
    events: tuple[CourseEvent, ...]
    rows: tuple[PointOutcome, ...]
    remission_rule: ThresholdRule
    relapse_rule: ThresholdRule | None
    criteria: OutcomeCriteria
    explanation: tuple[str, ...]
    verdict: CourseVerdict

    def to_dict(self) -> dict[str, Any]:
        return {
            "scale": self.scale_id,
            "baseline": self.baseline.to_dict(),
            "latest": self.latest.to_dict(),
            "baseline_rule": self.baseline_rule,
            "baseline_after_course_start": self.baseline_after_course_start,
            "change": self.change,
            "percent_change": _round(self.percent_change),
            "response": self.response,
            "partial_response": self.partial_response,
            "remission": self.remission,
            "early_improvement": self.early_improvement,
            "reliable_change": None
            if self.reliable_change is None
            else self.reliable_change.to_dict(),
            "sustained_response": self.sustained_response,
            "sustained_remission": self.sustained_remission,
            "relapse": self.relapse,
            "state": self.state,
            "events": [event.to_dict() for event in self.events],
            "rows": [row.to_dict() for row in self.rows],
            "remission_rule": self.remission_rule.to_dict(),
            "relapse_rule": None if self.relapse_rule is None else self.relapse_rule.to_dict(),
            "criteria": self.criteria.to_dict(),
            "explanation": list(self.explanation),
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def percent_change(baseline_total: int, total: int) -> float | None:
    """``100 * (total - baseline) / baseline``; None when the baseline is 0 (undefined)."""
    if baseline_total == 0:
        return None
    return (total - baseline_total) * 100.0 / baseline_total


def _reduction_at_least(baseline_total: int, total: int, pct: float) -> bool:
    """Exact test of ``reduction >= pct`` percent (no rounding of the percentage)."""
    return baseline_total > 0 and (baseline_total - total) * 100 >= pct * baseline_total


def _add_months(day: date, months: int) -> date:
    """Calendar-month arithmetic, clamping to the month's last day (31 Jan + 1 = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _check_total(scale: Scale, name: str, total: object, issues: IssueCollector) -> None:
    assert scale.total_min is not None and scale.total_max is not None
    limit = Interval(scale.total_min, scale.total_max, integer=True, unit="points")
    if isinstance(total, bool) or not isinstance(total, int) or not limit.contains(total):
        issues.add(name, f"not a {scale.id} total", allowed=limit.describe(), given=total)


def _scored_scale(scale_id: str) -> Scale:
    scale = get_scale(scale_id)
    if not scale.has_total:
        raise InvalidInput.single(
            "scale",
            "has no total score, so outcomes do not apply",
            allowed=", ".join(SCORED_SCALE_IDS),
            given=scale_id,
        )
    return scale


def reliable_change_index(
    baseline_total: int,
    latest_total: int,
    *,
    reliability: float,
    baseline_sd: float,
    z: float = 1.96,
) -> ReliableChange:
    """Jacobson-Truax reliable change index.

    Parameters
    ----------
    baseline_total, latest_total : int
        The two totals (lower = better).
    reliability : float
        Reliability of the scale, r in [0, 1) (test-retest or internal consistency; the
        caller chooses and owns the value: none is sourced as a default).
    baseline_sd : float
        Standard deviation of baseline totals in the reference population (> 0).
    z : float
        Critical value (1.96 [S57]).

    Returns
    -------
    ReliableChange
        SE = SD * sqrt(1 - r); S_diff = sqrt(2) * SE; RC = (latest - baseline) / S_diff;
        reliable improvement when RC < -z, reliable deterioration when RC > z.

    References
    ----------
    .. [S57] Jacobson NS, Truax P. 1991, quoted in a thesis. VERIFIED.
    .. [S58] Evans' calculator: SE_change = SD1 * sqrt(2) * sqrt(1 - rel). VERIFIED.

    Examples
    --------
    DERIVED illustration of the reference note (SD 5.2, r 0.84): threshold about 5.8.

    >>> round(reliable_change_index(15, 9, reliability=0.84, baseline_sd=5.2).threshold_points, 1)
    5.8
    """
    check_constraints(
        {"reliability": reliability, "baseline_sd": baseline_sd},
        {"reliability": RELIABILITY_LIMIT, "baseline_sd": BASELINE_SD_LIMIT},
    )
    standard_error = baseline_sd * math.sqrt(1.0 - reliability)
    s_diff = math.sqrt(2.0) * standard_error
    rci = (latest_total - baseline_total) / s_diff
    category: Literal["reliable_improvement", "reliable_deterioration", "no_reliable_change"]
    if rci < -z:
        category = "reliable_improvement"
    elif rci > z:
        category = "reliable_deterioration"
    else:
        category = "no_reliable_change"
    explanation = (
        f"Jacobson-Truax: SE = {baseline_sd} * sqrt(1 - {reliability}) = {standard_error:.2f}; "
        f"S_diff = sqrt(2) * SE = {s_diff:.2f}; RC = ({latest_total} - {baseline_total}) / "
        f"{s_diff:.2f} = {rci:.2f}; |RC| > {z} needed (change of more than "
        f"{z * s_diff:.1f} points) -> {category} [S57][S58] VERIFIED"
    )
    return ReliableChange(
        reliability=reliability,
        baseline_sd=baseline_sd,
        z=z,
        standard_error=standard_error,
        s_diff=s_diff,
        threshold_points=z * s_diff,
        rci=rci,
        category=category,
        explanation=explanation,
    )


Category = Literal["remission", "response", "partial_response", "non_response"]
"""The course's category at a score: the first of these that holds."""


@dataclass(frozen=True, slots=True)
class ChangeVerdict:
    """One score against the baseline under the criteria: change, response, remission."""

    baseline_total: int
    total: int
    change: int
    percent_change: float | None
    response: bool
    partial_response: bool
    remission: bool

    @property
    def category(self) -> Category:
        """Remission, else response, else partial response, else non-response."""
        if self.remission:
            return "remission"
        if self.response:
            return "response"
        if self.partial_response:
            return "partial_response"
        return "non_response"


def _judge(
    baseline_total: int, total: int, criteria: OutcomeCriteria, remission_rule: ThresholdRule
) -> ChangeVerdict:
    """The response, partial-response and remission rules (validated inputs)."""
    response = _reduction_at_least(baseline_total, total, criteria.response_min_reduction_pct)
    partial = not response and _reduction_at_least(
        baseline_total, total, criteria.partial_response_min_reduction_pct
    )
    return ChangeVerdict(
        baseline_total=baseline_total,
        total=total,
        change=total - baseline_total,
        percent_change=percent_change(baseline_total, total),
        response=response,
        partial_response=partial,
        remission=remission_rule.met(total),
    )


def judge_change(
    scale_id: str,
    baseline_total: int,
    latest_total: int,
    *,
    criteria: OutcomeCriteria = DEFAULT_CRITERIA,
) -> ChangeVerdict:
    """Change, response, partial response and remission of ``latest_total`` against a
    baseline already chosen (e.g. a past course's first and last totals).

    The rules :func:`course_verdict` applies at the latest score.

    Raises
    ------
    InvalidInput
        Unknown scale or one without a total (``scale``); a total outside the scale range
        (``baseline_total``, ``latest_total``).
    """
    scale = _scored_scale(scale_id)
    issues = IssueCollector()
    _check_total(scale, "baseline_total", baseline_total, issues)
    _check_total(scale, "latest_total", latest_total, issues)
    issues.raise_if_any()
    return _judge(baseline_total, latest_total, criteria, criteria.remission_rule(scale))


@dataclass(frozen=True, slots=True)
class CourseVerdict:
    """How a course went on one scale: the baseline chosen by the baseline rule, the latest
    score, and the response, partial-response and remission rules applied to them.

    ``baseline_index`` is the baseline's position among the scores in date order; the
    ``baseline_index`` scores before it are not used.
    """

    scale_id: str
    baseline: ScorePoint
    latest: ScorePoint
    baseline_index: int
    baseline_rule: str
    baseline_after_course_start: bool
    judged: ChangeVerdict
    remission_rule: ThresholdRule
    criteria: OutcomeCriteria

    @property
    def change(self) -> int:
        return self.judged.change

    @property
    def percent_change(self) -> float | None:
        return self.judged.percent_change

    @property
    def response(self) -> bool:
        return self.judged.response

    @property
    def partial_response(self) -> bool:
        return self.judged.partial_response

    @property
    def remission(self) -> bool:
        return self.judged.remission

    @property
    def category(self) -> Category:
        return self.judged.category


def _baseline_index(days: Sequence[date], course_start: date | None) -> int:
    """The baseline rule: the last score on or before the course start, else the first
    (``days`` in date order)."""
    index = 0
    if course_start is not None:
        for position, on in enumerate(days):
            if on <= course_start:
                index = position
    return index


def course_verdict(
    scale_id: str,
    points: Sequence[ScorePoint],
    *,
    course_start: date | None = None,
    criteria: OutcomeCriteria = DEFAULT_CRITERIA,
) -> CourseVerdict:
    """How did this course go: the one rule for baseline, response and remission.

    The outcome view (:func:`course_outcome`), the caseload read model
    (:func:`caseload_figures`) and the TMS decision points all read this verdict, so they
    cannot disagree, and a clinic's own :class:`OutcomeCriteria` reach all three.

    Parameters
    ----------
    scale_id : str
        A scale with a total (:data:`SCORED_SCALE_IDS`).
    points : sequence of ScorePoint
        Dated totals in any order; several on one date keep their given order.
    course_start : date, optional
        Treatment start. Baseline = the last score on or before it; when there is none,
        the first score after it (``baseline_after_course_start``). Without it, the first.
    criteria : OutcomeCriteria
        The response, partial-response and remission thresholds.

    Returns
    -------
    CourseVerdict
        Baseline, latest, change, percent change, response, partial response, remission
        and the category (remission > response > partial response > non-response).

    Raises
    ------
    InvalidInput
        Unknown scale or one without a total; no points; a date that is not a date; a
        total outside the scale range. All issues at once.

    References
    ----------
    Response >= 50% reduction [S50][S8] VERIFIED; partial response 25-49% [S7] UNVERIFIED
    as a named definition; remission at or below the scale's cut-off (each scale module).
    """
    scale = _scored_scale(scale_id)
    _validate_points(scale, points, None, None)
    ordered = sorted(points, key=lambda point: point.on)
    start_index = _baseline_index([point.on for point in ordered], course_start)
    baseline_after = False
    if course_start is None:
        baseline_rule = "first score (no course start given)"
    elif ordered[start_index].on <= course_start:
        baseline_rule = f"last score on or before the course start {course_start.isoformat()}"
    else:
        baseline_after = True
        days = (ordered[0].on - course_start).days
        baseline_rule = (
            f"no score on or before the course start {course_start.isoformat()}: first "
            f"score after it ({days} days later) used; change may be underestimated"
        )
    baseline, latest = ordered[start_index], ordered[-1]
    remission_rule = criteria.remission_rule(scale)
    return CourseVerdict(
        scale_id=scale.id,
        baseline=baseline,
        latest=latest,
        baseline_index=start_index,
        baseline_rule=baseline_rule,
        baseline_after_course_start=baseline_after,
        judged=_judge(baseline.total, latest.total, criteria, remission_rule),
        remission_rule=remission_rule,
        criteria=criteria,
    )


@dataclass(frozen=True, slots=True)
class CaseloadFigures:
    """What the caseload lists for one patient and scale."""

    assessments: int
    baseline_total: int | None
    latest_total: int | None
    latest_severity: str | None
    latest_on: date | None
    percent_change: float | None
    response: bool
    remission: bool


def caseload_figures(
    scale_id: str,
    administrations: Sequence[tuple[date, int | None, str | None]],
    *,
    course_start: date | None = None,
    criteria: OutcomeCriteria = DEFAULT_CRITERIA,
) -> CaseloadFigures:
    """Baseline, latest and change of one patient's complete administrations of a scale.

    Read from :func:`course_verdict` (the baseline, response and remission rules of the
    outcome view and the decision points): the baseline is the last administration on or
    before ``course_start``, otherwise the first one.

    Parameters
    ----------
    scale_id : str
        The scale.
    administrations : sequence of (date, total, severity)
        In the order they were given (time, then entry); totals are None for a scale
        without one.
    course_start : date, optional
        Start of the patient's latest treatment course.
    criteria : OutcomeCriteria
        Response and remission rules (:data:`DEFAULT_CRITERIA`).

    Raises
    ------
    InvalidInput
        No administrations (``administrations``); see :func:`course_verdict`.
    """
    if not administrations:
        raise InvalidInput.single(
            "administrations", "needs at least one", allowed="1 or more", given=0
        )
    latest_on, latest_total, latest_severity = administrations[-1]
    totals = [total for _, total, _ in administrations]
    if get_scale(scale_id).has_total and None not in totals:
        verdict = course_verdict(
            scale_id,
            [ScorePoint(on, int(total or 0)) for on, total, _ in administrations],
            course_start=course_start,
            criteria=criteria,
        )
        return CaseloadFigures(
            assessments=len(administrations),
            baseline_total=verdict.baseline.total,
            latest_total=verdict.latest.total,
            latest_severity=latest_severity,
            latest_on=latest_on,
            percent_change=verdict.percent_change,
            response=verdict.response,
            remission=verdict.remission,
        )
    # A scale without a total (the C-SSRS screener): counted and dated only.
    baseline = _baseline_index([on for on, _, _ in administrations], course_start)
    return CaseloadFigures(
        assessments=len(administrations),
        baseline_total=totals[baseline],
        latest_total=latest_total,
        latest_severity=latest_severity,
        latest_on=latest_on,
        percent_change=None,
        response=False,
        remission=False,
    )


def _validate_points(
    scale: Scale,
    points: Sequence[ScorePoint],
    reliability: float | None,
    baseline_sd: float | None,
) -> None:
    issues = IssueCollector()
    if not points:
        issues.add("points", "needs at least one score", allowed="1 or more scores", given=0)
    for index, point in enumerate(points):
        if isinstance(point.on, datetime) or not isinstance(point.on, date):
            issues.add(
                f"points.{index}.on", "not a date", allowed="a calendar date", given=point.on
            )
        _check_total(scale, f"points.{index}.total", point.total, issues)
    if (reliability is None) != (baseline_sd is None):
        missing = "reliability" if reliability is None else "baseline_sd"
        other = "baseline_sd" if reliability is None else "reliability"
        issues.add(missing, f"needed together with {other}", allowed="a number", given="nothing")
    if reliability is not None and not RELIABILITY_LIMIT.contains(reliability):
        issues.add(
            "reliability", "out of range", allowed=RELIABILITY_LIMIT.describe(), given=reliability
        )
    if baseline_sd is not None and not BASELINE_SD_LIMIT.contains(baseline_sd):
        issues.add(
            "baseline_sd", "out of range", allowed=BASELINE_SD_LIMIT.describe(), given=baseline_sd
        )
    issues.raise_if_any()


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def course_outcome(
    scale_id: str,
    points: Sequence[ScorePoint],
    *,
    course_start: date | None = None,
    criteria: OutcomeCriteria = DEFAULT_CRITERIA,
    reliability: float | None = None,
    baseline_sd: float | None = None,
) -> CourseOutcome:
    """Outcome of a treatment course measured with one scale.

    Parameters
    ----------
    scale_id : str
        A scale with a total (:data:`SCORED_SCALE_IDS`).
    points : sequence of ScorePoint
        Dated totals in any order. Several scores on one date keep their given order
        (the later one counts as later: give them in administration order).
    course_start : date, optional
        Treatment start. Baseline = the last score on or before it; when there is none,
        the first score after it is used and ``baseline_after_course_start`` is True.
        Without ``course_start`` the baseline is the first score.
    criteria : OutcomeCriteria
        Thresholds (defaults from the reference, each with its status).
    reliability, baseline_sd : float, optional
        Both or neither: enable the Jacobson-Truax reliable change index.

    Returns
    -------
    CourseOutcome
        Latest versus baseline (change, percent change, response, partial response,
        remission, reliable change), early improvement, sustained response and remission,
        relapse/recurrence events, per-point rows and the reasons with sources.

    Raises
    ------
    InvalidInput
        Unknown scale or one without a total; no points; a date that is not a date;
        a total outside the scale range; reliability/baseline_sd invalid or
        given alone. All issues at once.

    References
    ----------
    See the module docstring: [S50][S8] response; [S7] partial response; scale modules
    for remission and relapse thresholds; [S51][S52] early improvement; [S57][S58]
    reliable change; [A6] ACNP Task Force (sustained remission, recovery, relapse);
    [A5] STAR*D relapse thresholds; [A7] Frank et al. 1991.
    """
    scale = _scored_scale(scale_id)
    _validate_points(scale, points, reliability, baseline_sd)
    verdict = course_verdict(scale_id, points, course_start=course_start, criteria=criteria)
    ordered = sorted(points, key=lambda point: point.on)
    remission_rule = verdict.remission_rule
    relapse_rule = criteria.relapse_rule(scale)
    c = criteria
    start_index = verdict.baseline_index
    baseline, latest = verdict.baseline, verdict.latest
    baseline_rule = verdict.baseline_rule
    b = baseline.total

    judged = [_judge(b, point.total, c, remission_rule) for point in ordered[start_index:]]
    rows = tuple(
        PointOutcome(
            on=point.on,
            total=point.total,
            days_from_baseline=(point.on - baseline.on).days,
            change=j.change,
            percent_change=j.percent_change,
            response=j.response,
            partial_response=j.partial_response,
            remission=j.remission,
        )
        for point, j in zip(ordered[start_index:], judged, strict=True)
    )
    last = rows[-1]
    prov = CRITERIA_PROVENANCE
    explanation = [
        f"baseline {b} on {baseline.on.isoformat()} [{baseline_rule}]; latest {latest.total} "
        f"on {latest.on.isoformat()}"
    ]
    if start_index:
        explanation.append(f"{start_index} earlier score(s) before the baseline not used")
    if last.percent_change is None:
        explanation.append(
            f"change {last.change:+d} points; baseline total 0: percent change undefined, "
            "response, partial response and early improvement not assessable"
        )
    else:
        explanation.append(
            f"change {last.change:+d} points, {last.percent_change:+.1f}% from baseline"
        )
    explanation.append(
        f"response (reduction >= {c.response_min_reduction_pct:g}%) "
        f"{prov['response_min_reduction_pct'].cite()}: {_yes(last.response)}"
    )
    explanation.append(
        f"partial response (reduction {c.partial_response_min_reduction_pct:g}% to < "
        f"{c.response_min_reduction_pct:g}%, named definition "
        f"{prov['partial_response_min_reduction_pct'].cite()}): {_yes(last.partial_response)}"
    )
    explanation.append(
        f"remission ({remission_rule.describe()}): latest {latest.total} -> {_yes(last.remission)}"
    )

    early = _early_improvement(scale, rows, c, explanation)
    reliable = None
    if reliability is not None and baseline_sd is not None:
        reliable = reliable_change_index(
            b, latest.total, reliability=reliability, baseline_sd=baseline_sd, z=c.reliable_change_z
        )
        explanation.append(reliable.explanation)
    else:
        explanation.append(
            "reliable change not computed: give the scale's reliability and baseline SD "
            "(no sourced defaults)"
        )

    sustained_response = _sustained(rows, lambda row: row.response, c.sustained_response_min_days)
    explanation.append(
        f"sustained response (responding scores spanning >= {c.sustained_response_min_days} "
        f"days) {prov['sustained_response_min_days'].cite()}: "
        + (
            f"yes, {sustained_response[0].isoformat()} to {sustained_response[1].isoformat()}"
            if sustained_response
            else "no"
        )
    )
    events, state = _course_events(rows, remission_rule, relapse_rule, c)
    explanation.append(
        f"sustained remission (scores {remission_rule.op} {remission_rule.value} spanning >= "
        f"{c.sustained_remission_min_days} days) {prov['sustained_remission_min_days'].cite()}"
        f": {_yes(any(e.kind == 'remission' for e in events))}"
    )
    if relapse_rule is None:
        explanation.append(f"relapse not evaluated: no relapse threshold for {scale.id}")
    for event in events:
        explanation.append(f"{event.kind} on {event.on.isoformat()}: {event.rule}")
    explanation.append(f"course state after the last score: {state.replace('_', ' ')}")

    return CourseOutcome(
        scale_id=scale.id,
        baseline=baseline,
        latest=latest,
        baseline_rule=baseline_rule,
        baseline_after_course_start=verdict.baseline_after_course_start,
        change=last.change,
        percent_change=last.percent_change,
        response=last.response,
        partial_response=last.partial_response,
        remission=last.remission,
        early_improvement=early,
        reliable_change=reliable,
        sustained_response=sustained_response is not None,
        sustained_remission=any(event.kind == "remission" for event in events),
        relapse=any(event.kind == "relapse" for event in events),
        state=state,
        events=events,
        rows=rows,
        remission_rule=remission_rule,
        relapse_rule=relapse_rule,
        criteria=criteria,
        explanation=tuple(explanation),
        verdict=verdict,
    )


def _early_improvement(
    scale: Scale, rows: Sequence[PointOutcome], c: OutcomeCriteria, explanation: list[str]
) -> bool | None:
    prov = CRITERIA_PROVENANCE
    rule = (
        f"early improvement (reduction >= {c.early_improvement_min_reduction_pct:g}% on a score "
        f"1-{c.early_improvement_window_days} days after baseline) "
        f"{prov['early_improvement_min_reduction_pct'].cite()}, window "
        f"{prov['early_improvement_window_days'].cite()}"
    )
    if scale.id != "hamd17":
        rule += f"; validated on HAM-D17 [S51], applied to {scale.short_name} by analogy"
    if rows[0].total == 0:
        explanation.append(f"{rule}: not assessable (baseline 0)")
        return None
    window = [row for row in rows if 0 < row.days_from_baseline <= c.early_improvement_window_days]
    if not window:
        explanation.append(f"{rule}: not assessable (no score in the window)")
        return None
    hit = next(
        (
            row
            for row in window
            if _reduction_at_least(rows[0].total, row.total, c.early_improvement_min_reduction_pct)
        ),
        None,
    )
    if hit is None:
        best = min(window, key=lambda row: row.total)
        explanation.append(
            f"{rule}: no (best {best.total} on day {best.days_from_baseline}, "
            f"{_round(best.percent_change)}%)"
        )
        return False
    explanation.append(
        f"{rule}: yes ({hit.total} on day {hit.days_from_baseline}, {_round(hit.percent_change)}%)"
    )
    return True


def _sustained(
    rows: Sequence[PointOutcome], predicate: Callable[[PointOutcome], bool], min_days: int
) -> tuple[date, date] | None:
    """First run of consecutive rows meeting ``predicate`` spanning >= ``min_days``."""
    start: date | None = None
    for row in rows:
        if predicate(row):
            start = row.on if start is None else start
            if (row.on - start).days >= min_days:
                return start, row.on
        else:
            start = None
    return None


def _course_events(
    rows: Sequence[PointOutcome],
    remission_rule: ThresholdRule,
    relapse_rule: ThresholdRule | None,
    c: OutcomeCriteria,
) -> tuple[tuple[CourseEvent, ...], Literal["not_remitted", "remission", "recovery"]]:
    """Walk the course: remission ascribed, recovery, relapse, recurrence ([A6])."""
    events: list[CourseEvent] = []
    state: Literal["not_remitted", "remission", "recovery"] = "not_remitted"
    run_start: date | None = None
    onset: date | None = None
    remission_prov = CRITERIA_PROVENANCE["sustained_remission_min_days"].cite()
    recovery_prov = CRITERIA_PROVENANCE["recovery_min_months"].cite()
    for row in rows:
        if state == "not_remitted":
            if not row.remission:
                run_start = None
                continue
            run_start = row.on if run_start is None else run_start
            span = (row.on - run_start).days
            if span >= c.sustained_remission_min_days:
                state, onset = "remission", run_start
                events.append(
                    CourseEvent(
                        "remission",
                        row.on,
                        row.total,
                        f"every score {remission_rule.op} {remission_rule.value} from "
                        f"{run_start.isoformat()} ({span} days >= "
                        f"{c.sustained_remission_min_days}) {remission_prov}; onset "
                        f"{run_start.isoformat()}",
                    )
                )
            continue
        assert onset is not None
        recovery_on = _add_months(onset, c.recovery_min_months)
        if relapse_rule is not None and relapse_rule.met(row.total):
            kind: Literal["relapse", "recurrence"] = (
                "relapse" if row.on < recovery_on else "recurrence"
            )
            when = "before" if kind == "relapse" else "on or after"
            events.append(
                CourseEvent(
                    kind,
                    row.on,
                    row.total,
                    f"{relapse_rule.describe()} {when} recovery could be ascribed "
                    f"({recovery_on.isoformat()}: {c.recovery_min_months} months after the "
                    f"remission onset {onset.isoformat()}) [A6]",
                )
            )
            state, run_start, onset = "not_remitted", None, None
        elif state == "remission" and row.on >= recovery_on:
            state = "recovery"
            events.append(
                CourseEvent(
                    "recovery",
                    row.on,
                    row.total,
                    f"no relapse for {c.recovery_min_months} months since the remission onset "
                    f"{onset.isoformat()} {recovery_prov}",
                )
            )
    return tuple(events), state
