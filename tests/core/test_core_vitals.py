"""core.vitals: the shared plausibility ranges of vital signs, at every bound.

Each range is a DESIGN plausibility envelope (no clinical source gives the widest values);
the bound itself is accepted, one step outside is refused naming the field, the range and the
value, and every bad reading of one call is reported at once.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trdcare.core.errors import InvalidInput, IssueCollector
from trdcare.core.vitals import (
    VITAL_SIGN_FIELDS,
    VITAL_SIGN_LIMITS,
    VITAL_SIGN_RANGES,
    VitalSigns,
    check_vital_signs,
    vital_sign_issues,
)

BOUNDS = {
    "systolic_mmhg": (50, 300),
    "diastolic_mmhg": (20, 200),
    "pulse_bpm": (20, 250),
    "spo2_pct": (50, 100),
    "respiratory_rate_per_min": (0, 80),
}


def test_every_field_has_a_range_marked_plausibility_design() -> None:
    assert set(VITAL_SIGN_RANGES) == set(VITAL_SIGN_FIELDS) == set(BOUNDS)
    for name, entry in VITAL_SIGN_RANGES.items():
        assert entry.field == name
        assert entry.kind == "plausibility" and entry.status == "DESIGN"
        assert "Plausibility range" in entry.basis
        assert entry.interval.integer and entry.interval.closed == "both"
        assert (entry.interval.low, entry.interval.high) == BOUNDS[name]
        assert VITAL_SIGN_LIMITS[name] is entry.interval
        shown = entry.to_dict()
        assert shown["allowed"] == entry.interval.describe() and shown["status"] == "DESIGN"


@pytest.mark.parametrize("name", sorted(BOUNDS))
def test_bounds_are_accepted_and_one_step_outside_refused(name: str) -> None:
    low, high = BOUNDS[name]
    other = {"diastolic_mmhg": None} if name == "systolic_mmhg" else {}
    for value in (low, high):
        got = check_vital_signs(**{name: value, **other})
        assert getattr(got, name) == value
    for value in (low - 1, high + 1):
        with pytest.raises(InvalidInput) as info:
            check_vital_signs(**{name: value})
        issue = info.value.issues[0]
        assert issue.path == name
        assert issue.message == "out of range"
        assert issue.allowed == f"a whole number in [{low}, {high}] {VITAL_SIGN_LIMITS[name].unit}"
        assert issue.given == str(value)


@pytest.mark.parametrize("bad", [97.5, math.nan, math.inf, -math.inf])
def test_fractions_and_non_numbers_are_refused(bad: float) -> None:
    with pytest.raises(InvalidInput) as info:
        check_vital_signs(spo2_pct=bad)
    assert info.value.issues[0].path == "spo2_pct"


def test_diastolic_must_be_below_systolic() -> None:
    check_vital_signs(systolic_mmhg=120, diastolic_mmhg=119)
    with pytest.raises(InvalidInput) as info:
        check_vital_signs(systolic_mmhg=120, diastolic_mmhg=120)
    issue = info.value.issues[0]
    assert (issue.path, issue.allowed, issue.given) == ("diastolic_mmhg", "below 120 mmHg", "120")


def test_every_issue_is_reported_at_once_under_the_prefix() -> None:
    with pytest.raises(InvalidInput) as info:
        check_vital_signs(
            prefix="discharge_",
            systolic_mmhg=1200,
            diastolic_mmhg=80,
            pulse_bpm=7,
            spo2_pct=101,
            respiratory_rate_per_min=-1,
        )
    paths = [i.path for i in info.value.issues]
    assert paths == [
        "discharge_systolic_mmhg",
        "discharge_pulse_bpm",
        "discharge_spo2_pct",
        "discharge_respiratory_rate_per_min",
    ]
    # an out-of-range systolic is not compared with the diastolic (one issue, not two)
    assert "(and 3 more)" in str(info.value)


def test_issues_are_added_to_a_caller_collector_without_raising() -> None:
    issues = IssueCollector()
    vital_sign_issues(issues, prefix="predose_", systolic_mmhg=90, diastolic_mmhg=95)
    assert [i.path for i in issues.issues] == ["predose_diastolic_mmhg"]
    vital_sign_issues(issues, pulse_bpm=60)
    assert len(issues.issues) == 1


def test_absent_readings_are_none_and_apnoea_is_recordable() -> None:
    got = check_vital_signs(respiratory_rate_per_min=0)
    assert got == VitalSigns(respiratory_rate_per_min=0)
    assert got.to_dict() == {
        "systolic_mmhg": None,
        "diastolic_mmhg": None,
        "pulse_bpm": None,
        "spo2_pct": None,
        "respiratory_rate_per_min": 0,
    }


@given(
    systolic=st.integers(min_value=50, max_value=300),
    diastolic=st.integers(min_value=20, max_value=200),
    pulse=st.integers(min_value=20, max_value=250),
    spo2=st.integers(min_value=50, max_value=100),
)
def test_in_range_readings_are_kept_exactly(
    systolic: int, diastolic: int, pulse: int, spo2: int
) -> None:
    if diastolic >= systolic:
        with pytest.raises(InvalidInput):
            check_vital_signs(systolic_mmhg=systolic, diastolic_mmhg=diastolic)
        return
    got = check_vital_signs(
        systolic_mmhg=systolic, diastolic_mmhg=diastolic, pulse_bpm=pulse, spo2_pct=spo2
    )
    assert (got.systolic_mmhg, got.diastolic_mmhg, got.pulse_bpm, got.spo2_pct) == (
        systolic,
        diastolic,
        pulse,
        spo2,
    )
