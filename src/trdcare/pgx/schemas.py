"""The PGx room's inputs (API bodies and CLI options alike) and typed answers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from trdcare.adapters.web.corrections import Blank
from trdcare.core.inputs import ClinicalNote, InputModel
from trdcare.core.outputs import ResponseModel

Gene = Literal["CYP2B6", "CYP2C19", "CYP2D6"]
DiplotypeText = Annotated[
    str, StringConstraints(min_length=3, max_length=60, strip_whitespace=True)
]
LabName = Annotated[str, StringConstraints(max_length=200, strip_whitespace=True)]


class OutsideCallIn(InputModel):
    """A lab-reported diplotype (an outside call), e.g. CYP2D6 ``*1/*2x2``."""

    gene: Gene = Field(title="Gene")
    diplotype: DiplotypeText = Field(title="Diplotype", description="e.g. *1/*4 or *1x2/*41")
    lab: LabName = Field(default="", title="Laboratory")
    # A page form's empty date is "not given".
    reported_on: Annotated[date | None, Blank] = Field(default=None, title="Reported on")
    note: ClinicalNote = Field(default="", title="Note")


class GeneResultOut(ResponseModel):
    id: int
    ref: str
    gene: str
    source: str
    diplotypes: list[str]
    phenotype: str
    activity_score: str | None
    missing_positions: list[dict[str, Any]]
    notes: list[str]
    file_name: str
    file_sha256: str
    sample: str
    lab: str
    reported_on: date | None
    data_versions: dict[str, Any]
    recorded_at: datetime
    recorded_by: str
    version: int


class VcfImportOut(ResponseModel):
    """The results stored from one VCF, one per gene (as ``trdcare pgx import --json``)."""

    results: list[GeneResultOut]


class GuidelineOut(ResponseModel):
    url: str
    pmid: str | None
    year: int | None
    data_version: str


class RecommendationOut(ResponseModel):
    drug: str
    drug_class: str
    gene: str
    genes: list[str]
    lookup: dict[str, str]
    phenotypes: dict[str, str]
    recommendation: str
    classification: str
    actions: list[str]
    changes_prescribing: bool
    ambiguous: bool
    notes: list[str]
    guideline: GuidelineOut


class TrialLinkOut(ResponseModel):
    trial_id: int
    drug: str
    start: date
    end: date | None
    current: bool
    max_daily_dose_mg: float | None
    outcome: str
    genes: list[str]
    phenotypes: dict[str, str]
    classification: str
    recommendation: str
    changes_prescribing: bool
    guideline_url: str
    explanation: str


class OverviewOut(ResponseModel):
    patient: str
    genes: dict[str, GeneResultOut]
    history: list[GeneResultOut]
    withdrawn: list[GeneResultOut]
    recommendations: list[RecommendationOut]
    trials: list[TrialLinkOut]
    data_versions: dict[str, str]
    cyp2d6_note: str
    note: str
