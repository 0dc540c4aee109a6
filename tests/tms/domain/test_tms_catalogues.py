"""The packaged TMS catalogues: versioned, every entry sourced, statuses valid."""

from __future__ import annotations

import doctest
import importlib
from typing import Any

import pytest

from trdcare.core.errors import InvalidInput
from trdcare.core.provenance import STATUSES, weakest
from trdcare.tms.domain import catalogue
from trdcare.tms.domain.limits import max_safe_train_table

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
        "trdcare.core.provenance",
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


# Every packaged file is parsed by its schema at load (issue 14) -----------------------------
def test_every_packaged_file_has_a_schema_and_passes_it() -> None:
    from trdcare.tms.domain.catalogue import DATA_FILES, read, validate
    from trdcare.tms.domain.data_schema import SCHEMAS

    assert set(SCHEMAS) == set(DATA_FILES)
    for name in DATA_FILES:
        assert validate(name, read(name))


@pytest.mark.parametrize(
    ("name", "mutate", "path", "words"),
    [
        (
            "side_effects.json",
            lambda d: d["adverse_event_kinds"][0].__setitem__("always_serious", "perhaps"),
            "adverse_event_kinds.0.always_serious",
            "must be true or false",
        ),
        (
            "safety_limits.json",
            lambda d: d["inter_train_interval"].__setitem__("status", "CHECKED"),
            "inter_train_interval.status",
            "unknown value",
        ),
        (
            "screening.json",
            lambda d: d["findings"][0]["sources"][0].__setitem__("source", "nowhere2020"),
            "findings.0.sources.0.source",
            "unknown source id 'nowhere2020'",
        ),
        (
            "protocols.json",
            lambda d: d["protocols"][0].__setitem__("blockz", []),
            "protocols.0.blockz",
            "is not a field of this entry",
        ),
        (
            "seizure_threshold_medications.json",
            lambda d: d["groups"][0].pop("generic_names"),
            "groups.0.generic_names",
            "is required",
        ),
    ],
)
def test_a_broken_entry_is_refused_naming_file_entry_and_field(
    name: str, mutate: Any, path: str, words: str
) -> None:
    from trdcare.tms.domain.catalogue import read, validate

    data = read(name)
    mutate(data)
    with pytest.raises(InvalidInput) as caught:
        validate(name, data)
    issue = caught.value.issues[0]
    assert issue.path == path
    entry = ".".join(path.split(".")[:2]) if path.split(".")[1].isdigit() else ""
    assert issue.message.startswith(f"{name}, entry {entry}" if entry else name)
    assert words in issue.message
