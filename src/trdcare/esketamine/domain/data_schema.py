"""The schema of ``esketamine/domain/data/esketamine.json``, parsed when it is loaded
(:func:`trdcare.esketamine.domain.catalogue.load`).

Types, required keys, status marks and source ids (keys of the file's own ``sources``) are
checked here, so a broken entry stops the program at start-up with a message naming the
file, the entry and the field (:func:`trdcare.core.datafiles.parse_data_file`). Unknown keys
are refused. The dose table must name each (population, phase) once and hold only whole
multiples of the device's dose.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from trdcare.core.datafiles import DataModel
from trdcare.core.provenance import Status

Text = Annotated[str, StringConstraints(min_length=1)]
Population = Literal["trd", "mdd_suicidal"]
DosePhase = Literal[
    "induction_day_1", "induction", "maintenance_weeks_5_to_8", "maintenance_week_9_on"
]
SchedulePhase = Literal["induction", "maintenance_weeks_5_to_8", "maintenance_week_9_on"]
Criterion = Literal["sedation", "dissociation", "respiratory_depression"]


class Sourced(DataModel):
    """An entry's provenance: its sources (ids of ``sources``), status, the reference's own
    mark (``tag``) and where the reference gives it."""

    sources: tuple[Text, ...] = Field(min_length=1)
    status: Status
    tag: Text
    where: Text
    text: Text


class Label(DataModel):
    name: Text
    version: Text
    effective_date: date | None
    first_approved: date
    source: Text
    status: Status
    tag: Text
    where: Text
    note: str = ""


class Device(Sourced):
    mg_per_device: int = Field(gt=0)
    sprays_per_device: int = Field(gt=0)
    rest_between_devices_min: int = Field(ge=0)


class DoseStep(Sourced):
    population: Population
    phase: DosePhase
    doses_mg: tuple[Annotated[int, Field(gt=0)], ...] = Field(min_length=1)


class NotApplied(DataModel):
    id: Text
    text: Text
    source: Text | None
    status: Status
    tag: Text
    where: Text


class SchedulePhaseEntry(Sourced):
    phase: SchedulePhase
    first_week: int = Field(ge=1)
    last_week: int | None = Field(default=None, ge=1)
    sessions_per_week: int = Field(ge=1, le=7)
    interval_weeks: int | None = Field(default=None, ge=1)


class Review(Sourced):
    pass


class Placement(Sourced):
    week_start: Text
    day_offsets: dict[Text, tuple[Annotated[int, Field(ge=0, le=6)], ...]]


class Schedule(DataModel):
    phases: tuple[SchedulePhaseEntry, ...] = Field(min_length=1)
    maintenance_options: dict[Literal["weekly", "every_2_weeks"], Annotated[int, Field(ge=1)]]
    end_of_induction_review: Review
    placement: Placement


class PredoseBloodPressure(Sourced):
    systolic_above_mmhg: int = Field(gt=0)
    diastolic_above_mmhg: int = Field(gt=0)
    action: Literal["warning_needs_prescriber_signoff"]


class PostdoseBloodPressure(Sourced):
    recheck_after_min: int = Field(gt=0)


class Observation(Sourced):
    minimum_min: int = Field(gt=0)


class Discharge(Sourced):
    must_resolve: tuple[Criterion, ...] = Field(min_length=1)


class DischargeBloodPressure(Sourced):
    """Blood pressure still elevated at discharge: a warning the discharging clinician
    confirms, not a block (UNVERIFIED: the reference gives no number of its own)."""

    systolic_above_mmhg: int = Field(gt=0)
    diastolic_above_mmhg: int = Field(gt=0)


class RemsMonitoringForm(Sourced):
    submit_within_days: int = Field(ge=0)


class Indication(Sourced):
    minimum_age_years: int = Field(ge=0)


class Monotherapy(Sourced):
    pass


class EligibilityItem(Sourced):
    """One screening question: a label contraindication (a hard block) or a warning or
    precaution (needs the prescriber's sign-off)."""

    id: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
    question: Text


class Eligibility(DataModel):
    indication: Indication
    monotherapy: Monotherapy
    contraindications: tuple[EligibilityItem, ...] = Field(min_length=1)
    warnings: tuple[EligibilityItem, ...] = Field(min_length=1)


class MedicationClass(DataModel):
    id: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
    effect: Literal["sedation", "blood_pressure"]
    names: tuple[Annotated[str, StringConstraints(pattern=r"^[a-z][a-z -]*$")], ...] = Field(
        min_length=1
    )


class ConcomitantMedications(Sourced):
    members_status: Status
    members_note: Text
    classes: tuple[MedicationClass, ...] = Field(min_length=1)


class EsketamineFile(DataModel):
    catalogue: Text
    version: Text
    note: str = ""
    label: Label
    sources: dict[Text, Text] = Field(min_length=1)
    device: Device
    doses: tuple[DoseStep, ...] = Field(min_length=1)
    not_applied: tuple[NotApplied, ...] = ()
    schedule: Schedule
    predose_blood_pressure: PredoseBloodPressure
    postdose_blood_pressure: PostdoseBloodPressure
    observation: Observation
    discharge: Discharge
    discharge_blood_pressure: DischargeBloodPressure
    rems_monitoring_form: RemsMonitoringForm
    eligibility: Eligibility
    concomitant_medications: ConcomitantMedications

    @model_validator(mode="after")
    def _consistent(self) -> EsketamineFile:
        known = set(self.sources)
        cited: list[str] = [self.label.source]
        entries: tuple[Sourced, ...] = (
            self.device,
            *self.doses,
            *self.schedule.phases,
            self.schedule.end_of_induction_review,
            self.schedule.placement,
            self.predose_blood_pressure,
            self.postdose_blood_pressure,
            self.observation,
            self.discharge,
            self.discharge_blood_pressure,
            self.rems_monitoring_form,
            self.eligibility.indication,
            self.eligibility.monotherapy,
            *self.eligibility.contraindications,
            *self.eligibility.warnings,
            self.concomitant_medications,
        )
        for entry in entries:
            cited.extend(entry.sources)
        cited.extend(n.source for n in self.not_applied if n.source is not None)
        unknown = sorted(set(cited) - known)
        if unknown:
            raise ValueError(f"unknown source id(s) {', '.join(unknown)} (not in sources)")
        ids = [i.id for i in (*self.eligibility.contraindications, *self.eligibility.warnings)]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"eligibility item(s) {', '.join(twice)} given twice")
        seen: set[tuple[str, str]] = set()
        for step in self.doses:
            key = (step.population, step.phase)
            if key in seen:
                raise ValueError(f"dose step {step.population}/{step.phase} is given twice")
            seen.add(key)
            odd = [d for d in step.doses_mg if d % self.device.mg_per_device]
            if odd:
                raise ValueError(
                    f"dose step {step.population}/{step.phase}: {odd} mg is not a whole "
                    f"number of {self.device.mg_per_device} mg devices"
                )
        return self
