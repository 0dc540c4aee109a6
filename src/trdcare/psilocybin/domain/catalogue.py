"""Read the packaged, versioned psilocybin protocol catalogue ``data/psilocybin.json``
(with :mod:`importlib.resources` only, so the domain stays pure), parsed by
:class:`~trdcare.psilocybin.domain.data_schema.PsilocybinFile` when first loaded."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

from trdcare.core.datafiles import parse_data_file
from trdcare.core.provenance import JSONDict, Reason, Source
from trdcare.psilocybin.domain.data_schema import Programme, PsilocybinFile, Sourced

FILE = "psilocybin.json"


def read() -> Any:
    package = resources.files("trdcare.psilocybin.domain")
    return json.loads(package.joinpath("data").joinpath(FILE).read_text("utf-8"))


def validate(data: object) -> PsilocybinFile:
    return parse_data_file(PsilocybinFile, data, file=FILE)


@cache
def load() -> PsilocybinFile:
    return validate(read())


def catalogue_version() -> str:
    return load().version


def sources_of(entry: Sourced) -> tuple[Source, ...]:
    citations: Mapping[str, str] = load().sources
    return tuple(
        Source(citation=citations[sid], status=entry.status, where=entry.where, tag=entry.tag)
        for sid in entry.sources
    )


def reason(rule: str, entry: Sourced, **inputs: object) -> Reason:
    """A :class:`Reason` citing ``entry``, whose text is the finding."""
    return Reason(rule=rule, finding=entry.text, inputs=inputs, sources=sources_of(entry))


def programme(programme_id: str) -> Programme:
    found = next((p for p in load().programmes if p.id == programme_id), None)
    if found is None:  # callers check the option first
        raise KeyError(programme_id)
    return found


PROGRAMMES: tuple[str, ...] = ("research_protocol", "regulated_programme")


def restriction() -> JSONDict:
    """The research-or-regulated-only notice every output of the room carries."""
    notice = load().restriction
    return {
        "research_or_regulated_only": True,
        "text": notice.text,
        "status": notice.status,
        "where": notice.where,
        "catalogue_version": load().version,
    }
