"""The packaged TMS catalogues: versioned, every entry sourced, statuses valid."""

from __future__ import annotations

import doctest
import importlib

import pytest

from trdcare.tms.domain import catalogue
from trdcare.tms.domain.limits import max_safe_train_table
from trdcare.tms.domain.provenance import STATUSES, weakest

SOURCE_IDS = set(catalogue.load("sources.json")["sources"])


def _refs(node: object) -> list[dict[str, object]]:
    """Every dict in a catalogue that names a source id."""
    out: list[dict[str, object]] = []
    if isinstance(node, dict):
        if isinstance(node.get("source"), str) and "status" in node:
            out.append(node)
        for v in node.values():
            out.extend(_refs(v))
    elif isinstance(node, list):
        for v in node:
            out.extend(_refs(v))
    return out


@pytest.mark.parametrize("name", [n for n in catalogue.DATA_FILES if n != "sources.json"])
def test_catalogue_is_versioned_and_every_reference_is_sourced(name: str) -> None:
    data = catalogue.load(name)
    assert data["version"]
    refs = _refs(dict(data))
    assert refs, f"{name} names no source"
    for ref in refs:
        assert ref["source"] in SOURCE_IDS, ref
        assert ref["status"] in STATUSES, ref


def test_unknown_catalogue_or_source_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="must be one of"):
        catalogue.load("nope.json")
    with pytest.raises(ValueError, match="unknown source id"):
        catalogue.citation("nope")


def test_every_protocol_field_group_has_provenance() -> None:
    for p in catalogue.load("protocols.json")["protocols"]:
        covered = {f for prov in p["provenance"] for f in prov["fields"]}
        for needed in ("schedule.decision_points", "coil"):
            assert needed in covered, (p["id"], needed)
        assert any(f.startswith("blocks.0") for f in covered), p["id"]


def test_max_safe_train_table_is_unverified_and_monotone() -> None:
    """Durations never rise with frequency or intensity: the 'next stricter cell' rule
    (next higher row and column) is then always the stricter neighbour."""
    t = max_safe_train_table()
    assert t.status == "UNVERIFIED"
    assert t.frequencies_hz == (1, 5, 10, 20, 25)
    assert t.intensities_pct_mt == (90, 100, 110, 120, 130)
    for r, row in enumerate(t.cells):
        for c, cell in enumerate(row):
            if c + 1 < len(row):
                assert row[c + 1].max_train_s <= cell.max_train_s
            if r + 1 < len(t.cells):
                assert t.cells[r + 1][c].max_train_s <= cell.max_train_s


@pytest.mark.parametrize(
    ("frequency", "intensity", "value", "kind"),
    [
        (1, 90, 1800, "longest_tested"),
        (1, 120, 360, "longest_tested"),
        (1, 130, 50, "longest_tested"),
        (5, 110, 10, "longest_tested"),
        (10, 110, 5, "longest_tested"),
        (10, 120, 4.2, "limit"),
        (10, 130, 2.9, "limit"),
        (20, 90, 2.05, "limit"),
        (20, 110, 1.6, "limit"),
        (20, 120, 1.0, "limit"),
        (20, 130, 0.55, "limit"),
        (25, 90, 1.28, "limit"),
        (25, 110, 0.84, "limit"),
        (25, 120, 0.4, "limit"),
        (25, 130, 0.24, "limit"),
    ],
)
def test_table_cells_as_in_the_reference(
    frequency: float, intensity: float, value: float, kind: str
) -> None:
    cell = max_safe_train_table().cell(frequency, intensity)
    assert cell.max_train_s == value
    assert cell.kind == kind


def test_weakest_status_orders_unverified_first() -> None:
    assert weakest(["VERIFIED", "DESIGN"]) == "DESIGN"
    assert weakest(["SECONDARY", "UNVERIFIED", "VERIFIED"]) == "UNVERIFIED"
    assert weakest([]) == "VERIFIED"


@pytest.mark.parametrize(
    "module",
    [
        "trdcare.tms.domain.provenance",
        "trdcare.tms.domain.screening",
        "trdcare.tms.domain.protocols",
        "trdcare.tms.domain.limits",
        "trdcare.tms.domain.threshold",
        "trdcare.tms.domain.targeting",
        "trdcare.tms.domain.decisions",
    ],
)
def test_docstring_examples_run(module: str) -> None:
    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted > 0
    assert result.failed == 0
