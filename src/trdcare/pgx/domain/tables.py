"""The PGx room's own tables (``pgx/domain/data/pgx_*.json``), parsed when first read.

The tables are built by :mod:`trdcare.pgx.tables_build` from a CPIC/PharmCAT-format
directory and committed; each names the data version it was built from and the SHA-256 of
every source file it read. Sources (status VERIFIED: read in the files themselves):

* allele definitions: PharmVar/CPIC via PharmCAT ``definition/alleles/<GENE>_translation.json``
  (data version 2025-11-05);
* allele function, activity values and phenotype rules: CPIC via PharmCAT
  ``phenotype/<GENE>.json`` (CYP2D6 from PharmCAT v2.15.3, 2024-08-27);
* recommendations: CPIC guidelines for SSRIs/SNRIs (Bousman 2023, PMID 37032427) and
  tricyclics (Hicks 2017, PMID 27997040) via PharmGKB's annotations (2024-03-25),
  reworded by the project (see ``tables_build.ACTIONS``).

Reading uses :mod:`importlib.resources` only, so the domain stays pure.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, model_validator

from trdcare.core.datafiles import DataModel, parse_data_file

Text = Annotated[str, StringConstraints(min_length=1)]
GENES: tuple[str, ...] = ("CYP2B6", "CYP2C19", "CYP2D6")
FILES = ("pgx_alleles.json", "pgx_phenotypes.json", "pgx_recommendations.json")


class Stamp(DataModel):
    table: Text
    data_version: Text
    licence: Text
    built_from: dict[Text, Text] = Field(min_length=1)


class Position(DataModel):
    pos: int = Field(gt=0)
    rsid: str | None
    ref: Text
    alts: tuple[Text, ...] = Field(min_length=1)
    hgvs: Text


class AlleleDefinition(DataModel):
    name: Text
    # position index (as text) -> the VCF alleles this star allele allows there; a position
    # not listed is the reference base (the PharmCAT convention).
    defs: dict[str, tuple[Text, ...]]


class GeneDefinitions(DataModel):
    chromosome: Text
    genome_build: Text
    reference_allele: Text
    data_version: Text
    positions: tuple[Position, ...] = Field(min_length=1)
    alleles: tuple[AlleleDefinition, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> GeneDefinitions:
        names = [a.name for a in self.alleles]
        if len(set(names)) != len(names):
            raise ValueError("allele names repeat")
        if self.reference_allele not in names:
            raise ValueError(f"reference allele {self.reference_allele} is not defined")
        for allele in self.alleles:
            for key, options in allele.defs.items():
                index = int(key)
                if not 0 <= index < len(self.positions):
                    raise ValueError(f"{allele.name}: position index {key} out of range")
                pos = self.positions[index]
                for option in options:
                    if option != pos.ref and option not in pos.alts:
                        raise ValueError(f"{allele.name}: {option} is not an allele of {pos.pos}")
        return self


class AllelesTable(Stamp):
    genes: dict[Text, GeneDefinitions]


class AlleleFunction(DataModel):
    name: Text
    function: Text
    activity: str | None = None


class FunctionRule(DataModel):
    functions: tuple[Text, Text]
    phenotype: Text


class ActivityRange(DataModel):
    phenotype: Text
    min: float
    max: float | None


class GenePhenotypes(DataModel):
    data_version: Text
    method: Literal["function_pair", "activity_score"]
    alleles: tuple[AlleleFunction, ...] = Field(min_length=1)
    rules: tuple[FunctionRule, ...] = ()
    activity_ranges: tuple[ActivityRange, ...] = ()

    @model_validator(mode="after")
    def _method_has_rules(self) -> GenePhenotypes:
        if self.method == "function_pair" and not self.rules:
            raise ValueError("a function_pair gene needs rules")
        if self.method == "activity_score" and not self.activity_ranges:
            raise ValueError("an activity_score gene needs activity_ranges")
        return self


class PhenotypesTable(Stamp):
    genes: dict[Text, GenePhenotypes]


Classification = Literal["Strong", "Moderate", "Optional", "No recommendation"]


class RecommendationEntry(DataModel):
    drug: Text
    lookup: dict[Text, Text] = Field(min_length=1)
    classification: Classification
    actions: tuple[Text, ...] = Field(min_length=1)
    recommendation: Text


class Publication(DataModel):
    pmid: str | None
    year: int | None
    title: str | None


class Guideline(DataModel):
    id: Text
    drugs: tuple[Text, ...] = Field(min_length=1)
    genes: tuple[Text, ...] = Field(min_length=1)
    url: Text
    guideline_version: int
    publication: Publication
    data_version: Text
    entries: tuple[RecommendationEntry, ...] = Field(min_length=1)


class RecommendationsTable(Stamp):
    guidelines: tuple[Guideline, ...] = Field(min_length=1)


def read(name: str) -> Any:
    """The JSON document of the packaged table ``name``, not yet validated."""
    if name not in FILES:
        raise ValueError(f"name must be one of {', '.join(FILES)}; got {name!r}")
    text = resources.files("trdcare.pgx.domain").joinpath("data").joinpath(name).read_text("utf-8")
    return json.loads(text)


@cache
def alleles() -> AllelesTable:
    return parse_data_file(AllelesTable, read("pgx_alleles.json"), file="pgx_alleles.json")


@cache
def phenotypes() -> PhenotypesTable:
    return parse_data_file(PhenotypesTable, read("pgx_phenotypes.json"), file="pgx_phenotypes.json")


@cache
def recommendations() -> RecommendationsTable:
    return parse_data_file(
        RecommendationsTable, read("pgx_recommendations.json"), file="pgx_recommendations.json"
    )


def data_versions() -> dict[str, str]:
    """The data version each table was built from (stored with every result)."""
    return {
        "alleles": alleles().data_version,
        "phenotypes": phenotypes().data_version,
        "recommendations": recommendations().data_version,
    }
