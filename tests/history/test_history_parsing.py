"""parse_history: every kind of issue with its path, collected at once; round trips."""

from __future__ import annotations

import copy
from datetime import date, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trdcare.core.errors import InvalidInput
from trdcare.history.domain import (
    AntidepressantTrial,
    AugmentationTrial,
    EctCourse,
    Episode,
    PsychotherapyCourse,
    TreatmentHistory,
    assess_trial,
    default_criteria,
    history_to_dict,
    load_catalogue,
    parse_history,
)

TODAY = date(2025, 3, 1)

VALID: dict[str, Any] = {
    "episode": {"onset": "2024-01-01", "as_of": "2025-03-01", "severity": "moderate"},
    "antidepressant_trials": [
        {
            "drug": "sertraline",
            "max_daily_dose_mg": 200,
            "start": "2024-02-01",
            "end": "2024-04-30",
            "adherence": "good",
            "outcome": "no_response",
        },
        {
            "drug": "venlafaxine",
            "max_daily_dose_mg": 225.0,
            "start": "2024-05-01",
            "end": None,
            "adherence": "partial",
            "outcome": "ongoing",
            "dose_optimised": True,
        },
    ],
    "augmentation_trials": [
        {
            "agent": "aripiprazole",
            "max_daily_dose_mg": 10,
            "start": "2024-03-01",
            "end": "2024-04-30",
            "outcome": "no_response",
        }
    ],
    "ect_courses": [
        {
            "start": "2024-06-01",
            "end": "2024-07-15",
            "sessions": 12,
            "electrode_placement": "bilateral",
            "outcome": "no_response",
        }
    ],
    "psychotherapy_courses": [
        {
            "modality": "CBT",
            "start": "2024-02-01",
            "end": None,
            "sessions": None,
            "outcome": "ongoing",
        }
    ],
}


def _doc(**changes: Any) -> dict[str, Any]:
    """A copy of VALID with dotted-path changes; the value ``...`` deletes the key."""
    doc = copy.deepcopy(VALID)
    for dotted, value in changes.items():
        keys = dotted.split("__")
        target: Any = doc
        for key in keys[:-1]:
            target = target[int(key)] if isinstance(target, list) else target[key]
        last = keys[-1]
        if value is ...:
            del target[last]
        elif isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value
    return doc


def _issues(doc: object) -> dict[str, str]:
    with pytest.raises(InvalidInput) as err:
        parse_history(doc, today=TODAY)  # type: ignore[arg-type]
    return {i.path: i.render() for i in err.value.issues}


def test_valid_document_parses() -> None:
    h = parse_history(VALID, today=TODAY)
    assert h.episode == Episode(date(2024, 1, 1), date(2025, 3, 1), "moderate")
    assert h.antidepressant_trials[0] == AntidepressantTrial(
        "sertraline", 200, date(2024, 2, 1), date(2024, 4, 30), "good", "no_response"
    )
    assert h.antidepressant_trials[1].dose_optimised is True
    assert h.augmentation_trials[0].adherence == "unknown"  # the default
    assert h.ect_courses[0].sessions == 12
    assert h.psychotherapy_courses[0].modality == "CBT"


def test_round_trip() -> None:
    h = parse_history(VALID, today=TODAY)
    d = history_to_dict(h)
    assert parse_history(d, today=TODAY) == h
    assert history_to_dict(parse_history(d, today=TODAY)) == d
    assert d["antidepressant_trials"][0]["end"] == "2024-04-30"  # type: ignore[index]


def test_extra_fields_ignored_and_lists_optional() -> None:
    doc = {"episode": {**VALID["episode"], "note": "x"}, "comment": 1}
    h = parse_history(doc, today=TODAY)
    assert h.antidepressant_trials == () and h.ect_courses == ()


def test_names_normalised_to_catalogue_keys() -> None:
    doc = _doc(antidepressant_trials__0__drug="  Dothiepin ", augmentation_trials__0__agent="T3")
    h = parse_history(doc, today=TODAY)
    assert h.antidepressant_trials[0].drug == "dosulepin"
    assert h.augmentation_trials[0].agent == "liothyronine"


def test_combination_with_an_antidepressant_is_accepted() -> None:
    h = parse_history(_doc(augmentation_trials__0__agent="mirtazapine"), today=TODAY)
    assert h.augmentation_trials[0].agent == "mirtazapine"


def test_date_objects_accepted_but_not_datetimes() -> None:
    h = parse_history(_doc(episode__onset=date(2024, 1, 1)), today=TODAY)
    assert h.episode.onset == date(2024, 1, 1)
    issues = _issues(_doc(episode__onset=datetime(2024, 1, 1)))
    assert "episode.onset" in issues


# (changes, path, words expected in the rendered issue)
ERROR_CASES: list[tuple[dict[str, Any], str, tuple[str, ...]]] = [
    # end before start
    (
        {"antidepressant_trials__0__end": "2024-01-15"},
        "antidepressant_trials.0.end",
        ("is before start (2024-02-01)", "given: 2024-01-15"),
    ),
    # unknown drug, with a hint
    (
        {"antidepressant_trials__0__drug": "sertralin"},
        "antidepressant_trials.0.drug",
        ("unknown antidepressant", "sertraline", "given: 'sertralin'"),
    ),
    # zero and negative doses
    (
        {"antidepressant_trials__0__max_daily_dose_mg": 0},
        "antidepressant_trials.0.max_daily_dose_mg",
        ("positive", "given: 0"),
    ),
    (
        {"augmentation_trials__0__max_daily_dose_mg": -5},
        "augmentation_trials.0.max_daily_dose_mg",
        ("positive", "given: -5"),
    ),
    # wrong type for a dose, and NaN
    (
        {"antidepressant_trials__0__max_daily_dose_mg": "200"},
        "antidepressant_trials.0.max_daily_dose_mg",
        ("positive",),
    ),
    (
        {"antidepressant_trials__0__max_daily_dose_mg": float("nan")},
        "antidepressant_trials.0.max_daily_dose_mg",
        ("positive",),
    ),
    (
        {"antidepressant_trials__0__max_daily_dose_mg": True},
        "antidepressant_trials.0.max_daily_dose_mg",
        ("positive",),
    ),
    # dates in the future relative to today
    ({"episode__as_of": "2025-03-02"}, "episode.as_of", ("is in the future", "2025-03-01")),
    ({"ect_courses__0__end": "2026-01-01"}, "ect_courses.0.end", ("is in the future",)),
    # after the episode's as_of (but not in the future)
    (
        {
            "episode__as_of": "2024-12-31",
            "antidepressant_trials__1__start": "2025-01-10",
            "antidepressant_trials__0__end": "2024-04-30",
        },
        "antidepressant_trials.1.start",
        ("is after episode.as_of",),
    ),
    # as_of before onset
    ({"episode__as_of": "2023-12-31"}, "episode.as_of", ("is before onset (2024-01-01)",)),
    # unknown enum values list the allowed ones
    (
        {"episode__severity": "very severe"},
        "episode.severity",
        ("unknown value", "severe_with_psychosis", "subsyndromal"),
    ),
    (
        {"antidepressant_trials__0__adherence": "excellent"},
        "antidepressant_trials.0.adherence",
        ("good, partial, poor, unknown",),
    ),
    (
        {"antidepressant_trials__0__outcome": "failed"},
        "antidepressant_trials.0.outcome",
        ("no_response", "intolerance", "ongoing"),
    ),
    (
        {"ect_courses__0__electrode_placement": "bitemporal"},
        "ect_courses.0.electrode_placement",
        ("right_unilateral", "bifrontal"),
    ),
    # missing required fields
    ({"episode": ...}, "episode", ("is required",)),
    ({"episode__onset": ...}, "episode.onset", ("is required",)),
    ({"antidepressant_trials__0__drug": ...}, "antidepressant_trials.0.drug", ("is required",)),
    ({"antidepressant_trials__0__start": ...}, "antidepressant_trials.0.start", ("is required",)),
    (
        {"antidepressant_trials__0__adherence": ...},
        "antidepressant_trials.0.adherence",
        ("is required",),
    ),
    ({"ect_courses__0__sessions": ...}, "ect_courses.0.sessions", ("is required",)),
    (
        {"psychotherapy_courses__0__modality": ...},
        "psychotherapy_courses.0.modality",
        ("is required",),
    ),
    # wrong types
    ({"episode": ["2024-01-01"]}, "episode", ("must be an object",)),
    (
        {"antidepressant_trials": {"drug": "sertraline"}},
        "antidepressant_trials",
        ("must be a list",),
    ),
    ({"antidepressant_trials__0": "sertraline"}, "antidepressant_trials.0", ("must be an object",)),
    ({"episode__onset": 20240101}, "episode.onset", ("must be a date",)),
    ({"episode__onset": "01/01/2024"}, "episode.onset", ("must be a date", "YYYY-MM-DD")),
    ({"episode__onset": "2024-02-30"}, "episode.onset", ("not a valid calendar date",)),
    (
        {"antidepressant_trials__0__dose_optimised": "yes"},
        "antidepressant_trials.0.dose_optimised",
        ("true or false",),
    ),
    ({"antidepressant_trials__0__drug": 7}, "antidepressant_trials.0.drug", ("non-empty string",)),
    ({"ect_courses__0__sessions": 0}, "ect_courses.0.sessions", ("whole number >= 1",)),
    ({"ect_courses__0__sessions": 12.5}, "ect_courses.0.sessions", ("whole number >= 1",)),
    (
        {"psychotherapy_courses__0__sessions": -1},
        "psychotherapy_courses.0.sessions",
        ("whole number >= 1",),
    ),
    # ongoing with an end date
    (
        {"antidepressant_trials__1__end": "2024-06-01"},
        "antidepressant_trials.1.end",
        ("must be null while the outcome is 'ongoing'",),
    ),
    # unknown augmenting agent
    (
        {"augmentation_trials__0__agent": "ketamine"},
        "augmentation_trials.0.agent",
        ("unknown augmenting agent",),
    ),
]


@pytest.mark.parametrize(("changes", "path", "words"), ERROR_CASES)
def test_each_kind_of_issue(changes: dict[str, Any], path: str, words: tuple[str, ...]) -> None:
    issues = _issues(_doc(**changes))
    assert path in issues, issues
    for word in words:
        assert word in issues[path]


def test_not_an_object() -> None:
    assert "" in _issues(["episode"])


def test_several_issues_collected_at_once() -> None:
    doc = _doc(
        episode__severity="bad",
        antidepressant_trials__0__drug="nonsense",
        antidepressant_trials__0__end="2024-01-01",
        antidepressant_trials__1__max_daily_dose_mg=-1,
        ect_courses__0__sessions=0,
        psychotherapy_courses__0__start="2099-01-01",
    )
    with pytest.raises(InvalidInput) as err:
        parse_history(doc, today=TODAY)
    paths = [i.path for i in err.value.issues]
    assert set(paths) == {
        "episode.severity",
        "antidepressant_trials.0.drug",
        "antidepressant_trials.0.end",
        "antidepressant_trials.1.max_daily_dose_mg",
        "ect_courses.0.sessions",
        "psychotherapy_courses.0.start",
    }
    assert "(and 5 more)" in str(err.value)
    assert err.value.code == "invalid_input"


def test_dataclass_invariants_raise_invalid_input() -> None:
    """Direct construction checks the same invariants, collecting every issue."""
    with pytest.raises(InvalidInput) as err:
        AntidepressantTrial(
            "sertraline",
            -1,
            date(2024, 2, 1),
            date(2024, 1, 1),
            "bad",
            "ongoing",  # type: ignore[arg-type]
        )
    assert {i.path for i in err.value.issues} == {"max_daily_dose_mg", "end", "adherence"}
    with pytest.raises(InvalidInput):
        Episode(date(2024, 2, 1), date(2024, 1, 1), "moderate")
    with pytest.raises(InvalidInput):
        EctCourse(date(2024, 1, 1), None, 0, "bilateral", "ongoing")
    with pytest.raises(InvalidInput):
        AugmentationTrial("lithium", None, date(2024, 1, 1), None, "cured")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        PsychotherapyCourse("", date(2024, 1, 1), None, None, "ongoing")


# -- properties -------------------------------------------------------------------------------

JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
    | st.sampled_from(["2024-01-01", "2024-13-01", "sertraline", "good", "ongoing", "bilateral"])
)
JSON = st.recursive(
    JSON_SCALARS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
FIELD_PATHS = [
    "episode",
    "episode__onset",
    "episode__as_of",
    "episode__severity",
    "antidepressant_trials",
    "antidepressant_trials__0",
    "antidepressant_trials__0__drug",
    "antidepressant_trials__0__max_daily_dose_mg",
    "antidepressant_trials__0__start",
    "antidepressant_trials__0__end",
    "antidepressant_trials__0__adherence",
    "antidepressant_trials__0__outcome",
    "antidepressant_trials__0__dose_optimised",
    "augmentation_trials__0__agent",
    "augmentation_trials__0__adherence",
    "ect_courses__0__sessions",
    "ect_courses__0__electrode_placement",
    "psychotherapy_courses__0__sessions",
    "psychotherapy_courses",
]


def _outcome(data: object) -> TreatmentHistory | InvalidInput:
    """Parse ``data``; return the history or the InvalidInput (any other error propagates)."""
    try:
        return parse_history(data, today=TODAY)  # type: ignore[arg-type]
    except InvalidInput as exc:
        return exc


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(JSON)
def test_random_json_raises_only_invalid_input(data: object) -> None:
    """Any JSON-like input either parses or raises InvalidInput, never anything else."""
    result = _outcome(data)
    if isinstance(result, InvalidInput):
        assert result.issues
    else:
        assert isinstance(result, TreatmentHistory)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(FIELD_PATHS), JSON, min_size=1, max_size=4))
def test_mutated_document_raises_only_invalid_input(changes: dict[str, object]) -> None:
    """A valid document with random values in its fields parses or raises InvalidInput."""
    try:
        doc = _doc(**changes)
    except (KeyError, IndexError, TypeError, ValueError):
        return  # a parent was replaced by a non-container earlier in the same change set
    result = _outcome(doc)
    if isinstance(result, InvalidInput):
        assert result.issues and all(i.path or i.message for i in result.issues)
    else:
        assert parse_history(history_to_dict(result), today=TODAY) == result


# Implausible doses (issue 14, finding 12) -------------------------------------------------------
def test_an_absurd_dose_is_refused_naming_field_range_and_value() -> None:
    issues = _issues(_doc(antidepressant_trials__0__max_daily_dose_mg=99_999))
    text = issues["antidepressant_trials.0.max_daily_dose_mg"]
    assert "is not a plausible daily dose of sertraline" in text
    assert "at most 800 mg/day (4 x the maximum of 200 mg/day" in text
    assert "given: 99999" in text


def test_a_dose_above_the_maximum_is_kept_with_a_warning() -> None:
    h = parse_history(_doc(antidepressant_trials__0__max_daily_dose_mg=300), today=TODAY)
    trial = h.antidepressant_trials[0]
    assert trial.max_daily_dose_mg == 300
    judged = assess_trial(trial, default_criteria(), load_catalogue(), as_of=TODAY)
    (warning,) = [r for r in judged.reasons if r.code == "dose_above_maximum"]
    assert warning.message.startswith("Warning: maximum 300 mg/day is above the highest")
    assert warning.status.startswith("SECONDARY")
    at_max = parse_history(_doc(antidepressant_trials__0__max_daily_dose_mg=200), today=TODAY)
    judged = assess_trial(
        at_max.antidepressant_trials[0], default_criteria(), load_catalogue(), as_of=TODAY
    )
    assert "dose_above_maximum" not in {r.code for r in judged.reasons}


def test_a_drug_without_a_maximum_is_still_bounded() -> None:
    limit, why = load_catalogue().dose_ceiling("amoxapine") or (0.0, "")
    assert limit == 4 * 600 and "none is recorded for amoxapine" in why
