"""Trial adequacy, TRD status and staging (MSM, Thase-Rush, MGH-S), table-driven over the
reference's worked examples and DERIVED vectors, plus hypothesis properties."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trdcare.core.errors import InvalidInput
from trdcare.history.domain import (
    ADHERENCE,
    CRITERIA_PRESETS,
    DEFAULT_CRITERIA,
    MSM_BANDS,
    OUTCOMES,
    SEVERITIES,
    SOURCES,
    AdequacyCriteria,
    AntidepressantTrial,
    AugmentationTrial,
    EctCourse,
    Episode,
    TreatmentHistory,
    assess_trial,
    load_catalogue,
    maudsley,
    mgh_s,
    msm_band,
    stage_history,
    thase_rush,
    thase_rush_stage_from_classes,
    trd_status,
)

CAT = load_catalogue()
EU = CRITERIA_PRESETS["eu_pearl_2022"]
CANADA = CRITERIA_PRESETS["canadian_2021"]
MGH = CRITERIA_PRESETS["mgh_register_2020"]
D0 = date(2020, 1, 1)

# Drugs with a catalogue minimum dose, several per class, for building failed trials.
BY_CLASS = {
    "SSRI": ["sertraline", "citalopram", "escitalopram", "fluoxetine", "paroxetine"],
    "SNRI": ["venlafaxine", "duloxetine", "desvenlafaxine"],
    "TCA": ["amitriptyline", "nortriptyline", "imipramine"],
    "MAOI": ["phenelzine", "tranylcypromine"],
    "other": ["bupropion", "mirtazapine", "trazodone"],
}
MANY = [d for names in BY_CLASS.values() for d in names]  # 16 distinct drugs


def adequate_dose(drug: str) -> float:
    threshold = CAT.get(drug).min_dose
    assert threshold is not None
    return threshold.value_mg * 2


def trial(
    drug: str = "sertraline",
    *,
    start: date = D0,
    days: int | None = 56,
    dose: float | None = -1,
    adherence: str = "good",
    outcome: str = "no_response",
    optimised: bool = False,
) -> AntidepressantTrial:
    """A trial (by default adequate and failed: 8 weeks at twice the minimum, good adherence)."""
    return AntidepressantTrial(
        drug,
        adequate_dose(drug) if dose == -1 else dose,
        start,
        None if days is None else start + timedelta(days=days),
        adherence,  # type: ignore[arg-type]
        outcome,  # type: ignore[arg-type]
        optimised,
    )


def failed_trials(
    drugs: list[str], *, start: date = D0, length: int = 35
) -> list[AntidepressantTrial]:
    """Back-to-back failed adequate trials of ``drugs`` (35 days each: >= 4 weeks)."""
    return [
        trial(d, start=start + timedelta(days=i * length), days=length - 1 + 1)
        for i, d in enumerate(drugs)
    ]


def history(
    trials: list[AntidepressantTrial] = (),  # type: ignore[assignment]
    *,
    days: int = 1000,
    severity: str = "moderate",
    aug: list[AugmentationTrial] = (),  # type: ignore[assignment]
    ect: list[EctCourse] = (),  # type: ignore[assignment]
    onset: date = D0,
) -> TreatmentHistory:
    return TreatmentHistory(
        Episode(onset, onset + timedelta(days=days), severity),  # type: ignore[arg-type]
        tuple(trials),
        tuple(aug),
        tuple(ect),
    )


def aug_during(t: AntidepressantTrial, agent: str = "aripiprazole") -> AugmentationTrial:
    return AugmentationTrial(agent, 10, t.start + timedelta(days=7), t.end, "no_response")


def ect(
    placement: str = "bilateral", outcome: str = "no_response", start: date | None = None
) -> EctCourse:
    s = start or D0 + timedelta(days=800)
    return EctCourse(s, s + timedelta(days=30), 12, placement, outcome)  # type: ignore[arg-type]


def codes(reasons: object) -> set[str]:
    return {r.code for r in reasons}  # type: ignore[attr-defined]


# -- adequacy ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("criteria", "days", "adequate"),
    [
        (EU, 27, False),
        (EU, 28, True),  # >= 4 weeks [S7] rec. 10
        (CANADA, 27, False),
        (CANADA, 28, True),
        (MGH, 41, False),
        (MGH, 42, True),  # >= 6 weeks [S2]
    ],
)
def test_duration_boundaries(criteria: AdequacyCriteria, days: int, adequate: bool) -> None:
    a = assess_trial(trial(days=days), criteria, CAT, as_of=D0 + timedelta(days=400))
    assert a.adequate is adequate
    assert a.duration_days == days
    assert ("duration_adequate" if adequate else "duration_too_short") in codes(a.reasons)


@pytest.mark.parametrize(
    ("drug", "dose", "adequate"),
    [
        ("sertraline", 50, True),  # Scottish standard dose (proxy)
        ("sertraline", 49.9, False),
        ("citalopram", 20, True),
        ("citalopram", 10, False),
        ("nortriptyline", 75, True),  # Portico chosen over UpToDate's 50
        ("nortriptyline", 50, False),
        ("venlafaxine", 75, True),  # usual-dose lower bound under the default criteria
    ],
)
def test_dose_boundaries_show_unverified_status(drug: str, dose: float, adequate: bool) -> None:
    a = assess_trial(trial(drug, dose=dose), EU, CAT, as_of=D0 + timedelta(days=400))
    assert a.adequate is adequate
    reason = next(r for r in a.reasons if r.code.startswith("dose_"))
    assert reason.code == ("dose_adequate" if adequate else "dose_below_minimum")
    assert "UNVERIFIED" in reason.message and reason.status.startswith("UNVERIFIED")
    assert a.dose_status.startswith("UNVERIFIED")


# ATRQ worked example (antidepressant-doses.md section 3; VERIFIED as a worked example) under
# the ATRQ-based criteria: (drug, dose, days, adequate, failing reason)
ATRQ_EXAMPLE = [
    ("sertraline", 100, 91, True, None),  # 100 mg/d for 3 months: adequate (failed)
    ("citalopram", 20, 30, False, "duration_too_short"),  # 1 month: too short
    ("venlafaxine", 75, 49, False, "dose_below_minimum"),  # 75 mg/d for 7 weeks: dose too low
    ("duloxetine", 90, 56, True, None),  # up to 90 mg/d: adequate
]


@pytest.mark.parametrize(("drug", "dose", "days", "adequate", "why"), ATRQ_EXAMPLE)
def test_atrq_worked_example(
    drug: str, dose: float, days: int, adequate: bool, why: str | None
) -> None:
    a = assess_trial(trial(drug, dose=dose, days=days), MGH, CAT, as_of=D0 + timedelta(days=400))
    assert a.adequate is adequate
    assert a.counts_as_failure is adequate
    if why:
        assert why in codes(a.reasons)


def test_intolerance_early_stop_is_not_a_failed_adequate_trial() -> None:
    a = assess_trial(trial(days=10, outcome="intolerance"), EU, CAT, as_of=D0 + timedelta(days=99))
    assert a.adequate is False and a.failed is False and a.counts_as_failure is False
    reason = next(r for r in a.reasons if r.code == "early_stop_intolerance")
    assert reason.source == "sforzini2022"


def test_intolerance_after_adequate_trial_is_not_a_failure() -> None:
    a = assess_trial(trial(days=60, outcome="intolerance"), EU, CAT, as_of=D0 + timedelta(days=99))
    assert a.adequate is True and a.failed is False and a.counts_as_failure is False
    assert "intolerance_not_failure" in codes(a.reasons)


def test_ongoing_trial_does_not_count_yet() -> None:
    a = assess_trial(trial(days=None, outcome="ongoing"), EU, CAT, as_of=D0 + timedelta(days=90))
    assert a.counts_as_failure is False and a.could_count is False
    assert {"ongoing", "still_taking"} <= codes(a.reasons)
    assert a.duration_days == 90


def test_still_taking_with_an_outcome_is_counted_to_as_of() -> None:
    a = assess_trial(trial(days=None), EU, CAT, as_of=D0 + timedelta(days=30))
    assert a.duration_days == 30 and a.counts_as_failure is True


@pytest.mark.parametrize(
    ("changes", "adequate", "code"),
    [
        ({"adherence": "unknown"}, None, "adherence_unknown"),
        ({"adherence": "partial"}, False, "adherence_inadequate"),
        ({"adherence": "poor"}, False, "adherence_inadequate"),
        ({"dose": None}, None, "dose_not_recorded"),
        ({"drug": "amoxapine", "dose": 300}, None, "dose_threshold_unknown"),
        ({"drug": "esketamine", "dose": 84}, None, "dose_threshold_unknown"),
    ],
)
def test_undetermined_and_inadequate(
    changes: dict[str, object], adequate: bool | None, code: str
) -> None:
    a = assess_trial(trial(**changes), EU, CAT, as_of=D0 + timedelta(days=400))  # type: ignore[arg-type]
    assert a.adequate is adequate
    assert code in codes(a.reasons)
    assert a.could_count is (adequate is None)
    assert a.counts_as_failure is False


def test_dose_not_required() -> None:
    lenient = replace(EU, name="no_dose", require_min_dose=False)
    a = assess_trial(trial(dose=None), lenient, CAT, as_of=D0 + timedelta(days=400))
    assert a.adequate is True and "dose_not_required" in codes(a.reasons)


@pytest.mark.parametrize(("criteria", "failed"), [(EU, False), (CANADA, True), (MGH, False)])
def test_partial_response_depends_on_criteria(criteria: AdequacyCriteria, failed: bool) -> None:
    """EU-PEARL: failure <25% improvement; Canadian: non-response <50% [S7][S8]."""
    a = assess_trial(
        trial(outcome="partial_response"), criteria, CAT, as_of=D0 + timedelta(days=400)
    )
    assert a.failed is failed and a.counts_as_failure is failed
    assert any(f.key == "outcome.partial_response" and f.status == "UNVERIFIED" for f in a.facts)


def test_response_and_remission_are_not_failures() -> None:
    for outcome in ("response", "remission"):
        a = assess_trial(trial(outcome=outcome), EU, CAT, as_of=D0 + timedelta(days=400))
        assert a.adequate is True and a.failed is False


def test_trial_outside_and_across_the_episode() -> None:
    onset = D0 + timedelta(days=100)
    before = assess_trial(trial(days=56), EU, CAT, as_of=onset + timedelta(days=50), onset=onset)
    assert before.in_current_episode is False and before.counts_as_failure is False
    assert "outside_current_episode" in codes(before.reasons)
    across = assess_trial(
        trial(start=onset - timedelta(days=20), days=40),
        EU,
        CAT,
        as_of=onset + timedelta(days=50),
        onset=onset,
    )
    assert across.duration_days == 20 and across.adequate is False
    assert "counted_from_onset" in codes(across.reasons)


def test_unknown_drug_raises_invalid_input() -> None:
    with pytest.raises(InvalidInput) as err:
        assess_trial(replace(trial(), drug="nonsense"), EU, CAT, as_of=D0)
    assert err.value.issues[0].path == "drug"


@pytest.mark.parametrize(
    ("changes", "path"),
    [
        ({"min_duration_weeks": 0}, "min_duration_weeks"),
        ({"min_duration_weeks": -4}, "min_duration_weeks"),
        ({"adherence_accepted": frozenset({"excellent"})}, "adherence_accepted"),
        ({"failure_outcomes": frozenset()}, "failure_outcomes"),
        ({"failure_outcomes": frozenset({"remission"})}, "failure_outcomes"),
        ({"name": ""}, "name"),
        ({"status": "CHECKED"}, "status"),
    ],
)
def test_criteria_validation(changes: dict[str, object], path: str) -> None:
    with pytest.raises(InvalidInput) as err:
        replace(EU, **changes)  # type: ignore[arg-type]
    assert path in {i.path for i in err.value.issues}


def test_presets_cite_sources() -> None:
    assert DEFAULT_CRITERIA == "eu_pearl_2022"
    for name, c in CRITERIA_PRESETS.items():
        assert c.name == name and c.description and c.facts
        for tag in c.source.split(","):
            assert tag in SOURCES or tag in CAT.sources
    assert EU.min_duration_days == 28 and MGH.min_duration_days == 42


# -- TRD status -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("trials", "status", "counted"),
    [
        (failed_trials(["sertraline", "venlafaxine"]), "resistant", 2),
        (failed_trials(["sertraline"]), "not_resistant", 1),
        ([], "not_resistant", 0),
        # one failure + one failed trial without a recorded dose -> could count
        (
            [
                *failed_trials(["sertraline"]),
                trial("citalopram", start=D0 + timedelta(days=40), dose=None),
            ],
            "insufficient_information",
            1,
        ),
        # one failure + unknown adherence
        (
            [
                *failed_trials(["sertraline"]),
                trial("citalopram", start=D0 + timedelta(days=40), adherence="unknown"),
            ],
            "insufficient_information",
            1,
        ),
        # one failure + an ongoing trial -> not missing data, the future
        (
            [
                *failed_trials(["sertraline"]),
                trial("citalopram", start=D0 + timedelta(days=40), days=None, outcome="ongoing"),
            ],
            "not_resistant",
            1,
        ),
        # one failure + an early stop for intolerance
        (
            [
                *failed_trials(["sertraline"]),
                trial("citalopram", start=D0 + timedelta(days=40), days=10, outcome="intolerance"),
            ],
            "not_resistant",
            1,
        ),
        # the same drug twice counts once
        (failed_trials(["sertraline", "sertraline"]), "not_resistant", 1),
        # one failure + an inadequate (low-dose) failure cannot count
        (
            [
                *failed_trials(["sertraline"]),
                trial("citalopram", start=D0 + timedelta(days=40), dose=10),
            ],
            "not_resistant",
            1,
        ),
    ],
)
def test_trd_status(trials: list[AntidepressantTrial], status: str, counted: int) -> None:
    result = trd_status(history(trials), criteria=EU, catalogue=CAT)
    assert result.status == status
    assert result.failed_adequate_trials == counted == len(result.counted)
    assert len(result.counted) + len(result.not_counted) == len(trials)
    for t, reasons in result.not_counted:
        assert t in trials and reasons
    json.dumps(result.to_dict())


def test_trd_no_trials_reason_and_repeat_reason() -> None:
    assert "no_trials" in codes(trd_status(history([])).reasons)
    twice = trd_status(history(failed_trials(["sertraline", "sertraline"])))
    assert "same_drug_counted_once" in codes(twice.not_counted[0][1])
    per_trial = replace(EU, name="per_trial", distinct_drugs=False)
    assert (
        trd_status(history(failed_trials(["sertraline", "sertraline"])), criteria=per_trial).status
        == "resistant"
    )


def test_trd_failures_required_is_configurable_and_checked() -> None:
    h = history(failed_trials(["sertraline", "venlafaxine"]))
    assert trd_status(h, failures_required=3).status == "not_resistant"
    assert trd_status(h, failures_required=1).status == "resistant"
    for bad in (0, 1.5, -1):
        with pytest.raises(InvalidInput) as err:
            trd_status(h, failures_required=bad)  # type: ignore[arg-type]
        assert err.value.issues[0].path == "failures_required"


# -- Maudsley ---------------------------------------------------------------------------------

# DERIVED vectors A-G (clinical-scales.md 1c). Months -> days within the stated category.
MSM_VECTORS = [
    # case, days, severity, failed ADs, aug, ECT, total, band
    ("A", 243, "moderate", 2, False, False, 5, "mild"),  # 8 months
    ("B", 547, "severe_without_psychosis", 4, True, False, 9, "moderate"),  # 18 months
    ("C", 1095, "severe_with_psychosis", 11, True, True, 15, "severe"),  # 36 months
    ("D", 365, "subsyndromal", 1, False, False, 3, "mild"),  # 12 months
    ("E", 396, "mild", 10, False, True, 9, "moderate"),  # 13 months
    ("F", 761, "moderate", 5, True, False, 10, "moderate"),  # 25 months
    ("G", 761, "severe_without_psychosis", 5, True, False, 11, "severe"),  # 25 months
]


def _msm_history(days: int, severity: str, n: int, aug: bool, ect_used: bool) -> TreatmentHistory:
    trials = failed_trials(MANY[:n])
    assert trials[-1].end is not None and trials[-1].end <= D0 + timedelta(days=days)
    return history(
        trials,
        days=days,
        severity=severity,
        aug=[aug_during(trials[0])] if aug else [],
        ect=[ect(start=D0 + timedelta(days=days - 40))] if ect_used else [],
    )


@pytest.mark.parametrize(
    ("case", "days", "severity", "n", "aug", "ect_used", "total", "band"), MSM_VECTORS
)
def test_msm_derived_vectors(
    case: str, days: int, severity: str, n: int, aug: bool, ect_used: bool, total: int, band: str
) -> None:
    result = maudsley(_msm_history(days, severity, n, aug, ect_used), criteria=EU, catalogue=CAT)
    assert result.stageable is True
    assert (result.total, result.band) == (total, band), case
    assert result.failed_medications == n
    assert [c.name for c in result.components] == [
        "duration",
        "severity",
        "failed_antidepressants",
        "augmentation",
        "ect",
    ]
    assert sum(c.points or 0 for c in result.components) == total


@pytest.mark.parametrize(
    ("days", "points"), [(0, 1), (365, 1), (366, 2), (730, 2), (731, 3), (2000, 3)]
)
def test_msm_duration_boundaries_in_days(days: int, points: int) -> None:
    h = history(failed_trials(["sertraline"], start=D0), days=max(days, 35))
    h = replace(
        h,
        episode=Episode(
            D0 + timedelta(days=35) - timedelta(days=days), D0 + timedelta(days=35), "moderate"
        ),
    )
    result = maudsley(h)
    duration = result.components[0]
    assert duration.input == days and duration.points == points


def test_msm_zero_failures_is_not_stageable() -> None:
    result = maudsley(history([trial(outcome="remission")]))
    assert result.stageable is False and result.total is None and result.band is None
    assert "msm_not_stageable" in codes(result.reasons)
    assert result.components[2].points is None and result.components[1].points == 3
    assert any(f.key == "msm.zero_failures" and f.status == "DERIVED" for f in result.facts)


def test_msm_counts_distinct_medications() -> None:
    result = maudsley(history(failed_trials(["sertraline", "sertraline", "citalopram"])))
    assert result.failed_medications == 2


def test_msm_band_table() -> None:
    assert [msm_band(t) for t in range(3, 16)] == ["mild"] * 4 + ["moderate"] * 4 + ["severe"] * 5
    assert MSM_BANDS[-1][0] == 15
    for bad in (2, 16):
        with pytest.raises(ValueError, match="total must be in"):
            msm_band(bad)


# -- Thase-Rush -------------------------------------------------------------------------------


def _classes(*classes: str) -> list[AntidepressantTrial]:
    drugs: list[str] = []
    used: dict[str, int] = {}
    for c in classes:
        drugs.append(BY_CLASS[c][used.get(c, 0)])
        used[c] = used.get(c, 0) + 1
    return failed_trials(drugs)


@pytest.mark.parametrize(
    ("classes", "ect_courses", "stage"),
    [
        (("SSRI",), [], "I"),
        (("SSRI", "SSRI"), [], "I"),  # same class twice
        (("other", "other"), [], "I"),  # 'other' is one class
        (("SSRI", "SNRI"), [], "II"),
        (("SSRI", "TCA"), [], "II"),  # the TCA gives II, III needs two other classes
        (("TCA", "MAOI"), [], "II"),
        (("SSRI", "SNRI", "TCA"), [], "III"),
        (("SSRI", "TCA", "MAOI"), [], "III"),  # IV needs two classes besides TCA and MAOI
        (("SSRI", "SNRI", "TCA", "MAOI"), [], "IV"),
        (("SSRI", "SNRI", "TCA", "MAOI"), [ect("bilateral")], "V"),
        (("SSRI", "SNRI", "TCA", "MAOI"), [ect("bifrontal")], "IV"),
        (("SSRI", "SNRI", "TCA", "MAOI"), [ect("right_unilateral")], "IV"),
        (("SSRI", "SNRI", "TCA", "MAOI"), [ect("bilateral", outcome="remission")], "IV"),
        (("SSRI", "SNRI"), [ect("bilateral")], "II"),  # V needs stage IV first
    ],
)
def test_thase_rush_stages(
    classes: tuple[str, ...], ect_courses: list[EctCourse], stage: str
) -> None:
    result = thase_rush(history(_classes(*classes), ect=ect_courses), criteria=EU, catalogue=CAT)
    assert result.stage == stage
    assert set(result.failed_classes) == set(classes)
    met = {c.name for c in result.components if c.points == 1}
    order = ["I", "II", "III", "IV", "V"]
    assert met == set(order[: order.index(stage) + 1])


def test_thase_rush_ect_reasons() -> None:
    low = thase_rush(history(_classes("SSRI", "SNRI"), ect=[ect("bilateral")]))
    assert "ect_below_stage_iv" in codes(low.reasons)
    rul = thase_rush(history(_classes("SSRI"), ect=[ect("right_unilateral")]))
    assert "ect_not_bilateral" in codes(rul.reasons)
    (words,) = [r.message for r in rul.reasons if r.code == "ect_not_bilateral"]
    assert "with placement right unilateral are not counted" in words  # the clinic's words
    wider = thase_rush(
        history(_classes("SSRI", "SNRI", "TCA", "MAOI"), ect=[ect("bifrontal")]),
        bilateral_placements=("bilateral", "bifrontal"),
    )
    assert wider.stage == "V"


def test_thase_rush_stage_zero_and_none() -> None:
    assert thase_rush(history([trial(outcome="remission")])).stage == "0"
    assert thase_rush(history([trial(outcome="response")])).stage == "0"
    none = thase_rush(history([]))
    assert none.stage is None and "thase_rush_not_stageable" in codes(none.reasons)
    inadequate_response = thase_rush(history([trial(outcome="response", days=10)]))
    assert inadequate_response.stage is None


def test_thase_rush_provisional_and_class_status() -> None:
    trials = [*_classes("SSRI"), trial("maprotiline", start=D0 + timedelta(days=40), dose=150)]
    result = thase_rush(history(trials))
    assert result.stage == "I" and result.provisional is True
    facts = {f.key: f for f in thase_rush(history(_classes("SSRI", "TCA"))).facts}
    assert facts["class.amitriptyline"].status == "SECONDARY"
    assert facts["thase_rush.citation"].status == "UNVERIFIED"


def test_thase_rush_class_function_table() -> None:
    assert thase_rush_stage_from_classes(frozenset(), True) is None
    assert thase_rush_stage_from_classes(frozenset({"SSRI", "SNRI", "other"}), True) == "II"


# -- MGH-S ------------------------------------------------------------------------------------


def _mghs_case(n: int, optimised: int, augmented: int, ect_failed: bool) -> TreatmentHistory:
    trials = failed_trials(MANY[:n])
    trials = [replace(t, dose_optimised=i < optimised) for i, t in enumerate(trials)]
    augs = [aug_during(t) for t in trials[optimised : optimised + augmented]]
    return history(trials, aug=augs, ect=[ect()] if ect_failed else [])


@pytest.mark.parametrize(
    ("n", "optimised", "augmented", "ect_failed", "total"),
    [
        (2, 0, 0, False, 2.0),  # DERIVED: 2 failed trials -> 2.0
        (3, 1, 1, False, 4.0),  # DERIVED: 3 failed, one optimised, one augmented -> 4.0
        (3, 1, 1, True, 7.0),  # DERIVED: same + failed ECT -> 7.0
        (0, 0, 0, False, 0.0),
        (1, 1, 0, False, 1.5),
    ],
)
def test_mghs_derived_vectors(
    n: int, optimised: int, augmented: int, ect_failed: bool, total: float
) -> None:
    result = mgh_s(_mghs_case(n, optimised, augmented, ect_failed), criteria=EU, catalogue=CAT)
    assert result.total == total
    assert sum(c.points or 0 for c in result.components) == total


def test_mghs_fine_print_is_flagged_and_unlinked_augmentation_not_scored() -> None:
    trials = failed_trials(["sertraline", "citalopram"])
    lone = AugmentationTrial(
        "lithium", 800, D0 + timedelta(days=500), D0 + timedelta(days=560), "no_response"
    )
    result = mgh_s(history(trials, aug=[lone]))
    assert result.total == 2.0
    assert "augmentation_not_linked" in codes(result.reasons)
    statuses = {f.key: f.status for f in result.facts}
    assert statuses["mghs.per_trial_reading"] == "UNVERIFIED"
    assert statuses["mghs.duration_optimisation"] == "UNVERIFIED"
    # an optimised but inadequate trial scores nothing
    low = replace(trial("venlafaxine", dose=37.5), dose_optimised=True)
    assert mgh_s(history([low])).total == 0.0


# -- the combined report ----------------------------------------------------------------------


def test_stage_history_report() -> None:
    trials = failed_trials(["sertraline", "venlafaxine", "amitriptyline"])
    h = history(trials, days=800, aug=[aug_during(trials[1])], ect=[ect()])
    report = stage_history(h, catalogue=CAT, criteria=EU)
    d = report.to_dict()
    json.dumps(d)  # JSON-ready
    assert d["trd"]["status"] == "resistant" and d["trd"]["failed_adequate_trials"] == 3
    assert d["maudsley"]["total"] == 3 + 3 + 2 + 1 + 1 and d["maudsley"]["band"] == "moderate"
    assert d["maudsley"]["components"]
    assert d["thase_rush"]["stage"] == "III"
    assert d["mgh_s"]["total"] == 3 + 0.5 + 3
    assert d["criteria"]["name"] == "eu_pearl_2022"
    assert [t["adequate"] for t in d["trials"]] == [True, True, True]
    assert all(t["reasons"] for t in d["trials"])
    unverified = {f["key"] for f in d["unverified"]}
    assert {"min_dose.sertraline", "min_dose.venlafaxine", "min_dose.amitriptyline"} <= unverified
    assert all("UNVERIFIED" in f["status"] for f in d["unverified"])
    assert "mghs.per_trial_reading" in unverified
    assert {"msm.duration_days", "thase_rush.class_reading"} <= {
        f["key"] for f in d["not_verified"]
    }
    assert "sforzini2022" in d["sources"] and "scottish2024" in d["sources"]
    assert d["trials"][0]["trial"]["start"] == "2020-01-01"


def test_report_uses_the_given_criteria_everywhere() -> None:
    h = history(
        [
            trial("venlafaxine", dose=75, days=49),
            trial("sertraline", dose=100, days=91, start=D0 + timedelta(days=60)),
        ]
    )
    eu = stage_history(h, criteria=EU)
    mgh = stage_history(h, criteria=MGH)
    assert eu.trd.status == "resistant" and mgh.trd.status == "not_resistant"
    assert mgh.to_dict()["criteria"]["name"] == "mgh_register_2020"
    assert mgh.maudsley.failed_medications == 1


# -- properties -------------------------------------------------------------------------------

DRUGS = sorted(CAT.antidepressants)


@st.composite
def histories(draw: st.DrawFn) -> TreatmentHistory:
    onset = D0 + timedelta(days=draw(st.integers(0, 400)))
    as_of = onset + timedelta(days=draw(st.integers(0, 2500)))

    def period() -> tuple[date, date | None, str]:
        start = onset + timedelta(days=draw(st.integers(-100, (as_of - onset).days)))
        start = min(start, as_of)
        outcome = draw(st.sampled_from(OUTCOMES))
        if outcome == "ongoing" or (draw(st.booleans()) and draw(st.booleans())):
            return start, None, outcome
        end = start + timedelta(days=draw(st.integers(0, max(0, (as_of - start).days))))
        return start, end, outcome

    trials = []
    for _ in range(draw(st.integers(0, 14))):
        start, end, outcome = period()
        dose = draw(st.none() | st.floats(0.5, 600))
        trials.append(
            AntidepressantTrial(
                draw(st.sampled_from(DRUGS)),
                dose,
                start,
                end,
                draw(st.sampled_from(ADHERENCE)),
                outcome,
                draw(st.booleans()),  # type: ignore[arg-type]
            )
        )
    augs = []
    for _ in range(draw(st.integers(0, 3))):
        start, end, outcome = period()
        augs.append(AugmentationTrial("lithium", None, start, end, outcome))  # type: ignore[arg-type]
    courses = []
    for _ in range(draw(st.integers(0, 2))):
        start, end, outcome = period()
        courses.append(
            EctCourse(
                start,
                end,
                draw(st.integers(1, 20)),
                draw(st.sampled_from(["bilateral", "right_unilateral", "bifrontal"])),
                outcome,
            )  # type: ignore[arg-type]
        )
    return TreatmentHistory(
        Episode(onset, as_of, draw(st.sampled_from(SEVERITIES))),
        tuple(trials),
        tuple(augs),
        tuple(courses),
    )


CRITERIA = st.sampled_from(list(CRITERIA_PRESETS.values()))


@settings(max_examples=120, deadline=None)
@given(histories(), CRITERIA)
def test_msm_total_in_range_and_band_consistent(
    h: TreatmentHistory, criteria: AdequacyCriteria
) -> None:
    result = maudsley(h, criteria=criteria, catalogue=CAT)
    if result.stageable:
        assert result.total is not None and 3 <= result.total <= 15
        assert result.band == msm_band(result.total)
        assert result.failed_medications >= 1
    else:
        assert result.total is None and result.band is None and result.failed_medications == 0


@settings(max_examples=120, deadline=None)
@given(histories(), CRITERIA, st.sampled_from(MANY), st.booleans())
def test_adding_a_failed_adequate_trial_never_lowers_anything(
    h: TreatmentHistory, criteria: AdequacyCriteria, drug: str, optimised: bool
) -> None:
    """MGH-S is non-decreasing (and TRD/Thase-Rush never step back) when a failed adequate
    trial is added to the episode."""
    start = h.episode.as_of - timedelta(days=criteria.min_duration_days)
    if start < h.episode.onset:
        h = replace(h, episode=replace(h.episode, onset=start))
    extra = AntidepressantTrial(
        drug, adequate_dose(drug), start, h.episode.as_of, "good", "no_response", optimised
    )
    more = replace(h, antidepressant_trials=(*h.antidepressant_trials, extra))
    before, after = stage_history(h, criteria=criteria), stage_history(more, criteria=criteria)
    assert after.trials[-1].counts_as_failure
    assert after.mgh_s.total >= before.mgh_s.total + 1
    assert after.trd.failed_adequate_trials >= before.trd.failed_adequate_trials
    rank = {"not_resistant": 0, "insufficient_information": 1, "resistant": 2}
    assert rank[after.trd.status] >= rank[before.trd.status]
    order = [None, "0", "I", "II", "III", "IV", "V"]
    assert order.index(after.thase_rush.stage) >= max(order.index(before.thase_rush.stage), 2)
    assert after.maudsley.stageable


@settings(max_examples=80, deadline=None)
@given(histories(), CRITERIA)
def test_report_is_json_ready_and_reasoned(h: TreatmentHistory, criteria: AdequacyCriteria) -> None:
    d = stage_history(h, criteria=criteria).to_dict()
    json.dumps(d)
    assert len(d["trials"]) == len(h.antidepressant_trials)
    assert all(t["reasons"] for t in d["trials"])
    assert d["trd"]["status"] in ("resistant", "not_resistant", "insufficient_information")
