"""Phenotypes from the CPIC function / activity tables, checked against the tables
themselves and against CPIC's published rules (issue 12, item 3), and outside calls."""

from __future__ import annotations

import itertools

import pytest

from trdcare.core.errors import InvalidInput
from trdcare.pgx.domain import tables
from trdcare.pgx.domain.phenotypes import (
    INDETERMINATE,
    activity_phenotype,
    format_score,
    parse_diplotype,
    phenotype_of,
)


@pytest.mark.parametrize(
    ("gene", "diplotype", "phenotype"),
    [
        # CPIC CYP2C19 (Lima 2021; Bousman 2023 table 1)
        ("CYP2C19", "*1/*1", "Normal Metabolizer"),
        ("CYP2C19", "*38/*38", "Normal Metabolizer"),
        ("CYP2C19", "*1/*17", "Rapid Metabolizer"),
        ("CYP2C19", "*17/*17", "Ultrarapid Metabolizer"),
        ("CYP2C19", "*1/*2", "Intermediate Metabolizer"),
        ("CYP2C19", "*2/*17", "Intermediate Metabolizer"),
        ("CYP2C19", "*2/*2", "Poor Metabolizer"),
        ("CYP2C19", "*2/*3", "Poor Metabolizer"),
        # CPIC CYP2B6 (Bousman 2023)
        ("CYP2B6", "*1/*1", "Normal Metabolizer"),
        ("CYP2B6", "*1/*6", "Intermediate Metabolizer"),
        ("CYP2B6", "*6/*6", "Poor Metabolizer"),
        ("CYP2B6", "*1/*4", "Rapid Metabolizer"),
        ("CYP2B6", "*4/*4", "Ultrarapid Metabolizer"),
    ],
)
def test_function_pair_phenotypes(gene: str, diplotype: str, phenotype: str) -> None:
    a1, a2 = diplotype.split("/")
    assert phenotype_of(gene, a1, a2).phenotype == phenotype
    assert phenotype_of(gene, a2, a1).phenotype == phenotype


@pytest.mark.parametrize(
    ("diplotype", "score", "phenotype"),
    [
        ("*1/*1", "2.0", "Normal Metabolizer"),
        ("*1/*4", "1.0", "Intermediate Metabolizer"),
        ("*4/*4", "0.0", "Poor Metabolizer"),
        ("*4/*10", "0.25", "Intermediate Metabolizer"),
        ("*1/*10", "1.25", "Normal Metabolizer"),
        ("*1/*41", "1.25", "Normal Metabolizer"),  # *41 is 0.25 in this CPIC version
        ("*1/*17", "1.5", "Normal Metabolizer"),
        ("*1x2/*1", "3.0", "Ultrarapid Metabolizer"),
        ("*1x≥3/*1", "≥4.0", "Ultrarapid Metabolizer"),
        ("*1/*22", "n/a", INDETERMINATE),
    ],
)
def test_cyp2d6_activity_scores(diplotype: str, score: str, phenotype: str) -> None:
    result = parse_diplotype("CYP2D6", diplotype)
    assert result.activity_score == score
    assert result.phenotype == phenotype
    assert result.lookup_key == score


def test_cyp2d6_cut_offs_are_cpics() -> None:
    # CPIC 2019 consensus (Caudle 2020): 0 PM; 0.25-1.0 IM; 1.25-2.25 NM; >= 2.5 UM
    expected = {0.0: "Poor", 0.25: "Intermediate", 1.0: "Intermediate", 1.25: "Normal",
                2.25: "Normal", 2.5: "Ultrarapid", 6.0: "Ultrarapid"}  # fmt: skip
    for score, word in expected.items():
        assert activity_phenotype(score) == f"{word} Metabolizer"
    assert [format_score(x) for x in (0.0, 0.25, 1.0, 1.5, 2.75)] == [
        "0.0",
        "0.25",
        "1.0",
        "1.5",
        "2.75",
    ]


def test_every_allele_pair_phenotype_follows_the_tables() -> None:
    table = tables.phenotypes()
    for gene in ("CYP2C19", "CYP2B6"):
        g = table.genes[gene]
        functions = {a.name: a.function for a in g.alleles}
        rules = {r.functions: r.phenotype for r in g.rules}
        for a1, a2 in itertools.combinations_with_replacement(functions, 2):
            pair = tuple(sorted((functions[a1], functions[a2])))
            assert phenotype_of(gene, a1, a2).phenotype == rules.get(pair, INDETERMINATE)
    d6 = {a.name: a.activity for a in table.genes["CYP2D6"].alleles}
    for a1, a2 in itertools.combinations(list(d6)[:40], 2):
        v1, v2 = d6[a1], d6[a2]
        result = phenotype_of("CYP2D6", a1, a2)
        if v1 in (None, "n/a") or v2 in (None, "n/a"):
            assert result.phenotype == INDETERMINATE
        else:
            total = float(v1.lstrip("≥")) + float(v2.lstrip("≥"))
            assert float(result.activity_score.lstrip("≥")) == pytest.approx(total)  # type: ignore[union-attr]


def test_outside_call_normalisation() -> None:
    assert parse_diplotype("CYP2D6", "CYP2D6*1/*4").diplotype == "*1/*4"
    sub = parse_diplotype("CYP2D6", "*1.001/*4")
    assert sub.diplotype == "*1/*4" and "read as *1" in sub.warnings[0]
    assert parse_diplotype("CYP2D6", "*1x7/*4").diplotype == "*1x≥3/*4"
    assert parse_diplotype("cyp2c19", " *2 / *17 ").phenotype == "Intermediate Metabolizer"


@pytest.mark.parametrize(
    ("gene", "text", "words"),
    [
        ("CYP2D6", "*1/*999", "*999 is not a known CYP2D6 allele"),
        ("CYP2C19", "*1", "must be two alleles joined by /"),
        ("CYP2D6", "*1xN/*1", "number of copies is needed"),
        ("CYP3A4", "*1/*1", "is not a gene trdcare calls"),
        ("CYP2D6", "*13 + *1/*4", "is not a known CYP2D6 allele"),
    ],
)
def test_bad_outside_calls_name_what_is_wrong(gene: str, text: str, words: str) -> None:
    with pytest.raises(InvalidInput) as info:
        parse_diplotype(gene, text)
    assert words in info.value.render()
