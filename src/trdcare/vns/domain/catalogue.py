"""Read the packaged, versioned VNS catalogue ``vns/domain/data/vns.json``.

Reading uses :mod:`importlib.resources` only (no file-system paths), so the domain stays pure.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from trdcare.core.datafiles import parse_data_file
from trdcare.core.provenance import Source
from trdcare.vns.domain.data_schema import Sourced, VnsFile

DATA_FILES = ("vns.json",)


def read(name: str = "vns.json") -> Any:
    """The JSON document of the packaged file ``name``, not yet validated."""
    if name not in DATA_FILES:
        raise ValueError(f"name must be one of {', '.join(DATA_FILES)}; got {name!r}")
    text = resources.files("trdcare.vns.domain").joinpath("data").joinpath(name).read_text("utf-8")
    return json.loads(text)


def validate(data: object, *, name: str = "vns.json") -> VnsFile:
    """Parse ``data`` as the VNS catalogue; refuse it naming file, entry and field."""
    return parse_data_file(VnsFile, data, file=name)


@cache
def load() -> VnsFile:
    """The VNS catalogue, validated by its schema when first read."""
    return validate(read())


def sources_of(entry: Sourced, catalogue: VnsFile | None = None) -> tuple[Source, ...]:
    """The :class:`Source` objects (main, then ``also``) behind one catalogue fact."""
    data = catalogue or load()
    ids = [entry.source] + ([entry.also] if entry.also else [])
    return tuple(
        Source(citation=data.sources[i], status=entry.status, where=entry.where, tag=i) for i in ids
    )


def catalogue_version() -> str:
    return load().version
