"""The versioned antidepressant catalogue (classes, RxNorm codes, minimum adequate doses).

The data live in ``domain/data/antidepressants.json``; this module validates and types them.
No minimum dose in the catalogue is an instrument threshold (ATHF, ATHF-SF/SF2, ATRQ and MTI
tables could not be read): each is a labelled proxy with an ``UNVERIFIED`` status, or absent.
Verdicts that use a dose show that status.

References
----------
.. [1] antidepressant-doses.md sections 4-6 (Scottish standard doses, VERIFIED; UpToDate usual
   doses, SECONDARY; Portico usual doses, VERIFIED; RxNorm ingredient codes, SECONDARY;
   instrument minimums, UNVERIFIED).
.. [2] clinical-scales.md section 1b ("ship the adequacy table as a versioned data file").
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Annotated, Final, Literal

from pydantic import (
    AfterValidator,
    Field,
    StringConstraints,
    ValidationInfo,
    model_validator,
)
from pydantic_core import PydanticCustomError

from trdcare.core.datafiles import DataModel, parse_data_file
from trdcare.core.errors import InvalidInput, IssueCollector
from trdcare.history.domain.sources import STATUS_WORDS, Fact

DrugClass = Literal["SSRI", "SNRI", "TCA", "MAOI", "other"]
DRUG_CLASSES: Final[tuple[DrugClass, ...]] = ("SSRI", "SNRI", "TCA", "MAOI", "other")
Comparison = Literal[">=", ">"]
COMPARISONS: Final[tuple[Comparison, ...]] = (">=", ">")

_DATA_PACKAGE: Final = "trdcare.history.domain"
_DATA_FILE: Final = "data/antidepressants.json"
_FILE_NAME: Final = "antidepressants.json"


def _normalise(name: str) -> str:
    return " ".join(name.strip().lower().replace("_", " ").split())


@dataclass(frozen=True, slots=True)
class DoseThreshold:
    """A minimum daily dose with its comparison, source and status.

    Parameters
    ----------
    value_mg : float
        Dose in mg per day (mg/24 h for transdermal selegiline).
    comparison : {">=", ">"}
        ``">="``: the dose must reach the value; ``">"``: it must exceed it (used for a bound
        implied by a worked example where the value itself was judged too low).
    source : str
        Source tag(s) from the catalogue's source list.
    status : str
        Status mark, e.g. ``"UNVERIFIED (proxy: ...)"``.
    note : str
        What the value is (usual-dose range, standard dose, implied bound).
    """

    value_mg: float
    comparison: Comparison
    source: str
    status: str
    note: str = ""

    def satisfied_by(self, dose_mg: float) -> bool:
        """Whether a maximum daily dose of ``dose_mg`` meets this threshold."""
        if self.comparison == ">":
            return dose_mg > self.value_mg
        return dose_mg >= self.value_mg

    def describe(self) -> str:
        """E.g. ``">= 50 mg/day"``."""
        return f"{self.comparison} {_fmt_mg(self.value_mg)} mg/day"

    def to_dict(self) -> dict[str, object]:
        return {
            "value_mg": self.value_mg,
            "comparison": self.comparison,
            "source": self.source,
            "status": self.status,
            "note": self.note,
        }


def _fmt_mg(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


@dataclass(frozen=True, slots=True)
class MaximumDose:
    """The highest daily dose a source states for a drug.

    A recorded dose above it is kept with a warning (higher doses are given in practice);
    one above the catalogue's :class:`ImplausibleDose` multiple of it is refused.
    """

    value_mg: float
    source: str
    status: str
    note: str

    def describe(self) -> str:
        return f"{_fmt_mg(self.value_mg)} mg/day [{self.note}; {self.status}]"

    def to_dict(self) -> dict[str, object]:
        return {
            "value_mg": self.value_mg,
            "source": self.source,
            "status": self.status,
            "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class ImplausibleDose:
    """A dose above ``multiple_of_maximum`` x a drug's maximum is refused as implausible.

    A design choice, not a clinical fact (the file says why); a clinic may change the
    multiple in its own reviewed catalogue.
    """

    multiple_of_maximum: float
    status: str
    note: str

    def to_dict(self) -> dict[str, object]:
        return {
            "multiple_of_maximum": self.multiple_of_maximum,
            "status": self.status,
            "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class RxNormCode:
    """An RxNorm ingredient code (RXCUI, TTY = IN) with its status."""

    rxcui: str | None
    source: str
    status: str
    note: str = ""

    def to_dict(self) -> dict[str, object]:
        return {
            "rxcui": self.rxcui,
            "source": self.source,
            "status": self.status,
            "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class Antidepressant:
    """One antidepressant of the catalogue.

    Parameters
    ----------
    name : str
        Generic name, lower case (the catalogue key).
    drug_class : {"SSRI", "SNRI", "TCA", "MAOI", "other"}
        Class used by Thase-Rush staging.
    class_source, class_status : str
        Where the class assignment comes from and its status.
    rxnorm : RxNormCode
        Ingredient code.
    min_dose : DoseThreshold or None
        The chosen minimum adequate daily dose (a labelled proxy), or ``None`` when no source
        gave one.
    dose_status : str
        Status of the minimum dose (also set when ``min_dose`` is ``None``, saying why).
    dose_note : str
        Which sources were found, whether they disagree and why this value was chosen.
    other_doses : tuple of DoseThreshold
        Every dose value found, including the chosen one's sources and any disagreeing one.
    aliases : tuple of str
        Other names accepted on input.
    """

    name: str
    drug_class: DrugClass
    class_source: str
    class_status: str
    rxnorm: RxNormCode
    min_dose: DoseThreshold | None
    dose_status: str
    dose_note: str
    other_doses: tuple[DoseThreshold, ...] = ()
    max_dose: MaximumDose | None = None
    aliases: tuple[str, ...] = ()

    def threshold_for(self, preferred_sources: Sequence[str] = ()) -> DoseThreshold | None:
        """The minimum dose to apply, preferring values from ``preferred_sources`` in order.

        A preferred source is used only when this drug has a value from it; otherwise the
        catalogue's chosen value (``min_dose``) applies.
        """
        for tag in preferred_sources:
            for threshold in self.other_doses:
                if threshold.source == tag:
                    return threshold
        return self.min_dose

    def fact(self, threshold: DoseThreshold | None) -> Fact:
        """The dose fact used for this drug, for a report's list of unverified facts."""
        if threshold is None:
            return Fact(
                f"min_dose.{self.name}",
                f"{self.name}: no minimum adequate dose available",
                self.dose_status,
                self.dose_source_tag,
            )
        return Fact(
            f"min_dose.{self.name}",
            f"{self.name}: minimum adequate daily dose {threshold.describe()}",
            threshold.status,
            threshold.source,
        )

    @property
    def dose_source_tag(self) -> str:
        return self.min_dose.source if self.min_dose is not None else ""

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "class": self.drug_class,
            "class_source": self.class_source,
            "class_status": self.class_status,
            "rxnorm": self.rxnorm.to_dict(),
            "min_adequate_daily_dose_mg": None if self.min_dose is None else self.min_dose.value_mg,
            "dose_comparison": None if self.min_dose is None else self.min_dose.comparison,
            "dose_source": self.dose_source_tag,
            "dose_status": self.dose_status,
            "dose_note": self.dose_note,
            "other_dose_values": [d.to_dict() for d in self.other_doses],
            "max_daily_dose": None if self.max_dose is None else self.max_dose.to_dict(),
            "aliases": list(self.aliases),
        }


@dataclass(frozen=True, slots=True)
class AugmentingAgent:
    """An augmenting agent (added to an antidepressant). No adequacy threshold is known."""

    name: str
    rxnorm: RxNormCode
    min_dose_mg: float | None
    dose_source: str
    dose_status: str
    duration_status: str
    note: str = ""
    aliases: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "rxnorm": self.rxnorm.to_dict(),
            "min_adequate_daily_dose_mg": self.min_dose_mg,
            "dose_source": self.dose_source,
            "dose_status": self.dose_status,
            "duration_status": self.duration_status,
            "note": self.note,
            "aliases": list(self.aliases),
        }


@dataclass(frozen=True, slots=True)
class CatalogueSource:
    tag: str
    citation: str
    reference: str
    status: str

    def to_dict(self) -> dict[str, str]:
        return {
            "tag": self.tag,
            "citation": self.citation,
            "reference": self.reference,
            "status": self.status,
        }


@dataclass(frozen=True)
class AntidepressantCatalogue:
    """The typed, validated catalogue. Build it with :func:`load_catalogue` or
    :meth:`from_mapping` (for a site's own reviewed file).
    """

    version: str
    date: str
    sources: Mapping[str, CatalogueSource]
    antidepressants: Mapping[str, Antidepressant]
    augmenting_agents: Mapping[str, AugmentingAgent]
    implausible_dose: ImplausibleDose | None = None

    _index: Mapping[str, str] = field(init=False, repr=False, compare=False)
    _agent_index: Mapping[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", _name_index(self.antidepressants))
        object.__setattr__(self, "_agent_index", _name_index(self.augmenting_agents))

    # -- lookup -----------------------------------------------------------------------------

    def resolve(self, name: object) -> str | None:
        """The catalogue key of an antidepressant name or alias (case-insensitive), or None."""
        if not isinstance(name, str):
            return None
        return self._index.get(_normalise(name))

    def resolve_agent(self, name: object) -> str | None:
        """The key of an augmenting agent, or of an antidepressant used in combination."""
        if not isinstance(name, str):
            return None
        key = self._agent_index.get(_normalise(name))
        return key if key is not None else self.resolve(name)

    def get(self, name: object, *, path: str = "drug") -> Antidepressant:
        """Return the antidepressant called ``name`` (generic name or alias).

        Raises
        ------
        InvalidInput
            Naming the field ``path``, with the closest catalogue names as a hint.
        """
        key = self.resolve(name)
        if key is None:
            raise InvalidInput.single(
                path,
                "unknown antidepressant",
                allowed=self.hint(name, self.antidepressants),
                given=name,
            )
        return self.antidepressants[key]

    def hint(self, name: object, names: Mapping[str, object]) -> str:
        """A short hint of allowed names: the closest matches, else the first few."""
        keys = sorted(names)
        close: list[str] = []
        if isinstance(name, str):
            close = difflib.get_close_matches(_normalise(name), keys, n=3, cutoff=0.6)
        shown = close or keys[:5]
        prefix = "did you mean " if close else "e.g. "
        return f"one of {len(keys)} catalogue names, {prefix}{', '.join(shown)}"

    def names(self) -> tuple[str, ...]:
        return tuple(sorted(self.antidepressants))

    def dose_ceiling(self, name: str) -> tuple[float, str] | None:
        """The highest daily dose of ``name`` accepted as plausible, and why; ``None`` if the
        catalogue declares no rule.

        It is ``implausible_dose.multiple_of_maximum`` x the drug's maximum; for a drug
        without a maximum in the catalogue, that multiple of the highest maximum of any
        drug (so no dose is unbounded, and none is refused that could be real for another
        drug of the file).
        """
        rule = self.implausible_dose
        key = self.resolve(name)
        maxima = [a.max_dose.value_mg for a in self.antidepressants.values() if a.max_dose]
        if rule is None or key is None or not maxima:
            return None
        multiple = _fmt_mg(rule.multiple_of_maximum)
        maximum = self.antidepressants[key].max_dose
        if maximum is not None:
            return (
                rule.multiple_of_maximum * maximum.value_mg,
                f"{multiple} x the maximum of {maximum.describe()}",
            )
        top = max(maxima)
        return (
            rule.multiple_of_maximum * top,
            f"{multiple} x {_fmt_mg(top)} mg/day, the highest maximum of any antidepressant "
            f"in the catalogue (none is recorded for {key})",
        )

    # -- serialisation ----------------------------------------------------------------------

    def to_dict(self) -> dict[str, object]:
        return {
            "version": self.version,
            "date": self.date,
            "sources": [s.to_dict() for s in self.sources.values()],
            "antidepressants": [a.to_dict() for a in self.antidepressants.values()],
            "augmenting_agents": [a.to_dict() for a in self.augmenting_agents.values()],
            "implausible_dose": None
            if self.implausible_dose is None
            else self.implausible_dose.to_dict(),
        }

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> AntidepressantCatalogue:
        """Validate a catalogue document and build the catalogue.

        Every issue is collected with its path and raised once as :class:`InvalidInput`.
        """
        return _parse_catalogue(data)


def _name_index(
    entries: Mapping[str, Antidepressant] | Mapping[str, AugmentingAgent],
) -> dict[str, str]:
    index: dict[str, str] = {}
    for key, entry in entries.items():
        index[_normalise(key)] = key
        for alias in entry.aliases:
            index[_normalise(alias)] = key
    return index


@cache
def load_catalogue() -> AntidepressantCatalogue:
    """Load the packaged catalogue (cached; the result is immutable).

    Returns
    -------
    AntidepressantCatalogue
        Version ``data/antidepressants.json["version"]``.

    References
    ----------
    .. [1] antidepressant-doses.md (doses, durations, RxNorm codes), see the file's sources.
    """
    text = resources.files(_DATA_PACKAGE).joinpath(_DATA_FILE).read_text(encoding="utf-8")
    data = json.loads(text)
    if not isinstance(data, dict):
        raise InvalidInput.single(
            "", f"{_FILE_NAME}: the catalogue must be a JSON object", given=type(data).__name__
        )
    return AntidepressantCatalogue.from_mapping(data)


# -- validation of the data file -------------------------------------------------------------
#
# The file is parsed by the pydantic models below (types, ranges, status marks, known source
# tags through the validation context), then a short pass checks what spans entries (names
# and aliases unique). Every problem names the file, the entry and the field.


def _status_mark(value: str) -> str:
    head = value.split(" ", 1)[0].split("(", 1)[0]
    if head not in STATUS_WORDS:
        raise ValueError(f"must be a status mark starting with {', '.join(STATUS_WORDS)}")
    return value


def _known_tags(value: str, info: ValidationInfo) -> str:
    """A comma-separated list of the file's own source tags (checked when they are known)."""
    known = (info.context or {}).get("source_tags")
    if known is None:
        return value
    for tag in (t.strip() for t in value.split(",") if t.strip()):
        if tag not in known:
            raise ValueError(f"unknown source tag {tag!r} (known: {', '.join(sorted(known))})")
    return value


def _lower_name(value: str) -> str:
    if value != _normalise(value):
        raise ValueError("must be lower case with single spaces")
    return value


StatusMark = Annotated[str, StringConstraints(min_length=1), AfterValidator(_status_mark)]
SourceTags = Annotated[str, StringConstraints(min_length=1), AfterValidator(_known_tags)]
OptionalSourceTags = Annotated[str, AfterValidator(_known_tags)]
EntryName = Annotated[str, StringConstraints(min_length=1), AfterValidator(_lower_name)]
Alias = Annotated[str, StringConstraints(min_length=1), AfterValidator(_normalise)]
DoseMg = Annotated[float, Field(gt=0, allow_inf_nan=False)]
Rxcui = Annotated[str, StringConstraints(pattern=r"^[0-9]+$")]


class SourceEntry(DataModel):
    tag: Annotated[str, StringConstraints(min_length=1)]
    citation: Annotated[str, StringConstraints(min_length=1)]
    reference: Annotated[str, StringConstraints(min_length=1)]
    status: StatusMark


class RxNormEntry(DataModel):
    rxcui: Rxcui | None
    source: SourceTags
    status: StatusMark
    note: str = ""


class DoseValueEntry(DataModel):
    value_mg: DoseMg
    comparison: Comparison
    source: SourceTags
    status: StatusMark
    note: str = ""


class MaximumDoseEntry(DataModel):
    """The highest daily dose a source states for a drug (a label maximum or the top of a
    dose table), with where it comes from and how sure it is."""

    value_mg: DoseMg
    source: SourceTags
    status: StatusMark
    note: Annotated[str, StringConstraints(min_length=1)]


class AntidepressantEntry(DataModel):
    name: EntryName
    drug_class: DrugClass = Field(alias="class")
    class_source: SourceTags
    class_status: StatusMark
    rxnorm: RxNormEntry
    min_adequate_daily_dose_mg: DoseMg | None
    dose_comparison: Comparison | None = None
    dose_source: OptionalSourceTags = ""
    dose_status: StatusMark
    dose_note: Annotated[str, StringConstraints(min_length=1)]
    other_dose_values: tuple[DoseValueEntry, ...] = ()
    max_daily_dose: MaximumDoseEntry | None = None
    aliases: tuple[Alias, ...] = ()

    @model_validator(mode="after")
    def _dose_fields_agree(self) -> AntidepressantEntry:
        if self.min_adequate_daily_dose_mg is None:
            if self.dose_source:
                raise PydanticCustomError(
                    "dose_source_without_dose", "must be empty when there is no minimum dose"
                )
        elif self.dose_comparison is None or not self.dose_source:
            raise PydanticCustomError(
                "dose_without_source",
                "a minimum dose needs its dose_comparison and dose_source",
            )
        return self

    def build(self) -> Antidepressant:
        min_dose = None
        if self.min_adequate_daily_dose_mg is not None and self.dose_comparison is not None:
            min_dose = DoseThreshold(
                self.min_adequate_daily_dose_mg,
                self.dose_comparison,
                self.dose_source,
                self.dose_status,
                self.dose_note,
            )
        maximum = self.max_daily_dose
        return Antidepressant(
            name=self.name,
            drug_class=self.drug_class,
            class_source=self.class_source,
            class_status=self.class_status,
            rxnorm=RxNormCode(**self.rxnorm.model_dump()),
            min_dose=min_dose,
            dose_status=self.dose_status,
            dose_note=self.dose_note,
            other_doses=tuple(DoseThreshold(**d.model_dump()) for d in self.other_dose_values),
            max_dose=None if maximum is None else MaximumDose(**maximum.model_dump()),
            aliases=self.aliases,
        )


class AugmentingAgentEntry(DataModel):
    name: EntryName
    rxnorm: RxNormEntry
    min_adequate_daily_dose_mg: DoseMg | None
    dose_source: OptionalSourceTags = ""
    dose_status: StatusMark
    duration_status: StatusMark
    note: str = ""
    aliases: tuple[Alias, ...] = ()

    def build(self) -> AugmentingAgent:
        return AugmentingAgent(
            name=self.name,
            rxnorm=RxNormCode(**self.rxnorm.model_dump()),
            min_dose_mg=self.min_adequate_daily_dose_mg,
            dose_source=self.dose_source,
            dose_status=self.dose_status,
            duration_status=self.duration_status,
            note=self.note,
            aliases=self.aliases,
        )


class ImplausibleDoseRule(DataModel):
    """When a recorded dose is refused as implausible (a design choice, see the file)."""

    multiple_of_maximum: Annotated[float, Field(gt=1, le=100, allow_inf_nan=False)]
    status: StatusMark
    note: Annotated[str, StringConstraints(min_length=1)]


class CatalogueFile(DataModel):
    """``antidepressants.json``."""

    catalogue: str = ""
    version: Annotated[str, StringConstraints(min_length=1)]
    date: Annotated[str, StringConstraints(min_length=1)]
    scope: str = ""
    dose_choice_rule: tuple[str, ...] = ()
    max_dose_rule: tuple[str, ...] = ()
    implausible_dose: ImplausibleDoseRule | None = None
    sources: Annotated[tuple[SourceEntry, ...], Field(min_length=1)]
    drug_classes: tuple[DrugClass, ...] = DRUG_CLASSES
    antidepressants: tuple[AntidepressantEntry, ...]
    augmenting_agents: tuple[AugmentingAgentEntry, ...] = ()


def _source_tags(data: object) -> set[str]:
    raw = data.get("sources") if isinstance(data, Mapping) else None
    if not isinstance(raw, list):
        return set()
    return {str(s["tag"]) for s in raw if isinstance(s, Mapping) and isinstance(s.get("tag"), str)}


def _duplicates(data: Mapping[str, object], issues: IssueCollector) -> None:
    """Source tags, and names and aliases across both lists, must each be unique."""
    tags: set[str] = set()
    raw_sources = data.get("sources")
    for i, src in enumerate(raw_sources if isinstance(raw_sources, list) else ()):
        tag = src.get("tag") if isinstance(src, Mapping) else None
        if isinstance(tag, str):
            if tag in tags:
                issues.add(f"sources.{i}.tag", f"{_FILE_NAME}: duplicate source tag", given=tag)
            tags.add(tag)
    seen: set[str] = set()
    for group in ("antidepressants", "augmenting_agents"):
        raw = data.get(group)
        for i, entry in enumerate(raw if isinstance(raw, list) else ()):
            if not isinstance(entry, Mapping) or not isinstance(entry.get("name"), str):
                continue
            aliases = entry.get("aliases")
            names = [entry["name"], *(a for a in aliases or () if isinstance(a, str))]
            for name in (_normalise(n) for n in names):
                if name in seen:
                    issues.add(
                        f"{group}.{i}.name",
                        f"{_FILE_NAME}, entry {group}.{i} ({entry['name']}): "
                        "duplicate name or alias",
                        given=name,
                    )
                seen.add(name)


def _parse_catalogue(data: Mapping[str, object]) -> AntidepressantCatalogue:
    issues = IssueCollector()
    doc: CatalogueFile | None = None
    try:
        doc = parse_data_file(
            CatalogueFile, data, file=_FILE_NAME, context={"source_tags": _source_tags(data)}
        )
    except InvalidInput as exc:
        issues.extend(exc.issues)
    if isinstance(data, Mapping):
        _duplicates(data, issues)
    issues.raise_if_any()
    assert doc is not None
    rule = doc.implausible_dose
    return AntidepressantCatalogue(
        version=doc.version,
        date=doc.date,
        sources=MappingProxyType(
            {s.tag: CatalogueSource(s.tag, s.citation, s.reference, s.status) for s in doc.sources}
        ),
        antidepressants=MappingProxyType({e.name: e.build() for e in doc.antidepressants}),
        augmenting_agents=MappingProxyType({e.name: e.build() for e in doc.augmenting_agents}),
        implausible_dose=None
        if rule is None
        else ImplausibleDose(rule.multiple_of_maximum, rule.status, rule.note),
    )
