"""Typed answers of the treatment-history API: the history document and its staging report
(adequacy of each trial, TRD status, Maudsley, Thase-Rush and MGH-S), each with its reasons.

The models mirror the domain results (:mod:`trdcare.history.domain`); every reason names
its source tag(s) and status, and the report lists the facts relied on that are not
VERIFIED.
"""

from __future__ import annotations

from datetime import date

from trdcare.core.outputs import Number, ResponseModel


class Reason(ResponseModel):
    code: str
    message: str
    source: str
    status: str


class Fact(ResponseModel):
    key: str
    statement: str
    status: str
    source: str


# the history document -----------------------------------------------------------------------
class Episode(ResponseModel):
    onset: date
    as_of: date
    severity: str


class AntidepressantTrial(ResponseModel):
    drug: str
    max_daily_dose_mg: Number | None
    start: date
    end: date | None
    adherence: str
    outcome: str
    dose_optimised: bool


class AugmentationTrial(ResponseModel):
    agent: str
    max_daily_dose_mg: Number | None
    start: date
    end: date | None
    outcome: str
    adherence: str


class EctCourse(ResponseModel):
    start: date
    end: date | None
    sessions: int
    electrode_placement: str
    outcome: str


class PsychotherapyCourse(ResponseModel):
    modality: str
    start: date
    end: date | None
    sessions: int | None
    outcome: str


class TreatmentHistory(ResponseModel):
    episode: Episode
    antidepressant_trials: list[AntidepressantTrial]
    augmentation_trials: list[AugmentationTrial]
    ect_courses: list[EctCourse]
    psychotherapy_courses: list[PsychotherapyCourse]


# the staging report -------------------------------------------------------------------------
class Criteria(ResponseModel):
    name: str
    description: str
    min_duration_weeks: Number
    min_duration_days: int
    require_min_dose: bool
    adherence_accepted: list[str]
    failure_outcomes: list[str]
    distinct_drugs: bool
    preferred_dose_sources: list[str]
    source: str
    status: str
    facts: list[Fact]


class CatalogueVersion(ResponseModel):
    version: str
    date: str


class MinimumDose(ResponseModel):
    value_mg: Number
    comparison: str
    source: str
    status: str
    note: str


class TrialAdequacy(ResponseModel):
    index: int | None
    trial: AntidepressantTrial
    drug_class: str
    criteria: str
    adequate: bool | None
    failed: bool
    counts_as_failure: bool
    could_count: bool
    in_current_episode: bool
    duration_days: int
    min_dose: MinimumDose | None
    dose_status: str
    reasons: list[Reason]


class CountedTrial(ResponseModel):
    index: int | None
    drug: str
    drug_class: str


class NotCountedTrial(ResponseModel):
    trial: AntidepressantTrial
    reasons: list[Reason]


class TrdStatus(ResponseModel):
    status: str
    failed_adequate_trials: int
    failures_required: int
    could_count: int
    count_text: str
    criteria: str
    rule: str
    source: str
    counted: list[CountedTrial]
    not_counted: list[NotCountedTrial]
    reasons: list[Reason]


class Component(ResponseModel):
    """One scored part of a staging model: its points, the input it read and its rule."""

    name: str
    points: Number | None
    input: bool | Number | str | None
    rule: str
    source: str
    status: str


class Maudsley(ResponseModel):
    stageable: bool
    total: Number | None
    band: str | None
    failed_medications: int
    components: list[Component]
    reasons: list[Reason]


class ThaseRush(ResponseModel):
    stage: str | None
    failed_classes: list[str]
    provisional: bool
    components: list[Component]
    reasons: list[Reason]


class MghS(ResponseModel):
    total: Number
    provisional: bool
    components: list[Component]
    reasons: list[Reason]


class StagingReport(ResponseModel):
    criteria: Criteria
    catalogue: CatalogueVersion
    trials: list[TrialAdequacy]
    trd: TrdStatus
    maudsley: Maudsley
    thase_rush: ThaseRush
    mgh_s: MghS
    unverified: list[Fact]
    not_verified: list[Fact]
    sources: dict[str, str]


class HistoryWithStaging(ResponseModel):
    history: TreatmentHistory
    staging: StagingReport


class Course(ResponseModel):
    """A treatment course (TMS, ECT, esketamine...), read from its stored row."""

    ref: str
    modality: str
    start_date: date
    end_date: date | None
    status: str
    primary_scale: str
    planned_sessions: int | None
