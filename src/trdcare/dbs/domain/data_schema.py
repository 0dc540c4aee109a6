"""The schema of the DBS catalogue ``dbs/domain/data/dbs.json``, parsed when it is loaded
(:func:`trdcare.dbs.domain.catalogue.load`).

Types, required keys, status marks (one of :data:`~trdcare.core.provenance.STATUSES`)
and source ids (a key of the file's own ``sources``) are checked here, so a broken entry
stops the program at start-up with a message naming the file, the entry and the field.
Unknown keys are refused (a typo in a key would silently drop a value).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from trdcare.core.datafiles import DataModel
from trdcare.core.provenance import Status

Text = Annotated[str, StringConstraints(min_length=1)]
Number = Annotated[float, Field(allow_inf_nan=False)]


class SourcedValue(DataModel):
    """One number with its provenance: which source, how sure, where in the reference."""

    value: Number = Field(gt=0)
    source: Text
    also: str = ""
    status: Status
    where: str = ""
    note: str = ""


class ShannonLimits(DataModel):
    k_damage: SourcedValue
    k_conservative: SourcedValue
    k_in_use: Literal["k_damage", "k_conservative"]


class Lead(DataModel):
    id: Text
    name: Text
    contact_area_cm2: SourcedValue
    # None when no rated density is known for this lead: the check then says so.
    rated_charge_density_uc_per_cm2: SourcedValue | None


class DbsFile(DataModel):
    catalogue: Text
    version: Text
    note: str = ""
    sources: dict[Text, Text] = Field(min_length=1)
    shannon: ShannonLimits
    default_lead: Text
    leads: tuple[Lead, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _references_resolve(self) -> DbsFile:
        values: list[tuple[str, SourcedValue]] = [
            ("shannon.k_damage", self.shannon.k_damage),
            ("shannon.k_conservative", self.shannon.k_conservative),
        ]
        for lead in self.leads:
            values.append((f"lead {lead.id} contact_area_cm2", lead.contact_area_cm2))
            if lead.rated_charge_density_uc_per_cm2 is not None:
                values.append(
                    (f"lead {lead.id} rated density", lead.rated_charge_density_uc_per_cm2)
                )
        for where, entry in values:
            for source_id in (entry.source, entry.also):
                if source_id and source_id not in self.sources:
                    raise ValueError(f"{where}: unknown source id {source_id!r} (not in sources)")
        if self.default_lead not in {lead.id for lead in self.leads}:
            raise ValueError(f"default_lead {self.default_lead!r} is not one of the leads")
        return self


SCHEMAS: dict[str, type[DataModel]] = {"dbs.json": DbsFile}
"""Each packaged DBS data file and the model that parses it."""
