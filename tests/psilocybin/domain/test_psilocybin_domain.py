"""Psilocybin protocol rules against modalities.md §4, with every boundary the reference
gives: exclusions (VERIFIED exclude, UNVERIFIED review), ages 18 / 21, washout days
(UNVERIFIED, configurable), 25 / 10 / 1 mg, preparation 24 h to 90 days (Oregon), 6 hours
of monitoring, support person."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, timedelta

import pytest

from trdcare.core.errors import InvalidInput
from trdcare.psilocybin.domain import (
    Medication,
    check_dose,
    check_dosing_count,
    check_dosing_discharge,
    check_observation,
    check_preparation,
    exclusion_questions,
    load,
    restriction,
    screen,
    vitals_schedule,
    washout_check,
)
from trdcare.psilocybin.domain.catalogue import read, validate

NO = {q[0]: False for q in exclusion_questions()}
DOSE = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class TestCatalogue:
    def test_restriction_notice(self) -> None:
        notice = restriction()
        assert notice["research_or_regulated_only"] is True
        assert "RESEARCH PROTOCOL OR REGULATED PROGRAMME ONLY" in str(notice["text"])

    def test_marks_follow_the_reference(self) -> None:
        marks = {e.id: (e.status, e.effect) for e in load().exclusions}
        for verified in (
            "psychosis_history",
            "mania_or_bipolar_history",
            "active_substance_use_disorder",
            "active_suicidal_ideation_with_intent",
            "pregnant_or_breastfeeding",
            "current_ect_or_tms",
            "prior_dbs_or_vns",
            "psychedelic_use",
        ):
            assert marks[verified] == ("VERIFIED", "exclude")
        for unverified in (
            "family_history_psychosis_or_bipolar_i",
            "uncontrolled_hypertension_or_cardiovascular_disease",
            "serious_suicide_risk",
        ):
            assert marks[unverified] == ("UNVERIFIED", "review")
        assert load().washout.status == "UNVERIFIED"
        assert load().vitals_schedule.status == "UNVERIFIED"

    def test_a_duplicate_exclusion_is_refused(self) -> None:
        doc = copy.deepcopy(read())
        doc["exclusions"].append(doc["exclusions"][0])
        with pytest.raises(InvalidInput, match="unique"):
            validate(doc)

    def test_a_bad_status_is_refused(self) -> None:
        doc = copy.deepcopy(read())
        doc["washout"]["status"] = "PROBABLY"
        with pytest.raises(InvalidInput, match="psilocybin.json"):
            validate(doc)


class TestScreen:
    def test_all_no_is_eligible(self) -> None:
        assert screen(NO, programme_id="research_protocol", age_years=40).verdict == "eligible"

    @pytest.mark.parametrize(
        "question",
        [
            "psychosis_history",
            "mania_or_bipolar_history",
            "active_substance_use_disorder",
            "active_suicidal_ideation_with_intent",
            "pregnant_or_breastfeeding",
            "current_ect_or_tms",
            "prior_dbs_or_vns",
            "psychedelic_use",
        ],
    )
    def test_each_verified_exclusion_excludes(self, question: str) -> None:
        result = screen({**NO, question: True}, programme_id="research_protocol", age_years=40)
        assert result.verdict == "excluded"
        assert [f["id"] for f in result.findings] == [question]

    @pytest.mark.parametrize(
        "question",
        [
            "family_history_psychosis_or_bipolar_i",
            "uncontrolled_hypertension_or_cardiovascular_disease",
            "serious_suicide_risk",
        ],
    )
    def test_each_unverified_exclusion_needs_review(self, question: str) -> None:
        result = screen({**NO, question: True}, programme_id="research_protocol", age_years=40)
        assert result.verdict == "needs_review"
        assert result.status == "UNVERIFIED"

    def test_exclude_wins_over_review(self) -> None:
        answers = {**NO, "psychosis_history": True, "serious_suicide_risk": True}
        assert screen(answers, programme_id="research_protocol", age_years=40).verdict == "excluded"

    @pytest.mark.parametrize(
        ("programme", "age", "verdict"),
        [
            ("research_protocol", 17, "excluded"),
            ("research_protocol", 18, "eligible"),
            ("regulated_programme", 20, "excluded"),
            ("regulated_programme", 21, "eligible"),
        ],
    )
    def test_minimum_age_boundaries(self, programme: str, age: int, verdict: str) -> None:
        assert screen(NO, programme_id=programme, age_years=age).verdict == verdict

    def test_an_unanswered_question_is_named(self) -> None:
        answers = {**NO}
        answers.pop("psychedelic_use")
        with pytest.raises(InvalidInput) as err:
            screen(answers, programme_id="research_protocol", age_years=40)
        assert err.value.issues[0].path == "psychedelic_use"

    def test_an_unknown_programme_is_refused(self) -> None:
        with pytest.raises(InvalidInput) as err:
            screen(NO, programme_id="retreat", age_years=40)
        assert err.value.issues[0].path == "programme"


class TestWashout:
    def test_a_drug_still_taken_is_pending(self) -> None:
        check = washout_check(
            [Medication("sertraline", "antidepressant", None)], on=date(2026, 3, 2)
        )
        assert not check.complete and check.washout_days == 14
        assert check.status == "UNVERIFIED"

    def test_stopped_exactly_the_washout_days_before_is_clear(self) -> None:
        on = date(2026, 3, 2)
        clear = washout_check([Medication("x", "antidepressant", on - timedelta(days=14))], on=on)
        assert clear.complete
        short = washout_check([Medication("x", "augmentation", on - timedelta(days=13))], on=on)
        assert not short.complete
        assert short.pending[0]["clear_from"] == "2026-03-03"

    def test_a_protocol_sets_its_own_length(self) -> None:
        on = date(2026, 3, 2)
        med = [Medication("x", "antidepressant", on - timedelta(days=20))]
        assert washout_check(med, on=on, washout_days=14).complete
        assert not washout_check(med, on=on, washout_days=21).complete

    @pytest.mark.parametrize("days", [-1, 91, 2.5])
    def test_a_length_outside_0_to_90_is_refused(self, days: float) -> None:
        with pytest.raises(InvalidInput) as err:
            washout_check([], on=date(2026, 3, 2), washout_days=days)
        assert err.value.issues[0].path == "washout_days"


class TestDosingDay:
    @pytest.mark.parametrize("dose", [1, 10, 25])
    def test_protocol_doses_are_accepted(self, dose: float) -> None:
        assert check_dose(dose) == dose

    @pytest.mark.parametrize("dose", [0, 5, 24.9, 26, 50])
    def test_other_doses_are_refused(self, dose: float) -> None:
        with pytest.raises(InvalidInput) as err:
            check_dose(dose)
        assert err.value.issues[0].path == "dose_mg"
        assert err.value.issues[0].allowed == "1, 10, 25 mg"

    def test_at_most_two_drug_sessions(self) -> None:
        check_dosing_count(1)
        with pytest.raises(InvalidInput):
            check_dosing_count(2)

    def test_a_preparation_must_come_first(self) -> None:
        with pytest.raises(InvalidInput) as err:
            check_preparation("research_protocol", [], DOSE)
        assert err.value.issues[0].path == "administered_at"
        check_preparation("research_protocol", [DOSE - timedelta(hours=1)], DOSE)

    @pytest.mark.parametrize(
        ("before", "ok"),
        [
            (timedelta(hours=24), True),
            (timedelta(hours=23, minutes=59), False),
            (timedelta(days=90), True),
            (timedelta(days=90, minutes=1), False),
        ],
    )
    def test_oregon_preparation_window_24_hours_to_90_days(
        self, before: timedelta, ok: bool
    ) -> None:
        if ok:
            check_preparation("regulated_programme", [DOSE - before], DOSE)
        else:
            with pytest.raises(InvalidInput):
                check_preparation("regulated_programme", [DOSE - before], DOSE)

    def test_vitals_schedule_is_hourly_to_six_hours(self) -> None:
        due = vitals_schedule(DOSE)
        assert due[0] == DOSE.isoformat() and due[-1] == (DOSE + timedelta(hours=6)).isoformat()

    def test_observation_before_the_dose_or_out_of_range_is_refused(self) -> None:
        with pytest.raises(InvalidInput) as err:
            check_observation(DOSE - timedelta(minutes=1), administered_at=DOSE)
        assert err.value.issues[0].path == "at"
        with pytest.raises(InvalidInput) as err:
            check_observation(DOSE, administered_at=DOSE, systolic_mmhg=49)
        assert err.value.issues[0].path == "systolic_mmhg"

    def test_discharge_at_exactly_six_hours_with_everything_met(self) -> None:
        result = check_dosing_discharge(
            DOSE, DOSE + timedelta(hours=6), effects_resolved=True, support_person_present=True
        )
        assert result.monitored_min == 360

    def test_discharge_refusals_name_every_unmet_criterion(self) -> None:
        with pytest.raises(InvalidInput) as err:
            check_dosing_discharge(
                DOSE,
                DOSE + timedelta(hours=5, minutes=59),
                effects_resolved=False,
                support_person_present=False,
            )
        assert [i.path for i in err.value.issues] == [
            "discharged_at",
            "effects_resolved",
            "support_person_present",
        ]
        assert err.value.issues[0].allowed == "on or after 2026-03-02 15:00 UTC"
