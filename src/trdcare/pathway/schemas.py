"""The pathway room's edges: the ``--facts`` file and the options request (pydantic).

Every model forbids unknown keys, so a typo in a key is an error naming the field, not a
silently ignored finding (docs/pathway.md, "The facts file").

The care plan's inputs (API bodies and page forms alike) and typed answers: every change
carries the reason (kept with the version) and the version the user was shown (0: no plan
yet); a change against an older version is refused (409) with nothing written.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from trdcare.accounts.schemas import SelfReportLinkCreate
from trdcare.adapters.web.corrections import (
    REASON_DESCRIPTION,
    VERSION_DESCRIPTION,
    Blank,
    CorrectionReason,
)
from trdcare.core.inputs import ClinicalNote, InputModel
from trdcare.core.outputs import ResponseModel
from trdcare.pathway.domain.care_plan import MAX_EVERY_DAYS
from trdcare.pathway.domain.data_schema import TherapyId

Text = Annotated[str, StringConstraints(min_length=1, max_length=500, strip_whitespace=True)]
Answer = Literal["yes", "no", "unknown"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Preferences(Strict):
    drug_free: bool = False
    cannot_attend_daily: bool = False


class TmsFinding(Strict):
    finding_id: Text
    detail: str = ""


class TmsScreen(Strict):
    instrument: Literal["rossi2011", "tass"] = "rossi2011"
    answers: dict[str, bool]
    findings: list[TmsFinding] = []


class EsketamineScreen(Strict):
    population: Literal["trd", "mdd_suicidal"] = "trd"
    answers: dict[str, bool]


class ScaleVisit(Strict):
    on: Annotated[date, Field(strict=False)]
    scale: Literal["phq9", "qids_sr16", "hamd17", "madrs", "bdi2"]
    total: float = Field(ge=0, le=100)


class Vns(Strict):
    lifetime_episodes: int | None = Field(default=None, ge=1, le=200)
    medication_stable: Answer = "unknown"
    exclusions: dict[str, Answer] = {}
    scale_visits: list[ScaleVisit] = []


class Hamd17(Strict):
    on: Annotated[date, Field(strict=False)]
    total: float = Field(ge=0, le=52)


class Dbs(Strict):
    diagnosis: Literal["mdd", "bipolar_i", "bipolar_ii", "other", "unknown"] = "unknown"
    psychotic_features: Answer = "unknown"
    research_protocol: Answer = "unknown"
    protocol_ref: str = ""
    latest_hamd17: Hamd17 | None = None


class PsilocybinScreen(Strict):
    programme: Literal["research_protocol", "regulated_programme"] = "research_protocol"
    answers: dict[str, bool]


class PgxResult(Strict):
    gene: Literal["CYP2D6", "CYP2C19", "CYP2B6"]
    phenotype: Text


class Ect(Strict):
    catatonia: bool | None = None
    severe_suicidality: bool | None = None
    prior_ect_response: bool | None = None
    rapid_response_needed: bool | None = None


class Contraindication(Strict):
    therapy: TherapyId
    finding: Text


class FactsFile(Strict):
    """The optional ``--facts`` JSON: findings the history file does not hold."""

    age_years: int | None = Field(default=None, ge=0, le=130)
    preferences: Preferences = Preferences()
    tms_screen: TmsScreen | None = None
    esketamine_screen: EsketamineScreen | None = None
    vns: Vns = Vns()
    dbs: Dbs = Dbs()
    psilocybin_screen: PsilocybinScreen | None = None
    pgx: list[PgxResult] = []
    ect: Ect = Ect()
    contraindications: list[Contraindication] = []


# -- the API and the page -----------------------------------------------------------------
class OptionsRequest(Strict):
    """What a clinician may add to the record's facts when asking for the options: the
    patient's stated preferences, and which therapies to show (all when empty)."""

    therapies: list[TherapyId] = []
    preferences: Preferences = Preferences()
    ect: Ect = Ect()


class OptionsForm(InputModel):
    """The options page's preference form (a ticked checkbox sends "on")."""

    drug_free: bool = Field(default=False, title="Wants a drug-free option")
    cannot_attend_daily: bool = Field(default=False, title="Cannot attend daily")
    catatonia: bool = Field(default=False, title="Catatonia")
    severe_suicidality: bool = Field(default=False, title="Severe suicidality")
    prior_ect_response: bool = Field(default=False, title="A prior good response to ECT")
    rapid_response_needed: bool = Field(default=False, title="A need for a rapid response")

    def ect(self) -> Ect:
        """Ticked indications as recorded; an unticked box is "not recorded", not "absent"."""
        return Ect(
            catatonia=self.catatonia or None,
            severe_suicidality=self.severe_suicidality or None,
            prior_ect_response=self.prior_ect_response or None,
            rapid_response_needed=self.rapid_response_needed or None,
        )


class SourceOut(BaseModel):
    citation: str
    status: str
    where: str
    tag: str


class ReasonOut(BaseModel):
    rule: str
    finding: str
    inputs: dict[str, object]
    sources: list[SourceOut]
    status: str
    kind: Literal["decisive", "preference", "context"] = "context"


class EntryOut(BaseModel):
    text: str
    sources: list[SourceOut]
    status: str


class EvidenceOut(EntryOut):
    level: str
    level_text: str


class GuidelineOut(EntryOut):
    step: int


class OptionOut(BaseModel):
    rank: int
    therapy: TherapyId
    label: str
    status: Literal[
        "available", "needs_information", "not_indicated", "contraindicated", "investigational_only"
    ]
    status_text: str
    reasons: list[ReasonOut]
    expected_time_to_response: EntryOut
    evidence: EvidenceOut
    guideline: GuidelineOut
    schedule: EntryOut | None
    drug_free: bool
    preference_conflicts: list[str]
    provenance_status: str


class OptionsOut(BaseModel):
    patient: str
    as_of: str
    options: list[OptionOut]
    ordering_rule: EntryOut
    status_precedence: list[str]
    context: list[ReasonOut]
    unverified: list[str]
    catalogue_version: str


# -- the care plan -----------------------------------------------------------------------------
Id = Annotated[str, StringConstraints(min_length=1, max_length=30, strip_whitespace=True)]
Detail = Annotated[str, StringConstraints(max_length=200, strip_whitespace=True)]
OptionalDate = Annotated[date | None, Blank]
OptionalRef = Annotated[
    Annotated[str, StringConstraints(max_length=20, strip_whitespace=True)] | None, Blank
]


class _Change(InputModel):
    reason: CorrectionReason = Field(title="Reason for the change", description=REASON_DESCRIPTION)
    version: int = Field(
        ge=0,
        le=2**31 - 1,
        title="Version shown",
        description=VERSION_DESCRIPTION + " (0: none yet)",
    )


class TherapyIn(_Change):
    therapy: Id = Field(title="Therapy", description="e.g. tms, medication, psychotherapy")
    start_date: date = Field(title="Start date")
    end_date: OptionalDate = Field(default=None, title="End date")
    detail: Detail = Field(
        default="", title="Details", description="e.g. the drug and dose, or the therapy's form"
    )
    course_ref: OptionalRef = Field(
        default=None, title="Course", description="The patient's course (C-...) it is delivered as"
    )


class TherapyChangeIn(_Change):
    start_date: date = Field(title="Start date")
    end_date: OptionalDate = Field(default=None, title="End date")
    detail: Detail = Field(default="", title="Details")
    course_ref: OptionalRef = Field(default=None, title="Course")


class MeasureIn(_Change):
    scale: Id = Field(title="Scale", description="e.g. phq9, madrs")
    completed_by: Id = Field(title="Completed by", description="patient or clinician")
    every_days: int = Field(
        ge=1, le=MAX_EVERY_DAYS, title="Every (days)", description="The clinician's choice"
    )
    start_date: date = Field(title="From")


class MeasureChangeIn(_Change):
    completed_by: Id = Field(title="Completed by")
    every_days: int = Field(ge=1, le=MAX_EVERY_DAYS, title="Every (days)")
    start_date: date = Field(title="From")


class RemoveIn(_Change):
    """Remove an entry made in error (kept in the plan's versions with the reason)."""

    version: int = Field(ge=1, le=2**31 - 1, title="Version shown", description=VERSION_DESCRIPTION)


class PreferencesIn(_Change):
    drug_free: bool = Field(default=False, title="Wants a drug-free option")
    cannot_attend_daily: bool = Field(default=False, title="Cannot attend daily sessions")
    note: ClinicalNote = Field(default="", title="Other preferences, in the patient's words")


class MeasureLinkIn(InputModel):
    expires_in_hours: int = Field(
        default=SelfReportLinkCreate.model_fields["expires_in_hours"].default,
        ge=1,
        le=24 * 14,
        title="Valid for (hours)",
    )


# -- answers -----------------------------------------------------------------------------------
class TherapyOut(ResponseModel):
    key: str
    therapy: str
    label: str
    start_date: date
    end_date: date | None
    detail: str
    course_ref: str | None
    removed: str | None
    current: bool
    active_today: bool


class MeasureOut(ResponseModel):
    key: str
    scale_id: str
    scale_name: str
    completed_by: str
    completed_by_label: str
    every_days: int
    start_date: date
    last_on: date | None
    due_on: date
    overdue: bool
    days_overdue: int


class PreferencesOut(ResponseModel):
    drug_free: bool
    cannot_attend_daily: bool
    note: str
    stated: list[str]


class AttributedScoreOut(ResponseModel):
    on: date
    scale_id: str
    scale_name: str
    total: int
    therapies: list[str]
    therapy_labels: list[str]


class TherapyOutcomeOut(ResponseModel):
    therapy_key: str
    therapy_label: str
    scale_id: str
    scale_name: str
    baseline_total: int
    baseline_on: date
    latest_total: int
    latest_on: date
    percent_change: float | None
    category: str
    response: bool
    remission: bool | None


class CarePlanOut(ResponseModel):
    patient: str
    exists: bool
    version: int
    updated_at: datetime | None
    updated_by: str | None
    change_reason: str | None
    today: date
    therapies: list[TherapyOut]
    measures: list[MeasureOut]
    removed_measures: list[dict[str, Any]]
    preferences: PreferencesOut
    attributed_scores: list[AttributedScoreOut]
    outcomes: list[TherapyOutcomeOut]
    attribution_note: str
    schedule_note: str


class CarePlanVersionOut(ResponseModel):
    version: int
    changed_by: str
    changed_at: str
    reason: str
    changes: list[str]


class CarePlanChangedOut(ResponseModel):
    version: int
    key: str | None = None


class MeasureLinkOut(ResponseModel):
    ref: str
    scale: str
    expires_at: datetime
    url: str
