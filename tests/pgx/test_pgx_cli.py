"""`trdcare pgx call / recommend / batch / build-tables`: the JSON the issue names, and bad
input exiting 2 with one line naming what is wrong (issue 12, items 7 and 9)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from pgx_support import lines_without, make_vcf, shared_pgx, write_text
from trdcare.cli import app
from trdcare.pgx import synthetic
from trdcare.pgx.domain.matching import panel

runner = CliRunner()
PATIENT = {"CYP2C19": ("*2", "*17"), "CYP2D6": ("*1", "*4"), "CYP2B6": ("*1", "*6")}


def run(*args: str) -> Any:
    return runner.invoke(app, ["pgx", *args])


def ok_json(*args: str) -> dict[str, Any]:
    result = run(*args, "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert isinstance(doc, dict)
    return doc


def bad(*args: str) -> str:
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    line = result.stderr.strip().splitlines()[-1]
    assert line.startswith("error: ")
    return line


def test_call_json_shape(tmp_path: Path) -> None:
    doc = ok_json("call", str(make_vcf(tmp_path, {"NA-1": PATIENT})))
    genes = doc["genes"]
    assert genes["CYP2C19"]["diplotypes"] == ["*2/*17"]
    assert genes["CYP2C19"]["phenotype"] == "Intermediate Metabolizer"
    assert genes["CYP2C19"]["missing_positions"] == []
    assert genes["CYP2D6"]["diplotypes"] == ["*1/*4"]
    assert genes["CYP2D6"]["activity_score"] == "1.0"
    assert genes["CYP2B6"]["diplotypes"] == ["*1/*6"]
    assert "outside call" in doc["cyp2d6_structural_variants"]
    assert len(doc["file_sha256"]) == 64
    assert doc["data_versions"]["alleles"] == "2025-11-05-00-25"


def test_call_bgzipped_indexed_multi_sample_without_chr_prefix(tmp_path: Path) -> None:
    path = make_vcf(tmp_path, {"A": {}, "B": PATIENT}, bgzip=True, index=True, chr_prefix=False)
    assert str(path).endswith(".vcf.gz") and Path(str(path) + ".tbi").is_file()
    doc = ok_json("call", str(path), "--sample", "B")
    assert doc["sample"] == "B" and doc["genes"]["CYP2C19"]["diplotypes"] == ["*2/*17"]
    a = ok_json("call", str(path), "--sample", "A")
    assert a["genes"]["CYP2C19"]["diplotypes"] == ["*38/*38"]


def test_all_matches_lists_lower_scoring_fits(tmp_path: Path) -> None:
    path = make_vcf(tmp_path, {"S": {"CYP2B6": ("*4", "*9")}})
    best = ok_json("call", str(path))["genes"]["CYP2B6"]
    every = ok_json("call", str(path), "--all-matches")["genes"]["CYP2B6"]
    assert best["diplotypes"] == ["*1/*6"] and best["other_matches"] >= 1
    assert every["diplotypes"][0] == "*1/*6" and "*4/*9" in every["diplotypes"]
    scores = [m["score"] for m in every["matches"]]
    assert scores == sorted(scores, reverse=True)


def test_recommend_json_shape() -> None:
    doc = ok_json("recommend", "--diplotype", "CYP2C19=*2/*17", "--diplotype", "CYP2D6=*1/*4")
    assert doc["phenotypes"]["CYP2C19"]["phenotype"] == "Intermediate Metabolizer"
    assert doc["phenotypes"]["CYP2D6"]["activity_score"] == "1.0"
    recs = doc["recommendations"]
    assert recs and {"drug", "gene", "recommendation", "classification"} <= set(recs[0])
    ami = next(r for r in recs if r["drug"] == "amitriptyline")
    assert ami["gene"] == "CYP2C19, CYP2D6" and ami["guideline"]["url"].startswith("https://")
    only = ok_json("recommend", "--diplotype", "CYP2C19=*1/*1", "--drug", "sertraline")
    assert [r["drug"] for r in only["recommendations"]] == ["sertraline"]


def test_recommend_human_output() -> None:
    result = run("recommend", "--diplotype", "CYP2D6=*4/*4")
    assert result.exit_code == 0
    assert "Poor Metabolizer (activity score 0.0)" in result.stdout


def test_batch_writes_one_line_per_sample_and_reports_a_bad_sample(tmp_path: Path) -> None:
    text = synthetic.vcf_text({"A": PATIENT, "B": {}, "C": {"CYP2C19": ("*17", "*17")}})
    # sample B gets a genotype index its record does not have (one ALT): bad for B only
    lines = text.splitlines()
    for k, line in enumerate(lines):
        if not line.startswith("#") and line.split("\t")[4].count(",") == 0:
            fields = line.split("\t")
            fields[-2] = "0/3"
            lines[k] = "\t".join(fields)
            break
    path = write_text(tmp_path, "cohort.vcf", "\n".join(lines) + "\n")
    out = tmp_path / "results.jsonl"
    result = run("batch", str(path), "--out", str(out))
    assert result.exit_code == 0, result.output
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    assert [r["sample"] for r in rows] == ["A", "B", "C"]
    assert "error" in rows[1] and "allele 3" in rows[1]["error"]
    assert rows[0]["genes"]["CYP2C19"]["diplotypes"] == ["*2/*17"]
    assert rows[2]["genes"]["CYP2C19"]["phenotype"] == "Ultrarapid Metabolizer"
    assert "with errors" in result.stderr


def test_build_tables_check() -> None:
    shared = shared_pgx()
    result = run("build-tables", str(shared), "--check")
    assert result.exit_code == 0, result.output
    assert "tables match" in result.stdout


# -- bad input ------------------------------------------------------------------------------
def test_not_a_vcf(tmp_path: Path) -> None:
    line = bad("call", str(write_text(tmp_path, "x.vcf", "hello\tworld\n")))
    assert "is not a VCF" in line and "given: hello" in line
    gz = tmp_path / "x.vcf.gz"
    gz.write_bytes(gzip.compress(b"chrom\tpos\n"))
    assert "is not a VCF" in bad("call", str(gz))
    assert "does not exist" in bad("call", str(tmp_path / "absent.vcf"))


def test_wrong_build_from_contig_lengths(tmp_path: Path) -> None:
    path = make_vcf(
        tmp_path,
        {"S": {}},
        contig_lengths={"chr10": 135534747, "chr19": 59128983, "chr22": 51304566},
    )
    line = bad("call", str(path))
    assert "genome build" in line and "GRCh37/hg19" in line and "133797422" in line


def test_wrong_build_from_the_reference_line(tmp_path: Path) -> None:
    text = synthetic.vcf_text({"S": {}}).replace(
        "##reference=GRCh38", "##reference=file:///refs/hs37d5.fa"
    )
    line = bad("call", str(write_text(tmp_path, "b37.vcf", text)))
    assert "reference other than GRCh38" in line and "hs37d5" in line


def test_wrong_build_from_ref_bases_when_the_header_says_nothing(tmp_path: Path) -> None:
    text = synthetic.vcf_text({"S": {}})
    body = []
    for line in text.splitlines():
        if line.startswith("##contig") or line.startswith("##reference"):
            continue
        fields = line.split("\t")
        if not line.startswith("#") and len(fields[3]) == 1:
            swap = {"A": "C", "C": "G", "G": "T", "T": "A"}
            fields[3] = swap[fields[3]]
            fields[4] = "G" if fields[3] == "A" else "A"
        body.append("\t".join(fields))
    line = bad("call", str(write_text(tmp_path, "shifted.vcf", "\n".join(body) + "\n")))
    assert "not on GRCh38" in line


def test_unknown_sample(tmp_path: Path) -> None:
    line = bad("call", str(make_vcf(tmp_path, {"A": {}, "B": {}})), "--sample", "ZZ")
    assert "sample: ZZ is not a sample of this VCF" in line and "A, B" in line
    line = bad("call", str(make_vcf(tmp_path, {"A": {}, "B": {}})))
    assert "name one with --sample" in line


def test_malformed_genotype(tmp_path: Path) -> None:
    text = synthetic.vcf_text({"S": {}})
    lines = text.splitlines()
    k = next(i for i, x in enumerate(lines) if not x.startswith("#"))
    lines[k] = lines[k].rsplit("\t", 1)[0] + "\t0/A"
    line = bad("call", str(write_text(tmp_path, "m.vcf", "\n".join(lines) + "\n")))
    assert "genotype" in line and "cannot be read" in line
    lines[k] = lines[k].rsplit("\t", 1)[0] + "\t0/1/1"
    line = bad("call", str(write_text(tmp_path, "p.vcf", "\n".join(lines) + "\n")))
    assert "PGx genes are diploid" in line


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--diplotype", "CYP2D6=*1/*999"], "*999 is not a known CYP2D6 allele"),
        (["--diplotype", "CYP2D6"], "must be GENE=DIPLOTYPE"),
        (["--diplotype", "CYP3A4=*1/*1"], "CYP3A4 is not a gene trdcare calls"),
        (["--diplotype", "CYP2D6=*1/*1", "--diplotype", "cyp2d6=*1/*4"], "given twice"),
        ([], "at least one is required"),
        (["--diplotype", "CYP2D6=*1/*1", "--drug", "aspirin"], "aspirin has no CPIC guideline"),
    ],
)
def test_recommend_bad_input(args: list[str], words: str) -> None:
    assert words in bad("recommend", *args)


def test_missing_positions_and_novel_alleles_via_cli(tmp_path: Path) -> None:
    p = panel("CYP2C19")
    pos = p.positions[p.rsids.index("rs4244285")]
    text = lines_without(synthetic.vcf_text({"S": PATIENT}), [pos])
    doc = ok_json("call", str(write_text(tmp_path, "m.vcf", text)))
    missing = doc["genes"]["CYP2C19"]["missing_positions"]
    assert [m["position"] for m in missing] == [pos] and "*2" in missing[0]["alleles"]
