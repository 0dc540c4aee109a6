"""Read the packaged, versioned options catalogue ``data/options.json``.

Read with :mod:`importlib.resources` only (the program's own data, not a user's file), and
parsed by :class:`~trdcare.pathway.domain.data_schema.OptionsFile` when first loaded.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from trdcare.core.datafiles import parse_data_file
from trdcare.core.provenance import JSONDict, Reason, Source
from trdcare.pathway.domain.data_schema import OptionsFile, Sourced, Therapy

FILE = "options.json"


def read() -> Any:
    package = resources.files("trdcare.pathway.domain")
    return json.loads(package.joinpath("data").joinpath(FILE).read_text("utf-8"))


def validate(data: object) -> OptionsFile:
    return parse_data_file(OptionsFile, data, file=FILE)


@cache
def load() -> OptionsFile:
    return validate(read())


def therapy(therapy_id: str) -> Therapy:
    return next(t for t in load().therapies if t.id == therapy_id)


def sources_of(entry: Sourced) -> tuple[Source, ...]:
    """One :class:`Source` per cited id, each with the entry's status and mark."""
    citations = load().sources
    return tuple(
        Source(citation=citations[sid], status=entry.status, where=entry.where, tag=entry.tag)
        for sid in entry.sources
    )


def reason(rule: str, entry: Sourced, finding: str | None = None, **inputs: object) -> Reason:
    """A :class:`Reason` citing ``entry`` (its text is the finding unless one is given)."""
    return Reason(
        rule=rule, finding=finding or entry.text, inputs=inputs, sources=sources_of(entry)
    )


def entry_dict(entry: Sourced) -> JSONDict:
    return {
        "text": entry.text,
        "sources": [s.to_dict() for s in sources_of(entry)],
        "status": entry.status,
    }
