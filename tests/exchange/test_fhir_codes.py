"""The FHIR code files: every entry sourced, only read codes sent as codings, and every
UNVERIFIED code named as such in the docs."""

from __future__ import annotations

from pathlib import Path

import pytest

from trdcare.adapters.fhir import concept
from trdcare.core.codes import CodesFile
from trdcare.labs.domain import fhir_codes as labs_codes
from trdcare.labs.domain import load as labs_catalogue
from trdcare.pgx.domain import fhir_codes as pgx_codes
from trdcare.pgx.domain import tables

DOCS = Path(__file__).resolve().parents[2] / "docs"
FILES = {"pgx": (pgx_codes.load, "pgx.md"), "labs": (labs_codes.load, "labs.md")}


@pytest.mark.parametrize("room", sorted(FILES))
def test_every_entry_is_sourced_and_unverified_ones_are_documented(room: str) -> None:
    load, doc = FILES[room]
    codes: CodesFile = load()
    text = (DOCS / doc).read_text("utf-8")
    for key, entry in codes.codes.items():
        assert entry.source.startswith("https://"), key
        assert entry.read, key
        if entry.status == "UNVERIFIED":
            assert "NOT READ" in entry.read, key
            named = f"`{entry.code or entry.display}`"
            spots = [i for i in range(len(text)) if text.startswith(named, i)]
            assert spots, f"{key}: {named} is not named in docs/{doc}"
            assert any("UNVERIFIED" in text[max(0, i - 200) : i + 200] for i in spots), key


def test_an_unverified_code_goes_as_text_only() -> None:
    codes = pgx_codes.load()
    unverified = codes.entry("gene:CYP2B6")
    assert unverified.status == "UNVERIFIED"
    sent = concept(unverified, "CYP2B6")
    assert sent.coding is None and sent.text == "CYP2B6"
    verified = concept(codes.entry("gene:CYP2D6"), "CYP2D6")
    assert [(c.system, c.code) for c in verified.coding] == [
        ("http://www.genenames.org", "HGNC:2625")
    ]


def test_keys_name_what_the_rooms_hold() -> None:
    pgx = pgx_codes.load().codes
    genes = {k.removeprefix("gene:") for k in pgx if k.startswith("gene:")}
    assert genes == set(tables.GENES)
    known = {
        "Ultrarapid Metabolizer",
        "Rapid Metabolizer",
        "Normal Metabolizer",
        "Intermediate Metabolizer",
        "Poor Metabolizer",
    }
    assert {k.removeprefix("phenotype:") for k in pgx if k.startswith("phenotype:")} == known
    units = {k.removeprefix("unit:") for k in labs_codes.load().codes if k.startswith("unit:")}
    assert units == {u for a in labs_catalogue().analytes for u in a.units}
