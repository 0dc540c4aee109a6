"""Pure rules of treatment courses: the catalogue against the reference, seriousness,
every boundary of an event's date and text, and what an event or a review does."""

from __future__ import annotations

import copy
from datetime import date, timedelta

import pytest

from trdcare.core.datafiles import parse_data_file
from trdcare.core.errors import Conflict, InvalidInput
from trdcare.courses.domain import (
    DEFAULT_SERIOUS_CRITERION,
    adverse_event,
    catalogue_version,
    catalogued_modalities,
    delivery_refusal,
    kinds_for,
    on_adverse_event,
    review_pause,
    serious_criteria,
    severities,
)
from trdcare.courses.domain.catalogue import read
from trdcare.courses.domain.data_schema import AdverseEventsFile

TODAY = date(2026, 12, 5)
START = date(2026, 11, 2)
BORN = date(1970, 1, 1)


def _event(modality: str = "esketamine", **kw: object) -> object:
    args: dict[str, object] = {
        "kind": "dissociation",
        "severity": "mild",
        "occurred_on": TODAY,
        "today": TODAY,
        "born_on": BORN,
        "course_start": START,
    }
    args.update(kw)
    return adverse_event(modality, **args)  # type: ignore[arg-type]


def _issues(exc: pytest.ExceptionInfo[InvalidInput]) -> dict[str, str]:
    return {i.path: i.message for i in exc.value.issues}


# --- the catalogue against modalities.md ------------------------------------------------
REFERENCE_KINDS = {
    # modality: {kind: status in the file (from modalities.md)}
    "esketamine": {
        "dissociation": "VERIFIED",
        "sedation": "VERIFIED",
        "blood_pressure_increase": "VERIFIED",
        "respiratory_depression": "VERIFIED",
        "nausea_vomiting": "VERIFIED",
        "hypertensive_crisis": "UNVERIFIED",
    },
    "ketamine": {"dissociation": "UNVERIFIED", "blood_pressure_increase": "UNVERIFIED"},
    "vns": {
        "voice_alteration": "VERIFIED",
        "cough": "VERIFIED",
        "dyspnoea": "VERIFIED",
        "throat_discomfort": "VERIFIED",
        "infection": "UNVERIFIED",
        "neck_pain": "UNVERIFIED",
    },
    "dbs": {
        "intracranial_haemorrhage": "UNVERIFIED",
        "infection": "UNVERIFIED",
        "seizure": "UNVERIFIED",
        "hypomania": "UNVERIFIED",
    },
    "psilocybin": {
        "headache": "UNVERIFIED",
        "nausea": "UNVERIFIED",
        "dizziness": "UNVERIFIED",
        "suicidal_behaviour": "UNVERIFIED",
    },
}


@pytest.mark.parametrize("modality", sorted(REFERENCE_KINDS))
def test_each_modality_offers_the_reference_kinds_with_their_marks(modality: str) -> None:
    kinds = kinds_for(modality)
    for kind, status in REFERENCE_KINDS[modality].items():
        assert kinds[kind].source.status == status, (modality, kind)
        assert kinds[kind].source.citation
    assert "other" in kinds and kinds["other"].requires_description


def test_always_serious_kinds_are_a_clinic_rule_with_its_mark() -> None:
    always = {
        (m, k.id)
        for m in catalogued_modalities()
        for k in kinds_for(m).values()
        if k.always_serious is not None
    }
    assert always == {
        ("esketamine", "loss_of_consciousness"),
        ("esketamine", "hypertensive_crisis"),
        ("esketamine", "respiratory_depression"),
        ("ketamine", "oxygen_desaturation"),
        ("dbs", "intracranial_haemorrhage"),
        ("dbs", "seizure"),
        ("psilocybin", "suicidal_behaviour"),
    }
    for m, k in always:
        assert kinds_for(m)[k].always_serious.status == "DESIGN"  # type: ignore[union-attr]


def test_the_six_serious_criteria_and_three_severities() -> None:
    assert list(serious_criteria()) == [
        "death",
        "life_threatening",
        "hospitalisation",
        "disability",
        "congenital_anomaly",
        "important_medical_event",
    ]
    assert all("312.32" in c.source.citation for c in serious_criteria().values())
    assert list(severities()) == ["mild", "moderate", "severe"]
    assert catalogue_version()


def test_neurofeedback_and_uncatalogued_modalities_have_the_common_kinds() -> None:
    assert list(kinds_for("neurofeedback")) == ["other"]
    assert list(kinds_for("ect")) == ["other"]


def test_tms_is_refused_its_events_are_the_tms_room_s() -> None:
    with pytest.raises(InvalidInput) as exc:
        kinds_for("tms")
    assert "TMS" in exc.value.issues[0].message


def test_a_broken_entry_is_refused_naming_it() -> None:
    data = copy.deepcopy(read())
    data["modalities"][0]["kinds"][0]["status"] = "SURE"
    data["modalities"][1]["kinds"][0]["source"] = "nowhere"
    data["modalities"][2]["kinds"][0]["colour"] = "red"
    with pytest.raises(InvalidInput) as exc:
        parse_data_file(AdverseEventsFile, data, file="adverse_events.json")
    text = " ".join(i.message for i in exc.value.issues)
    assert "is not a field of this entry" in text
    assert "unknown value" in text
    data = copy.deepcopy(read())
    data["modalities"][1]["kinds"][0]["source"] = "nowhere"
    with pytest.raises(InvalidInput, match="unknown source id 'nowhere'"):
        parse_data_file(AdverseEventsFile, data, file="adverse_events.json")


# --- an event --------------------------------------------------------------------------
def test_not_serious_without_criteria_serious_with_one() -> None:
    e = _event()
    assert not e.serious and e.serious_criteria == ()  # type: ignore[attr-defined]
    s = _event(serious_criteria_given=["hospitalisation", "death", "hospitalisation"])
    # Listed once each, in the catalogue's order.
    assert s.serious_criteria == ("death", "hospitalisation")  # type: ignore[attr-defined]
    assert s.criteria_added == ()  # type: ignore[attr-defined]


def test_an_always_serious_kind_is_an_important_medical_event_unless_another_is_given() -> None:
    e = _event(kind="respiratory_depression")
    assert e.serious_criteria == (DEFAULT_SERIOUS_CRITERION,)  # type: ignore[attr-defined]
    assert e.criteria_added == (DEFAULT_SERIOUS_CRITERION,)  # type: ignore[attr-defined]
    given = _event(kind="respiratory_depression", serious_criteria_given=["life_threatening"])
    assert given.serious_criteria == ("life_threatening",)  # type: ignore[attr-defined]
    assert given.criteria_added == ()  # type: ignore[attr-defined]


def test_severity_is_not_seriousness() -> None:
    e = _event(severity="severe")
    assert not e.serious  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("day", "ok"),
    [
        (TODAY, True),
        (TODAY + timedelta(days=1), False),
        (START, True),
        (START - timedelta(days=1), False),
    ],
)
def test_date_boundaries(day: date, ok: bool) -> None:
    if ok:
        assert _event(occurred_on=day).occurred_on == day  # type: ignore[attr-defined]
    else:
        with pytest.raises(InvalidInput) as exc:
            _event(occurred_on=day)
        assert list(_issues(exc)) == ["occurred_on"]
        assert exc.value.issues[0].given == repr(day.isoformat())


def test_before_birth_is_said_without_the_birth_date() -> None:
    with pytest.raises(InvalidInput) as exc:
        _event(occurred_on=date(1969, 12, 31), course_start=None)
    issue = exc.value.issues[0]
    assert issue.message == "is before the patient's date of birth"
    assert "1970" not in (issue.allowed or "")


def test_other_needs_a_description_of_three_characters() -> None:
    with pytest.raises(InvalidInput) as exc:
        _event(kind="other", description="  ab ")
    assert "say what happened" in _issues(exc)["description"]
    assert _event(kind="other", description="abc").description == "abc"  # type: ignore[attr-defined]
    with pytest.raises(InvalidInput):
        _event(description="x" * 2001)
    assert len(_event(description="x" * 2000).description) == 2000  # type: ignore[attr-defined]


def test_every_bad_field_is_named_at_once() -> None:
    with pytest.raises(InvalidInput) as exc:
        _event(
            "vns",
            kind="dissociation",
            severity="awful",
            serious_criteria_given=["fatal"],
            occurred_on=TODAY + timedelta(days=3),
        )
    issues = _issues(exc)
    assert set(issues) == {"kind", "severity", "serious_criteria", "occurred_on"}
    kind = next(i for i in exc.value.issues if i.path == "kind")
    assert "voice_alteration" in (kind.allowed or "") and kind.given == "'dissociation'"


# --- the course ------------------------------------------------------------------------
def test_a_serious_event_pauses_an_active_course() -> None:
    t = on_adverse_event("active", "esketamine", _event(kind="respiratory_depression"))  # type: ignore[arg-type]
    assert (t.before, t.after, t.paused) == ("active", "paused", True)
    assert t.reason.rule == "serious_adverse_event_pause"
    assert "PAUSED" in t.reason.finding and "Respiratory depression" in t.reason.finding
    assert t.reason.status == "DESIGN"


@pytest.mark.parametrize(
    ("status", "rule"),
    [
        ("paused", "serious_adverse_event_while_paused"),
        ("completed", "serious_adverse_event_after_course"),
        ("stopped", "serious_adverse_event_after_course"),
    ],
)
def test_a_serious_event_elsewhere_changes_no_status(status: str, rule: str) -> None:
    e = _event(serious_criteria_given=["hospitalisation"])
    t = on_adverse_event(status, "esketamine", e)  # type: ignore[arg-type]
    assert (t.after, t.paused, t.reason.rule) == (status, False, rule)


@pytest.mark.parametrize("status", ["active", "paused", "completed", "stopped"])
def test_a_non_serious_event_changes_nothing(status: str) -> None:
    t = on_adverse_event(status, "esketamine", _event())  # type: ignore[arg-type]
    assert t.after == status and t.reason.rule == "adverse_event_recorded"


def test_a_review_resumes_or_stops_only_a_paused_course() -> None:
    assert review_pause("paused", "resume").after == "active"
    assert review_pause("paused", "stop").after == "stopped"
    for status in ("active", "completed", "stopped"):
        with pytest.raises(Conflict, match="not paused"):
            review_pause(status, "resume")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput) as exc:
        review_pause("paused", "continue")
    assert exc.value.issues[0].path == "decision"


def test_only_an_active_course_is_deliverable() -> None:
    assert delivery_refusal("active") is None
    assert "paused" in (delivery_refusal("paused") or "")
    assert "stopped" in (delivery_refusal("stopped") or "")
    assert "completed" in (delivery_refusal("completed") or "")


def test_the_docstring_examples_run() -> None:
    import doctest

    from trdcare.courses.domain import events

    result = doctest.testmod(events, globs={"date": date, **vars(events)})
    assert result.attempted >= 3 and result.failed == 0
