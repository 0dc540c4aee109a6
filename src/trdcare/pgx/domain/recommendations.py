"""CPIC antidepressant recommendations for a patient's phenotypes.

Each guideline is looked up by its genes' keys (PharmCAT's model): the phenotype, or for
CYP2D6 the activity score; a gene of the guideline with no result is ``No Result``. When a
gene's call is ambiguous (several diplotypes fit), every key it could have is looked up and
every recommendation it implies is returned, marked ambiguous. A CYP2D6 score that CPIC's
table does not list (e.g. 3.5) is answered by the entries of its phenotype when they agree.

The recommendations are the project's rewording of CPIC's (``tables_build.ACTIONS``), with
CPIC's classification and a link to the guideline. They inform the prescriber; they are
never applied automatically.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from trdcare.pgx.domain import tables
from trdcare.pgx.domain.phenotypes import NO_RESULT, Phenotype, activity_phenotype

DRUG_CLASSES = {
    "citalopram": "SSRI",
    "escitalopram": "SSRI",
    "fluvoxamine": "SSRI",
    "paroxetine": "SSRI",
    "sertraline": "SSRI",
    "venlafaxine": "SNRI",
    "vortioxetine": "serotonin modulator",
    "amitriptyline": "TCA",
    "clomipramine": "TCA",
    "desipramine": "TCA",
    "doxepin": "TCA",
    "imipramine": "TCA",
    "nortriptyline": "TCA",
    "trimipramine": "TCA",
}


@dataclass(frozen=True, slots=True)
class Recommendation:
    drug: str
    genes: tuple[str, ...]
    lookup: dict[str, str]
    phenotypes: dict[str, str]
    recommendation: str
    classification: str
    actions: tuple[str, ...]
    guideline_url: str
    guideline_pmid: str | None
    guideline_year: int | None
    data_version: str
    ambiguous: bool = False
    notes: tuple[str, ...] = field(default=())

    @property
    def gene(self) -> str:
        return ", ".join(self.genes)

    @property
    def changes_prescribing(self) -> bool:
        """True when CPIC advises anything but the usual dose (or has no advice)."""
        neutral = {"usual_start", "no_recommendation", "no_action_minimal_evidence"}
        return not set(self.actions) <= neutral

    def to_dict(self) -> dict[str, object]:
        return {
            "drug": self.drug,
            "drug_class": DRUG_CLASSES.get(self.drug, ""),
            "gene": self.gene,
            "genes": list(self.genes),
            "lookup": dict(self.lookup),
            "phenotypes": dict(self.phenotypes),
            "recommendation": self.recommendation,
            "classification": self.classification,
            "actions": list(self.actions),
            "changes_prescribing": self.changes_prescribing,
            "ambiguous": self.ambiguous,
            "notes": list(self.notes),
            "guideline": {
                "url": self.guideline_url,
                "pmid": self.guideline_pmid,
                "year": self.guideline_year,
                "data_version": self.data_version,
            },
        }


def _score_value(key: str) -> float | None:
    try:
        return float(key.lstrip("≥"))
    except ValueError:
        return None


def _find(
    guideline: tables.Guideline, drug: str, lookup: Mapping[str, str]
) -> tuple[tables.RecommendationEntry | None, str | None]:
    entries = [e for e in guideline.entries if e.drug == drug]
    for entry in entries:
        if entry.lookup == dict(lookup):
            return entry, None
    # A CYP2D6 score CPIC does not list: use its phenotype's entries if they agree.
    score = lookup.get("CYP2D6")
    value = _score_value(score) if score else None
    if value is None:
        return None, None
    phenotype = activity_phenotype(value)
    same = [
        e
        for e in entries
        if all(e.lookup.get(g) == k for g, k in lookup.items() if g != "CYP2D6")
        and _score_value(e.lookup.get("CYP2D6", "")) is not None
        and activity_phenotype(_score_value(e.lookup["CYP2D6"]) or 0.0) == phenotype
    ]
    texts = {(e.recommendation, e.classification) for e in same}
    if len(texts) == 1:
        note = (
            f"CPIC lists no entry for CYP2D6 activity score {score}; the entries for "
            f"{phenotype} (the score's phenotype) agree and are shown."
        )
        return same[0], note
    return None, None


def recommend(
    results: Mapping[str, Sequence[Phenotype]], drugs: Sequence[str] | None = None
) -> list[Recommendation]:
    """Recommendations for every guideline drug (or ``drugs``) given each gene's possible
    phenotypes (more than one when the call is ambiguous; absent or empty: no result)."""
    out: list[Recommendation] = []
    wanted = {d.lower() for d in drugs} if drugs else None
    for guideline in tables.recommendations().guidelines:
        if not any(results.get(g) for g in guideline.genes):
            continue  # nothing known about this guideline's genes
        options: list[list[Phenotype | None]] = [
            [*results[g]] if results.get(g) else [None] for g in guideline.genes
        ]
        for drug in guideline.drugs:
            if wanted is not None and drug not in wanted:
                continue
            combos = list(itertools.product(*options))
            seen: set[tuple[str, ...]] = set()
            for combo in combos:
                lookup = {
                    g: (p.lookup_key if p is not None else NO_RESULT)
                    for g, p in zip(guideline.genes, combo, strict=True)
                }
                key = tuple(lookup.values())
                if key in seen:
                    continue
                seen.add(key)
                entry, note = _find(guideline, drug, lookup)
                phenos = {
                    g: (p.phenotype if p is not None else NO_RESULT)
                    for g, p in zip(guideline.genes, combo, strict=True)
                }
                ambiguous = len(combos) > 1
                if entry is None:
                    out.append(
                        Recommendation(
                            drug=drug,
                            genes=guideline.genes,
                            lookup=lookup,
                            phenotypes=phenos,
                            recommendation=(
                                "CPIC's table has no entry for this combination of results."
                            ),
                            classification="No recommendation",
                            actions=("no_recommendation",),
                            guideline_url=guideline.url,
                            guideline_pmid=guideline.publication.pmid,
                            guideline_year=guideline.publication.year,
                            data_version=guideline.data_version,
                            ambiguous=ambiguous,
                        )
                    )
                    continue
                out.append(
                    Recommendation(
                        drug=drug,
                        genes=guideline.genes,
                        lookup=lookup,
                        phenotypes=phenos,
                        recommendation=entry.recommendation,
                        classification=entry.classification,
                        actions=entry.actions,
                        guideline_url=guideline.url,
                        guideline_pmid=guideline.publication.pmid,
                        guideline_year=guideline.publication.year,
                        data_version=guideline.data_version,
                        ambiguous=ambiguous,
                        notes=(note,) if note else (),
                    )
                )
    out.sort(key=lambda r: (r.drug, r.ambiguous))
    return out


def guideline_drugs() -> tuple[str, ...]:
    """Every drug a guideline in the table covers, alphabetically."""
    return tuple(sorted({d for g in tables.recommendations().guidelines for d in g.drugs}))
