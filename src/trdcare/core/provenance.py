"""The one provenance vocabulary of trdcare: sources, status marks and reasons.

Every room cites a source for each rule and number with a status mark, and every verdict
carries :class:`Reason` objects: the rule applied, the inputs it saw, the sources behind it
and the weakest status among those sources. A result that uses an UNVERIFIED fact is itself
UNVERIFIED and says so. This module also writes the clinician-facing label of a source and
its status, once, in one way (:func:`provenance_label`).

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

A status string in a data file may carry a qualifier after the word, e.g.
``"UNVERIFIED (proxy: Scottish standard dose ...)"``; :func:`base_status` reads the word.
Some catalogue entries use the status word itself as the source's tag, so printing
"tag status" gave "UNVERIFIED UNVERIFIED"; :func:`provenance_label` drops what the label
would say twice.
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


# The status words as plain strings, for reading qualified marks and writing labels.
STATUS_WORDS: tuple[str, ...] = STATUSES


def base_status(status: str, allowed: Sequence[str] = STATUS_WORDS) -> str:
    """Return the leading status word of ``status`` (``"UNVERIFIED (proxy...)"`` -> ``"UNVERIFIED"``).

    Parameters
    ----------
    status : str
        A status mark, possibly with a qualifier.
    allowed : sequence of str
        The status words this caller accepts (a room may accept fewer than all).

    Raises
    ------
    ValueError
        If ``status`` does not start with one of ``allowed`` (a programming error:
        statuses come from the project's own data).

    Examples
    --------
    >>> base_status("UNVERIFIED (proxy: standard dose)")
    'UNVERIFIED'
    """
    head = status.split(" ", 1)[0].split("(", 1)[0].strip()
    if head not in allowed:
        raise ValueError(f"status must start with one of {', '.join(allowed)}; got {status!r}")
    return head


def is_unverified(status: str, allowed: Sequence[str] = STATUS_WORDS) -> bool:
    """True when ``status`` is an UNVERIFIED mark (with or without a qualifier)."""
    return base_status(status, allowed) == "UNVERIFIED"


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


def _leading_word(text: str) -> str:
    return text.strip().split(" ", 1)[0].split("(", 1)[0].strip().upper()


def provenance_label(source: str | None, status: str | None) -> str:
    """``source`` and ``status`` as one label, without repeating the status.

    Parameters
    ----------
    source : str or None
        The source's tag or citation (``"[R]"``, ``"S8"``, ``"Chen 1997"``); may itself be a
        status mark (``"UNVERIFIED"``, ``"VERIFIED (abstract)"``).
    status : str or None
        The status mark.

    Returns
    -------
    str
        ``"source status"``; only the status when the source is empty or is the status
        mark itself (the longer of the two when both start with the same status word); only
        the source when there is no status; ``"source not stated"`` when both are empty.

    Examples
    --------
    >>> provenance_label("[R]", "UNVERIFIED")
    '[R] UNVERIFIED'
    >>> provenance_label("UNVERIFIED", "UNVERIFIED")
    'UNVERIFIED'
    >>> provenance_label("VERIFIED (abstract)", "VERIFIED")
    'VERIFIED (abstract)'
    >>> provenance_label("", "DESIGN")
    'DESIGN'
    """
    src = (source or "").strip()
    stat = (status or "").strip()
    if not src and not stat:
        return "source not stated"
    if not src:
        return stat
    if not stat:
        return src
    word = _leading_word(stat)
    if word in STATUS_WORDS and _leading_word(src) == word:
        return src if len(src) >= len(stat) else stat
    return f"{src} {stat}"


def provenance_labels(sources: Iterable[Mapping[str, object]]) -> str:
    """The labels of several sources (``tag`` or else ``citation``, and ``status``), joined
    by ``"; "``, each once and in order.

    Examples
    --------
    >>> provenance_labels([
    ...     {"tag": "UNVERIFIED", "citation": "x", "status": "UNVERIFIED"},
    ...     {"tag": "[V]", "citation": "y", "status": "VERIFIED"},
    ...     {"tag": "[V]", "citation": "z", "status": "VERIFIED"},
    ... ])
    'UNVERIFIED; [V] VERIFIED'
    """
    labels: list[str] = []
    for s in sources:
        name = str(s.get("tag") or s.get("citation") or "")
        label = provenance_label(name, str(s.get("status") or ""))
        if label not in labels:
            labels.append(label)
    return "; ".join(labels)
