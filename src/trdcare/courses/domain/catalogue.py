"""The adverse-event catalogue of treatment courses (``data/adverse_events.json``).

Per modality, the kinds of adverse event a clinician chooses from, each with its source and
status mark (modalities.md); the standard seriousness criteria (21 CFR 312.32(a), ICH E2A)
and the severity grades. The file is read with :mod:`importlib.resources` (the program's own
data) and parsed by :class:`~trdcare.courses.domain.data_schema.AdverseEventsFile`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from trdcare.core.datafiles import parse_data_file
from trdcare.core.errors import InvalidInput
from trdcare.core.provenance import JSONDict, Source
from trdcare.courses.domain.data_schema import AdverseEventsFile, Sourced

DATA_FILE = "adverse_events.json"
#: TMS courses keep their own adverse events (``tms/domain/data/side_effects.json``).
OWN_ROOM_MODALITIES = ("tms",)


@dataclass(frozen=True, slots=True)
class EventKind:
    """One kind of adverse event a modality's course may record."""

    id: str
    label: str
    source: Source
    note: str = ""
    requires_description: bool = False
    #: The rule that makes this kind serious whatever is ticked (None: judged per event).
    always_serious: Source | None = None

    def to_dict(self) -> JSONDict:
        return {
            "id": self.id,
            "label": self.label,
            "source": self.source.to_dict(),
            "note": self.note,
            "requires_description": self.requires_description,
            "always_serious": self.always_serious is not None,
            "always_serious_source": (
                self.always_serious.to_dict() if self.always_serious is not None else None
            ),
        }


@dataclass(frozen=True, slots=True)
class Graded:
    """A seriousness criterion or a severity grade: id, label, source."""

    id: str
    label: str
    source: Source
    note: str = ""

    def to_dict(self) -> JSONDict:
        return {
            "id": self.id,
            "label": self.label,
            "source": self.source.to_dict(),
            "note": self.note,
        }


def read() -> Any:
    """The packaged JSON document, not yet validated."""
    text = resources.files("trdcare.courses.domain").joinpath("data", DATA_FILE).read_text("utf-8")
    return json.loads(text)


@cache
def load() -> AdverseEventsFile:
    """The catalogue, validated when first read (a broken entry is named and refused)."""
    return parse_data_file(AdverseEventsFile, read(), file=DATA_FILE)


def catalogue_version() -> str:
    return load().version


def _source(entry: Sourced) -> Source:
    return Source(
        citation=load().sources[entry.source],
        status=entry.status,
        where=entry.where,
        tag=entry.source,
    )


def serious_criteria() -> Mapping[str, Graded]:
    """The seriousness criteria, in the order a form lists them."""
    return {c.id: Graded(c.id, c.label, _source(c), c.note) for c in load().serious_criteria}


def severities() -> Mapping[str, Graded]:
    """The severity (intensity) grades: mild, moderate, severe."""
    return {s.id: Graded(s.id, s.label, _source(s), s.note) for s in load().severities}


def catalogued_modalities() -> Mapping[str, str]:
    """Modality -> its label, for the modalities with their own list of kinds."""
    return {m.modality: m.label for m in load().modalities}


def modality_note(modality: str) -> str:
    for m in load().modalities:
        if m.modality == modality:
            return m.note
    return ""


def kinds_for(modality: str) -> Mapping[str, EventKind]:
    """The kinds a course of ``modality`` may record: its own list, then the common kinds.

    A modality without a list (ECT, medication, psychotherapy) has the common kinds only.

    Raises
    ------
    InvalidInput
        ``modality`` is TMS, whose adverse events the TMS room records.
    """
    if modality in OWN_ROOM_MODALITIES:
        raise InvalidInput.single(
            "modality",
            "TMS adverse events are recorded on the TMS course (its own catalogue)",
            allowed="a course of another modality",
            given=modality,
        )
    own: tuple[Any, ...] = ()
    for m in load().modalities:
        if m.modality == modality:
            own = m.kinds
    out: dict[str, EventKind] = {}
    for k in (*own, *load().common_kinds):
        out[k.id] = EventKind(
            id=k.id,
            label=k.label,
            source=_source(k),
            note=k.note,
            requires_description=k.requires_description,
            always_serious=_source(k.always_serious) if k.always_serious is not None else None,
        )
    return out
