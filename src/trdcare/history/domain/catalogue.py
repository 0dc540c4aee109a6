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
from typing import Final, Literal, cast

from trdcare.core.errors import InvalidInput, IssueCollector
from trdcare.history.domain.sources import STATUS_WORDS, Fact
from trdcare.history.domain.types import _is_number

DrugClass = Literal["SSRI", "SNRI", "TCA", "MAOI", "other"]
DRUG_CLASSES: Final[tuple[DrugClass, ...]] = ("SSRI", "SNRI", "TCA", "MAOI", "other")
Comparison = Literal[">=", ">"]
COMPARISONS: Final[tuple[Comparison, ...]] = (">=", ">")

_DATA_PACKAGE: Final = "trdcare.history.domain"
_DATA_FILE: Final = "data/antidepressants.json"


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

    # -- serialisation ----------------------------------------------------------------------

    def to_dict(self) -> dict[str, object]:
        return {
            "version": self.version,
            "date": self.date,
            "sources": [s.to_dict() for s in self.sources.values()],
            "antidepressants": [a.to_dict() for a in self.antidepressants.values()],
            "augmenting_agents": [a.to_dict() for a in self.augmenting_agents.values()],
        }

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> AntidepressantCatalogue:
        """Validate a catalogue document and build the catalogue.

        Every issue is collected with its path and raised once as :class:`InvalidInput`.
        """
        return _CatalogueParser(data).parse()


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
            "", "the catalogue must be a JSON object", given=type(data).__name__
        )
    return AntidepressantCatalogue.from_mapping(cast(dict[str, object], data))


# -- validation of the data file -------------------------------------------------------------


def _valid_status(value: object) -> bool:
    if not isinstance(value, str) or not value:
        return False
    head = value.split(" ", 1)[0].split("(", 1)[0]
    return head in STATUS_WORDS


class _CatalogueParser:
    def __init__(self, data: Mapping[str, object]) -> None:
        self.data = data
        self.issues = IssueCollector()
        self.source_tags: set[str] = set()

    # small typed readers ---------------------------------------------------------------------

    def _str(self, obj: Mapping[str, object], key: str, path: str, *, empty: bool = False) -> str:
        value = obj.get(key)
        if not isinstance(value, str) or (not empty and not value.strip()):
            self.issues.add(
                f"{path}.{key}" if path else key,
                "must be a non-empty string" if not empty else "must be a string",
                given=value,
            )
            return ""
        return value

    def _status(self, obj: Mapping[str, object], key: str, path: str) -> str:
        value = obj.get(key)
        if not _valid_status(value):
            self.issues.add(
                f"{path}.{key}",
                "must be a status mark",
                allowed=f"a string starting with {', '.join(STATUS_WORDS)}",
                given=value,
            )
            return ""
        return cast(str, value)

    def _sources(self, obj: Mapping[str, object], key: str, path: str) -> str:
        """A comma-separated list of known source tags (possibly empty only if allowed)."""
        value = self._str(obj, key, path)
        for tag in (t.strip() for t in value.split(",") if t.strip()):
            if tag not in self.source_tags:
                self.issues.add(
                    f"{path}.{key}",
                    "unknown source tag",
                    allowed=", ".join(sorted(self.source_tags)),
                    given=tag,
                )
        return value

    def _dose(self, value: object, path: str) -> float | None:
        if value is None:
            return None
        if not _is_number(value) or value <= 0:
            self.issues.add(path, "must be a positive number of mg/day or null", given=value)
            return None
        return float(value)

    def _mapping(self, value: object, path: str) -> Mapping[str, object] | None:
        if not isinstance(value, Mapping):
            self.issues.add(path, "must be an object", given=type(value).__name__)
            return None
        return cast(Mapping[str, object], value)

    def _list(self, value: object, path: str) -> list[object]:
        if not isinstance(value, list):
            self.issues.add(path, "must be a list", given=type(value).__name__)
            return []
        return value

    def _aliases(self, obj: Mapping[str, object], path: str) -> tuple[str, ...]:
        aliases = []
        for i, alias in enumerate(self._list(obj.get("aliases", []), f"{path}.aliases")):
            if not isinstance(alias, str) or not alias.strip():
                self.issues.add(f"{path}.aliases.{i}", "must be a non-empty string", given=alias)
            else:
                aliases.append(_normalise(alias))
        return tuple(aliases)

    def _rxnorm(self, value: object, path: str) -> RxNormCode:
        obj = self._mapping(value, path)
        if obj is None:
            return RxNormCode(None, "", "")
        rxcui = obj.get("rxcui")
        if rxcui is not None and (not isinstance(rxcui, str) or not rxcui.isdigit()):
            self.issues.add(f"{path}.rxcui", "must be a string of digits or null", given=rxcui)
            rxcui = None
        return RxNormCode(
            rxcui,
            self._sources(obj, "source", path),
            self._status(obj, "status", path),
            self._str(obj, "note", path, empty=True),
        )

    def _threshold(self, value: object, path: str) -> DoseThreshold | None:
        obj = self._mapping(value, path)
        if obj is None:
            return None
        dose = self._dose(obj.get("value_mg"), f"{path}.value_mg")
        comparison = obj.get("comparison")
        if comparison not in COMPARISONS:
            self.issues.add(
                f"{path}.comparison",
                "unknown value",
                allowed=", ".join(COMPARISONS),
                given=comparison,
            )
        source = self._sources(obj, "source", path)
        status = self._status(obj, "status", path)
        note = self._str(obj, "note", path, empty=True)
        if dose is None or comparison not in COMPARISONS:
            if obj.get("value_mg") is None:
                self.issues.add(f"{path}.value_mg", "is required")
            return None
        return DoseThreshold(dose, comparison, source, status, note)

    # the document -------------------------------------------------------------------------------

    def parse(self) -> AntidepressantCatalogue:
        data = self.data
        version = self._str(data, "version", "")
        date_text = self._str(data, "date", "")
        sources: dict[str, CatalogueSource] = {}
        for i, raw in enumerate(self._list(data.get("sources"), "sources")):
            obj = self._mapping(raw, f"sources.{i}")
            if obj is None:
                continue
            path = f"sources.{i}"
            tag = self._str(obj, "tag", path)
            if tag in sources:
                self.issues.add(f"{path}.tag", "duplicate source tag", given=tag)
            src = CatalogueSource(
                tag,
                self._str(obj, "citation", path),
                self._str(obj, "reference", path),
                self._status(obj, "status", path),
            )
            sources[tag] = src
        self.source_tags = set(sources)

        antidepressants: dict[str, Antidepressant] = {}
        seen_names: dict[str, str] = {}
        for i, raw in enumerate(self._list(data.get("antidepressants"), "antidepressants")):
            path = f"antidepressants.{i}"
            entry = self._antidepressant(raw, path)
            if entry is None:
                continue
            for name in (entry.name, *entry.aliases):
                if name in seen_names:
                    self.issues.add(f"{path}.name", "duplicate name or alias", given=name)
                seen_names[name] = entry.name
            antidepressants[entry.name] = entry

        agents: dict[str, AugmentingAgent] = {}
        for i, raw in enumerate(self._list(data.get("augmenting_agents"), "augmenting_agents")):
            path = f"augmenting_agents.{i}"
            agent = self._agent(raw, path)
            if agent is None:
                continue
            for name in (agent.name, *agent.aliases):
                if name in seen_names:
                    self.issues.add(f"{path}.name", "duplicate name or alias", given=name)
                seen_names[name] = agent.name
            agents[agent.name] = agent

        self.issues.raise_if_any()
        return AntidepressantCatalogue(
            version=version,
            date=date_text,
            sources=MappingProxyType(sources),
            antidepressants=MappingProxyType(antidepressants),
            augmenting_agents=MappingProxyType(agents),
        )

    def _name(self, obj: Mapping[str, object], path: str) -> str:
        name = self._str(obj, "name", path)
        if name and name != _normalise(name):
            self.issues.add(f"{path}.name", "must be lower case with single spaces", given=name)
        return name

    def _antidepressant(self, raw: object, path: str) -> Antidepressant | None:
        obj = self._mapping(raw, path)
        if obj is None:
            return None
        name = self._name(obj, path)
        drug_class = obj.get("class")
        if drug_class not in DRUG_CLASSES:
            self.issues.add(
                f"{path}.class", "unknown value", allowed=", ".join(DRUG_CLASSES), given=drug_class
            )
        class_source = self._sources(obj, "class_source", path)
        class_status = self._status(obj, "class_status", path)
        rxnorm = self._rxnorm(obj.get("rxnorm"), f"{path}.rxnorm")
        dose = self._dose(
            obj.get("min_adequate_daily_dose_mg"), f"{path}.min_adequate_daily_dose_mg"
        )
        comparison = obj.get("dose_comparison")
        if dose is None and comparison is None:
            comparison = ">="  # unused: there is no minimum dose to compare with
        if comparison not in COMPARISONS:
            self.issues.add(
                f"{path}.dose_comparison",
                "unknown value",
                allowed=", ".join(COMPARISONS),
                given=comparison,
            )
        dose_status = self._status(obj, "dose_status", path)
        dose_note = self._str(obj, "dose_note", path)
        dose_source = ""
        if obj.get("min_adequate_daily_dose_mg") is not None:
            dose_source = self._sources(obj, "dose_source", path)
        elif obj.get("dose_source"):
            self.issues.add(
                f"{path}.dose_source",
                "must be empty when there is no minimum dose",
                given=obj.get("dose_source"),
            )
        others = tuple(
            t
            for j, item in enumerate(
                self._list(obj.get("other_dose_values", []), f"{path}.other_dose_values")
            )
            if (t := self._threshold(item, f"{path}.other_dose_values.{j}")) is not None
        )
        aliases = self._aliases(obj, path)
        if drug_class not in DRUG_CLASSES or comparison not in COMPARISONS:
            return None
        min_dose = (
            None
            if dose is None
            else DoseThreshold(dose, comparison, dose_source, dose_status, dose_note)
        )
        return Antidepressant(
            name=name,
            drug_class=drug_class,
            class_source=class_source,
            class_status=class_status,
            rxnorm=rxnorm,
            min_dose=min_dose,
            dose_status=dose_status,
            dose_note=dose_note,
            other_doses=others,
            aliases=aliases,
        )

    def _agent(self, raw: object, path: str) -> AugmentingAgent | None:
        obj = self._mapping(raw, path)
        if obj is None:
            return None
        name = self._name(obj, path)
        dose = self._dose(
            obj.get("min_adequate_daily_dose_mg"), f"{path}.min_adequate_daily_dose_mg"
        )
        dose_source = (
            self._sources(obj, "dose_source", path)
            if dose is not None
            else self._str(obj, "dose_source", path, empty=True)
        )
        return AugmentingAgent(
            name=name,
            rxnorm=self._rxnorm(obj.get("rxnorm"), f"{path}.rxnorm"),
            min_dose_mg=dose,
            dose_source=dose_source,
            dose_status=self._status(obj, "dose_status", path),
            duration_status=self._status(obj, "duration_status", path),
            note=self._str(obj, "note", path, empty=True),
            aliases=self._aliases(obj, path),
        )
