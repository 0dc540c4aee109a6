"""VNS candidacy against the CED criteria (modalities.md §2.1): every boundary the reference
gives (age 18, 2 years, 4 episodes, 4 failed treatments, 2 visits within 45 days, 4 weeks of
stable medication) and each exclusion, met / unmet / unknown."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from trdcare.core.errors import InvalidInput
from trdcare.vns.domain import (
    CandidacyAnswers,
    CandidacyFacts,
    ScaleVisit,
    evaluate_candidacy,
    load,
)

AS_OF = date(2026, 6, 1)
EXCLUSIONS_NO = {e.id: "no" for e in load().exclusions}
FACTS = CandidacyFacts(
    as_of=AS_OF,
    age_years=40,
    episode_onset=date(2024, 6, 1),
    failed_adequate_treatments=4,
    scale_visits=(
        ScaleVisit(date(2026, 5, 1), "madrs", 32, "moderate"),
        ScaleVisit(date(2026, 5, 29), "madrs", 30, "moderate"),
    ),
)
ANSWERS = CandidacyAnswers(lifetime_episodes=1, medication_stable="yes", exclusions=EXCLUSIONS_NO)


def verdict(
    facts: CandidacyFacts = FACTS, answers: CandidacyAnswers = ANSWERS, cid: str = ""
) -> str:
    result = evaluate_candidacy(facts, answers)
    return next(c.verdict for c in result.criteria if c.id == cid)


def test_a_patient_meeting_every_criterion() -> None:
    result = evaluate_candidacy(FACTS, ANSWERS)
    assert result.overall == "meets_criteria"
    assert all(c.verdict == "met" for c in result.criteria)
    assert {c.data_source for c in result.criteria} == {
        "patient",
        "history",
        "assessments",
        "clinician",
    }
    assert all(c.reason.sources for c in result.criteria)


def test_age_18_is_met_and_17_is_not() -> None:
    assert verdict(replace(FACTS, age_years=18), cid="age") == "met"
    assert verdict(replace(FACTS, age_years=17), cid="age") == "unmet"


class TestChronicity:
    def test_exactly_2_years_is_met_and_a_day_less_is_not(self) -> None:
        few = replace(ANSWERS, lifetime_episodes=1)
        assert verdict(replace(FACTS, episode_onset=date(2024, 6, 1)), few, "chronicity") == "met"
        assert verdict(replace(FACTS, episode_onset=date(2024, 6, 2)), few, "chronicity") == "unmet"

    def test_4_episodes_meet_it_when_the_episode_is_short(self) -> None:
        short = replace(FACTS, episode_onset=date(2026, 1, 1))
        assert verdict(short, replace(ANSWERS, lifetime_episodes=4), "chronicity") == "met"
        assert verdict(short, replace(ANSWERS, lifetime_episodes=3), "chronicity") == "unmet"

    def test_a_short_episode_with_unanswered_episode_count_is_unknown(self) -> None:
        short = replace(FACTS, episode_onset=date(2026, 1, 1))
        assert verdict(short, replace(ANSWERS, lifetime_episodes=None), "chronicity") == "unknown"


class TestFailedTreatments:
    def test_4_is_met_3_is_unmet(self) -> None:
        assert (
            verdict(replace(FACTS, failed_adequate_treatments=4), cid="failed_treatments") == "met"
        )
        assert (
            verdict(replace(FACTS, failed_adequate_treatments=3), cid="failed_treatments")
            == "unmet"
        )

    def test_no_history_is_unknown(self) -> None:
        assert (
            verdict(replace(FACTS, failed_adequate_treatments=None), cid="failed_treatments")
            == "unknown"
        )

    def test_undetermined_or_uncounted_treatments_make_it_unknown(self) -> None:
        three = replace(FACTS, failed_adequate_treatments=3)
        assert (
            verdict(replace(three, undetermined_treatments=1), cid="failed_treatments") == "unknown"
        )
        assert verdict(replace(three, other_treatments=1), cid="failed_treatments") == "unknown"


class TestScaleVisits:
    def test_two_visits_on_the_45th_day_and_the_day_itself_are_met(self) -> None:
        visits = (ScaleVisit(date(2026, 4, 17), "phq9", 20), ScaleVisit(AS_OF, "phq9", 19))
        assert verdict(replace(FACTS, scale_visits=visits), cid="scale_visits") == "met"

    def test_a_visit_46_days_before_does_not_count(self) -> None:
        visits = (ScaleVisit(date(2026, 4, 16), "phq9", 20), ScaleVisit(AS_OF, "phq9", 19))
        assert verdict(replace(FACTS, scale_visits=visits), cid="scale_visits") == "unmet"

    def test_two_scales_on_one_day_are_one_visit(self) -> None:
        visits = (ScaleVisit(AS_OF, "phq9", 20), ScaleVisit(AS_OF, "madrs", 30))
        assert verdict(replace(FACTS, scale_visits=visits), cid="scale_visits") == "unmet"


class TestMedication:
    def test_a_start_28_days_before_is_stable_and_27_is_not(self) -> None:
        assert (
            verdict(replace(FACTS, medication_changes=(date(2026, 5, 4),)), cid="stable_medication")
            == "met"
        )
        assert (
            verdict(replace(FACTS, medication_changes=(date(2026, 5, 5),)), cid="stable_medication")
            == "unmet"
        )

    def test_the_clinician_answer_decides_when_the_history_shows_no_change(self) -> None:
        assert (
            verdict(answers=replace(ANSWERS, medication_stable="no"), cid="stable_medication")
            == "unmet"
        )
        assert (
            verdict(answers=replace(ANSWERS, medication_stable="unknown"), cid="stable_medication")
            == "unknown"
        )


@pytest.mark.parametrize("exclusion", [e.id for e in load().exclusions])
def test_each_exclusion_yes_is_unmet_and_unanswered_is_unknown(exclusion: str) -> None:
    yes = replace(ANSWERS, exclusions={**EXCLUSIONS_NO, exclusion: "yes"})
    result = evaluate_candidacy(FACTS, yes)
    assert result.overall == "does_not_meet"
    assert verdict(answers=yes, cid=f"exclusion_{exclusion}") == "unmet"
    missing = {k: v for k, v in EXCLUSIONS_NO.items() if k != exclusion}
    unknown = evaluate_candidacy(FACTS, replace(ANSWERS, exclusions=missing))
    assert unknown.overall == "incomplete"


@pytest.mark.parametrize(
    ("answers", "path"),
    [
        (CandidacyAnswers(lifetime_episodes=0), "lifetime_episodes"),
        (CandidacyAnswers(medication_stable="maybe"), "medication_stable"),  # type: ignore[arg-type]
        (CandidacyAnswers(exclusions={"dementia": "no"}), "exclusions.dementia"),
        (
            CandidacyAnswers(exclusions={"suicidal_intent": "sometimes"}),
            "exclusions.suicidal_intent",
        ),  # type: ignore[dict-item]
    ],
)
def test_bad_answers_are_refused_naming_the_field(answers: CandidacyAnswers, path: str) -> None:
    with pytest.raises(InvalidInput) as info:
        evaluate_candidacy(FACTS, answers)
    assert info.value.issues[0].path == path


def test_coverage_is_ced_only_and_cited() -> None:
    result = evaluate_candidacy(FACTS, ANSWERS).to_dict()
    assert "Coverage with Evidence Development" in str(result["coverage"])


def test_a_psychotic_episode_in_the_history_excludes_whatever_the_form_says() -> None:
    result = evaluate_candidacy(replace(FACTS, episode_with_psychosis=True), ANSWERS)
    psychotic = next(c for c in result.criteria if c.id == "exclusion_psychotic_features")
    assert (psychotic.verdict, psychotic.data_source) == ("unmet", "history")
    assert result.overall == "does_not_meet"
