"""Generated-VCF equivalence (issue 12, item 8): for every pair of defined star alleles of
CYP2C19, CYP2B6 and the SNV/indel-defined CYP2D6 alleles, a VCF written from the definitions
is read back and matched. Phased, the pair is recovered exactly; unphased, it is recovered
or the top call is a documented ambiguity: a different pair that explains the very same
unphased genotypes (checked here independently of the matcher, from the tables with plain
sets), and the true pair is still among all matches. Also missing positions, per-sample
missing calls and no-calls."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from pgx_support import make_vcf
from trdcare.pgx import synthetic
from trdcare.pgx.calling import call_all, call_sample
from trdcare.pgx.domain import tables
from trdcare.pgx.domain.matching import (
    CYP2D6_SV_NOTE,
    NOVEL,
    genotype_codes,
    haplotype_codes,
    match_many,
    match_one,
    panel,
)
from trdcare.pgx.vcf import read_genotypes


def allowed(gene: str, allele: str, index: int) -> set[str]:
    """The VCF bases ``allele`` allows at position ``index`` (plain reading of the table)."""
    g = tables.alleles().genes[gene]
    definition = next(a for a in g.alleles if a.name == allele)
    options = definition.defs.get(str(index))
    return set(options) if options else {g.positions[index].ref}


def explains(gene: str, pair: tuple[str, str], genotype: list[tuple[str, str]]) -> bool:
    """Whether ``pair`` explains the unphased ``genotype`` at every position."""
    for index, (b1, b2) in enumerate(genotype):
        a, b = allowed(gene, pair[0], index), allowed(gene, pair[1], index)
        if not ((b1 in a and b2 in b) or (b2 in a and b1 in b)):
            return False
    return True


def genotype_of(gene: str, pair: tuple[str, str]) -> list[tuple[str, str]]:
    p = panel(gene)
    h1, h2 = haplotype_codes(p, pair[0]), haplotype_codes(p, pair[1])
    return [(p.code_base(i, int(h1[i])), p.code_base(i, int(h2[i]))) for i in range(p.n_positions)]


def all_pairs(gene: str) -> list[tuple[str, str]]:
    return list(itertools.combinations_with_replacement(panel(gene).names, 2))


@pytest.mark.parametrize("gene", ["CYP2C19", "CYP2B6", "CYP2D6"])
def test_every_allele_pair_is_recovered_from_a_generated_vcf(gene: str, tmp_path: Path) -> None:
    pairs = all_pairs(gene)
    samples = {f"S{k}": {gene: pair} for k, pair in enumerate(pairs)}
    for phased in (False, True):
        text = synthetic.vcf_text(samples, phased=phased, genes=[gene])
        path = synthetic.write_vcf(text, tmp_path / f"{gene}-{phased}.vcf")
        geno = read_genotypes(path, genes=[gene])
        assert geno.samples == tuple(samples)
        g = geno.genes[gene]
        calls = match_many(panel(gene), g.codes, g.phased, all_matches=True)
        ambiguous = 0
        for (sample, given), call in zip(samples.items(), calls, strict=True):
            want = f"{given[gene][0]}/{given[gene][1]}"
            assert want in [m.diplotype for m in call.matches], (sample, want)
            top = [(m.allele1, m.allele2) for m in call.reported]
            assert top, (sample, want)
            if phased:
                assert want in call.diplotypes, (sample, want, call.diplotypes)
                continue
            if want not in call.diplotypes:
                ambiguous += 1
                genotype = genotype_of(gene, given[gene])
                for other in top:
                    assert explains(gene, other, genotype), (want, other)
        if not phased:
            # a small share of pairs are unphased look-alikes (e.g. CYP2B6 *4/*9 = *1/*6)
            assert ambiguous < 0.01 * len(pairs)


def test_an_unphased_look_alike_is_resolved_by_phase() -> None:
    p = panel("CYP2B6")
    h4, h9 = haplotype_codes(p, "*4"), haplotype_codes(p, "*9")
    codes = np.stack([h4, h9], axis=1)
    unphased = match_one(p, codes)
    assert unphased.diplotypes == ("*1/*6",)
    assert "*4/*9" in [m.diplotype for m in unphased.matches]
    assert unphased.reported != unphased.matches  # the lower-scoring fit is kept
    phased = match_one(p, codes, np.ones(p.n_positions, dtype=bool))
    assert phased.phased and phased.diplotypes == ("*4/*9",)


def test_scores_are_best_first_and_list_all_lists_every_fit() -> None:
    p = panel("CYP2B6")
    codes = np.stack([haplotype_codes(p, "*4"), haplotype_codes(p, "*9")], axis=1)
    call = match_one(p, codes, all_matches=True)
    scores = [m.score for m in call.matches]
    assert scores == sorted(scores, reverse=True)
    assert call.diplotypes == tuple(m.diplotype for m in call.matches)
    # score = positions each definition specifies: *1 all 48, *6 two, *4 and *9 one each
    by_name = {m.diplotype: m.score for m in call.matches}
    assert by_name["*1/*6"] == p.n_positions + 2
    assert by_name["*4/*9"] == 2


def test_reference_sample_calls_the_reference_allele_cyp2c19_is_38() -> None:
    for gene, ref in (("CYP2C19", "*38/*38"), ("CYP2B6", "*1/*1"), ("CYP2D6", "*1/*1")):
        p = panel(gene)
        call = match_one(p, np.zeros((p.n_positions, 2), dtype=np.int8))
        assert call.diplotypes == (ref,)
        assert not call.missing_positions


def test_missing_position_is_reported_with_the_alleles_it_leaves_ambiguous(tmp_path: Path) -> None:
    p = panel("CYP2C19")
    rs4244285 = p.positions[p.rsids.index("rs4244285")]  # *2's defining variant (c.681G>A)
    path = make_vcf(tmp_path, {"S": {"CYP2C19": ("*1", "*2")}}, drop_positions=[rs4244285])
    report = call_sample(path)
    g = report.genes["CYP2C19"]
    (missing,) = [m for m in g.missing_positions if m["position"] == rs4244285]
    assert missing["rsid"] == "rs4244285"
    assert "*2" in missing["alleles"]
    assert g.diplotypes  # still called, from the positions present
    assert "*1/*2" in [d for d, _ in g.matches]
    doc = report.to_dict()["genes"]["CYP2C19"]  # type: ignore[index]
    assert doc["missing_positions"][0]["position"] == rs4244285


def test_an_allele_whose_every_variant_position_is_missing_is_not_called() -> None:
    p = panel("CYP2C19")
    index = p.rsids.index("rs4986893")  # *3 is defined by this position (and rs3758581)
    codes = np.zeros((p.n_positions, 2), dtype=np.int8)
    codes[index] = -1
    call = match_one(p, codes)
    assert "*3" not in call.uncallable_alleles  # *3 also needs rs3758581 G, still present
    only = [h for h in p.names if p.variant[p.names.index(h)].sum() == 1]
    assert only, "some CYP2C19 allele has a single variant position"
    lone = only[0]
    lone_index = int(np.flatnonzero(p.variant[p.names.index(lone)])[0])
    codes = np.zeros((p.n_positions, 2), dtype=np.int8)
    codes[lone_index] = -1
    call = match_one(p, codes)
    assert lone in call.uncallable_alleles
    assert all(lone not in (m.allele1, m.allele2) for m in call.matches)


def test_per_sample_missing_call_is_missing_for_that_sample_only(tmp_path: Path) -> None:
    p = panel("CYP2C19")
    pos = p.positions[p.rsids.index("rs12248560")]  # *17
    path = make_vcf(
        tmp_path,
        {"A": {"CYP2C19": ("*1", "*17")}, "B": {"CYP2C19": ("*1", "*17")}},
        missing_calls={"A": [pos]},
    )
    _, reports = call_all(path)
    a, b = list(reports)
    assert [m["position"] for m in a.genes["CYP2C19"].missing_positions] == [pos]
    assert b.genes["CYP2C19"].missing_positions == ()
    assert b.genes["CYP2C19"].diplotypes == ("*1/*17",)
    assert "*1/*17" not in a.genes["CYP2C19"].diplotypes  # *17 cannot be seen without it


def test_no_call_when_an_undefined_allele_sits_at_a_defined_position() -> None:
    p = panel("CYP2C19")
    codes = np.zeros((p.n_positions, 2), dtype=np.int8)
    codes[0] = (NOVEL, NOVEL)
    call = match_one(p, codes)
    assert call.no_call and call.diplotypes == ()
    assert call.novel_positions == (p.positions[0],)
    assert "No call" in call.notes[0]


def test_no_call_when_no_pair_explains_the_genotypes() -> None:
    p = panel("CYP2C19")
    # three different variant haplotypes' worth of het calls cannot come from two alleles
    g2, g3, g17 = (haplotype_codes(p, a) for a in ("*2", "*3", "*17"))
    codes = np.zeros((p.n_positions, 2), dtype=np.int8)
    for h in (g2, g3, g17):
        codes[:, 1] = np.maximum(codes[:, 1], h)
    codes[:, 0] = 0
    call = match_one(p, codes)
    assert call.no_call
    assert call.notes[0].startswith("No call")


def test_cyp2d6_always_states_that_structural_variants_need_an_outside_call() -> None:
    p = panel("CYP2D6")
    call = match_one(p, np.zeros((p.n_positions, 2), dtype=np.int8))
    assert CYP2D6_SV_NOTE in call.notes
    assert "outside call" in CYP2D6_SV_NOTE and "*5" in CYP2D6_SV_NOTE
    assert all(
        CYP2D6_SV_NOTE
        not in match_one(panel(g), np.zeros((panel(g).n_positions, 2), dtype=np.int8)).notes
        for g in ("CYP2C19", "CYP2B6")
    )


def test_genotype_codes_from_bases() -> None:
    p = panel("CYP2C19")
    rs17 = p.positions[p.rsids.index("rs12248560")]
    rs1 = p.positions[p.rsids.index("rs3758581")]  # *1 and *17 carry G here; *38 has A
    bases = {q: (p.refs[i], p.refs[i]) for i, q in enumerate(p.positions)}
    codes = genotype_codes(p, bases | {rs17: ("C", "T"), rs1: ("G", "G")})
    assert match_one(p, codes).diplotypes == ("*1/*17",)
    codes = genotype_codes(p, bases | {rs17: ("C", "T"), rs1: ("A", "G")})
    assert match_one(p, codes).diplotypes == ("*38/*17",)
    with pytest.raises(ValueError, match="not a defined"):
        genotype_codes(p, {1: ("A", "A")})
