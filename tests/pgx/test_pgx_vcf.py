"""VCF representation normalisation (issue 12, item 2): padded indels, multi-allelic records
split per ALT, gVCF reference blocks, chromosome names; phased input used when present."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pgx_support import make_vcf, write_text
from trdcare.pgx import synthetic
from trdcare.pgx.calling import call_sample
from trdcare.pgx.domain.matching import panel
from trdcare.pgx.vcf import read_genotypes


def _rows(text: str) -> tuple[list[str], list[list[str]]]:
    header = [x for x in text.splitlines() if x.startswith("#")]
    rows = [x.split("\t") for x in text.splitlines() if not x.startswith("#")]
    return header, rows


def _write(tmp_path: Path, name: str, header: list[str], rows: list[list[str]]) -> Path:
    return write_text(tmp_path, name, "\n".join(header + ["\t".join(r) for r in rows]) + "\n")


def test_a_padded_deletion_is_read_as_the_definition(tmp_path: Path) -> None:
    p = panel("CYP2D6")
    i = p.rsids.index("rs35742686")  # *3, 2549delA: CT > C in the definitions
    pos = p.positions[i]
    assert (p.refs[i], p.alts[i]) == ("CT", ("C",))
    header, rows = _rows(synthetic.vcf_text({"S": {"CYP2D6": ("*1", "*3")}}))
    for row in rows:
        if int(row[1]) == pos:
            row[3], row[4] = "CTG", "CG"  # the same deletion with a trailing base
    doc = call_sample(_write(tmp_path, "padded.vcf", header, rows)).to_dict()
    assert doc["genes"]["CYP2D6"]["diplotypes"] == ["*1/*3"]  # type: ignore[index]


def test_a_multi_allelic_site_split_per_alt_is_merged_per_sample(tmp_path: Path) -> None:
    p = panel("CYP2D6")
    i = next(k for k, alts in enumerate(p.alts) if len(alts) == 2)
    pos = p.positions[i]
    header, rows = _rows(synthetic.vcf_text({"S": {}}))
    k = next(n for n, r in enumerate(rows) if int(r[1]) == pos)
    first, second = list(rows[k]), list(rows[k])
    first[4], first[-1] = p.alts[i][0], "0/1"
    second[4], second[-1] = p.alts[i][1], "0/1"
    rows[k : k + 1] = [first, second]
    geno = read_genotypes(_write(tmp_path, "split.vcf", header, rows), genes=["CYP2D6"])
    assert sorted(geno.genes["CYP2D6"].codes[0, i].tolist()) == [1, 2]


def test_gvcf_reference_block_counts_as_reference_not_missing(tmp_path: Path) -> None:
    p = panel("CYP2C19")
    header, rows = _rows(synthetic.vcf_text({"S": {}}, genes=["CYP2C19"]))
    covered = [r for r in rows if int(r[1]) < p.positions[5]]
    kept = [r for r in rows if int(r[1]) >= p.positions[5]]
    block = [
        "chr10", str(p.positions[0]), ".", "N", "<NON_REF>", ".", "PASS",
        f"END={p.positions[4]}", "GT", "0/0",
    ]  # fmt: skip
    header.insert(-1, '##INFO=<ID=END,Number=1,Type=Integer,Description="End">')
    assert len(covered) == 5
    path = _write(tmp_path, "g.vcf", header, [block, *kept])
    doc = call_sample(path).to_dict()["genes"]["CYP2C19"]  # type: ignore[index]
    assert doc["missing_positions"] == []
    assert doc["diplotypes"] == ["*38/*38"]


def test_phased_vcf_is_used_as_phased(tmp_path: Path) -> None:
    path = make_vcf(tmp_path, {"S": {"CYP2B6": ("*4", "*9")}}, phased=True)
    g = call_sample(path).genes["CYP2B6"]
    assert g.phased and g.diplotypes == ("*4/*9",)
    path = make_vcf(tmp_path, {"S": {"CYP2B6": ("*4", "*9")}})
    g = call_sample(path).genes["CYP2B6"]
    assert not g.phased and g.diplotypes == ("*1/*6",)


def test_positions_present_as_reference_are_reference(tmp_path: Path) -> None:
    path = make_vcf(tmp_path, {"S": {}})
    geno = read_genotypes(path)
    for gene, g in geno.genes.items():
        assert g.seen.all(), gene
        assert (g.codes == 0).all(), gene
    assert np.all([not r.missing_positions for r in call_sample(path).genes.values()])
