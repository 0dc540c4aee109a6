"""Read the packaged, versioned DBS catalogue ``dbs/domain/data/dbs.json``.

The file is data, not code: each number carries its source and status. Reading it uses
:mod:`importlib.resources` only (no file-system paths), so the domain stays pure.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from trdcare.core.datafiles import parse_data_file
from trdcare.core.provenance import Source
from trdcare.dbs.domain.data_schema import DbsFile, PathwayFile, Sourced, SourcedValue

DATA_FILES = ("dbs.json", "dbs_pathway.json")


def read(name: str = "dbs.json") -> Any:
    """The JSON document of the packaged file ``name``, not yet validated."""
    if name not in DATA_FILES:
        raise ValueError(f"name must be one of {', '.join(DATA_FILES)}; got {name!r}")
    text = resources.files("trdcare.dbs.domain").joinpath("data").joinpath(name).read_text("utf-8")
    return json.loads(text)


def validate(data: object, *, name: str = "dbs.json") -> DbsFile:
    """Parse ``data`` as the DBS catalogue; refuse it naming file, entry and field
    (:func:`trdcare.core.datafiles.parse_data_file`)."""
    return parse_data_file(DbsFile, data, file=name)


@cache
def load() -> DbsFile:
    """The DBS catalogue, validated by its schema when first read."""
    return validate(read())


@cache
def load_pathway() -> PathwayFile:
    """The DBS pathway catalogue (status, candidacy criteria, targets, lead contacts)."""
    return parse_data_file(PathwayFile, read("dbs_pathway.json"), file="dbs_pathway.json")


def pathway_sources(entry: Sourced | SourcedValue) -> tuple[Source, ...]:
    """The :class:`Source` objects (main, then ``also``) behind one pathway fact."""
    data = load_pathway()
    ids = [entry.source] + ([entry.also] if entry.also else [])
    return tuple(
        Source(citation=data.sources[i], status=entry.status, where=entry.where, tag=i) for i in ids
    )


def source_of(entry: SourcedValue, catalogue: DbsFile | None = None) -> tuple[Source, ...]:
    """The :class:`Source` objects (main, then ``also``) behind one catalogue value."""
    data = catalogue or load()
    ids = [entry.source] + ([entry.also] if entry.also else [])
    return tuple(
        Source(citation=data.sources[i], status=entry.status, where=entry.where) for i in ids
    )
