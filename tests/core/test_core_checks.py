from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trdcare.core.checks import (
    Interval,
    check_constraints,
    check_date_not_future,
    check_date_order,
    check_interval,
    check_option,
)
from trdcare.core.errors import InvalidInput, IssueCollector


class TestInterval:
    @pytest.mark.parametrize(
        ("closed", "value", "inside"),
        [
            ("both", 0, True),
            ("both", 10, True),
            ("left", 10, False),
            ("right", 0, False),
            ("neither", 0, False),
            ("neither", 5, True),
            ("both", -0.001, False),
            ("both", 10.001, False),
        ],
    )
    def test_boundaries(self, closed: str, value: float, inside: bool) -> None:
        assert Interval(0, 10, closed=closed).contains(value) is inside  # type: ignore[arg-type]

    def test_rejects_nan_bool_and_non_integers(self) -> None:
        assert not Interval(0, 10).contains(float("nan"))
        assert not Interval(0, 10).contains(True)
        assert not Interval(0, 10, integer=True).contains(2.5)
        assert Interval(0, 10, integer=True).contains(2.0)

    def test_message_names_field_allowed_and_given(self) -> None:
        with pytest.raises(InvalidInput) as err:
            check_interval("intensity_pct_mso", 120, Interval(1, 100, unit="%MSO"))
        text = str(err.value)
        assert "intensity_pct_mso" in text and "[1, 100] %MSO" in text and "given: 120" in text
        assert err.value.issues[0].path == "intensity_pct_mso"

    @given(
        st.floats(allow_nan=False, allow_infinity=False),
        st.floats(allow_nan=False, allow_infinity=False),
    )
    def test_contains_matches_comparison(self, a: float, b: float) -> None:
        low, high = min(a, b), max(a, b)
        interval = Interval(low, high)
        assert interval.contains(low) and interval.contains(high)


def test_check_constraints_collects_every_issue() -> None:
    with pytest.raises(InvalidInput) as err:
        check_constraints(
            {"a": -1, "b": 200, "c": 5},
            {"a": Interval(0, None), "b": Interval(0, 100), "c": Interval(0, 10)},
        )
    assert [i.path for i in err.value.issues] == ["a", "b"]
    assert "(and 1 more)" in str(err.value)


def test_check_option() -> None:
    assert check_option("scale", "phq9", ("phq9", "gad7")) == "phq9"
    with pytest.raises(
        InvalidInput, match=r"scale: unknown value \(allowed: gad7, phq9; given: 'phq10'\)"
    ):
        check_option("scale", "phq10", ("phq9", "gad7"))


def test_dates() -> None:
    today = date(2026, 1, 1)
    assert check_date_not_future("start", today, today) == today
    with pytest.raises(InvalidInput, match="start: is in the future"):
        check_date_not_future("start", date(2026, 1, 2), today)
    check_date_order("start", today, "end", None)
    with pytest.raises(InvalidInput, match="end: is before start"):
        check_date_order("start", today, "end", date(2025, 12, 31))


def test_issue_collector_prefix() -> None:
    issues = IssueCollector(prefix="episode")
    issues.add("onset", "is missing")
    with pytest.raises(InvalidInput, match="episode.onset: is missing"):
        issues.raise_if_any()


def test_find_nul_character_names_the_path() -> None:
    from trdcare.core.checks import find_nul_character

    assert find_nul_character({"a": ["x", {"b": "y"}]}) is None
    assert find_nul_character({"a": ["x", {"b": "y\x00"}]}) == "a.1.b"
    assert find_nul_character("\x00") == ""
    assert find_nul_character({"k\x00": 1}) == "k\x00"
