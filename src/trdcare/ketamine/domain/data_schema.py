"""The schema of ``ketamine/domain/data/ketamine.json``, parsed when it is loaded
(:func:`trdcare.ketamine.domain.catalogue.load`).

Types, required keys, status marks and source ids (keys of the file's own ``sources``) are
checked here, so a broken entry stops the program at start-up with a message naming the
file, the entry and the field (:func:`trdcare.core.datafiles.parse_data_file`). Unknown keys
are refused; every range must hold its standard value.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from trdcare.core.datafiles import DataModel
from trdcare.core.provenance import Status

Text = Annotated[str, StringConstraints(min_length=1)]
Criterion = Literal["sedation", "dissociation", "respiratory_depression"]
Vital = Literal["blood_pressure", "pulse", "spo2"]


class Sourced(DataModel):
    """An entry's provenance: its sources (ids of ``sources``), status, the reference's own
    mark (``tag``), where the reference gives it, and the fact in words."""

    sources: tuple[Text, ...] = Field(min_length=1)
    status: Status
    tag: Text
    where: Text
    text: Text


class OffLabel(DataModel):
    text: Text
    sources: tuple[Text, ...] = Field(min_length=1)
    status: Status
    tag: Text
    where: Text


class Dose(Sourced):
    standard_mg_per_kg: float = Field(gt=0)
    min_mg_per_kg: float = Field(gt=0)
    max_mg_per_kg: float = Field(gt=0)
    standard_infusion_min: int = Field(gt=0)
    min_infusion_min: int = Field(gt=0)
    max_infusion_min: int = Field(gt=0)

    @model_validator(mode="after")
    def _ranges(self) -> Dose:
        if not self.min_mg_per_kg <= self.standard_mg_per_kg <= self.max_mg_per_kg:
            raise ValueError("standard_mg_per_kg must lie within min_mg_per_kg..max_mg_per_kg")
        if not self.min_infusion_min <= self.standard_infusion_min <= self.max_infusion_min:
            raise ValueError(
                "standard_infusion_min must lie within min_infusion_min..max_infusion_min"
            )
        return self


class Weight(Sourced):
    min_kg: float = Field(gt=0)
    max_kg: float = Field(gt=0)


class Series(Sourced):
    default_infusions: int = Field(ge=1)
    min_infusions: int = Field(ge=1)
    max_infusions: int = Field(ge=1)
    default_infusions_per_week: int = Field(ge=1, le=7)
    min_infusions_per_week: int = Field(ge=1, le=7)
    max_infusions_per_week: int = Field(ge=1, le=7)

    @model_validator(mode="after")
    def _ranges(self) -> Series:
        if not self.min_infusions <= self.default_infusions <= self.max_infusions:
            raise ValueError("default_infusions must lie within min_infusions..max_infusions")
        if not (
            self.min_infusions_per_week
            <= self.default_infusions_per_week
            <= self.max_infusions_per_week
        ):
            raise ValueError(
                "default_infusions_per_week must lie within "
                "min_infusions_per_week..max_infusions_per_week"
            )
        return self


class Placement(Sourced):
    week_start: Literal["monday"]
    day_offsets: dict[Text, tuple[Annotated[int, Field(ge=0, le=6)], ...]]


class Monitoring(Sourced):
    vitals: tuple[Vital, ...] = Field(min_length=1)


class PreinfusionBloodPressure(Sourced):
    systolic_above_mmhg: int = Field(gt=0)
    diastolic_above_mmhg: int = Field(gt=0)
    action: Literal["warning_needs_physician_signoff"]


class Observation(Sourced):
    minimum_after_infusion_min: int = Field(ge=0)


class Discharge(Sourced):
    must_resolve: tuple[Criterion, ...] = Field(min_length=1)


class KetamineFile(DataModel):
    catalogue: Text
    version: Text
    note: str = ""
    off_label: OffLabel
    sources: dict[Text, Text] = Field(min_length=1)
    dose: Dose
    weight: Weight
    series: Series
    placement: Placement
    monitoring: Monitoring
    preinfusion_blood_pressure: PreinfusionBloodPressure
    observation: Observation
    discharge: Discharge

    @model_validator(mode="after")
    def _consistent(self) -> KetamineFile:
        known = set(self.sources)
        cited = list(self.off_label.sources)
        for entry in (
            self.dose,
            self.weight,
            self.series,
            self.placement,
            self.monitoring,
            self.preinfusion_blood_pressure,
            self.observation,
            self.discharge,
        ):
            cited.extend(entry.sources)
        unknown = sorted(set(cited) - known)
        if unknown:
            raise ValueError(f"unknown source id(s) {', '.join(unknown)} (not in sources)")
        for per_week in range(
            self.series.min_infusions_per_week, self.series.max_infusions_per_week + 1
        ):
            offsets = self.placement.day_offsets.get(str(per_week))
            if offsets is None or len(offsets) != per_week:
                raise ValueError(
                    f"placement.day_offsets must give {per_week} weekday offsets for "
                    f"{per_week} infusions a week"
                )
        return self
