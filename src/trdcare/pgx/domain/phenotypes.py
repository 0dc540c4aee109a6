"""Diplotype -> allele functions -> phenotype (CPIC), and outside calls.

* CYP2C19 and CYP2B6: each allele's CPIC function; the pair of functions gives the
  phenotype (the rule table was collapsed from CPIC's full diplotype list by the build script,
  which checks that every pair of functions gives one phenotype).
* CYP2D6: each allele's CPIC activity value; the activity score is their sum and the
  phenotype its range (CPIC 2019 consensus: 0 poor, 0.25-1.0 intermediate, 1.25-2.25 normal,
  >= 2.5 ultrarapid metabolizer; Caudle et al., Clin Transl Sci 2020). A value written
  ``≥3.0`` (three or more copies) makes the sum a lower bound (``≥``). An allele whose value
  is ``n/a`` (uncertain function) makes the phenotype Indeterminate.

CPIC recommendations are looked up by the phenotype, or for CYP2D6 by the activity score
(PharmCAT's lookup-key model).

Outside calls (lab-reported diplotypes, required for CYP2D6 copy number and hybrids) are
normalised the way PharmCAT reads them (docs ``using/Outside-Call-Format``): a gene prefix
is dropped, a sub-allele ``*1.001`` is read as ``*1`` with a warning, ``*1x7`` becomes
``*1x≥3``, spaces around ``+`` are normalised; an allele the tables do not know is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from trdcare.core.errors import InvalidInput, Issue
from trdcare.pgx.domain import tables

NO_RESULT = "No Result"
INDETERMINATE = "Indeterminate"
PHENOTYPES = (
    "Ultrarapid Metabolizer",
    "Rapid Metabolizer",
    "Normal Metabolizer",
    "Likely Intermediate Metabolizer",
    "Intermediate Metabolizer",
    "Likely Poor Metabolizer",
    "Poor Metabolizer",
    INDETERMINATE,
)


@dataclass(frozen=True, slots=True)
class Phenotype:
    """A diplotype's functions and phenotype, and the key its recommendations are found by."""

    gene: str
    diplotype: str
    functions: tuple[str, str]
    phenotype: str
    activity_score: str | None  # CYP2D6 only: "1.25", "≥3.0", "n/a"
    warnings: tuple[str, ...] = field(default=())

    @property
    def lookup_key(self) -> str:
        return self.activity_score if self.activity_score is not None else self.phenotype

    def to_dict(self) -> dict[str, object]:
        return {
            "diplotype": self.diplotype,
            "functions": list(self.functions),
            "phenotype": self.phenotype,
            "activity_score": self.activity_score,
            "lookup_key": self.lookup_key,
            "warnings": list(self.warnings),
        }


@cache
def _functions(gene: str) -> dict[str, tuple[str, str | None]]:
    g = tables.phenotypes().genes[gene]
    return {a.name: (a.function, a.activity) for a in g.alleles}


def known_alleles(gene: str) -> tuple[str, ...]:
    """The star alleles (and CYP2D6 copy-number forms) the phenotype table knows."""
    return tuple(_functions(_gene(gene)))


def _gene(gene: str) -> str:
    name = gene.strip().upper()
    if name not in tables.GENES:
        raise InvalidInput(
            "unknown gene",
            issues=[Issue("gene", "is not a gene trdcare calls", ", ".join(tables.GENES), gene)],
        )
    return name


def format_score(value: float) -> str:
    """CPIC's spelling of an activity score: ``1.0``, ``0.25``, ``1.5``."""
    text = f"{value:.2f}"
    return text[:-1] if text.endswith("0") else text


def activity_phenotype(score: float) -> str:
    """The CYP2D6 phenotype of an activity score (ranges from the phenotype table)."""
    for r in tables.phenotypes().genes["CYP2D6"].activity_ranges:
        if score >= r.min and (r.max is None or score <= r.max):
            return r.phenotype
    return INDETERMINATE


def phenotype_of(gene: str, allele1: str, allele2: str) -> Phenotype:
    """The phenotype of the diplotype ``allele1/allele2`` (names as in the tables)."""
    gene = _gene(gene)
    table = _functions(gene)
    for allele in (allele1, allele2):
        if allele not in table:
            raise _unknown_allele(gene, allele)
    (f1, v1), (f2, v2) = table[allele1], table[allele2]
    diplotype = f"{allele1}/{allele2}"
    g = tables.phenotypes().genes[gene]
    if g.method == "activity_score":
        if v1 is None or v2 is None or "n/a" in (v1, v2):
            return Phenotype(gene, diplotype, (f1, f2), INDETERMINATE, "n/a")
        bound = v1.startswith("≥") or v2.startswith("≥")
        total = float(v1.lstrip("≥")) + float(v2.lstrip("≥"))
        score = ("≥" if bound else "") + format_score(total)
        return Phenotype(gene, diplotype, (f1, f2), activity_phenotype(total), score)
    pair = tuple(sorted((f1, f2)))
    for rule in g.rules:
        if rule.functions == pair:
            return Phenotype(gene, diplotype, (f1, f2), rule.phenotype, None)
    return Phenotype(gene, diplotype, (f1, f2), INDETERMINATE, None)


def _unknown_allele(gene: str, allele: str) -> InvalidInput:
    known = known_alleles(gene)
    shown = ", ".join(known[:12]) + (f" ... ({len(known)} in all)" if len(known) > 12 else "")
    return InvalidInput(
        "unknown star allele",
        issues=[
            Issue(f"diplotype.{gene}", f"{allele} is not a known {gene} allele", shown, allele)
        ],
    )


_COPIES = re.compile(r"^(\*\d+)x(\d+|N|n|≥3|>=3)$")


def normalise_allele(gene: str, text: str) -> tuple[str, list[str]]:
    """One allele of an outside call in the tables' spelling, with any warnings."""
    warnings: list[str] = []
    allele = text.strip().replace(" ", "")
    for prefix in (gene, gene.lower()):
        allele = allele.removeprefix(prefix)
    if "+" in allele:
        parts = [normalise_allele(gene, part)[0] for part in allele.split("+")]
        return " + ".join(parts), warnings
    sub = re.match(r"^(\*\d+)\.\d+$", allele)
    if sub:
        warnings.append(f"{gene} {allele} read as {sub.group(1)} (sub-alleles share a function)")
        allele = sub.group(1)
    copies = _COPIES.match(allele)
    if copies:
        base, count = copies.groups()
        if count in ("N", "n"):
            raise InvalidInput(
                "copy number not given",
                issues=[
                    Issue(
                        f"diplotype.{gene}",
                        f"{allele}: the number of copies is needed (CPIC has no value for xN)",
                        f"{base}x2 or {base}x≥3",
                        allele,
                    )
                ],
            )
        if count in (">=3", "≥3") or int(count) >= 3:
            allele = f"{base}x≥3"
        else:
            allele = f"{base}x{count}"
    return allele, warnings


def parse_diplotype(gene: str, text: str) -> Phenotype:
    """An outside call such as ``*1/*4``, ``CYP2D6*1/*2x2`` or ``*1.001/*17``."""
    gene = _gene(gene)
    raw = text.strip()
    if raw.count("/") != 1:
        raise InvalidInput(
            "not a diplotype",
            issues=[Issue(f"diplotype.{gene}", "must be two alleles joined by /", "*1/*2", raw)],
        )
    left, right = raw.split("/")
    a1, w1 = normalise_allele(gene, left)
    a2, w2 = normalise_allele(gene, right)
    known = _functions(gene)
    for allele in (a1, a2):
        if allele not in known:
            raise _unknown_allele(gene, allele)
    result = phenotype_of(gene, a1, a2)
    return Phenotype(
        result.gene,
        result.diplotype,
        result.functions,
        result.phenotype,
        result.activity_score,
        tuple(w1 + w2),
    )
