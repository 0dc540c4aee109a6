"""Decision points of a TMS course and retreatment eligibility.

At each decision point of the protocol (e.g. after sessions 10, 20 and 30) the change on a
depression scale since baseline is classified (remission, response, partial response,
non-response) with the outcome rules of the assessments room, and suggestions follow:
continue / consider a protocol change / extend / begin taper / stop. Each suggestion shows
its rule, numbers and source; the clinician accepts or declines it (recorded elsewhere).

Rules (sources and statuses in each suggestion):

* Before the course may end (decision point below the protocol's minimum acute sessions):
  continue - response is judged at about 20-30 sessions (McClintock 2018 [R]) and the
  cleared daily course is 20-30 sessions (Perera 2016 [V]).
* Within the acute range, before its last session: remission -> begin taper (the course
  may end within 20-30 sessions); response or partial response -> continue;
  non-response -> consider a protocol change (1 Hz right, bilateral, re-targeting;
  McClintock [R]), or continue.
* At the last acute session: response or remission -> begin taper (or end the course if
  the protocol has no taper/continuation); partial response -> extend to about 36 sessions
  (McClintock [R]; payer cap 36 incl. taper, Ambetter [V]); non-response -> stop, or
  consider a protocol change.

How the course went is not judged here: the decision point reads the assessments room's
``course_verdict`` (the same rule as the outcome view and the caseload), with the clinic's
``OutcomeCriteria``: by default response >= 50% reduction (VERIFIED), partial response
25-49% (UNVERIFIED as a named definition), remission at or below the scale's cut-off; a
clinic's own thresholds are shown as local (UNVERIFIED) overrides.

References
----------
.. [1] McClintock SM et al. J Clin Psychiatry 2018;79(1):16cs10905 (tms.md §6.1: [R],
   UNVERIFIED - recommendations not re-read).
.. [2] Perera T et al. Brain Stimul 2016;9:336-346 (tms.md §6.1 [V]).
.. [3] CMS LCD L37086 (tms.md §6.2 [V]): retreatment only if the prior course gave >50%
   improvement and the patient then relapsed.
.. [4] Ambetter CP.BH.200 (tms.md §6.2 [V]): up to 36 sessions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from trdcare.assessments.domain import (
    CRITERIA_PROVENANCE,
    DEFAULT_CRITERIA,
    SCORED_SCALE_IDS,
    Category,
    ChangeVerdict,
    CourseVerdict,
    OutcomeCriteria,
    get_scale,
    judge_change,
)
from trdcare.core.errors import InvalidInput
from trdcare.core.provenance import (
    JSONDict,
    Reason,
    Source,
    Status,
    reasons_status,
)
from trdcare.tms.domain.catalogue import source
from trdcare.tms.domain.protocols import Protocol

Action = Literal["continue", "consider_protocol_change", "extend", "begin_taper", "stop"]
Stage = Literal["before_first_decision_point", "early", "within_acute", "end_of_acute"]

EXTENDED_COURSE_SESSIONS = 36
"""'Extend to about 36 sessions for partial responders' (McClintock 2018 [R])."""

DEPRESSION_SCALES: tuple[str, ...] = tuple(
    s for s in ("phq9", "qids_sr16", "hamd17", "madrs") if s in SCORED_SCALE_IDS
)


def _map_status(status: str) -> Status:
    return {
        "VERIFIED": "VERIFIED",
        "VERIFIED-secondary": "SECONDARY",
        "VERIFIED-weak": "SECONDARY",
        "DERIVED": "DERIVED",
    }.get(status, "UNVERIFIED")  # type: ignore[return-value]


def _scales_source(field: str, what: str, criteria: OutcomeCriteria) -> Source:
    """The source of one outcome threshold; a clinic's own value is a local override."""
    prov = CRITERIA_PROVENANCE[field]
    cited = f"{''.join(f'[{t}]' for t in prov.sources)} in clinical-scales.md"
    default = OutcomeCriteria.__dataclass_fields__[field].default
    if getattr(criteria, field) != default:
        return Source(
            citation=f"{what}: the clinic's own threshold (default {default:g}, {cited})",
            status="UNVERIFIED",
            where="the clinic's outcome criteria",
            tag="local override",
        )
    return Source(
        citation=f"{what} ({cited})",
        status=_map_status(prov.status),
        where="trdcare.assessments.domain.outcomes",
        tag=prov.status,
    )


@dataclass(frozen=True, slots=True)
class OutcomeAssessment:
    """Change on one scale since baseline, classified."""

    scale: str
    baseline_total: int
    current_total: int
    percent_change: float | None
    category: Category
    remission: bool
    response: bool
    reasons: tuple[Reason, ...]

    @property
    def improvement_pct(self) -> float | None:
        return None if self.percent_change is None else -self.percent_change

    @property
    def status(self) -> Status:
        return reasons_status(self.reasons)

    def to_dict(self) -> JSONDict:
        return {
            "scale": self.scale,
            "baseline_total": self.baseline_total,
            "current_total": self.current_total,
            "percent_change": None
            if self.percent_change is None
            else round(self.percent_change, 2),
            "improvement_pct": None
            if self.improvement_pct is None
            else round(self.improvement_pct, 2),
            "category": self.category,
            "remission": self.remission,
            "response": self.response,
            "status": self.status,
            "reasons": [r.to_dict() for r in self.reasons],
        }


def _check_depression_scale(scale: str) -> None:
    if scale not in DEPRESSION_SCALES:
        raise InvalidInput.single(
            "scale",
            "not a depression scale with outcome rules",
            allowed=", ".join(DEPRESSION_SCALES),
            given=scale,
        )


def _outcome_assessment(
    scale: str, judged: ChangeVerdict, criteria: OutcomeCriteria
) -> OutcomeAssessment:
    """The verdict as the decision point shows it: category, numbers and sources."""
    rule = criteria.remission_rule(get_scale(scale))
    rem_src = Source(
        citation=f"{scale} remission: total {rule.op} {rule.value} "
        f"({rule.provenance.cite()} in clinical-scales.md)",
        status=_map_status(rule.provenance.status),
        where="trdcare.assessments.domain",
        tag=rule.provenance.status,
    )
    pct = judged.percent_change
    category = judged.category
    change = "undefined (baseline 0)" if pct is None else f"{-pct:.1f}% improvement"
    response_pct = criteria.response_min_reduction_pct
    partial_pct = criteria.partial_response_min_reduction_pct
    reason = Reason(
        rule="outcome_category",
        finding=f"{scale} {judged.baseline_total} -> {judged.total}: {change}; "
        f"{category.replace('_', ' ')}",
        inputs={
            "scale": scale,
            "baseline_total": judged.baseline_total,
            "current_total": judged.total,
            "response_min_reduction_pct": response_pct,
            "partial_response_min_reduction_pct": partial_pct,
            "remission_cutoff": f"{rule.op} {rule.value}",
        },
        sources=(
            _scales_source(
                "response_min_reduction_pct",
                f"response: >= {response_pct:g}% reduction",
                criteria,
            ),
            _scales_source(
                "partial_response_min_reduction_pct",
                f"partial response: {partial_pct:g}% to < {response_pct:g}% reduction",
                criteria,
            ),
            rem_src,
        ),
    )
    return OutcomeAssessment(
        scale,
        judged.baseline_total,
        judged.total,
        pct,
        category,
        judged.remission,
        judged.response,
        (reason,),
    )


def assess_outcome(
    scale: str,
    baseline_total: int,
    current_total: int,
    *,
    criteria: OutcomeCriteria = DEFAULT_CRITERIA,
) -> OutcomeAssessment:
    """Classify the change between two totals already chosen (e.g. a past course's first
    and last) on a depression scale (PHQ-9, QIDS-SR16, HAM-D17, MADRS), with the rules of
    ``judge_change`` (those of ``course_verdict``) under ``criteria``.

    Raises
    ------
    InvalidInput
        An unknown scale or a total outside the scale's range.

    Examples
    --------
    >>> assess_outcome("hamd17", 24, 6).category
    'remission'
    >>> assess_outcome("phq9", 20, 12).category
    'partial_response'
    """
    _check_depression_scale(scale)
    judged = judge_change(scale, baseline_total, current_total, criteria=criteria)
    return _outcome_assessment(scale, judged, criteria)


@dataclass(frozen=True, slots=True)
class Suggestion:
    """One suggested action with its rule, numbers and sources."""

    action: Action
    primary: bool
    rule: str
    finding: str
    numbers: dict[str, object]
    sources: tuple[Source, ...]

    @property
    def status(self) -> Status:
        return reasons_status([Reason(self.rule, self.finding, {}, self.sources)])

    def to_dict(self) -> JSONDict:
        return Reason(self.rule, self.finding, self.numbers, self.sources).to_dict() | {
            "action": self.action,
            "primary": self.primary,
        }


def review_moment(sessions_delivered: int, decision_point: int | None) -> str:
    """When a review was made, in the clinic's words (pages and CLI say it the same way).

    Examples
    --------
    >>> review_moment(10, 10)
    'after session 10 (decision point 10)'
    >>> review_moment(3, None)
    'after session 3, before the first decision point'
    """
    if decision_point is None:
        return f"after session {sessions_delivered}, before the first decision point"
    return f"after session {sessions_delivered} (decision point {decision_point})"


@dataclass(frozen=True, slots=True)
class DecisionReview:
    """Suggestions at a decision point."""

    protocol_id: str
    sessions_delivered: int
    decision_point: int | None
    stage: Stage
    outcome: OutcomeAssessment
    suggestions: tuple[Suggestion, ...]

    @property
    def primary(self) -> Suggestion:
        return next(s for s in self.suggestions if s.primary)

    @property
    def status(self) -> Status:
        return reasons_status(
            [
                *self.outcome.reasons,
                *(Reason(s.rule, s.finding, {}, s.sources) for s in self.suggestions),
            ]
        )

    def to_dict(self) -> JSONDict:
        return {
            "protocol_id": self.protocol_id,
            "sessions_delivered": self.sessions_delivered,
            "decision_point": self.decision_point,
            "stage": self.stage,
            "outcome": self.outcome.to_dict(),
            "primary_action": self.primary.action,
            "suggestions": [s.to_dict() for s in self.suggestions],
            "status": self.status,
        }


def _mcclintock() -> Source:
    return source("mcclintock2018", "UNVERIFIED", where="tms.md §6.1", tag="[R]")


def _perera() -> Source:
    return source("perera2016", "VERIFIED", where="tms.md §6.1", tag="[V]")


def _ambetter() -> Source:
    return source("ambetter_cpbh200", "VERIFIED", where="tms.md §6.2", tag="[V]")


def review_decision_point(
    protocol: Protocol,
    sessions_delivered: int,
    course: CourseVerdict,
    *,
    planned_acute_sessions: int | None = None,
) -> DecisionReview:
    """Suggest what to do at the latest decision point reached.

    Parameters
    ----------
    protocol : Protocol
        The course's protocol (its decision points and acute range).
    sessions_delivered : int
        Sessions delivered so far (>= 0).
    course : CourseVerdict
        How the course went so far (``course_verdict`` on ``phq9``, ``qids_sr16``,
        ``hamd17`` or ``madrs``, under the clinic's outcome criteria).
    planned_acute_sessions : int, optional
        The planned acute count (default: the protocol's maximum).

    Returns
    -------
    DecisionReview
        The outcome and one primary suggestion plus alternatives, each sourced.

    Raises
    ------
    InvalidInput
        Negative sessions or a scale that is not a depression scale.
    """
    if (
        isinstance(sessions_delivered, bool)
        or not isinstance(sessions_delivered, int)
        or sessions_delivered < 0
    ):
        raise InvalidInput.single(
            "sessions_delivered", "must be a count", allowed=">= 0", given=sessions_delivered
        )
    _check_depression_scale(course.scale_id)
    outcome = _outcome_assessment(course.scale_id, course.judged, course.criteria)
    sch = protocol.schedule
    last = planned_acute_sessions or sch.acute_sessions_max
    reached = [d for d in sch.decision_points if d <= sessions_delivered]
    dp = max(reached) if reached else None
    cat = outcome.category
    imp = outcome.improvement_pct
    nums: dict[str, object] = {
        "sessions_delivered": sessions_delivered,
        "decision_point": dp,
        "acute_sessions_min": sch.acute_sessions_min,
        "planned_acute_sessions": last,
        "category": cat,
        "improvement_pct": None if imp is None else round(imp, 1),
    }
    has_taper = bool(sch.taper_sessions_per_week) or sch.continuation is not None
    taper_action: Action = "begin_taper" if has_taper else "stop"
    taper_text = (
        "end the acute phase and begin the "
        + ("taper" if sch.taper_sessions_per_week else "continuation phase")
        if has_taper
        else "end the course (the protocol has no taper)"
    )
    out: list[Suggestion] = []
    stage: Stage
    if dp is None:
        stage = "before_first_decision_point"
        out.append(
            Suggestion(
                "continue",
                True,
                "before_first_decision_point",
                f"no decision point reached yet (first at session "
                f"{sch.decision_points[0] if sch.decision_points else last}): "
                "continue as planned",
                nums,
                protocol.sources_for("schedule.decision_points"),
            )
        )
    elif dp < sch.acute_sessions_min:
        stage = "early"
        out.append(
            Suggestion(
                "continue",
                True,
                "early_decision_point",
                f"after {dp} sessions ({cat.replace('_', ' ')}): continue; response is judged at "
                f"about 20-30 sessions and the course is at least {sch.acute_sessions_min} sessions",
                nums,
                (_mcclintock(), _perera(), *protocol.sources_for("schedule.acute")),
            )
        )
    elif dp < last:
        stage = "within_acute"
        if cat == "remission":
            out.append(
                Suggestion(
                    taper_action,
                    True,
                    "remission_within_acute_range",
                    f"remission after {dp} sessions, within the protocol's acute range "
                    f"({sch.acute_sessions_min}-{sch.acute_sessions_max}): {taper_text}",
                    nums,
                    (
                        _perera(),
                        *protocol.sources_for("schedule.acute"),
                        *protocol.sources_for("schedule.taper_sessions_per_week"),
                    ),
                )
            )
            out.append(
                Suggestion(
                    "continue",
                    False,
                    "remission_continue_option",
                    f"or continue to the planned {last} sessions",
                    nums,
                    (_perera(),),
                )
            )
        elif cat in ("response", "partial_response"):
            out.append(
                Suggestion(
                    "continue",
                    True,
                    "improving_continue",
                    f"{cat.replace('_', ' ')} after {dp} sessions: continue to the planned {last} "
                    "sessions (response is assessed at about 20-30 sessions)",
                    nums,
                    (_mcclintock(), _perera()),
                )
            )
        else:
            out.append(
                Suggestion(
                    "consider_protocol_change",
                    True,
                    "non_response_change",
                    f"non-response after {dp} sessions (<25% improvement): consider switching to "
                    "1 Hz right or bilateral stimulation, or re-targeting",
                    nums,
                    (_mcclintock(),),
                )
            )
            out.append(
                Suggestion(
                    "continue",
                    False,
                    "non_response_continue_option",
                    f"or continue to the planned {last} sessions",
                    nums,
                    (_perera(),),
                )
            )
    else:
        stage = "end_of_acute"
        if cat in ("remission", "response"):
            out.append(
                Suggestion(
                    taper_action,
                    True,
                    "responder_end_of_acute",
                    f"{cat} at the end of the acute course ({dp} sessions): {taper_text}",
                    nums,
                    (
                        *protocol.sources_for("schedule.taper_sessions_per_week"),
                        *protocol.sources_for("schedule.continuation"),
                        _perera(),
                    ),
                )
            )
        elif cat == "partial_response":
            extra = EXTENDED_COURSE_SESSIONS - last
            cap = sch.session_cap
            if extra > 0 and sch.sessions_per_day == 1:
                note = ""
                total = EXTENDED_COURSE_SESSIONS + sch.taper_sessions
                if cap is not None and total > cap:
                    note = (
                        f"; with the {sch.taper_sessions}-session taper this makes {total}, "
                        f"above the payer cap of {cap}: check coverage"
                    )
                out.append(
                    Suggestion(
                        "extend",
                        True,
                        "partial_response_extend",
                        f"partial response at {dp} sessions: extend by {extra} to about "
                        f"{EXTENDED_COURSE_SESSIONS} sessions{note}",
                        nums
                        | {
                            "extend_to": EXTENDED_COURSE_SESSIONS,
                            "extra_sessions": extra,
                            "session_cap": cap,
                        },
                        (_mcclintock(), _ambetter()),
                    )
                )
                out.append(
                    Suggestion(
                        taper_action,
                        False,
                        "partial_response_taper_option",
                        f"or {taper_text}",
                        nums,
                        protocol.sources_for("schedule.taper_sessions_per_week") or (_perera(),),
                    )
                )
            else:
                out.append(
                    Suggestion(
                        taper_action,
                        True,
                        "partial_response_no_extension",
                        f"partial response at {dp} sessions; the course is already "
                        f"{last} sessions or accelerated, so no extension rule applies: "
                        f"{taper_text}",
                        nums,
                        (_mcclintock(),),
                    )
                )
            out.append(
                Suggestion(
                    "consider_protocol_change",
                    False,
                    "partial_response_change_option",
                    "or consider 1 Hz right or bilateral stimulation, or re-targeting",
                    nums,
                    (_mcclintock(),),
                )
            )
        else:
            out.append(
                Suggestion(
                    "stop",
                    True,
                    "non_response_end_of_acute",
                    f"non-response at the end of the acute course ({dp} sessions, <25% "
                    "improvement): stop this protocol",
                    nums,
                    (_mcclintock(), _perera()),
                )
            )
            out.append(
                Suggestion(
                    "consider_protocol_change",
                    False,
                    "non_response_change_option",
                    "or consider switching to 1 Hz right or bilateral stimulation, or re-targeting",
                    nums,
                    (_mcclintock(),),
                )
            )
    return DecisionReview(protocol.id, sessions_delivered, dp, stage, outcome, tuple(out))


@dataclass(frozen=True, slots=True)
class RetreatmentVerdict:
    """Whether a new course is supported after a past response."""

    eligible: bool
    prior_improvement_pct: float
    relapsed: bool
    reasons: tuple[Reason, ...]

    @property
    def status(self) -> Status:
        return reasons_status(self.reasons)

    def to_dict(self) -> JSONDict:
        return {
            "eligible": self.eligible,
            "prior_improvement_pct": round(self.prior_improvement_pct, 2),
            "relapsed": self.relapsed,
            "status": self.status,
            "reasons": [r.to_dict() for r in self.reasons],
        }


def retreatment_eligibility(
    scale: str, prior_baseline_total: int, prior_end_total: int, *, relapsed: bool
) -> RetreatmentVerdict:
    """Retreatment after a past course: eligible only if that course gave more than 50%
    improvement and the patient has since relapsed.

    References
    ----------
    .. [1] CMS LCD L37086 (tms.md §6.2 [V]): "retreatment only if the prior course gave
       >50% improvement and the patient then relapsed" (strictly more than 50%).
    .. [2] McClintock 2018 ([R]): reintroduction or retreatment for relapse after response.

    Examples
    --------
    >>> retreatment_eligibility("hamd17", 24, 10, relapsed=True).eligible
    True
    >>> retreatment_eligibility("hamd17", 24, 12, relapsed=True).eligible
    False
    """
    if not isinstance(relapsed, bool):
        raise InvalidInput.single(
            "relapsed", "must be yes or no", allowed="true, false", given=relapsed
        )
    outcome = assess_outcome(scale, prior_baseline_total, prior_end_total)
    if outcome.improvement_pct is None:
        raise InvalidInput.single(
            "prior_baseline_total",
            "must be above 0 to measure improvement",
            allowed="> 0",
            given=prior_baseline_total,
        )
    improvement = outcome.improvement_pct
    more_than_half = (prior_baseline_total - prior_end_total) * 2 > prior_baseline_total
    eligible = more_than_half and relapsed
    finding = (
        f"prior course: {improvement:.1f}% improvement on {scale} "
        f"({'more than' if more_than_half else 'not more than'} 50%); "
        f"{'relapsed' if relapsed else 'no relapse recorded'}: "
        f"{'retreatment supported' if eligible else 'retreatment not supported'}"
    )
    reasons = (
        Reason(
            rule="retreatment_l37086",
            finding=finding,
            inputs={
                "scale": scale,
                "prior_baseline_total": prior_baseline_total,
                "prior_end_total": prior_end_total,
                "relapsed": relapsed,
                "threshold": "> 50% improvement",
            },
            sources=(
                source("cms_l37086", "VERIFIED", where="tms.md §6.2", tag="[V]"),
                _mcclintock(),
            ),
        ),
        *outcome.reasons,
    )
    return RetreatmentVerdict(eligible, improvement, relapsed, reasons)
