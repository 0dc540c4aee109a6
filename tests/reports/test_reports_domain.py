"""The documents room's pure rules: the data files (every code named in the team's reference
notes, none VERIFIED without a check; every packet item with a source and a rule), the
missing-items rules item by item, and bad input named by its field."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

import pytest

from conftest import shared_path
from trdcare.core.errors import InvalidInput
from trdcare.reports.domain import (
    CHECKS,
    OtherTreatment,
    PacketFacts,
    ProtocolFact,
    ScoreFact,
    ScreenFact,
    TrialFact,
    assemble_packet,
    check_therapy,
    packaged_codes,
    packet_items,
    parse_codes,
)
from trdcare.reports.domain.catalogue import _read

DAY = date(2026, 6, 1)


def _trial(number: int, **changes: object) -> TrialFact:
    base = TrialFact(
        number=number,
        drug="sertraline",
        drug_class="SSRI",
        max_daily_dose_mg=150.0,
        start=date(2025, 1, 1),
        end=date(2025, 3, 1),
        weeks=8.4,
        adherence="good",
        outcome="no_response",
        adequate=True,
        counts_as_failure=True,
        could_count=False,
        in_current_episode=True,
        reasons=(),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


EMPTY = PacketFacts(
    therapy="tms",
    as_of=DAY,
    patient_ref="P-0000000000",
    patient_name="Byron, Ada",
    birth_date=date(1970, 1, 1),
    sex="female",
    episode_onset=None,
    episode_severity=None,
    trd_status=None,
    trd_count=None,
    criteria_name=None,
    criteria_source=None,
    trials=(),
    psychotherapy=(),
    ect=(),
    scores=(),
    suicide_screen=None,
    safety_screen=None,
    protocol=None,
)

FULL = replace(
    EMPTY,
    episode_onset=date(2024, 1, 1),
    episode_severity="severe_without_psychosis",
    trd_status="resistant",
    trd_count="2 failed adequate trials (2 required)",
    criteria_name="the EU-PEARL 2022 consensus",
    criteria_source="sforzini2022",
    trials=(_trial(1), _trial(2, drug="venlafaxine", drug_class="SNRI")),
    psychotherapy=(
        OtherTreatment("psychotherapy", "cbt", date(2024, 2, 1), None, 12, "no_response"),
    ),
    ect=(OtherTreatment("ect", "ECT (bilateral)", date(2024, 5, 1), None, 10, "no_response"),),
    scores=(ScoreFact("phq9", "PHQ-9", 21, "severe", DAY),),
    suicide_screen=ScoreFact("cssrs_screener", "C-SSRS", None, None, DAY, "triage level none"),
    safety_screen=ScreenFact("TMS safety screen", DAY, "clear", (), None),
    protocol=ProtocolFact("10 Hz left DLPFC", DAY, 36, (), "Dr House", "C-1"),
)


def test_every_packaged_code_is_named_in_the_reference_notes_and_marked() -> None:
    notes = shared_path("reference", "product-anchors.md").read_text("utf-8")
    codes = packaged_codes()
    assert {c.therapy for c in codes.codes} == {"tms", "esketamine"}
    for code in codes.codes:
        assert re.search(rf"\b{code.code}\b", notes), code.code
        # Not VERIFIED: the notes give no status mark and no primary code file was read.
        assert code.status == "UNVERIFIED", code.code
        assert code.source.citation and code.source.where


def test_every_item_has_a_source_and_a_rule() -> None:
    items = packet_items()
    assert {i.id for i in items} == set(CHECKS)
    for item in items:
        assert item.source.citation and item.source.where and item.source.status
        assert set(item.therapies) <= {"tms", "esketamine"}


def test_a_full_record_lacks_only_what_trdcare_does_not_hold() -> None:
    packet = assemble_packet(FULL, packaged_codes())
    assert [m.item.id for m in packet.missing] == ["diagnosis_code", "insurance"]
    esk = assemble_packet(replace(FULL, therapy="esketamine"), packaged_codes())
    assert [m.item.id for m in esk.missing] == ["diagnosis_code", "height_weight", "insurance"]
    assert {c.code for c in esk.codes} == {"G2082", "G2083", "J0013"}


@pytest.mark.parametrize(
    ("change", "item", "words"),
    [
        ({"episode_onset": None}, "episode", "no current episode"),
        ({"trials": ()}, "antidepressant_trials", "no antidepressant trial"),
        (
            {"trials": (_trial(1, max_daily_dose_mg=None, adherence=None),)},
            "antidepressant_trials",
            "trial 1 (sertraline): dose and adherence",
        ),
        (
            {"trials": (_trial(1, adequate=None, could_count=True, reasons=("no dose",)),)},
            "trial_adequacy",
            "trial 1 (sertraline) failed but its adequacy cannot be judged: no dose",
        ),
        ({"psychotherapy": ()}, "psychotherapy", "no psychotherapy trial"),
        ({"ect": ()}, "ect", "no ECT course"),
        (
            {"scores": (ScoreFact("gad7", "GAD-7", 12, "moderate", DAY),)},
            "severity_scores",
            "PHQ-9, HAM-D17 or MADRS",
        ),
        ({"suicide_screen": None}, "suicide_risk", "no C-SSRS"),
        ({"safety_screen": None}, "safety_screen", "no TMS safety screen"),
        ({"protocol": None}, "planned_protocol", "no Transcranial magnetic stimulation"),
        (
            {"protocol": ProtocolFact("x", DAY, 36, (), None, "C-1")},
            "ordering_physician",
            "does not name",
        ),
    ],
)
def test_each_missing_item_says_what_is_missing(
    change: dict[str, object], item: str, words: str
) -> None:
    packet = assemble_packet(replace(FULL, **change), packaged_codes())  # type: ignore[arg-type]
    found = {m.item.id: m.what for m in packet.missing}
    assert item in found, found
    assert words in found[item]


def test_a_therapy_without_codes_lists_them_missing() -> None:
    codes = parse_codes(
        {"version": "x", "codes": []}, file="clinic.json", origin="the clinic's file clinic.json"
    )
    packet = assemble_packet(FULL, codes)
    assert "billing_codes" in {m.item.id for m in packet.missing}


def test_unknown_therapy_and_a_broken_codes_file_are_named() -> None:
    with pytest.raises(InvalidInput) as err:
        check_therapy("ect")
    assert err.value.issues[0].path == "therapy"
    data = _read("billing_codes.json")
    data["codes"][0] = {**data["codes"][0], "status": "VERIFIED", "colour": "red"}
    data["codes"][1]["source"] = {**data["codes"][1]["source"], "status": "CHECKED"}
    with pytest.raises(InvalidInput) as err:
        parse_codes(data, file="clinic.json", origin="x")
    paths = {i.path for i in err.value.issues}
    assert paths == {"codes.0.status", "codes.0.colour", "codes.1.source.status"}
