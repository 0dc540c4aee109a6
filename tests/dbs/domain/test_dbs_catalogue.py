"""The packaged DBS catalogue: versioned, every value sourced, statuses valid, and a broken
entry refused at load naming the file, the entry and the field."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from trdcare.core.errors import InvalidInput
from trdcare.core.provenance import STATUSES
from trdcare.dbs.domain import catalogue


def _values(node: object) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if "value" in node and "status" in node:
            out.append(node)
        for v in node.values():
            out.extend(_values(v))
    elif isinstance(node, list):
        for v in node:
            out.extend(_values(v))
    return out


def test_catalogue_is_versioned_and_every_value_is_sourced() -> None:
    raw = catalogue.read()
    assert raw["version"]
    values = _values(raw)
    assert len(values) == 4  # k 1.85, k 1.5, the contact area, the rated density
    for value in values:
        assert value["source"] in raw["sources"], value
        assert value["status"] in STATUSES, value
    assert catalogue.load().version == raw["version"]


def _broken(path: tuple[str | int, ...], value: object) -> dict[str, Any]:
    data = copy.deepcopy(catalogue.read())
    node = data
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "words"),
    [
        (("shannon", "k_damage", "value"), "1.85 or so", "must be a number"),
        (("shannon", "k_damage", "status"), "PROBABLY", "unknown value"),
        (("shannon", "k_damage", "source"), "nobody2020", "unknown source id"),
        (("shannon", "k_in_use"), "k_other", "unknown value"),
        (("leads", 0, "contact_area_cm2", "value"), -0.06, "must be greater than 0"),
        (("leads", 0, "contact_area_cm2", "unit"), "cm2", "is not a field of this entry"),
        (("default_lead",), "boston-vercise", "not one of the leads"),
    ],
)
def test_a_broken_entry_is_refused_naming_file_and_field(
    path: tuple[str | int, ...], value: object, words: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        catalogue.validate(_broken(path, value))
    rendered = caught.value.render()
    assert "dbs.json" in rendered
    assert words in rendered


def test_a_lead_without_a_rated_density_is_valid_data() -> None:
    data = _broken(("leads", 0, "rated_charge_density_uc_per_cm2"), None)
    assert catalogue.validate(data).leads[0].rated_charge_density_uc_per_cm2 is None


def test_unknown_file_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="must be one of"):
        catalogue.read("nope.json")
