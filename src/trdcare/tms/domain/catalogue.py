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

from trdcare.tms.domain.provenance import Source, as_status

DATA_FILES = (
    "sources.json",
    "protocols.json",
    "safety_limits.json",
    "screening.json",
    "seizure_threshold_medications.json",
    "side_effects.json",
)


@cache
def load(name: str) -> Mapping[str, Any]:
    """Return the parsed catalogue ``name`` (one of :data:`DATA_FILES`)."""
    if name not in DATA_FILES:
        raise ValueError(f"name must be one of {', '.join(DATA_FILES)}; got {name!r}")
    text = resources.files("trdcare.tms.domain").joinpath("data").joinpath(name).read_text("utf-8")
    return cast(Mapping[str, Any], json.loads(text))


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
