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


class Sourced(DataModel):
    """Provenance of one fact (no number): which source, how sure, where in the reference."""

    source: Text
    also: str = ""
    status: Status
    where: str = ""
    note: str = ""


class SourcedWords(Sourced):
    values: tuple[Text, ...] = Field(min_length=1)


class StatusLabel(Sourced):
    label: Text


class Target(Sourced):
    id: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
    label: Text


class LeadContacts(Sourced):
    lead: Text
    contacts: tuple[Annotated[int, Field(ge=0, le=63)], ...] = Field(min_length=1)


class PathwayCriteria(DataModel):
    age_min_years: SourcedValue
    age_max_years: SourcedValue
    failed_treatments_min: SourcedValue
    episode_min_months: SourcedValue
    hamd17_min: SourcedValue
    diagnoses: SourcedWords
    severities: SourcedWords
    non_psychotic: Sourced
    research_protocol: Sourced


class PathwayFile(DataModel):
    """``dbs_pathway.json``: status, candidacy criteria, targets and lead contacts."""

    catalogue: Text
    version: Text
    note: str = ""
    sources: dict[Text, Text] = Field(min_length=1)
    status: StatusLabel
    criteria: PathwayCriteria
    targets: tuple[Target, ...] = Field(min_length=1)
    lead_contacts: tuple[LeadContacts, ...] = Field(min_length=1)
    multiple_cathodes: Sourced

    @model_validator(mode="after")
    def _references_resolve(self) -> PathwayFile:
        entries: list[tuple[str, Sourced | SourcedValue]] = [
            ("status", self.status),
            ("multiple_cathodes", self.multiple_cathodes),
        ]
        entries += [
            (f"criteria.{name}", getattr(self.criteria, name))
            for name in type(self.criteria).model_fields
        ]
        entries += [(f"target {t.id}", t) for t in self.targets]
        entries += [(f"lead_contacts {c.lead}", c) for c in self.lead_contacts]
        for where, entry in entries:
            for source_id in (entry.source, entry.also):
                if source_id and source_id not in self.sources:
                    raise ValueError(f"{where}: unknown source id {source_id!r} (not in sources)")
        ids = [t.id for t in self.targets]
        if len(set(ids)) != len(ids):
            raise ValueError("targets: ids must be unique")
        return self


SCHEMAS: dict[str, type[DataModel]] = {"dbs.json": DbsFile, "dbs_pathway.json": PathwayFile}
"""Each packaged DBS data file and the model that parses it."""
