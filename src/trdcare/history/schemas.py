"""Typed answers of the treatment-history API: the history document and its staging report
(adequacy of each trial, TRD status, Maudsley, Thase-Rush and MGH-S), each with its reasons.

The models mirror the domain results (:mod:`trdcare.history.domain`); every reason names
its source tag(s) and status, and the report lists the facts relied on that are not
VERIFIED.

The history page's form is parsed here too (:class:`HistoryForm`): the form is a table,
``<kind>.<row>.<field>`` (``antidepressant_trials.0.drug``), rows left empty when unused. It
gathers the rows and types each cell (a dose is a number, a start a date, a drug name a short
label with its length limit), so every problem of the typing shows at once beside its row. The
document it makes is the API's history document (docs/history-file.md), checked by the
domain's :func:`~trdcare.history.domain.parse_history` for the clinical rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from pydantic import Field, model_validator

from trdcare.core.inputs import InputModel, Label
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
    version: int = Field(description="The version shown; a correction names it")
    modality: str
    start_date: date
    end_date: date | None
    status: str
    primary_scale: str
    planned_sessions: int | None


# the history page's form ---------------------------------------------------------------------
# Rows of each kind on the form, and the cell that makes a row "used".
ROWS = {
    "antidepressant_trials": 8,
    "augmentation_trials": 3,
    "ect_courses": 2,
    "psychotherapy_courses": 3,
}
KEY_FIELD = {
    "antidepressant_trials": "drug",
    "augmentation_trials": "agent",
    "ect_courses": "start",
    "psychotherapy_courses": "modality",
}
OPTION_MAX_CHARS = 40  # an option's id (adherence, outcome, placement); the domain checks it


class AntidepressantRow(InputModel):
    drug: Label = Field(title="Drug")
    max_daily_dose_mg: float | None = Field(default=None, title="Max daily dose (mg)")
    start: date | None = Field(default=None, title="Start")
    end: date | None = Field(default=None, title="End")
    adherence: str | None = Field(default=None, max_length=OPTION_MAX_CHARS, title="Adherence")
    outcome: str | None = Field(default=None, max_length=OPTION_MAX_CHARS, title="Outcome")
    dose_optimised: bool = Field(default=False, title="Dose optimised")


class AugmentationRow(InputModel):
    agent: Label = Field(title="Agent")
    max_daily_dose_mg: float | None = Field(default=None, title="Max daily dose (mg)")
    start: date | None = Field(default=None, title="Start")
    end: date | None = Field(default=None, title="End")
    adherence: str | None = Field(default=None, max_length=OPTION_MAX_CHARS, title="Adherence")
    outcome: str | None = Field(default=None, max_length=OPTION_MAX_CHARS, title="Outcome")


class EctRow(InputModel):
    start: date = Field(title="Start")
    end: date | None = Field(default=None, title="End")
    sessions: int | None = Field(default=None, title="Sessions")
    electrode_placement: str | None = Field(
        default=None, max_length=OPTION_MAX_CHARS, title="Electrode placement"
    )
    outcome: str | None = Field(default=None, max_length=OPTION_MAX_CHARS, title="Outcome")


class PsychotherapyRow(InputModel):
    modality: Label = Field(title="Modality")
    start: date | None = Field(default=None, title="Start")
    end: date | None = Field(default=None, title="End")
    sessions: int | None = Field(default=None, title="Sessions")
    outcome: str | None = Field(default=None, max_length=OPTION_MAX_CHARS, title="Outcome")


class HistoryForm(InputModel):
    """The history page's form; an unused row is ``None`` so a problem names its form row."""

    onset: date | None = Field(default=None, title="Onset of the current episode")
    severity: str | None = Field(
        default=None, max_length=OPTION_MAX_CHARS, title="Baseline severity"
    )
    antidepressant_trials: list[AntidepressantRow | None] = Field(
        default_factory=list, max_length=ROWS["antidepressant_trials"], title="Antidepressant trial"
    )
    augmentation_trials: list[AugmentationRow | None] = Field(
        default_factory=list, max_length=ROWS["augmentation_trials"], title="Augmentation trial"
    )
    ect_courses: list[EctRow | None] = Field(
        default_factory=list, max_length=ROWS["ect_courses"], title="ECT course"
    )
    psychotherapy_courses: list[PsychotherapyRow | None] = Field(
        default_factory=list,
        max_length=ROWS["psychotherapy_courses"],
        title="Psychotherapy course",
    )

    @model_validator(mode="before")
    @classmethod
    def _rows_from_form(cls, data: Any) -> Any:
        """``antidepressant_trials.0.drug=...`` -> ``antidepressant_trials[0]["drug"]``."""
        if not isinstance(data, Mapping):
            return data
        out: dict[str, Any] = {}
        cells: dict[str, dict[int, dict[str, Any]]] = {kind: {} for kind in ROWS}
        for key, value in data.items():
            kind, _, rest = str(key).partition(".")
            index, _, name = rest.partition(".")
            if kind in ROWS and index.isdecimal() and name:
                if value != "":  # an empty cell is not given
                    cells[kind].setdefault(int(index), {})[name] = value
            else:
                out[key] = value
        for kind, rows in cells.items():
            if not rows:
                continue
            size = min(max(rows) + 1, ROWS[kind] + 1)  # one past the limit shows as too many
            out[kind] = [
                rows[i] if rows.get(i, {}).get(KEY_FIELD[kind]) else None for i in range(size)
            ]
        return out

    def document(self, today: date) -> tuple[dict[str, Any], dict[str, dict[int, int]]]:
        """The history document (docs/history-file.md) and, per kind, document row -> form row."""
        document: dict[str, Any] = {
            "episode": {
                "onset": self.onset.isoformat() if self.onset else None,
                "as_of": today.isoformat(),
                "severity": self.severity,
            }
        }
        rows_map: dict[str, dict[int, int]] = {}
        for kind in ROWS:
            rows = getattr(self, kind)
            used = [(i, row) for i, row in enumerate(rows) if row is not None]
            document[kind] = [row.model_dump(mode="json") for _, row in used]
            rows_map[kind] = {n: i for n, (i, _) in enumerate(used)}
        return document, rows_map
