"""CPIC recommendation lookups against the tables (issue 12, item 4)."""

from __future__ import annotations

from trdcare.pgx.domain import tables
from trdcare.pgx.domain.phenotypes import parse_diplotype
from trdcare.pgx.domain.recommendations import guideline_drugs, recommend


def recs(**diplotypes: str):  # type: ignore[no-untyped-def]
    return recommend({g: [parse_diplotype(g, d)] for g, d in diplotypes.items()})


def by_drug(items):  # type: ignore[no-untyped-def]
    return {r.drug: r for r in items}


def test_every_table_entry_is_what_recommend_returns_for_its_keys() -> None:
    # Walk the table: for each entry build phenotype results whose lookup keys are the
    # entry's and check the returned text and classification are that entry's.
    from trdcare.pgx.domain.phenotypes import Phenotype

    checked = 0
    for guideline in tables.recommendations().guidelines:
        for entry in guideline.entries:
            results = {}
            for gene, key in entry.lookup.items():
                if key == "No Result":
                    continue
                score = key if gene == "CYP2D6" else None
                results[gene] = [
                    Phenotype(gene, "x/y", ("f", "f"), "p", score)
                    if score
                    else Phenotype(gene, "x/y", ("f", "f"), key, None)
                ]
            if not results:
                continue
            (found,) = [r for r in recommend(results, [entry.drug]) if r.lookup == entry.lookup]
            assert found.recommendation == entry.recommendation
            assert found.classification == entry.classification
            assert found.guideline_url == guideline.url
            checked += 1
    assert checked > 1000


def test_citalopram_in_a_cyp2c19_poor_metabolizer() -> None:
    r = by_drug(recs(CYP2C19="*2/*2"))
    cit = r["citalopram"]
    assert cit.phenotypes == {"CYP2C19": "Poor Metabolizer"}
    assert cit.classification == "Strong"  # CPIC 2023 (Bousman), as in the data
    assert "not mainly cleared by CYP2C19" in cit.recommendation
    assert cit.changes_prescribing
    assert cit.guideline_pmid == "37032427"
    assert "escitalopram" in r


def test_usual_dose_for_normal_metabolizers_is_not_a_change() -> None:
    r = by_drug(recs(CYP2C19="*1/*1"))
    assert r["escitalopram"].recommendation == "Start at the usual starting dose."
    assert r["escitalopram"].classification == "Strong"
    assert not r["escitalopram"].changes_prescribing


def test_tca_uses_both_genes_and_sertraline_says_no_result_for_a_missing_gene() -> None:
    r = by_drug(recs(CYP2C19="*2/*17", CYP2D6="*1/*4"))
    ami = r["amitriptyline"]
    assert ami.lookup == {"CYP2C19": "Intermediate Metabolizer", "CYP2D6": "1.0"}
    assert ami.classification == "Optional"
    assert r["sertraline"].lookup == {"CYP2B6": "No Result", "CYP2C19": "Intermediate Metabolizer"}
    assert set(guideline_drugs()) <= set(r)


def test_a_cyp2d6_score_cpic_does_not_list_uses_its_phenotype_when_entries_agree() -> None:
    from trdcare.pgx.domain.phenotypes import Phenotype

    r = by_drug(recs(CYP2D6="*1x2/*17"))  # 2.0 + 0.5 = 2.5, listed by CPIC
    assert r["paroxetine"].lookup == {"CYP2D6": "2.5"} and r["paroxetine"].notes == ()
    odd = Phenotype("CYP2D6", "x/y", ("f", "f"), "Ultrarapid Metabolizer", "3.5")
    (par,) = recommend({"CYP2D6": [odd]}, ["paroxetine"])
    assert par.recommendation == r["paroxetine"].recommendation
    assert "no entry for CYP2D6 activity score 3.5" in par.notes[0]


def test_ambiguous_gene_gives_every_recommendation_it_implies() -> None:
    a, b = parse_diplotype("CYP2C19", "*1/*1"), parse_diplotype("CYP2C19", "*2/*2")
    out = [r for r in recommend({"CYP2C19": [a, b]}) if r.drug == "citalopram"]
    assert {r.phenotypes["CYP2C19"] for r in out} == {"Normal Metabolizer", "Poor Metabolizer"}
    assert all(r.ambiguous for r in out)


def test_no_result_anywhere_gives_nothing() -> None:
    assert recommend({}) == []
    assert recommend({"CYP2C19": []}) == []
