"""The schemas of the TMS catalogues in ``tms/domain/data/``: each file is parsed by its model
when it is loaded (:func:`trdcare.tms.domain.catalogue.load`).

Types, required keys, status marks (one of :data:`~trdcare.core.provenance.STATUSES`)
and source ids (a key of ``sources.json``, checked through the validation context) are
checked here, so a broken entry stops the program at start-up with a message naming the file,
the entry and the field. Unknown keys are refused (a typo in a key would silently drop a
value). The protocol library's clinical rules (parameter limits, stated vs derived pulses)
stay in :mod:`trdcare.tms.domain.protocols`, which parses every library entry with them.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, Field, StringConstraints, ValidationInfo

from trdcare.core.datafiles import DataModel
from trdcare.core.provenance import Status

Text = Annotated[str, StringConstraints(min_length=1)]
Number = Annotated[float, Field(allow_inf_nan=False)]


def _known_source(value: str, info: ValidationInfo) -> str:
    known = (info.context or {}).get("source_ids")
    if known is not None and value not in known:
        raise ValueError(f"unknown source id {value!r} (not in sources.json)")
    return value


SourceId = Annotated[str, StringConstraints(min_length=1), AfterValidator(_known_source)]


class Sourced(DataModel):
    """An entry's provenance: which source, how sure, where in the reference."""

    source: SourceId
    status: Status
    tag: str = ""
    where: str = ""
    note: str = ""


# sources.json -----------------------------------------------------------------------------
class SourcesFile(DataModel):
    version: Text
    note: str = ""
    sources: dict[Text, Text] = Field(min_length=1)


# screening.json ---------------------------------------------------------------------------
class ScreeningRule(Sourced):
    rule: Text
    text: Text


class ScreeningItem(DataModel):
    id: Text
    number: int = Field(ge=1)
    text: Text
    source: SourceId
    status: Status
    on_yes: Text
    findings: tuple[Text, ...] = ()
    secondary_text: str = ""


class Instrument(DataModel):
    id: Text
    name: Text
    source: SourceId
    status: Status
    note: str = ""
    items: tuple[ScreeningItem, ...] = Field(min_length=1)


class FindingSource(Sourced):
    pass


class Finding(DataModel):
    id: Text
    label: Text
    klass: Text = Field(alias="class")
    sources: tuple[FindingSource, ...] = Field(min_length=1)
    note: str = ""
    requires_detail: bool = False


class ScreeningFile(DataModel):
    catalogue: Text
    version: Text
    general_rule: ScreeningRule
    on_yes_meanings: dict[Text, Text]
    instruments: tuple[Instrument, ...] = Field(min_length=1)
    findings: tuple[Finding, ...] = Field(min_length=1)


# seizure_threshold_medications.json -------------------------------------------------------
class MedicationGroup(Sourced):
    id: Text
    label: Text
    generic_names: tuple[Text, ...] = Field(min_length=1)
    membership: str = ""


class SeizureMedicationsFile(DataModel):
    catalogue: Text
    version: Text
    note: str = ""
    groups: tuple[MedicationGroup, ...] = Field(min_length=1)


# side_effects.json ------------------------------------------------------------------------
class SideEffect(Sourced):
    id: Text
    label: Text


class AdverseEventKind(Sourced):
    id: Text
    label: Text
    always_serious: bool
    requires_description: bool = False


class SideEffectsFile(DataModel):
    catalogue: Text
    version: Text
    common_side_effects: tuple[SideEffect, ...] = Field(min_length=1)
    adverse_event_kinds: tuple[AdverseEventKind, ...] = Field(min_length=1)


# safety_limits.json -----------------------------------------------------------------------
class MaxSafeTrainTable(Sourced):
    id: Text
    title: Text
    also: str = ""
    lookup: Text
    frequencies_hz: tuple[Annotated[Number, Field(gt=0)], ...] = Field(min_length=1)
    intensities_pct_mt: tuple[Annotated[Number, Field(gt=0)], ...] = Field(min_length=1)
    cells: tuple[tuple[Number | str | None, ...], ...] = Field(min_length=1)
    cell_notation: Text


class TestedCondition(DataModel):
    frequency_hz: Number = Field(gt=0)
    train_duration_s: Number = Field(gt=0)
    intensity_pct_mt: Number = Field(gt=0)
    trains: int = Field(ge=1)


class InterTrainInterval(Sourced):
    id: Text
    minimum_safe_iti_s: Number = Field(ge=0)
    tested_condition: TestedCondition
    unsafe_iti_max_s: Number = Field(ge=0)
    unsafe_above_intensity_pct_mt: Number = Field(gt=0)
    facts: tuple[Text, ...] = ()
    application: Text


class PublishedThetaBurst(Sourced):
    pulses_per_burst: int = Field(ge=1)
    intra_burst_frequency_hz: Number = Field(gt=0)
    burst_frequency_hz: Number = Field(gt=0)


class ThetaBurst(DataModel):
    status: Status
    where: str = ""
    note: str = ""
    sources: tuple[SourceId, ...] = Field(min_length=1)
    published_pattern: PublishedThetaBurst


class SafetyLimitsFile(DataModel):
    catalogue: Text
    version: Text
    max_safe_train: MaxSafeTrainTable
    inter_train_interval: InterTrainInterval
    theta_burst: ThetaBurst


# protocols.json ---------------------------------------------------------------------------
class FieldProvenanceEntry(Sourced):
    fields: tuple[Text, ...] = Field(min_length=1)


class ClearanceEntry(Sourced):
    body: Text
    device: Text
    year: int = Field(ge=1985, le=2100)


class ProtocolEntry(DataModel):
    """A library protocol's envelope. Its blocks, stated values and schedule are parsed with
    the declared limits by :func:`trdcare.tms.domain.protocols.parse_protocol` (the same
    parser a custom protocol goes through), which reports each problem with its path."""

    id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.-]*$")]
    name: Text
    coil: Text
    mt_basis: Text
    targeting: Text
    blocks: tuple[dict[str, Any], ...] = Field(min_length=1)
    stated: dict[str, Any]
    schedule: dict[str, Any]
    clearance: ClearanceEntry | None = None
    provenance: tuple[FieldProvenanceEntry, ...] = Field(min_length=1)


class ProtocolsFile(DataModel):
    catalogue: Text
    version: Text
    note: str = ""
    session_time_conventions: dict[Text, Text]
    protocols: tuple[ProtocolEntry, ...] = Field(min_length=1)


SCHEMAS: dict[str, type[DataModel]] = {
    "sources.json": SourcesFile,
    "protocols.json": ProtocolsFile,
    "safety_limits.json": SafetyLimitsFile,
    "screening.json": ScreeningFile,
    "seizure_threshold_medications.json": SeizureMedicationsFile,
    "side_effects.json": SideEffectsFile,
}
"""Each packaged TMS data file and the model that parses it."""
