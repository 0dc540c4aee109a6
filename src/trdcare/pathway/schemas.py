"""The pathway room's edges: the ``--facts`` file and the options request (pydantic).

Every model forbids unknown keys, so a typo in a key is an error naming the field, not a
silently ignored finding (docs/pathway.md, "The facts file").
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from trdcare.core.inputs import InputModel
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
