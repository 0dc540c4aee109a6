"""Rating scales as data: items, answers, scoring domains, bands, safety rules, results.

Every instrument module (``phq9``, ``gad7``, ``qids_sr16``, ``hamd17``, ``madrs``,
``cssrs_screener``) declares one :class:`Scale` built from these frozen dataclasses; the
scoring engine in :mod:`trdcare.assessments.domain.scoring` reads only this data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from trdcare.assessments.domain.sources import Provenance

TRIAGE_LEVELS: tuple[str, ...] = ("none", "low", "moderate", "high")
"""C-SSRS screener triage levels, lowest first."""

SAFETY_FLAG_CODES: tuple[str, ...] = ("suicidal_ideation",)
"""Codes a :class:`SafetyFlag` can carry: one code for every suicide-risk signal (the
project's contract), so that a consumer testing ``code == "suicidal_ideation"`` never
misses one; :attr:`SafetyFlag.category` tells ideation from behaviour."""

FLAG_CATEGORIES: tuple[str, ...] = ("ideation", "behaviour")


@dataclass(frozen=True, slots=True)
class AnswerOption:
    """One allowed answer of an item: its stored value and its anchor label."""

    value: int
    label: str
    loinc: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "label": self.label, "loinc": self.loinc}


def options(*labels: str) -> tuple[AnswerOption, ...]:
    """Answer options scored 0, 1, 2, ... in the order of their anchor labels."""
    return tuple(AnswerOption(value, label) for value, label in enumerate(labels))


@dataclass(frozen=True, slots=True)
class Item:
    """One question of a scale.

    Parameters
    ----------
    key : str
        ``"1"`` .. ``"n"`` (the C-SSRS screener also has ``"6_recent"``).
    label : str
        Short label in the clinic's words.
    options : tuple of AnswerOption
        The scored answers, lowest first.
    loinc : str or None
        LOINC question code where known.
    not_scored : tuple of AnswerOption
        Answers that are accepted and stored but are not scored (HAM-D item 16
        "not assessed"); the item then counts as missing.
    asked_when : str or None
        Skip logic: when the item is asked (None: always asked).
    """

    key: str
    label: str
    options: tuple[AnswerOption, ...]
    loinc: str | None = None
    not_scored: tuple[AnswerOption, ...] = ()
    asked_when: str | None = None

    @property
    def scored_values(self) -> tuple[int, ...]:
        return tuple(option.value for option in self.options)

    @property
    def allowed_values(self) -> tuple[int, ...]:
        return self.scored_values + tuple(option.value for option in self.not_scored)

    @property
    def min_value(self) -> int:
        return min(self.scored_values)

    @property
    def max_value(self) -> int:
        return max(self.scored_values)

    def label_of(self, value: int) -> str:
        """The anchor label of ``value`` (an allowed value)."""
        for option in self.options + self.not_scored:
            if option.value == value:
                return option.label
        raise KeyError(value)

    def describe_allowed(self) -> str:
        """Allowed values for an error message, e.g. ``"0, 1, 2 or 3 (= not assessed)"``."""
        scored = ", ".join(str(v) for v in self.scored_values)
        extra = "".join(f" or {o.value} (= {o.label})" for o in self.not_scored)
        return f"one of {scored}{extra}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "loinc": self.loinc,
            "options": [option.to_dict() for option in self.options],
            "not_scored": [option.to_dict() for option in self.not_scored],
            "asked_when": self.asked_when,
        }


@dataclass(frozen=True, slots=True)
class ScoreDomain:
    """A symptom domain: its score is the highest answer among its items.

    A plain sum scale has one domain per item (the maximum of one item is the item);
    QIDS-SR16 groups its sleep, appetite/weight and psychomotor items.
    """

    name: str
    items: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "items": list(self.items)}


@dataclass(frozen=True, slots=True)
class Band:
    """A closed range of totals ``low..high`` with a snake-case severity label."""

    label: str
    low: int
    high: int

    def contains(self, total: int) -> bool:
        return self.low <= total <= self.high

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "low": self.low, "high": self.high}


@dataclass(frozen=True, slots=True)
class BandConvention:
    """One published set of severity bands for a scale."""

    id: str
    name: str
    bands: tuple[Band, ...]
    provenance: Provenance

    def classify(self, total: int) -> Band:
        """The band holding ``total`` (bands cover the whole total range)."""
        for band in self.bands:
            if band.contains(total):
                return band
        raise ValueError(f"total {total} outside band convention {self.id}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "bands": [band.to_dict() for band in self.bands],
            "provenance": self.provenance.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class LoincCodes:
    """LOINC panel and total-score codes (item codes live on :class:`Item`)."""

    panel: str | None
    total: str | None
    provenance: Provenance

    def to_dict(self) -> dict[str, Any]:
        return {"panel": self.panel, "total": self.total, "provenance": self.provenance.to_dict()}


@dataclass(frozen=True, slots=True)
class ThresholdRule:
    """A total-score threshold such as remission (``<=``) or relapse (``>=``)."""

    name: str
    op: Literal["<=", ">="]
    value: int
    provenance: Provenance

    def met(self, total: int) -> bool:
        return total <= self.value if self.op == "<=" else total >= self.value

    def describe(self) -> str:
        return f"{self.name}: total {self.op} {self.value} {self.provenance.cite()}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "op": self.op,
            "value": self.value,
            "provenance": self.provenance.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class SafetyRule:
    """Raise a suicidal-ideation flag when ``item`` is at or above ``min_value``.

    ``anchor`` is the anchor text of ``min_value`` (the lowest answer whose anchor
    denotes thoughts of death or suicide), quoted or closely paraphrased from the source.
    """

    item: str
    min_value: int
    anchor: str
    provenance: Provenance
    code: str = "suicidal_ideation"

    def describe(self) -> str:
        return f"item {self.item} >= {self.min_value} ({self.anchor!r})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "item": self.item,
            "min_value": self.min_value,
            "anchor": self.anchor,
            "provenance": self.provenance.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class TriageRule:
    """C-SSRS screener: a positive answer to ``item`` gives at least ``level``."""

    item: str
    level: str
    category: str
    rule: str
    provenance: Provenance
    code: str = "suicidal_ideation"

    def to_dict(self) -> dict[str, Any]:
        return {
            "item": self.item,
            "level": self.level,
            "code": self.code,
            "category": self.category,
            "rule": self.rule,
            "provenance": self.provenance.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class Scale:
    """A rating scale as data.

    ``total_min``/``total_max`` are None for the C-SSRS screener (no total);
    ``remission``/``relapse`` are None where no rule applies.
    """

    id: str
    name: str
    items: tuple[Item, ...]
    total_min: int | None
    total_max: int | None
    domains: tuple[ScoreDomain, ...]
    conventions: tuple[BandConvention, ...]
    default_convention: str
    loinc: LoincCodes
    licence: str
    licence_provenance: Provenance
    missing_rule: str
    missing_rule_provenance: Provenance
    scoring_provenance: Provenance
    safety_rules: tuple[SafetyRule, ...] = ()
    triage_rules: tuple[TriageRule, ...] = ()
    remission: ThresholdRule | None = None
    relapse: ThresholdRule | None = None
    notes: tuple[str, ...] = ()

    @property
    def item_keys(self) -> tuple[str, ...]:
        return tuple(item.key for item in self.items)

    @property
    def short_name(self) -> str:
        """The abbreviation a clinician knows, from the name's last parentheses (``PHQ-9``)."""
        if self.name.endswith(")") and "(" in self.name:
            return self.name[self.name.rindex("(") + 1 : -1]
        return self.name

    @property
    def has_total(self) -> bool:
        return self.total_max is not None

    def item(self, key: str) -> Item:
        for item in self.items:
            if item.key == key:
                return item
        raise KeyError(key)

    def convention(self, convention_id: str) -> BandConvention:
        for convention in self.conventions:
            if convention.id == convention_id:
                return convention
        raise KeyError(convention_id)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "items": [item.to_dict() for item in self.items],
            "total_min": self.total_min,
            "total_max": self.total_max,
            "domains": [domain.to_dict() for domain in self.domains],
            "band_conventions": [c.to_dict() for c in self.conventions],
            "default_band_convention": self.default_convention,
            "loinc": self.loinc.to_dict(),
            "licence": self.licence,
            "licence_provenance": self.licence_provenance.to_dict(),
            "missing_rule": self.missing_rule,
            "missing_rule_provenance": self.missing_rule_provenance.to_dict(),
            "scoring_provenance": self.scoring_provenance.to_dict(),
            "safety_rules": [rule.to_dict() for rule in self.safety_rules],
            "triage_rules": [rule.to_dict() for rule in self.triage_rules],
            "remission": None if self.remission is None else self.remission.to_dict(),
            "relapse": None if self.relapse is None else self.relapse.to_dict(),
            "notes": list(self.notes),
        }


@dataclass(frozen=True, slots=True)
class SafetyFlag:
    """A safety signal raised by one answer. Never dropped, even on incomplete forms.

    Parameters
    ----------
    code : str
        ``"suicidal_ideation"`` for every suicide-risk signal (see
        :data:`SAFETY_FLAG_CODES`).
    scale, item : str
        Where the signal came from.
    value : int
        The answer that raised it (C-SSRS: 1 = yes).
    rule : str
        The rule, in words, with the cut-off.
    source : str
        Citation, e.g. ``"[S25][S42] UNVERIFIED"``.
    triage : str or None
        C-SSRS triage level of this answer (None for the other scales).
    status : str
        Verification status of the rule.
    category : str
        ``"ideation"``, or ``"behaviour"`` for C-SSRS question 6 (suicidal behaviour).
    """

    code: str
    scale: str
    item: str
    value: int
    rule: str
    source: str
    triage: str | None = None
    status: str = "VERIFIED"
    category: str = "ideation"

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "category": self.category,
            "scale": self.scale,
            "item": self.item,
            "value": self.value,
            "rule": self.rule,
            "source": self.source,
            "triage": self.triage,
            "status": self.status,
        }


@dataclass(frozen=True, slots=True)
class ScaleResult:
    """The scored form: total, severity band, completeness, safety flags and reasons.

    ``total`` and ``severity`` are None when the form is incomplete (no published
    proration rule is adopted) and always None for the C-SSRS screener, which has a
    ``triage`` instead. ``flags`` are evaluated on the answered items in every case.
    """

    scale_id: str
    total: int | None
    severity: str | None
    complete: bool
    missing: tuple[str, ...]
    answers: dict[str, int]
    flags: tuple[SafetyFlag, ...]
    triage: str | None
    band_convention: str
    explanation: tuple[str, ...]
    total_max: int | None = None
    domain_scores: tuple[tuple[str, int], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "scale": self.scale_id,
            "total": self.total,
            "total_max": self.total_max,
            "severity": self.severity,
            "band_convention": self.band_convention,
            "complete": self.complete,
            "missing": list(self.missing),
            "answers": dict(self.answers),
            "domain_scores": [{"domain": name, "score": s} for name, s in self.domain_scores],
            "flags": [flag.to_dict() for flag in self.flags],
            "triage": self.triage,
            "explanation": list(self.explanation),
        }
