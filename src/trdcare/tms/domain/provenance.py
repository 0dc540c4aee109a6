"""Where every TMS number and rule comes from, and how sure we are of it.

Every verdict of the TMS domain carries :class:`Reason` objects: the rule applied, the
inputs it saw, the sources behind it and the weakest status among those sources. A result
that uses an UNVERIFIED fact is itself UNVERIFIED and says so.

Status vocabulary (``/work/shared/reference/README.md``):

``VERIFIED``
    Read in a copy of the cited source (``[V]`` in ``tms.md``; VERIFIED in
    ``tms-verification.md``).
``SECONDARY``
    Read in a secondary reproduction, summary or re-implementation.
``UNVERIFIED``
    Recalled or not confirmed (``[R]`` in ``tms.md`` is treated as UNVERIFIED, as the
    reference instructs).
``DERIVED``
    Computed here from stated values (e.g. pulses = frequency x train duration x trains).
``DESIGN``
    A design choice of trdcare, not a clinical fact (e.g. a scheduling default or an
    input-sanity envelope). Never used as a safety threshold.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, TypeAlias, cast

JSONScalar: TypeAlias = str | int | float | bool | None
JSONValue: TypeAlias = JSONScalar | list["JSONValue"] | dict[str, "JSONValue"]
JSONDict: TypeAlias = dict[str, JSONValue]

Status = Literal["VERIFIED", "SECONDARY", "UNVERIFIED", "DERIVED", "DESIGN"]
STATUSES: tuple[Status, ...] = ("VERIFIED", "SECONDARY", "UNVERIFIED", "DERIVED", "DESIGN")

# Weakest first: a result is only as sure as its least sure input.
_STRENGTH: dict[Status, int] = {
    "UNVERIFIED": 0,
    "DESIGN": 1,
    "SECONDARY": 2,
    "DERIVED": 3,
    "VERIFIED": 4,
}


def weakest(statuses: Iterable[Status]) -> Status:
    """Return the weakest status (``VERIFIED`` when there is none).

    Examples
    --------
    >>> weakest(["VERIFIED", "UNVERIFIED", "SECONDARY"])
    'UNVERIFIED'
    """
    found = list(statuses)
    if not found:
        return "VERIFIED"
    return min(found, key=lambda s: _STRENGTH[s])


def as_status(value: object) -> Status:
    """Narrow a string read from a data file to a :data:`Status`."""
    if not isinstance(value, str) or value not in STATUSES:
        raise ValueError(f"status must be one of {', '.join(STATUSES)}; got {value!r}")
    return value


@dataclass(frozen=True, slots=True)
class Source:
    """One cited source of a fact.

    Parameters
    ----------
    citation : str
        The publication, policy or document, e.g. ``"Chen et al. 1997, EEG Clin
        Neurophysiol 105:415-421"``.
    status : Status
        How the fact was checked (see the module docstring).
    where : str
        Where the team's reference notes give it, e.g. ``"tms-verification.md §1.2"``.
    tag : str
        The tag as written in the reference notes (``"[V]"``, ``"[R]"``, ``"SECONDARY"``...).
    """

    citation: str
    status: Status
    where: str = ""
    tag: str = ""

    def to_dict(self) -> JSONDict:
        return {
            "citation": self.citation,
            "status": self.status,
            "where": self.where,
            "tag": self.tag,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Source:
        return cls(
            citation=str(data["citation"]),
            status=as_status(data["status"]),
            where=str(data.get("where", "")),
            tag=str(data.get("tag", "")),
        )


def _json(value: object) -> JSONValue:
    """Render a value for JSON (tuples become lists, dates ISO strings)."""
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, Mapping):
        return {str(k): _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    iso = getattr(value, "isoformat", None)
    if callable(iso):
        return str(iso())
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return cast(JSONValue, to_dict())
    return str(value)


def to_json(value: object) -> JSONValue:
    """Public alias of the JSON renderer used by every ``to_dict``."""
    return _json(value)


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a verdict came out as it did.

    Parameters
    ----------
    rule : str
        A stable identifier of the rule, e.g. ``"max_safe_train"``.
    finding : str
        What the rule concluded, in the clinic's words.
    inputs : Mapping[str, object]
        The values the rule looked at (no patient identifiers).
    sources : tuple of Source
        The sources of the rule and of every number in it.
    """

    rule: str
    finding: str
    inputs: Mapping[str, object] = field(default_factory=dict)
    sources: tuple[Source, ...] = ()

    @property
    def status(self) -> Status:
        """The weakest status among the sources."""
        return weakest(s.status for s in self.sources)

    def to_dict(self) -> JSONDict:
        return {
            "rule": self.rule,
            "finding": self.finding,
            "inputs": _json(self.inputs),
            "sources": [s.to_dict() for s in self.sources],
            "status": self.status,
        }


def reasons_status(reasons: Sequence[Reason]) -> Status:
    """The weakest status over several reasons."""
    return weakest(r.status for r in reasons)
