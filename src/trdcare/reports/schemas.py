"""pydantic models of the documents room's edges: the path values it accepts and the JSON
of the prior-authorization packet (``PriorAuthPacket.to_dict``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path
from pydantic import BaseModel, ConfigDict

CourseRef = Annotated[str, Path(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9-]+$")]
# Any word: an unknown therapy is answered by the service, naming the allowed ids.
TherapyId = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")]


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SourceOut(_Out):
    citation: str
    status: str
    where: str
    tag: str


class PatientOut(_Out):
    ref: str
    name: str
    birth_date: str
    sex: str


class DiagnosisOut(_Out):
    episode_onset: str | None
    episode_severity: str | None
    trd_status: str | None
    trd_count: str | None
    adequacy_criteria: str | None
    adequacy_criteria_source: str | None


class TrialOut(_Out):
    number: int
    drug: str
    drug_class: str
    max_daily_dose_mg: float | None
    start: str
    end: str | None
    weeks: float
    adherence: str | None
    outcome: str
    adequate: bool | None
    counts_as_failure: bool
    in_current_episode: bool
    reasons: list[str]
    missing: list[str]


class OtherTreatmentOut(_Out):
    kind: str
    name: str
    start: str
    end: str | None
    sessions: int | None
    outcome: str


class ScoreOut(_Out):
    scale: str
    scale_name: str
    total: int | None
    severity: str | None
    on: str
    finding: str


class ScreenOut(_Out):
    name: str
    on: str | None
    verdict: str
    findings: list[str]
    acknowledged_by: str | None


class ProtocolOut(_Out):
    name: str
    start: str
    sessions_planned: int | None
    details: dict[str, str]
    ordered_by: str | None
    course_ref: str


class CodeOut(_Out):
    therapy: str
    system: str
    code: str
    description: str
    applies_to: str
    status: str
    source: SourceOut


class CodesOut(_Out):
    version: str
    origin: str
    entries: list[CodeOut]


class MissingOut(_Out):
    item: str
    label: str
    missing: str
    source: SourceOut


class PriorAuthPacketOut(_Out):
    """The packet as JSON: every section, the codes with their status, the missing items."""

    therapy: str
    therapy_label: str
    as_of: str
    patient: PatientOut
    diagnosis: DiagnosisOut
    antidepressant_trials: list[TrialOut]
    psychotherapy: list[OtherTreatmentOut]
    ect: list[OtherTreatmentOut]
    scores: list[ScoreOut]
    suicide_screen: ScoreOut | None
    safety_screen: ScreenOut | None
    planned_protocol: ProtocolOut | None
    codes: CodesOut
    missing: list[MissingOut]
