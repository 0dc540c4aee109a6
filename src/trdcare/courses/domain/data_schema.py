"""The schema of ``courses/domain/data/adverse_events.json``, parsed when it is loaded.

Types, required keys, status marks and source ids (keys of the file's own ``sources``) are
checked, unknown keys refused, so a broken entry stops the program at start-up with a message
naming the file, the entry and the field (:func:`trdcare.core.datafiles.parse_data_file`).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from trdcare.core.datafiles import DataModel
from trdcare.core.provenance import Status

Text = Annotated[str, StringConstraints(min_length=1)]
Key = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)]


class Sourced(DataModel):
    """An entry's provenance: which source (a key of ``sources``), how sure, where."""

    source: Text
    status: Status
    where: str = ""
    note: str = ""


class SeriousCriterionEntry(Sourced):
    id: Key
    label: Text


class SeverityEntry(Sourced):
    id: Key
    label: Text


class KindEntry(Sourced):
    id: Key
    label: Text
    requires_description: bool = False
    #: Present when the kind is serious whatever is ticked, with the rule's own provenance.
    always_serious: Sourced | None = None


class ModalityEntry(DataModel):
    modality: Key
    label: Text
    note: str = ""
    kinds: tuple[KindEntry, ...]


class AdverseEventsFile(DataModel):
    catalogue: Text
    version: Text
    note: str = ""
    sources: dict[Text, Text] = Field(min_length=1)
    serious_criteria: tuple[SeriousCriterionEntry, ...] = Field(min_length=1)
    severities: tuple[SeverityEntry, ...] = Field(min_length=1)
    common_kinds: tuple[KindEntry, ...] = Field(min_length=1)
    modalities: tuple[ModalityEntry, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _sources_and_ids(self) -> AdverseEventsFile:
        problems: list[str] = []

        def check(where: str, entry: Sourced) -> None:
            if entry.source not in self.sources:
                problems.append(f"{where}: unknown source id {entry.source!r}")

        for c in self.serious_criteria:
            check(f"serious criterion {c.id}", c)
        for s in self.severities:
            check(f"severity {s.id}", s)
        common = {k.id for k in self.common_kinds}
        for k in self.common_kinds:
            check(f"common kind {k.id}", k)
        seen: set[str] = set()
        for m in self.modalities:
            if m.modality in seen:
                problems.append(f"modality {m.modality} is listed twice")
            seen.add(m.modality)
            ids = [k.id for k in m.kinds]
            for k in m.kinds:
                check(f"{m.modality} kind {k.id}", k)
                if k.always_serious is not None:
                    check(f"{m.modality} kind {k.id} always_serious", k.always_serious)
                if k.id in common or ids.count(k.id) > 1:
                    problems.append(f"{m.modality} kind {k.id} is listed twice")
        if problems:
            raise ValueError("; ".join(problems))
        return self
