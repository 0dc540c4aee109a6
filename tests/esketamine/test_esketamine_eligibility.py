"""Esketamine eligibility and session rules against the reference (modalities.md §1.1-1.3):
label contraindications block, third-party 'contraindications' and precautions are warnings,
the indication's conditions (TRD, adults, with an oral antidepressant) warn; the 5-minute rest
between devices; interacting medications; the course calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from trdcare.core.errors import InvalidInput
from trdcare.esketamine.domain import (
    assess_eligibility,
    concomitant_medications,
    concomitant_reason,
    contraindication_items,
    course_calendar,
    device_rest_flags,
    dose_phase,
    question_ids,
    warning_items,
)

NO = dict.fromkeys(question_ids(), False)
OK = {
    "population": "trd",
    "trd_status": "resistant",
    "age_years": 40,
    "on_oral_antidepressant": True,
}


def test_the_label_contraindications_are_exactly_the_reference_s_three() -> None:
    assert [i.id for i in contraindication_items()] == [
        "aneurysmal_vascular_disease",
        "intracerebral_haemorrhage",
        "hypersensitivity",
    ]
    assert all(i.status == "VERIFIED" for i in contraindication_items())


def test_third_party_and_eu_only_items_are_warnings_not_blocks() -> None:
    warnings = {i.id: i for i in warning_items()}
    for third_party in (
        "uncontrolled_hypertension",
        "substance_use_disorder",
        "pregnancy",
        "psychosis",
        "recent_myocardial_infarction",
    ):
        assert third_party in warnings
    assert "EU" in warnings["recent_myocardial_infarction"].tag


def test_all_no_on_a_resistant_adult_with_an_antidepressant_is_eligible() -> None:
    result = assess_eligibility(NO, **OK)  # type: ignore[arg-type]
    assert result.verdict == "eligible" and not result.warnings and not result.blocks


@pytest.mark.parametrize("item", [i.id for i in contraindication_items()])
def test_each_contraindication_blocks(item: str) -> None:
    result = assess_eligibility({**NO, item: True, "pregnancy": True}, **OK)  # type: ignore[arg-type]
    assert result.verdict == "contraindicated"
    assert [b.id for b in result.blocks] == [item]
    assert [w.id for w in result.warnings] == ["pregnancy"]  # still listed


@pytest.mark.parametrize("item", [i.id for i in warning_items()])
def test_each_warning_needs_signoff(item: str) -> None:
    result = assess_eligibility({**NO, item: True}, **OK)  # type: ignore[arg-type]
    assert result.verdict == "needs_signoff" and [w.id for w in result.warnings] == [item]


@pytest.mark.parametrize(
    ("change", "finding"),
    [
        ({"trd_status": "not_resistant"}, "trd_not_established"),
        ({"trd_status": "insufficient_information"}, "trd_not_established"),
        ({"trd_status": "no_history"}, "trd_not_established"),
        ({"age_years": 17}, "not_adult"),
        ({"on_oral_antidepressant": False}, "no_oral_antidepressant"),
    ],
)
def test_the_indication_s_conditions_warn(change: dict[str, object], finding: str) -> None:
    result = assess_eligibility(NO, **{**OK, **change})  # type: ignore[arg-type]
    assert result.verdict == "needs_signoff"
    assert [w.id for w in result.warnings] == [finding]


def test_age_18_is_an_adult_and_mdd_suicidal_needs_no_trd() -> None:
    assert assess_eligibility(NO, **{**OK, "age_years": 18}).verdict == "eligible"  # type: ignore[arg-type]
    result = assess_eligibility(
        NO,
        **{**OK, "population": "mdd_suicidal", "trd_status": "no_history"},  # type: ignore[arg-type]
    )
    assert result.verdict == "eligible"


def test_unanswered_and_unknown_questions_are_refused_by_name() -> None:
    answers = {**NO, "bogus": True}
    del answers["psychosis"]
    with pytest.raises(InvalidInput) as info:
        assess_eligibility(answers, **OK)  # type: ignore[arg-type]
    paths = {i.path for i in info.value.issues}
    assert paths == {"answers.bogus", "answers.psychosis"}


def test_rest_between_devices_five_minutes_is_enough_four_is_flagged() -> None:
    t0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    assert device_rest_flags([t0, t0 + timedelta(minutes=5), t0 + timedelta(minutes=10)]) == ()
    flags = device_rest_flags(
        [t0, t0 + timedelta(minutes=5), t0 + timedelta(minutes=9, seconds=59)]
    )
    assert len(flags) == 1 and flags[0].startswith("Device 3 was given 4 min after device 2")


def test_concomitant_medications_by_class_and_effect() -> None:
    found = concomitant_medications(["Sertraline", "lorazepam 1 mg", "Methylphenidate", "tramadol"])
    assert [(f.name, f.drug_class, f.effect) for f in found] == [
        ("lorazepam", "benzodiazepine", "sedation"),
        ("methylphenidate", "psychostimulant", "blood_pressure"),
        ("tramadol", "opioid", "sedation"),
    ]
    reason = concomitant_reason(found)
    assert reason.status == "UNVERIFIED"  # the class member lists are not from the reference


def test_dose_phase_of_a_session() -> None:
    assert dose_phase(1, "induction", population="trd") == "induction_day_1"
    assert dose_phase(5, "maintenance_weeks_5_to_8", population="trd") == "maintenance_weeks_5_to_8"
    assert dose_phase(40, None, population="trd") == "maintenance_week_9_on"
    assert dose_phase(9, None, population="mdd_suicidal") == "maintenance_weeks_5_to_8"


def test_calendar_places_given_and_missed_sessions() -> None:
    planned = [
        (1, date(2026, 1, 5), "induction"),
        (2, date(2026, 1, 8), "induction"),
        (3, date(2026, 2, 2), "induction"),
    ]
    months = course_calendar(planned, {1: date(2026, 1, 6)}, today=date(2026, 1, 20))
    assert [m.title for m in months] == ["January 2026", "February 2026"]
    cells = {c.day: c for m in months for w in m.weeks for c in w if c.in_month}
    assert [s.state for s in cells[date(2026, 1, 6)].sessions] == ["delivered"]
    assert [s.state for s in cells[date(2026, 1, 8)].sessions] == ["not_delivered"]
    assert [s.state for s in cells[date(2026, 2, 2)].sessions] == ["planned"]
    assert cells[date(2026, 1, 20)].today
    assert course_calendar([], {}, today=date(2026, 1, 1)) == ()
