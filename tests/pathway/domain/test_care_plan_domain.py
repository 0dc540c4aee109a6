"""The care plan's pure rules: adding, changing and removing therapies and measures (refused
naming the field), when a measure falls due and turns overdue, which therapies a score is
attributed to, and what a change did in words."""

from __future__ import annotations

from datetime import date

import pytest

from trdcare.core.errors import InvalidInput, NotFound
from trdcare.pathway.domain import care_plan as rules
from trdcare.pathway.domain.care_plan import CarePlan, Measure, Vocabulary
from trdcare.pathway.domain.facts import Preferences

VOCAB = Vocabulary(
    therapies=("tms", "medication", "psychotherapy"),
    scales=("phq9", "gad7", "madrs"),
    self_report_scales=("phq9", "gad7"),
)
D = date(2026, 3, 2)


def combined() -> CarePlan:
    plan, _ = rules.add_therapy(CarePlan(), VOCAB, therapy="tms", start_date=date(2026, 3, 9),
                                end_date=date(2026, 4, 17))  # fmt: skip
    plan, _ = rules.add_therapy(plan, VOCAB, therapy="psychotherapy", start_date=D)
    plan, _ = rules.add_therapy(plan, VOCAB, therapy="medication", start_date=date(2025, 11, 1),
                                detail="sertraline 150 mg daily")  # fmt: skip
    return plan


def test_keys_are_stable_and_never_reused() -> None:
    plan = combined()
    assert [t.key for t in plan.therapies] == ["T1", "T2", "T3"]
    plan = rules.remove_therapy(plan, "T3", "wrong patient")
    plan, t = rules.add_therapy(plan, VOCAB, therapy="medication", start_date=D)
    assert t.key == "T4"  # T3 stays in the plan, removed, with its reason
    assert [x.key for x in plan.current_therapies] == ["T1", "T2", "T4"]
    assert plan.therapies[2].removed == "wrong patient"
    with pytest.raises(NotFound, match="therapy: no therapy T3"):
        rules.change_therapy(plan, VOCAB, "T3", start_date=D, end_date=None, detail="",
                             course_ref=None)  # fmt: skip


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"therapy": "ultrasound"}, "therapy", "is not a therapy trdcare knows"),
        ({"end_date": date(2026, 3, 1)}, "end_date", "is before the start"),
    ],
)
def test_a_bad_therapy_names_the_field(change: dict[str, object], field: str, words: str) -> None:
    values: dict[str, object] = {"therapy": "tms", "start_date": D, **change}
    with pytest.raises(InvalidInput) as err:
        rules.add_therapy(CarePlan(), VOCAB, **values)  # type: ignore[arg-type]
    assert err.value.issues[0].path == field and words in err.value.issues[0].message


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        ({"scale_id": "bdi"}, "scale", "is not a scale trdcare scores"),
        ({"completed_by": "nurse"}, "completed_by", "is not who can complete a scale"),
        ({"scale_id": "madrs", "completed_by": "patient"}, "completed_by", "cannot complete"),
        ({"every_days": 0}, "every_days", "is out of range"),
        ({"every_days": 366}, "every_days", "is out of range"),
    ],
)
def test_a_bad_measure_names_the_field(values: dict[str, object], field: str, words: str) -> None:
    args: dict[str, object] = {"scale_id": "phq9", "completed_by": "patient", "every_days": 7,
                               "start_date": D, **values}  # fmt: skip
    with pytest.raises(InvalidInput) as err:
        rules.add_measure(CarePlan(), VOCAB, **args)  # type: ignore[arg-type]
    assert err.value.issues[0].path == field and words in err.value.issues[0].message


def test_one_scale_once_per_completer() -> None:
    plan, m = rules.add_measure(CarePlan(), VOCAB, scale_id="phq9", completed_by="patient",
                                every_days=7, start_date=D)  # fmt: skip
    with pytest.raises(InvalidInput, match="already on the schedule"):
        rules.add_measure(plan, VOCAB, scale_id="phq9", completed_by="patient", every_days=14,
                          start_date=D)  # fmt: skip
    # The same scale rated by a clinician is another measure; a change of M1 is not a duplicate.
    plan, _ = rules.add_measure(plan, VOCAB, scale_id="phq9", completed_by="clinician",
                                every_days=28, start_date=D)  # fmt: skip
    plan = rules.change_measure(plan, VOCAB, m.key, completed_by="patient", every_days=14,
                                start_date=D)  # fmt: skip
    assert plan.measure("M1").every_days == 14


def test_due_and_overdue() -> None:
    m = Measure("M1", "phq9", "patient", 7, D)
    # Never completed since the schedule began: due 7 days after its first day.
    assert rules.measure_status(m, None, date(2026, 3, 9)).overdue is False
    late = rules.measure_status(m, None, date(2026, 3, 11))
    assert late.overdue and late.days_overdue == 2 and late.due_on == date(2026, 3, 9)
    # A score before the schedule began does not count for it.
    assert rules.measure_status(m, date(2026, 2, 1), date(2026, 3, 11)).overdue
    ok = rules.measure_status(m, date(2026, 3, 10), date(2026, 3, 17))
    assert not ok.overdue and ok.due_on == date(2026, 3, 17)
    assert rules.measure_status(m, date(2026, 3, 10), date(2026, 3, 18)).days_overdue == 1


def test_scores_are_attributed_to_every_therapy_active_that_day() -> None:
    plan = combined()
    scored = rules.attribute(
        plan,
        [(date(2026, 3, 1), "phq9", 20), (date(2026, 3, 16), "phq9", 14),
         (date(2026, 4, 20), "phq9", 8)],
    )  # fmt: skip
    assert [a.therapies for a in scored] == [("T3",), ("T1", "T2", "T3"), ("T2", "T3")]
    plan = rules.remove_therapy(plan, "T3", "entered for the wrong patient")
    assert rules.attribute(plan, [(date(2026, 3, 1), "phq9", 20)])[0].therapies == ()


def test_a_change_in_words() -> None:
    before = combined()
    after = rules.change_therapy(before, VOCAB, "T1", start_date=date(2026, 3, 9),
                                 end_date=date(2026, 4, 24), detail="", course_ref=None)  # fmt: skip
    after, _ = rules.add_measure(after, VOCAB, scale_id="phq9", completed_by="patient",
                                 every_days=7, start_date=D)  # fmt: skip
    after = rules.set_preferences(after, Preferences(drug_free=True))
    words = rules.describe_change(before, after, {"tms": "TMS"}, {"phq9": "PHQ-9"})
    assert words == [
        "Changed TMS (T1): end 2026-04-17 -> 2026-04-24",
        "Added PHQ-9 (M1): every 7 days by the patient",
        "Changed the stated preferences",
    ]


def test_the_plan_round_trips_through_its_stored_form() -> None:
    plan, _ = rules.add_measure(combined(), VOCAB, scale_id="gad7", completed_by="patient",
                                every_days=14, start_date=D)  # fmt: skip
    plan = rules.set_preferences(plan, Preferences(cannot_attend_daily=True), "works nights")
    doc = plan.to_dict()
    assert CarePlan.from_parts(doc["therapies"], doc["measures"], doc["preferences"]) == plan
    assert plan.stated_preferences == ("Cannot attend daily sessions", "works nights")


def test_a_change_says_why() -> None:
    with pytest.raises(InvalidInput, match="reason: must say why"):
        rules.checked_reason("  ")
