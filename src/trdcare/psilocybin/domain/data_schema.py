"""The schema of ``psilocybin/domain/data/psilocybin.json``, parsed when it is loaded
(:func:`trdcare.psilocybin.domain.catalogue.load`): types, required keys, status marks and
source ids are checked, unknown keys refused, ids unique."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from trdcare.core.datafiles import DataModel
from trdcare.core.provenance import Status

Text = Annotated[str, StringConstraints(min_length=1)]
ProgrammeId = Literal["research_protocol", "regulated_programme"]


class Sourced(DataModel):
    sources: tuple[Text, ...] = Field(min_length=1)
    status: Status
    tag: Text
    where: Text
    text: Text


class Restriction(DataModel):
    text: Text
    sources: tuple[Text, ...] = Field(min_length=1)
    status: Status
    tag: Text
    where: Text


class PrepWindow(DataModel):
    min_hours_before: int = Field(ge=0)
    max_days_before: int = Field(ge=1)


class Programme(Sourced):
    id: ProgrammeId
    label: Text
    min_age_years: int = Field(ge=0)
    prep_window: PrepWindow | None


class Exclusion(Sourced):
    id: Text
    question: Text
    effect: Literal["exclude", "review"]


class Washout(Sourced):
    default_days: int = Field(ge=0)
    min_days: int = Field(ge=0)
    max_days: int = Field(ge=0)
    applies_to: tuple[Literal["antidepressant", "augmentation"], ...] = Field(min_length=1)


class Dose(Sourced):
    doses_mg: tuple[Annotated[float, Field(gt=0)], ...] = Field(min_length=1)
    max_dosing_sessions: int = Field(ge=1)


class Preparation(Sourced):
    min_sessions_before_dosing: int = Field(ge=0)


class Monitoring(Sourced):
    minimum_after_dose_min: int = Field(ge=0)


class VitalsSchedule(Sourced):
    minutes_after_dose: tuple[Annotated[int, Field(ge=0)], ...] = Field(min_length=1)


class PsilocybinFile(DataModel):
    catalogue: Text
    version: Text
    note: str = ""
    restriction: Restriction
    sources: dict[Text, Text] = Field(min_length=1)
    programmes: tuple[Programme, ...] = Field(min_length=1)
    exclusions: tuple[Exclusion, ...] = Field(min_length=1)
    washout: Washout
    dose: Dose
    preparation: Preparation
    monitoring: Monitoring
    vitals_schedule: VitalsSchedule
    support_person: Sourced
    integration: Sourced

    @model_validator(mode="after")
    def _consistent(self) -> PsilocybinFile:
        known = set(self.sources)
        cited = list(self.restriction.sources)
        entries: tuple[Sourced, ...] = (
            *self.programmes,
            *self.exclusions,
            self.washout,
            self.dose,
            self.preparation,
            self.monitoring,
            self.vitals_schedule,
            self.support_person,
            self.integration,
        )
        for entry in entries:
            cited.extend(entry.sources)
        unknown = sorted(set(cited) - known)
        if unknown:
            raise ValueError(f"unknown source id(s) {', '.join(unknown)} (not in sources)")
        ids = [e.id for e in self.exclusions]
        if len(ids) != len(set(ids)):
            raise ValueError("exclusion ids must be unique")
        if len({p.id for p in self.programmes}) != len(self.programmes):
            raise ValueError("programme ids must be unique")
        if not self.washout.min_days <= self.washout.default_days <= self.washout.max_days:
            raise ValueError("washout.default_days must lie within min_days..max_days")
        return self
