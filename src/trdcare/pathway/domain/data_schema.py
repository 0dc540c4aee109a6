"""The schema of ``pathway/domain/data/options.json``, parsed when it is loaded
(:func:`trdcare.pathway.domain.catalogue.load`).

Types, required keys, status marks and source ids (keys of the file's own ``sources``) are
checked here, so a broken entry stops the program at start-up with a message naming the file,
the entry and the field (:func:`trdcare.core.datafiles.parse_data_file`). Unknown keys are
refused.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from trdcare.core.datafiles import DataModel
from trdcare.core.provenance import Status

Text = Annotated[str, StringConstraints(min_length=1)]
TherapyId = Literal[
    "medication",
    "psychotherapy",
    "tms",
    "esketamine",
    "iv_ketamine",
    "ect",
    "vns",
    "dbs",
    "psilocybin",
    "neurofeedback",
    "pgx_testing",
]
THERAPY_IDS: tuple[TherapyId, ...] = (
    "medication",
    "psychotherapy",
    "tms",
    "esketamine",
    "iv_ketamine",
    "ect",
    "vns",
    "dbs",
    "psilocybin",
    "neurofeedback",
    "pgx_testing",
)
EvidenceLevel = Literal[
    "rct_positive",
    "guideline_recommended",
    "rct_mixed",
    "small_or_uncontrolled",
    "not_in_reference",
]


class Sourced(DataModel):
    """An entry's provenance: its sources (ids of ``sources``), status, the reference's own
    mark (``tag``), where the reference gives it, and the fact in words."""

    text: Text
    sources: tuple[Text, ...] = Field(min_length=1)
    status: Status
    tag: Text
    where: Text


class Guideline(Sourced):
    step: int = Field(ge=1, le=6)


class Evidence(Sourced):
    level: EvidenceLevel


class Criterion(Sourced):
    value: int = Field(ge=1)


class Criteria(DataModel):
    min_failed_trials: Criterion | None = None
    requires_trd: Criterion | None = None


class Therapy(DataModel):
    id: TherapyId
    label: Text
    base_status: Literal["available", "investigational_only"]
    drug_free: bool
    daily_attendance: bool
    needs_history: bool
    guideline: Guideline
    evidence: Evidence
    time_to_response: Sourced
    schedule: Sourced | None = None
    first_line_indications: Sourced | None = None
    criteria: Criteria = Criteria()


class Level(DataModel):
    id: EvidenceLevel
    label: Text


class OptionsFile(DataModel):
    catalogue: Text
    version: Text
    note: Text
    sources: dict[str, Text]
    ordering: Sourced
    evidence_levels: tuple[Level, ...] = Field(min_length=1)
    therapies: tuple[Therapy, ...]

    @model_validator(mode="after")
    def _consistent(self) -> OptionsFile:
        ids = [t.id for t in self.therapies]
        if sorted(ids) != sorted(THERAPY_IDS):
            raise ValueError(f"therapies must be each of {', '.join(THERAPY_IDS)} once")
        entries: list[Sourced] = [self.ordering]
        for t in self.therapies:
            entries += [t.guideline, t.evidence, t.time_to_response]
            entries += [e for e in (t.schedule, t.first_line_indications) if e is not None]
            entries += [
                c for c in (t.criteria.min_failed_trials, t.criteria.requires_trd) if c is not None
            ]
        for entry in entries:
            for sid in entry.sources:
                if sid not in self.sources:
                    raise ValueError(f"source {sid!r} is not in sources")
        return self
