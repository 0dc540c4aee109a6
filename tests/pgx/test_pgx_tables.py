"""The committed tables are exactly what the build script makes from
../shared/reference/pgx (when present), carry their data version and sources, and the build
refuses what it cannot reword or read."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pgx_support import shared_pgx
from trdcare.pgx import tables_build as tb
from trdcare.pgx.domain import tables


def test_committed_tables_match_a_rebuild_from_the_shared_reference() -> None:
    shared = shared_pgx()
    built = tb.build(shared)
    for name, doc in built.items():
        committed = (tb.default_out_dir() / name).read_text("utf-8")
        assert committed == tb.render(doc), f"{name} differs: run trdcare pgx build-tables"


def test_tables_are_stamped_and_parse() -> None:
    for name in tables.FILES:
        doc = tables.read(name)
        assert doc["data_version"] and doc["built_from"] and "CC0" in doc["licence"]
    versions = tables.data_versions()
    assert versions["alleles"] == "2025-11-05-00-25"
    assert set(tables.alleles().genes) == set(tables.GENES)
    assert tables.alleles().genes["CYP2C19"].reference_allele == "*38"
    guidelines = tables.recommendations().guidelines
    assert {d for g in guidelines for d in g.drugs} >= {
        "citalopram", "escitalopram", "sertraline", "paroxetine", "fluvoxamine",
        "venlafaxine", "vortioxetine", "amitriptyline", "nortriptyline",
    }  # fmt: skip
    assert all(g.url.startswith("https://") for g in guidelines)


def test_no_source_text_is_copied_into_the_recommendations() -> None:
    shared = shared_pgx()
    ours = {e.recommendation for g in tables.recommendations().guidelines for e in g.entries}
    for path in (shared / "cpic_guidelines").glob("*.json"):
        for rec in json.loads(path.read_text("utf-8"))["recommendations"]:
            assert rec["text"]["html"] not in ours


def test_build_refuses_a_cpic_sentence_it_cannot_reword(tmp_path: Path) -> None:
    shared = shared_pgx()
    source = tmp_path / "src"
    shutil.copytree(shared, source)
    path = source / "cpic_guidelines" / "CPIC_venlafaxine_and_CYP2D6.json"
    doc = json.loads(path.read_text("utf-8"))
    doc["recommendations"][0]["text"]["html"] = "<p>Prescribe twice daily with grapefruit.</p>"
    path.write_text(json.dumps(doc), "utf-8")
    with pytest.raises(tb.BuildError, match="not in the wording table"):
        tb.build(source)


def test_build_refuses_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(tb.BuildError, match="not a directory"):
        tb.build(tmp_path / "nope")
    with pytest.raises(tb.BuildError, match="CYP2B6_translation.json: missing"):
        tb.build(tmp_path)


def test_reword_examples() -> None:
    codes, words = tb.reword(
        "<p>Initiate therapy with recommended starting dose.</p>", "sertraline", "t"
    )
    assert codes == ["usual_start"] and words == "Start at the usual starting dose."
    codes, _ = tb.reword(
        "<p>Avoid amitriptyline use; If amitriptyline is warranted, utilize therapeutic drug "
        "monitoring to guide dose adjustment.</p>",
        "amitriptyline",
        "t",
    )
    assert codes == ["avoid_drug", "if_warranted_tdm"]
