"""One gene's result as reported: the matcher's diplotypes (or an outside call) with their
phenotypes, missing positions and notes; and a whole report with its recommendations."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from trdcare.pgx.domain import tables
from trdcare.pgx.domain.matching import GeneCall
from trdcare.pgx.domain.phenotypes import INDETERMINATE, NO_RESULT, Phenotype, phenotype_of
from trdcare.pgx.domain.recommendations import Recommendation, recommend

SOURCES = ("vcf", "outside")


@dataclass(frozen=True, slots=True)
class GeneResult:
    gene: str
    source: str  # "vcf" (called here) or "outside" (lab-reported)
    phenotypes: tuple[Phenotype, ...]  # one per reported diplotype, best first
    matches: tuple[tuple[str, int], ...] = ()  # (diplotype, score), every fitting one
    missing_positions: tuple[dict[str, object], ...] = ()
    uncallable_alleles: tuple[str, ...] = ()
    phased: bool = False
    notes: tuple[str, ...] = field(default=())
    other_matches: int = 0  # lower-scoring fits not reported (list-all mode shows them)

    @property
    def diplotypes(self) -> tuple[str, ...]:
        return tuple(p.diplotype for p in self.phenotypes)

    @property
    def no_call(self) -> bool:
        return not self.phenotypes

    @property
    def phenotype(self) -> str:
        """The phenotype when every reported diplotype agrees; else says it is ambiguous."""
        names = list(dict.fromkeys(p.phenotype for p in self.phenotypes))
        if not names:
            return NO_RESULT
        if len(names) == 1:
            return names[0]
        return "Ambiguous: " + " or ".join(names)

    @property
    def activity_score(self) -> str | None:
        scores = list(dict.fromkeys(p.activity_score for p in self.phenotypes))
        if len(scores) == 1:
            return scores[0]
        return None if not scores or scores == [None] else " or ".join(str(s) for s in scores)

    def to_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "diplotypes": list(self.diplotypes),
            "phenotype": self.phenotype,
            "phenotypes": [p.to_dict() for p in self.phenotypes],
            "activity_score": self.activity_score,
            "matches": [{"diplotype": d, "score": s} for d, s in self.matches],
            "other_matches": self.other_matches,
            "missing_positions": [dict(m) for m in self.missing_positions],
            "uncallable_alleles": list(self.uncallable_alleles),
            "phased": self.phased,
            "no_call": self.no_call,
            "notes": list(self.notes),
        }


def from_call(call: GeneCall) -> GeneResult:
    """The reported result of a matcher call (phenotype per reported diplotype)."""
    phenos = []
    notes = list(call.notes)
    for m in call.reported:
        try:
            phenos.append(phenotype_of(call.gene, m.allele1, m.allele2))
        except Exception:  # an allele the function table lacks: say so, never guess
            phenos.append(
                Phenotype(call.gene, m.diplotype, ("unknown", "unknown"), INDETERMINATE, None)
            )
            notes.append(f"{m.diplotype}: an allele has no CPIC function; phenotype Indeterminate.")
    if call.missing_positions:
        notes.append(
            f"{len(call.missing_positions)} defined position(s) missing from the input; "
            "the alleles defined there could not be told apart."
        )
    other = len(call.matches) - len(call.reported)
    return GeneResult(
        gene=call.gene,
        source="vcf",
        phenotypes=tuple(phenos),
        matches=tuple((m.diplotype, m.score) for m in call.matches),
        missing_positions=tuple(m.to_dict() for m in call.missing_positions),
        uncallable_alleles=call.uncallable_alleles,
        phased=call.phased,
        notes=tuple(notes),
        other_matches=other,
    )


def from_outside(phenotype: Phenotype, note: str = "") -> GeneResult:
    notes = list(phenotype.warnings) + ([note] if note else [])
    return GeneResult(
        gene=phenotype.gene,
        source="outside",
        phenotypes=(phenotype,),
        matches=((phenotype.diplotype, 0),),
        notes=tuple(notes),
    )


def combine(
    called: Mapping[str, GeneResult], outside: Mapping[str, GeneResult]
) -> dict[str, GeneResult]:
    """Per gene, an outside call replaces the VCF call (as in PharmCAT), noting it did."""
    out: dict[str, GeneResult] = {}
    for gene in tables.GENES:
        if gene in outside:
            result = outside[gene]
            if gene in called:
                replaced = ", ".join(called[gene].diplotypes) or "no call"
                result = GeneResult(
                    gene=result.gene,
                    source=result.source,
                    phenotypes=result.phenotypes,
                    matches=result.matches,
                    notes=(*result.notes, f"Outside call used; the VCF gave {replaced}."),
                )
            out[gene] = result
        elif gene in called:
            out[gene] = called[gene]
    return out


def recommendations_for(
    results: Mapping[str, GeneResult], drugs: Sequence[str] | None = None
) -> list[Recommendation]:
    return recommend({g: list(r.phenotypes) for g, r in results.items()}, drugs)
