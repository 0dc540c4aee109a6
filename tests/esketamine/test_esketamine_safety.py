"""Esketamine session checks at every boundary the reference gives (modalities.md §1.1-1.4):
doses in 28 mg devices, pre-dose blood pressure above 140/90 is a warning (never a block),
discharge from 2 hours with sedation, dissociation and respiratory depression resolved, and
the REMS monitoring form due within 7 days."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trdcare.core.errors import InvalidInput
from trdcare.esketamine.domain import (
    VITAL_SIGN_LIMITS,
    check_discharge_bp,
    check_dose,
    check_predose_bp,
    check_vital_signs,
    discharge_readiness,
    rems_form_due,
)

# -- doses ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dose", "devices", "phase", "population"),
    [
        (56, 2, "induction_day_1", "trd"),
        (56, 2, "induction", "trd"),
        (84, 3, "induction", "trd"),
        (56, 2, "maintenance_weeks_5_to_8", "trd"),
        (84, 3, "maintenance_weeks_5_to_8", "trd"),
        (56, 2, "maintenance_week_9_on", "trd"),
        (84, 3, "maintenance_week_9_on", "trd"),
        (84, 3, "induction_day_1", "mdd_suicidal"),
        (56, 2, "induction", "mdd_suicidal"),
        (84, 3, "induction", "mdd_suicidal"),
    ],
)
def test_label_doses_are_accepted(dose: int, devices: int, phase: str, population: str) -> None:
    result = check_dose(dose, devices, phase, population=population)
    assert (result.dose_mg, result.devices) == (dose, devices)
    assert result.rest_between_devices_min == 5
    assert result.minimum_administration_min == (devices - 1) * 5
    assert result.status == "VERIFIED"


@pytest.mark.parametrize(
    ("dose", "devices", "phase", "population", "field", "allowed"),
    [
        (84, 3, "induction_day_1", "trd", "dose_mg", "56 mg"),  # day 1 is 56 mg
        (28, 1, "induction", "trd", "dose_mg", "56 or 84 mg"),  # 28 mg is no US TRD dose
        (28, 1, "induction_day_1", "trd", "dose_mg", "56 mg"),  # the HK >=65 start not applied
        (112, 4, "maintenance_week_9_on", "trd", "dose_mg", "56 or 84 mg"),
        (70, 3, "induction", "trd", "dose_mg", "56 or 84 mg"),
        (56, 2, "induction_day_1", "mdd_suicidal", "dose_mg", "84 mg"),
        (56, 3, "induction", "trd", "devices", "2"),
        (84, 2, "induction", "trd", "devices", "3"),
        (56, 2, "maintenance_weeks_5_to_8", "mdd_suicidal", "phase", None),
        (56, 2, "week_10", "trd", "phase", None),
        (56, 2, "induction", "elderly", "population", None),
        (0, 2, "induction", "trd", "dose_mg", None),
        (56.5, 2, "induction", "trd", "dose_mg", None),
        (56, 0, "induction", "trd", "devices", None),
    ],
)
def test_bad_doses_are_refused_naming_the_field(
    dose: float, devices: int, phase: str, population: str, field: str, allowed: str | None
) -> None:
    with pytest.raises(InvalidInput) as info:
        check_dose(dose, devices, phase, population=population)
    issue = info.value.issues[0]
    assert issue.path == field
    assert issue.allowed
    if allowed is not None:
        assert issue.allowed == allowed


# -- pre-dose blood pressure ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("systolic", "diastolic", "verdict", "n_values_above"),
    [
        (140, 90, "ok", 0),
        (141, 90, "warning", 1),
        (140, 91, "warning", 1),
        (141, 91, "warning", 2),
        (120, 80, "ok", 0),
        (139, 89, "ok", 0),
        (180, 110, "warning", 2),
    ],
)
def test_predose_bp_threshold_is_strictly_above_140_90(
    systolic: int, diastolic: int, verdict: str, n_values_above: int
) -> None:
    result = check_predose_bp(systolic, diastolic)
    assert result.verdict == verdict
    assert result.needs_prescriber_signoff is (verdict == "warning")
    assert sum("is above" in f for f in result.findings) == n_values_above
    doc = result.to_dict()
    assert doc["blocks_dosing"] is False  # a warning needing sign-off, never a block
    source = doc["reasons"][0]["sources"][0]  # type: ignore[index]
    assert source["status"] == "SECONDARY"  # type: ignore[index]
    assert source["tag"] == "VERIFIED (secondary wording)"  # type: ignore[index]


@pytest.mark.parametrize(
    ("systolic", "diastolic", "field"),
    [
        (49, 30, "systolic_mmhg"),
        (301, 90, "systolic_mmhg"),
        (120, 19, "diastolic_mmhg"),
        (250, 201, "diastolic_mmhg"),
        (120.5, 80, "systolic_mmhg"),
        (float("nan"), 80, "systolic_mmhg"),
        (120, 120, "diastolic_mmhg"),  # diastolic must be below systolic
        (100, 110, "diastolic_mmhg"),
    ],
)
def test_predose_bp_out_of_bounds_is_refused(systolic: float, diastolic: float, field: str) -> None:
    with pytest.raises(InvalidInput) as info:
        check_predose_bp(systolic, diastolic)
    assert info.value.issues[0].path == field
    assert "given" in info.value.render()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"pulse_bpm": 19}, "pulse_bpm"),
        ({"pulse_bpm": 251}, "pulse_bpm"),
        ({"spo2_pct": 49}, "spo2_pct"),
        ({"spo2_pct": 101}, "spo2_pct"),
    ],
)
def test_vital_sign_bounds(kwargs: dict[str, float], field: str) -> None:
    with pytest.raises(InvalidInput) as info:
        check_vital_signs(**kwargs)
    assert info.value.issues[0].path == field
    check_vital_signs(pulse_bpm=20, spo2_pct=100)  # the bounds themselves are accepted
    check_vital_signs(pulse_bpm=250, spo2_pct=50)


def test_vital_sign_limits_are_declared_whole_numbers() -> None:
    assert {"systolic_mmhg", "diastolic_mmhg", "pulse_bpm", "spo2_pct"} <= set(VITAL_SIGN_LIMITS)
    assert all(i.integer and i.closed == "both" for i in VITAL_SIGN_LIMITS.values())


@given(
    systolic=st.integers(min_value=50, max_value=300),
    diastolic=st.integers(min_value=20, max_value=200),
)
def test_predose_bp_property(systolic: int, diastolic: int) -> None:
    if diastolic >= systolic:
        with pytest.raises(InvalidInput):
            check_predose_bp(systolic, diastolic)
        return
    result = check_predose_bp(systolic, diastolic)
    assert result.needs_prescriber_signoff is (systolic > 140 or diastolic > 90)


# -- discharge ------------------------------------------------------------------------------

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _ready(minutes: float, **resolved: bool) -> tuple[bool, tuple[str, ...]]:
    flags = {
        "sedation_resolved": True,
        "dissociation_resolved": True,
        "respiratory_depression_resolved": True,
        **resolved,
    }
    result = discharge_readiness(START, START + timedelta(minutes=minutes), **flags)
    return result.ready, result.unmet


def test_discharge_at_2_hours_not_at_1_59() -> None:
    assert _ready(120) == (True, ())
    ready, unmet = _ready(119)
    assert not ready
    assert unmet == (
        "Monitored 119 min; at least 120 min are required (until 2026-03-02T11:00:00+00:00).",
    )
    ready, _ = _ready(119 + 59 / 60)  # 1:59:59 is still short of 2 hours
    assert not ready


def test_discharge_lists_every_unmet_criterion() -> None:
    ready, unmet = _ready(
        30, sedation_resolved=False, dissociation_resolved=False,
        respiratory_depression_resolved=False,
    )  # fmt: skip
    assert not ready
    assert len(unmet) == 4
    assert unmet[1:] == (
        "Sedation has not resolved.",
        "Dissociation has not resolved.",
        "Respiratory depression has not resolved.",
    )


@pytest.mark.parametrize(
    "flag", ["sedation_resolved", "dissociation_resolved", "respiratory_depression_resolved"]
)
def test_each_unresolved_effect_blocks_discharge_after_2_hours(flag: str) -> None:
    ready, unmet = _ready(240, **{flag: False})
    assert not ready
    assert len(unmet) == 1


@given(
    seconds=st.integers(min_value=0, max_value=6 * 3600),
    sedation=st.booleans(),
    dissociation=st.booleans(),
    respiratory=st.booleans(),
)
def test_discharge_property(
    seconds: int, sedation: bool, dissociation: bool, respiratory: bool
) -> None:
    result = discharge_readiness(
        START,
        START + timedelta(seconds=seconds),
        sedation_resolved=sedation,
        dissociation_resolved=dissociation,
        respiratory_depression_resolved=respiratory,
    )
    long_enough = seconds >= 7200
    assert result.ready is (long_enough and sedation and dissociation and respiratory)
    expected_unmet = (not long_enough) + (not sedation) + (not dissociation) + (not respiratory)
    assert len(result.unmet) == expected_unmet
    assert result.earliest_discharge == START + timedelta(hours=2)


def test_discharge_handles_offsets_and_refuses_time_before_start() -> None:
    plus_two = timezone(timedelta(hours=2))
    result = discharge_readiness(
        START,
        datetime(2026, 3, 2, 13, 0, tzinfo=plus_two),  # 11:00 UTC
        sedation_resolved=True,
        dissociation_resolved=True,
        respiratory_depression_resolved=True,
    )
    assert result.ready and result.monitored_min == 120
    with pytest.raises(InvalidInput) as info:
        discharge_readiness(
            START,
            START - timedelta(minutes=1),
            sedation_resolved=True,
            dissociation_resolved=True,
            respiratory_depression_resolved=True,
        )
    assert info.value.issues[0].path == "now"


# -- REMS monitoring form -------------------------------------------------------------------


def test_rems_form_due_on_day_7_overdue_on_day_8() -> None:
    deadline = rems_form_due(date(2026, 3, 2))
    assert deadline.due == date(2026, 3, 9)
    assert not deadline.overdue(date(2026, 3, 2))
    assert not deadline.overdue(date(2026, 3, 9))  # day 7: on time
    assert deadline.overdue(date(2026, 3, 10))  # day 8: overdue
    assert deadline.to_dict()["status"] == "VERIFIED"


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)))
def test_rems_due_property(session_day: date) -> None:
    deadline = rems_form_due(session_day)
    assert (deadline.due - session_day).days == 7
    assert not deadline.overdue(deadline.due)
    assert deadline.overdue(deadline.due + timedelta(days=1))


# -- blood pressure at discharge (modalities.md §1.2 Hypertensive BP at discharge, UNVERIFIED;
# the threshold is the pre-dose one, a configurable trdcare choice) ------------------------
@pytest.mark.parametrize(
    ("systolic", "diastolic", "elevated", "n_values"),
    [
        (140, 90, False, 0),  # the threshold itself is not "above"
        (141, 90, True, 1),
        (140, 91, True, 1),
        (182, 111, True, 2),
        (118, 76, False, 0),
    ],
)
def test_discharge_bp_warns_strictly_above_the_threshold(
    systolic: int, diastolic: int, elevated: bool, n_values: int
) -> None:
    check = check_discharge_bp(systolic, diastolic)
    assert check.needs_review is elevated
    assert check.verdict == ("warning" if elevated else "ok")
    value_findings = [f for f in check.findings if "mmHg is above" in f]
    assert len(value_findings) == n_values
    if elevated:
        assert "hypertensive crisis" in check.findings[-1]
    assert check.status == "UNVERIFIED"
    assert check.reasons[0].rule == "discharge_blood_pressure"


def test_discharge_bp_refuses_implausible_readings() -> None:
    with pytest.raises(InvalidInput) as info:
        check_discharge_bp(80, 95)
    assert info.value.issues[0].path == "diastolic_mmhg"
