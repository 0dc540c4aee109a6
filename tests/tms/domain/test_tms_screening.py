"""Safety screen: answers, findings and medications to contraindicated / caution / clear."""

from __future__ import annotations

import pytest

from trdcare.core.errors import InvalidInput
from trdcare.tms.domain.screening import (
    RecordedFinding,
    evaluate_screen,
    finding_catalogue,
    flag_medications,
    questionnaire,
    questionnaires,
)


def _all_no(instrument: str = "rossi2011") -> dict[str, bool]:
    return {it.id: False for it in questionnaire(instrument).items}


def test_instruments_and_item_statuses() -> None:
    assert [q.id for q in questionnaires()] == ["rossi2011", "tass"]
    rossi = questionnaire("rossi2011")
    assert len(rossi.items) == 13
    assert rossi.item("epilepsy_or_seizure").source.status == "SECONDARY"
    assert rossi.item("hearing_problems").source.status == "UNVERIFIED"
    tass = questionnaire("tass")
    assert len(tass.items) == 14
    assert {it.source.status for it in tass.items} == {"UNVERIFIED"}


@pytest.mark.parametrize("instrument", ["rossi2011", "tass"])
def test_all_no_is_clear(instrument: str) -> None:
    r = evaluate_screen(instrument, _all_no(instrument))
    assert r.verdict == "clear"
    assert not r.blocks_course
    assert not r.needs_physician_acknowledgement
    assert r.reasons[0].rule == "screen_clear"
    assert r.to_dict()["status"] == "UNVERIFIED"  # item wording is partly UNVERIFIED


@pytest.mark.parametrize(
    ("instrument", "item", "verdict", "rule"),
    [
        ("rossi2011", "cochlear_implant", "contraindicated", "screen_item_absolute"),
        ("rossi2011", "implanted_neurostimulator", "contraindicated", "screen_item_absolute"),
        (
            "rossi2011",
            "metal_in_head_or_spine",
            "contraindicated",
            "screen_item_implant_unresolved",
        ),
        (
            "rossi2011",
            "pacemaker_or_intracardiac_lines",
            "contraindicated",
            "screen_item_implant_unresolved",
        ),
        ("rossi2011", "epilepsy_or_seizure", "caution", "screen_item_review"),
        ("rossi2011", "pregnancy", "caution", "screen_item_review"),
        ("rossi2011", "medications", "caution", "screen_item_review"),
        ("tass", "metal_in_head", "contraindicated", "screen_item_implant_unresolved"),
        ("tass", "family_epilepsy", "caution", "screen_item_review"),
        ("tass", "needs_explanation", "caution", "screen_item_review"),
    ],
)
def test_single_yes(instrument: str, item: str, verdict: str, rule: str) -> None:
    answers = _all_no(instrument) | {item: True}
    r = evaluate_screen(instrument, answers)
    assert r.verdict == verdict
    assert r.reasons[0].rule == rule
    assert r.reasons[0].inputs["item"] == item
    assert r.reasons[-1].rule == "any_yes_needs_physician_review"
    assert r.reasons[-1].status == "VERIFIED"  # Rossi 2011


def test_implant_resolved_by_a_clinician_finding_is_caution() -> None:
    answers = _all_no() | {"metal_in_head_or_spine": True}
    r = evaluate_screen(
        "rossi2011",
        answers,
        findings=[RecordedFinding("implant_reviewed_not_near_coil", "titanium knee plate")],
    )
    assert r.verdict == "caution"
    assert r.needs_physician_acknowledgement
    assert r.reasons[0].rule == "screen_item_implant_resolved"


def test_implant_resolved_as_an_aneurysm_clip_is_contraindicated() -> None:
    answers = _all_no() | {"metal_in_head_or_spine": True}
    r = evaluate_screen(
        "rossi2011", answers, findings=[RecordedFinding("aneurysm_clip_or_coil", "2019")]
    )
    assert r.verdict == "contraindicated"
    assert any(x.rule == "finding_contraindicated" for x in r.reasons)


def test_findings_on_their_own() -> None:
    r = evaluate_screen("rossi2011", _all_no(), findings=[RecordedFinding("sleep_deprivation")])
    assert r.verdict == "caution"
    r = evaluate_screen(
        "rossi2011", _all_no(), findings=[RecordedFinding("dental_fillings_implants_or_piercings")]
    )
    assert r.verdict == "clear"
    assert "not a contraindication" in r.reasons[0].finding


def test_every_finding_class_is_valid() -> None:
    classes = {f.klass for f in finding_catalogue().values()}
    assert classes == {"contraindicated", "caution", "clear"}
    for f in finding_catalogue().values():
        assert f.sources


@pytest.mark.parametrize(
    ("meds", "flagged"),
    [
        (["Bupropion XL 300 mg"], ["bupropion"]),
        (["bupropion hydrochloride", "sertraline 100 mg"], ["bupropion"]),
        (["Clozapine"], ["clozapine"]),
        (["dextroamphetamine-amphetamine 20 mg"], ["dextroamphetamine", "amphetamine"]),
        (["lisdexamfetamine"], ["lisdexamfetamine"]),
        (["Nortriptyline 50mg", "amitriptyline"], ["nortriptyline", "amitriptyline"]),
        (["sertraline", "lithium carbonate", "quetiapine"], []),
        (["Wellbutrin"], []),  # brand names are not matched: the record holds generics
    ],
)
def test_medication_flags(meds: list[str], flagged: list[str]) -> None:
    assert [f.generic_name for f in flag_medications(meds)] == flagged
    for f in flag_medications(meds):
        assert f.source.status == "UNVERIFIED"


def test_flagged_medication_makes_the_screen_caution() -> None:
    r = evaluate_screen("rossi2011", _all_no(), medications=["clozapine 200 mg"])
    assert r.verdict == "caution"
    assert r.medication_flags[0].group == "clozapine"
    assert r.to_dict()["medication_flags"][0]["status"] == "UNVERIFIED"  # type: ignore[index]


def test_contraindicated_outranks_caution() -> None:
    answers = _all_no() | {"cochlear_implant": True, "pregnancy": True}
    r = evaluate_screen("rossi2011", answers, medications=["bupropion"])
    assert r.verdict == "contraindicated"
    assert r.blocks_course


def test_incomplete_and_invalid_input_collects_every_issue() -> None:
    answers: dict[str, object] = _all_no()
    del answers["syncope"]
    answers["pregnancy"] = "maybe"
    answers["tattoos"] = True
    with pytest.raises(InvalidInput) as err:
        evaluate_screen(
            "rossi2011",
            answers,  # type: ignore[arg-type]
            findings=[
                RecordedFinding("unicorn"),
                RecordedFinding("implant_reviewed_not_near_coil", " "),
            ],
            medications=[""],
        )
    paths = [i.path for i in err.value.issues]
    assert paths == [
        "answers.syncope",
        "answers.pregnancy",
        "answers.tattoos",
        "findings.0.finding_id",
        "findings.1.detail",
        "medications.0",
    ]


def test_unknown_instrument() -> None:
    with pytest.raises(InvalidInput) as err:
        evaluate_screen("mri", {})
    assert err.value.issues[0].path == "instrument"
