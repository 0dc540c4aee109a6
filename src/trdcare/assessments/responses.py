"""Typed answers of the assessments API that carry the domain's results: a scale as data, a
scored form, the outcome of a course and the caseload rows. (The stored assessments, alerts
and self-report answers are typed in :mod:`trdcare.assessments.endpoints`.)

Every rule and threshold keeps its provenance: the sources, a status and a note.
"""

from __future__ import annotations

from datetime import date

from trdcare.core.outputs import Number, ResponseModel


class Provenance(ResponseModel):
    sources: list[str]
    status: str
    note: str


# a scale as data ------------------------------------------------------------------------------
class ScaleSummary(ResponseModel):
    id: str
    name: str
    items: int
    total_min: int | None
    total_max: int | None
    self_report: bool


class AnswerOption(ResponseModel):
    value: int
    label: str
    loinc: str | None


class ScaleItem(ResponseModel):
    key: str
    label: str
    loinc: str | None
    options: list[AnswerOption]
    not_scored: list[AnswerOption]
    asked_when: str | None


class ScoreDomain(ResponseModel):
    name: str
    items: list[str]


class Band(ResponseModel):
    label: str
    low: int
    high: int


class BandConvention(ResponseModel):
    id: str
    name: str
    bands: list[Band]
    provenance: Provenance


class Loinc(ResponseModel):
    panel: str | None
    total: str | None
    provenance: Provenance


class SafetyRule(ResponseModel):
    code: str
    item: str
    min_value: int
    anchor: str
    provenance: Provenance


class TriageRule(ResponseModel):
    item: str
    level: str
    code: str
    category: str
    rule: str
    provenance: Provenance


class Threshold(ResponseModel):
    """A named cut-off on the total (``remission``: total <= 4), with its provenance."""

    name: str
    op: str
    value: Number
    provenance: Provenance


class Scale(ResponseModel):
    id: str
    name: str
    items: list[ScaleItem]
    total_min: int | None
    total_max: int | None
    domains: list[ScoreDomain]
    band_conventions: list[BandConvention]
    default_band_convention: str
    loinc: Loinc
    licence: str
    licence_provenance: Provenance
    missing_rule: str
    missing_rule_provenance: Provenance
    scoring_provenance: Provenance
    safety_rules: list[SafetyRule]
    triage_rules: list[TriageRule]
    remission: Threshold | None
    relapse: Threshold | None
    notes: list[str]


# a scored form --------------------------------------------------------------------------------
class DomainScore(ResponseModel):
    domain: str
    score: int


class SafetyFlag(ResponseModel):
    code: str
    category: str
    scale: str
    item: str
    value: int
    rule: str
    source: str
    triage: str | None
    status: str


class ScaleResult(ResponseModel):
    scale: str
    total: int | None
    total_max: int | None
    severity: str | None
    band_convention: str
    complete: bool
    missing: list[str]
    answers: dict[str, int]
    domain_scores: list[DomainScore]
    flags: list[SafetyFlag]
    triage: str | None
    explanation: list[str]


# the outcome of a course ----------------------------------------------------------------------
class DatedScore(ResponseModel):
    on: date
    total: int


class OutcomeRow(ResponseModel):
    on: date
    total: int
    days_from_baseline: int
    change: int
    percent_change: Number | None
    response: bool
    partial_response: bool
    remission: bool


class ReliableChange(ResponseModel):
    reliability: Number
    baseline_sd: Number
    z: Number
    standard_error: Number
    s_diff: Number
    threshold_points: Number
    rci: Number
    category: str
    explanation: str


class OutcomeEvent(ResponseModel):
    kind: str
    on: date
    total: int
    rule: str


class CriterionValue(ResponseModel):
    value: Number
    default: Number
    sources: list[str]
    status: str
    note: str


class OutcomeCriteria(ResponseModel):
    """Each threshold of the outcome rules with its value, default, sources and status; the
    clinic's per-scale remission and relapse overrides by scale id."""

    response_min_reduction_pct: CriterionValue
    partial_response_min_reduction_pct: CriterionValue
    early_improvement_min_reduction_pct: CriterionValue
    early_improvement_window_days: CriterionValue
    sustained_response_min_days: CriterionValue
    sustained_remission_min_days: CriterionValue
    recovery_min_months: CriterionValue
    reliable_change_z: CriterionValue
    remission_max_total: dict[str, Number]
    relapse_min_total: dict[str, Number]


class Outcome(ResponseModel):
    course: str | None
    scale: str
    baseline: DatedScore
    latest: DatedScore
    baseline_rule: str
    baseline_after_course_start: bool
    change: int
    percent_change: Number | None
    response: bool
    partial_response: bool
    remission: bool
    early_improvement: bool | None
    reliable_change: ReliableChange | None
    sustained_response: bool
    sustained_remission: bool
    relapse: bool
    state: str
    events: list[OutcomeEvent]
    rows: list[OutcomeRow]
    remission_rule: Threshold
    relapse_rule: Threshold | None
    criteria: OutcomeCriteria
    explanation: list[str]


# the caseload -----------------------------------------------------------------------------------
class CaseloadRow(ResponseModel):
    patient: str
    name: str
    scale: str
    latest_total: int | None
    latest_severity: str | None
    latest_on: date | None
    baseline_total: int | None
    percent_change: Number | None
    response: bool | None
    remission: bool | None
    assessments: int
    alerts: list[str]
