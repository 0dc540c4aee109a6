"""Named-allele matching: sample genotypes at a gene's defined positions -> star-allele
diplotypes, the way PharmCAT's NamedAlleleMatcher does it (Sangkuhl et al., CPT 2020;
PharmCAT docs ``methods/NamedAlleleMatcher``):

* a position a star allele does not list is the reference base;
* a star allele fits a haplotype when every *present* position agrees (an IUPAC code in a
  definition allows each of its bases);
* unphased genotypes: every pair of star alleles whose two bases explain each position's
  genotype (in either order) is a match; phased genotypes (every heterozygous call phased):
  one allele must fit the first haplotype and the other the second;
* a match's score is the number of present positions the two definitions specify (the
  reference allele specifies all of them), and matches are listed best first — by default
  only the top-scoring ones (ties are an ambiguity, reported as such), or all of them;
* a position absent from the input is *missing*: it is not used, the alleles defined there are
  named as left ambiguous, and a star allele whose every variant position is missing is not
  called at all (it could not be told from the reference);
* no fitting pair is a no-call (an empty list), with the reason.

Genotypes arrive as allele *codes* per position (``0`` the reference, ``1..n`` the
definition's VCF alternates in order, :data:`NOVEL` an allele no definition has, ``-1``
missing), so the VCF reader, tests and generators share one representation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import numpy as np
import numpy.typing as npt

from trdcare.pgx.domain import tables

NOVEL = 7  # an allele present in the sample but in no definition (bit 7 of the masks)
MISSING = -1
CYP2D6_SV_NOTE = (
    "CYP2D6 copy-number changes, the whole-gene deletion (*5) and CYP2D6/2D7 hybrids "
    "(e.g. *13, *36, *68) cannot be called from a VCF: this call uses SNVs and small indels "
    "only, so a *5 shows the other allele as homozygous and a duplication is not seen. "
    "Use an outside call (a lab-reported diplotype) for CYP2D6."
)


@dataclass(frozen=True, slots=True)
class GenePanel:
    """One gene's definitions compiled to arrays (built once per process)."""

    gene: str
    chromosome: str
    data_version: str
    positions: tuple[int, ...]
    rsids: tuple[str | None, ...]
    refs: tuple[str, ...]
    alts: tuple[tuple[str, ...], ...]
    names: tuple[str, ...]
    reference_index: int
    masks: npt.NDArray[np.uint8]  # [alleles, positions]: bit c set = allele code c allowed
    defined: npt.NDArray[np.bool_]  # [alleles, positions]: listed in the definition
    variant: npt.NDArray[np.bool_]  # [alleles, positions]: allows a non-reference base
    defined_count: npt.NDArray[np.int64]  # [alleles]: positions each definition lists

    @property
    def n_positions(self) -> int:
        return len(self.positions)

    def allele_code(self, index: int, base: str) -> int:
        """The code of VCF allele ``base`` at position ``index`` (NOVEL when undefined)."""
        if base == self.refs[index]:
            return 0
        alts = self.alts[index]
        return alts.index(base) + 1 if base in alts else NOVEL

    def code_base(self, index: int, code: int) -> str:
        if code == 0:
            return self.refs[index]
        if 1 <= code <= len(self.alts[index]):
            return self.alts[index][code - 1]
        return "?"


@cache
def panel(gene: str) -> GenePanel:
    """The compiled definitions of ``gene`` (one of :data:`tables.GENES`)."""
    table = tables.alleles()
    if gene not in table.genes:
        raise ValueError(f"gene must be one of {', '.join(sorted(table.genes))}; got {gene!r}")
    g = table.genes[gene]
    n_pos = len(g.positions)
    names = tuple(a.name for a in g.alleles)
    masks = np.ones((len(names), n_pos), dtype=np.uint8)
    defined = np.zeros((len(names), n_pos), dtype=bool)
    for h, allele in enumerate(g.alleles):
        for key, options in allele.defs.items():
            p = int(key)
            pos = g.positions[p]
            bits = 0
            for option in options:
                code = 0 if option == pos.ref else pos.alts.index(option) + 1
                bits |= 1 << code
            masks[h, p] = bits
            defined[h, p] = True
    variant = masks != 1
    return GenePanel(
        gene=gene,
        chromosome=g.chromosome,
        data_version=g.data_version,
        positions=tuple(p.pos for p in g.positions),
        rsids=tuple(p.rsid for p in g.positions),
        refs=tuple(p.ref for p in g.positions),
        alts=tuple(p.alts for p in g.positions),
        names=names,
        reference_index=names.index(g.reference_allele),
        masks=masks,
        defined=defined,
        variant=variant,
        defined_count=defined.sum(axis=1),
    )


@dataclass(frozen=True, slots=True)
class Match:
    """One diplotype that fits: its two star alleles (in definition order) and score."""

    allele1: str
    allele2: str
    score: int

    @property
    def diplotype(self) -> str:
        return f"{self.allele1}/{self.allele2}"


@dataclass(frozen=True, slots=True)
class MissingPosition:
    position: int
    rsid: str | None
    alleles: tuple[str, ...]  # the star alleles defined there, left ambiguous

    def to_dict(self) -> dict[str, object]:
        return {"position": self.position, "rsid": self.rsid, "alleles": list(self.alleles)}


@dataclass(frozen=True, slots=True)
class GeneCall:
    """The matcher's answer for one gene of one sample."""

    gene: str
    matches: tuple[Match, ...]  # every fitting diplotype, best first
    top_only: bool
    missing_positions: tuple[MissingPosition, ...]
    uncallable_alleles: tuple[str, ...]  # every variant position missing
    phased: bool
    novel_positions: tuple[int, ...]  # an allele no definition has
    notes: tuple[str, ...] = field(default=())

    @property
    def reported(self) -> tuple[Match, ...]:
        """The matches to report: the top-scoring ones, or all in list-all mode."""
        if not self.top_only or not self.matches:
            return self.matches
        best = self.matches[0].score
        return tuple(m for m in self.matches if m.score == best)

    @property
    def diplotypes(self) -> tuple[str, ...]:
        return tuple(m.diplotype for m in self.reported)

    @property
    def no_call(self) -> bool:
        return not self.matches


_BITS = np.array([0xFF] + [1 << c for c in range(8)], dtype=np.uint8)  # code + 1 -> bit


def _missing_report(
    p: GenePanel, present: npt.NDArray[np.bool_]
) -> tuple[tuple[MissingPosition, ...], tuple[str, ...], npt.NDArray[np.bool_]]:
    """Missing positions with the alleles defined there; alleles not callable at all."""
    absent = np.flatnonzero(~present)
    missing = tuple(
        MissingPosition(
            p.positions[i], p.rsids[i], tuple(p.names[h] for h in np.flatnonzero(p.variant[:, i]))
        )
        for i in absent
    )
    has_variant_present = (p.variant & present[None, :]).any(axis=1)
    blocked: npt.NDArray[np.bool_] = np.asarray(
        ~has_variant_present & p.variant.any(axis=1), dtype=bool
    )
    blocked[p.reference_index] = False
    return missing, tuple(p.names[h] for h in np.flatnonzero(blocked)), blocked


def match_one(
    p: GenePanel,
    codes: npt.NDArray[np.int8],
    phased: npt.NDArray[np.bool_] | None = None,
    *,
    all_matches: bool = False,
) -> GeneCall:
    """Match one sample's genotypes at ``p``'s positions.

    Parameters
    ----------
    p : GenePanel
        The gene's compiled definitions (:func:`panel`).
    codes : ndarray of int8, shape (n_positions, 2)
        Allele codes of the two haplotypes at each position (``-1`` missing: a position
        with either allele missing is missing).
    phased : ndarray of bool, shape (n_positions,) or None
        Whether each call is phased; the genotype is used as phased only when every
        heterozygous present call is.
    all_matches : bool
        List every fitting diplotype, not only the top-scoring ones.
    """
    codes = np.asarray(codes, dtype=np.int8)
    if codes.shape != (p.n_positions, 2):
        raise ValueError(
            f"codes must have shape ({p.n_positions}, 2) for {p.gene}; got {codes.shape}"
        )
    a = codes[:, 0]
    b = codes[:, 1]
    present = (a >= 0) & (b >= 0)
    bit_a = _BITS[np.where(present, a, -1) + 1]
    bit_b = _BITS[np.where(present, b, -1) + 1]
    het = present & (a != b)
    is_phased = bool(phased is not None and het.any() and np.asarray(phased)[het].all())

    if present.all():
        missing: tuple[MissingPosition, ...] = ()
        uncallable: tuple[str, ...] = ()
        ok_allele = ((p.masks & (bit_a | bit_b)) != 0).all(axis=1)
        scores = p.defined_count
    else:
        missing, uncallable, blocked = _missing_report(p, present)
        ok_allele = ((p.masks & (bit_a | bit_b)) != 0).all(axis=1) & ~blocked
        scores = (p.defined & present).sum(axis=1)
    candidates = np.flatnonzero(ok_allele)

    matches: list[Match] = []
    if candidates.size:
        m = p.masks[candidates][:, het]
        fit_a = (m & bit_a[het]) != 0
        fit_b = (m & bit_b[het]) != 0
        if is_phased:
            ordered = (fit_a[:, None, :] & fit_b[None, :, :]).all(axis=2)
            pairs = ordered | ordered.T
        else:
            pairs = (
                (fit_a[:, None, :] & fit_b[None, :, :]) | (fit_b[:, None, :] & fit_a[None, :, :])
            ).all(axis=2)
        found = [
            (-int(scores[h1] + scores[h2]), int(h1), int(h2))
            for i, j in zip(*np.nonzero(pairs), strict=True)
            if i <= j
            for h1, h2 in ((candidates[i], candidates[j]),)
        ]
        found.sort()
        matches = [Match(p.names[h1], p.names[h2], -neg) for neg, h1, h2 in found]

    novel_mask = present & ((a == NOVEL) | (b == NOVEL))
    novel = tuple(p.positions[i] for i in np.flatnonzero(novel_mask)) if novel_mask.any() else ()
    notes: list[str] = []
    if not matches:
        if novel:
            notes.append(
                "No call: the sample carries an allele no star allele defines at "
                + ", ".join(str(x) for x in novel)
                + "."
            )
        else:
            notes.append("No call: no pair of defined star alleles explains these genotypes.")
    if p.gene == "CYP2D6":
        notes.append(CYP2D6_SV_NOTE)
    return GeneCall(
        gene=p.gene,
        matches=tuple(matches),
        top_only=not all_matches,
        missing_positions=missing,
        uncallable_alleles=uncallable,
        phased=is_phased,
        novel_positions=novel,
        notes=tuple(notes),
    )


def genotype_codes(p: GenePanel, pairs: dict[int, tuple[str, str] | None]) -> npt.NDArray[np.int8]:
    """Codes for a sample given as ``{position: (base1, base2)}`` (absent or None: missing).

    A convenience for outside entry and tests; bases are VCF alleles in the definition's
    representation.
    """
    codes = np.full((p.n_positions, 2), MISSING, dtype=np.int8)
    index = {pos: i for i, pos in enumerate(p.positions)}
    for pos, bases in pairs.items():
        if pos not in index:
            raise ValueError(f"{pos} is not a defined {p.gene} position")
        if bases is None:
            continue
        i = index[pos]
        codes[i] = (p.allele_code(i, bases[0]), p.allele_code(i, bases[1]))
    return codes


def haplotype_codes(p: GenePanel, allele: str) -> npt.NDArray[np.int8]:
    """The codes of one haplotype carrying ``allele`` (an IUPAC position takes its first
    allowed base), for generating test genotypes from the definitions."""
    h = p.names.index(allele)
    out = np.zeros(p.n_positions, dtype=np.int8)
    for i in range(p.n_positions):
        bits = int(p.masks[h, i])
        out[i] = next(c for c in range(8) if bits >> c & 1)
    return out


def match_many(
    p: GenePanel,
    codes: npt.NDArray[np.int8],
    phased: npt.NDArray[np.bool_] | None = None,
    *,
    all_matches: bool = False,
) -> list[GeneCall]:
    """:func:`match_one` for many samples (``codes`` shape (samples, positions, 2)).

    Samples with identical genotypes (and phasing) are matched once: in a cohort most
    samples share a handful of genotype patterns at a gene's positions.
    """
    codes = np.asarray(codes, dtype=np.int8)
    n = codes.shape[0]
    if n == 0:
        return []
    if phased is None:
        phased = np.zeros(codes.shape[:2], dtype=bool)
    rows = np.concatenate(
        [codes.reshape(n, -1).view(np.uint8), np.asarray(phased, dtype=np.uint8)], axis=1
    )
    keys = np.ascontiguousarray(rows).view(np.dtype((np.void, rows.shape[1]))).ravel()
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    calls = [match_one(p, codes[i], phased[i], all_matches=all_matches) for i in first]
    return [calls[k] for k in inverse.ravel()]
