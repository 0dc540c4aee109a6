"""Read the packaged, versioned TMS catalogues in ``tms/domain/data/``.

The files are data, not code: each entry carries its source and status. Reading them uses
:mod:`importlib.resources` only (no file-system paths), so the domain stays pure.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any, cast

from trdcare.core.datafiles import parse_data_file
from trdcare.core.provenance import Source, as_status
from trdcare.tms.domain.data_schema import SCHEMAS

DATA_FILES = (
    "sources.json",
    "protocols.json",
    "safety_limits.json",
    "screening.json",
    "seizure_threshold_medications.json",
    "side_effects.json",
)


def read(name: str) -> Any:
    """The JSON document of the packaged file ``name``, not yet validated."""
    if name not in DATA_FILES:
        raise ValueError(f"name must be one of {', '.join(DATA_FILES)}; got {name!r}")
    text = resources.files("trdcare.tms.domain").joinpath("data").joinpath(name).read_text("utf-8")
    return json.loads(text)


def validate(name: str, data: object) -> Mapping[str, Any]:
    """Parse ``data`` with the schema of the file ``name``; refuse it naming file, entry and
    field (:func:`trdcare.core.datafiles.parse_data_file`). Source ids must be keys of the
    packaged ``sources.json``."""
    known = None
    if name != "sources.json":
        known = set(cast(Mapping[str, str], load("sources.json")["sources"]))
    parse_data_file(SCHEMAS[name], data, file=name, context={"source_ids": known})
    return cast(Mapping[str, Any], data)


@cache
def load(name: str) -> Mapping[str, Any]:
    """Return the catalogue ``name`` (one of :data:`DATA_FILES`), validated by its schema
    (:data:`~trdcare.tms.domain.data_schema.SCHEMAS`) when first read."""
    return validate(name, read(name))


def citation(source_id: str) -> str:
    """The full citation of a source id from ``sources.json``."""
    sources = cast(Mapping[str, str], load("sources.json")["sources"])
    if source_id not in sources:
        raise ValueError(f"unknown source id {source_id!r} in a TMS catalogue")
    return sources[source_id]


def source(source_id: str, status: object, *, where: str = "", tag: str = "") -> Source:
    """Build a :class:`Source` from a catalogue reference."""
    return Source(citation=citation(source_id), status=as_status(status), where=where, tag=tag)


def source_from_entry(entry: Mapping[str, Any]) -> Source:
    """Build a :class:`Source` from an entry with ``source``, ``status``, ``where``, ``tag``."""
    return source(
        str(entry["source"]),
        entry["status"],
        where=str(entry.get("where", "")),
        tag=str(entry.get("tag", "")),
    )


def catalogue_version(name: str) -> str:
    """The version string of a catalogue."""
    return str(load(name)["version"])
