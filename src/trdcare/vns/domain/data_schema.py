"""The schema of the VNS catalogue ``vns/domain/data/vns.json``, parsed when it is loaded
(:func:`trdcare.vns.domain.catalogue.load`).

Types, required keys, status marks and source ids (a key of the file's own ``sources``) are
checked here, so a broken entry stops the program at start-up naming the file, the entry and
the field. Unknown keys are refused.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from trdcare.core.datafiles import DataModel
from trdcare.core.provenance import Status

Text = Annotated[str, StringConstraints(min_length=1)]
Number = Annotated[float, Field(allow_inf_nan=False)]


class Sourced(DataModel):
    """Provenance of one fact: which source, how sure, where in the reference."""

    source: Text
    also: str = ""
    status: Status
    where: str = ""
    note: str = ""


class SourcedValue(Sourced):
    value: Number = Field(gt=0)


class SourcedValues(Sourced):
    values: tuple[Number, ...] = Field(min_length=1)


class LabelledFact(Sourced):
    id: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
    label: Text


class Coverage(Sourced):
    label: Text


class Criteria(DataModel):
    age_min_years: SourcedValue
    episode_min_years: SourcedValue
    episodes_min: SourcedValue
    failed_treatments_min: SourcedValue
    scale_visits_min: SourcedValue
    scale_window_days: SourcedValue
    stable_medication_days: SourcedValue


class Stimulation(DataModel):
    device_max_current_ma: SourcedValue
    start_current_ma: SourcedValue
    titration_step_ma: SourcedValue
    titration_interval_days: SourcedValue
    healing_days: SourcedValue
    therapeutic_low_ma: SourcedValue
    therapeutic_high_ma: SourcedValue
    depression_frequency_hz: SourcedValue
    pulse_widths_us: SourcedValues
    start_on_time_s: SourcedValue
    start_off_time_min: SourcedValue
    off_exceeds_on: Sourced


class ResponseTimeline(DataModel):
    assessment_month: SourcedValue
    durability_month: SourcedValue
    counts_from: Literal["first_stimulation", "implant"]
    counts_from_status: Status
    counts_from_note: str = ""


class VnsFile(DataModel):
    catalogue: Text
    version: Text
    note: str = ""
    sources: dict[Text, Text] = Field(min_length=1)
    coverage: Coverage
    criteria: Criteria
    exclusions: tuple[LabelledFact, ...] = Field(min_length=1)
    stimulation: Stimulation
    side_effects: tuple[LabelledFact, ...] = Field(min_length=1)
    response_timeline: ResponseTimeline

    @model_validator(mode="after")
    def _references_resolve(self) -> VnsFile:
        entries: list[tuple[str, Sourced]] = [("coverage", self.coverage)]
        for group, model in (("criteria", self.criteria), ("stimulation", self.stimulation)):
            for name in type(model).model_fields:
                entries.append((f"{group}.{name}", getattr(model, name)))
        entries += [(f"exclusion {e.id}", e) for e in self.exclusions]
        entries += [(f"side effect {e.id}", e) for e in self.side_effects]
        entries += [
            ("response_timeline.assessment_month", self.response_timeline.assessment_month),
            ("response_timeline.durability_month", self.response_timeline.durability_month),
        ]
        for where, entry in entries:
            for source_id in (entry.source, entry.also):
                if source_id and source_id not in self.sources:
                    raise ValueError(f"{where}: unknown source id {source_id!r} (not in sources)")
        for group, items in (("exclusions", self.exclusions), ("side_effects", self.side_effects)):
            ids = [e.id for e in items]
            if len(set(ids)) != len(ids):
                raise ValueError(f"{group}: ids must be unique")
        return self


SCHEMAS: dict[str, type[DataModel]] = {"vns.json": VnsFile}
"""Each packaged VNS data file and the model that parses it."""
