"""Read the packaged, versioned esketamine catalogue ``data/esketamine.json``.

The file is data, not code: each entry carries its sources, status and the reference's own
mark. It is read with :mod:`importlib.resources` only (no file-system paths), so the domain
stays pure, and parsed by :class:`~trdcare.esketamine.domain.data_schema.EsketamineFile`
when first loaded.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

from trdcare.core.datafiles import parse_data_file
from trdcare.core.provenance import Source, Status
from trdcare.esketamine.domain.data_schema import EsketamineFile

FILE = "esketamine.json"


def read() -> Any:
    """The JSON document of the packaged file, not yet validated."""
    package = resources.files("trdcare.esketamine.domain")
    return json.loads(package.joinpath("data").joinpath(FILE).read_text("utf-8"))


def validate(data: object) -> EsketamineFile:
    """Parse ``data`` with the file's schema; refuse it naming file, entry and field."""
    return parse_data_file(EsketamineFile, data, file=FILE)


@cache
def load() -> EsketamineFile:
    """The catalogue, validated when first read."""
    return validate(read())


def sources_of(
    source_ids: tuple[str, ...], status: Status, *, where: str, tag: str
) -> tuple[Source, ...]:
    """One :class:`Source` per cited id, each with the entry's status and mark."""
    citations: Mapping[str, str] = load().sources
    return tuple(
        Source(citation=citations[sid], status=status, where=where, tag=tag) for sid in source_ids
    )


def label_dict() -> dict[str, str | None]:
    """The label version and dates the rules come from, for every output."""
    label = load().label
    return {
        "name": label.name,
        "version": label.version,
        "effective_date": None
        if label.effective_date is None
        else label.effective_date.isoformat(),
        "first_approved": label.first_approved.isoformat(),
        "status": label.status,
        "catalogue_version": load().version,
    }
