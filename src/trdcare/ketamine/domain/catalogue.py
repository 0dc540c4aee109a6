"""Read the packaged, versioned IV ketamine catalogue ``data/ketamine.json``.

The file is data, not code: each entry carries its sources, status and the reference's own
mark. It is read with :mod:`importlib.resources` only (no file-system paths), so the domain
stays pure, and parsed by :class:`~trdcare.ketamine.domain.data_schema.KetamineFile` when
first loaded.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

from trdcare.core.datafiles import parse_data_file
from trdcare.core.provenance import JSONDict, Reason, Source
from trdcare.ketamine.domain.data_schema import KetamineFile, OffLabel, Sourced

FILE = "ketamine.json"


def read() -> Any:
    """The JSON document of the packaged file, not yet validated."""
    package = resources.files("trdcare.ketamine.domain")
    return json.loads(package.joinpath("data").joinpath(FILE).read_text("utf-8"))


def validate(data: object) -> KetamineFile:
    """Parse ``data`` with the file's schema; refuse it naming file, entry and field."""
    return parse_data_file(KetamineFile, data, file=FILE)


@cache
def load() -> KetamineFile:
    """The catalogue, validated when first read."""
    return validate(read())


def catalogue_version() -> str:
    return load().version


def sources_of(entry: Sourced | OffLabel) -> tuple[Source, ...]:
    """One :class:`Source` per cited id, each with the entry's status and mark."""
    citations: Mapping[str, str] = load().sources
    return tuple(
        Source(citation=citations[sid], status=entry.status, where=entry.where, tag=entry.tag)
        for sid in entry.sources
    )


def reason(rule: str, entry: Sourced, **inputs: object) -> Reason:
    """A :class:`Reason` citing ``entry``, whose text is the finding."""
    return Reason(rule=rule, finding=entry.text, inputs=inputs, sources=sources_of(entry))


def off_label() -> JSONDict:
    """The off-label notice every output of the room carries."""
    notice = load().off_label
    return {
        "off_label": True,
        "text": notice.text,
        "status": notice.status,
        "where": notice.where,
        "catalogue_version": load().version,
    }
