"""Labs domain: the catalogue's LOINC codes and statuses, and the flag against a range."""

from __future__ import annotations

import math

import pytest

from trdcare.core.errors import InvalidInput
from trdcare.labs.domain import analyte, flag_result, load


def test_catalogue_has_the_issue_tests_with_loinc_and_status() -> None:
    ids = {a.id: a for a in load().analytes}
    assert set(ids) >= {"crp", "tsh", "free_t4", "vitamin_d", "folate", "vitamin_b12"}
    assert ids["tsh"].loinc == "3016-3" and ids["tsh"].status == "VERIFIED"
    assert ids["free_t4"].loinc == "3024-7"
    assert ids["vitamin_d"].status == "UNVERIFIED"
    assert analyte("3016-3").id == "tsh" and analyte("TSH").id == "tsh"


def test_unknown_test_is_refused_by_name() -> None:
    with pytest.raises(InvalidInput) as info:
        analyte("ferritin")
    assert "analyte: is not a test in the catalogue" in info.value.render()
    assert "tsh (3016-3)" in info.value.render()


@pytest.mark.parametrize(
    ("value", "low", "high", "code"),
    [
        (5.2, 0.4, 4.0, "H"),
        (0.1, 0.4, 4.0, "L"),
        (0.4, 0.4, 4.0, "N"),  # bounds are within
        (4.0, 0.4, 4.0, "N"),
        (2.0, None, 5.0, "N"),
        (6.0, None, 5.0, "H"),
        (1.0, 3.0, None, "L"),
        (2.0, None, None, "?"),
    ],
)
def test_flags(value: float, low: float | None, high: float | None, code: str) -> None:
    flag = flag_result(value, low, high)
    assert flag.code == code
    assert flag.abnormal == (code in ("L", "H"))


def test_bad_ranges_are_refused() -> None:
    with pytest.raises(InvalidInput, match="reference_high"):
        flag_result(1.0, 5.0, 2.0)
    with pytest.raises(InvalidInput, match="finite"):
        flag_result(math.nan, 1.0, 2.0)
