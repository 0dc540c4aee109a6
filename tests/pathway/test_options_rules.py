"""The options engine, table-driven: every status each therapy can reach, with the criterion's
source cited in each expectation (docs/pathway.md lists which statuses each therapy reaches).

Each case feeds a test patient (tests/pathway/cases.py) through the file path: the therapy
rooms' own pure rules (TMS screen, esketamine eligibility, VNS/DBS candidacy, psilocybin
screen, the history room's TRD status) and the pathway's data file.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from pathway_support import (
    NONE_FAILED,
    ONE_FAILED,
    RESISTANT,
    RESISTANT_PSYCHOSIS,
    UNDETERMINED,
    esketamine_screen,
    facts,
    psilocybin_screen,
    tms_screen,
    vns_answers,
)
from trdcare.core.errors import InvalidInput
from trdcare.history import service as history_service
from trdcare.history.domain import parse_history
from trdcare.pathway import service as pathway_service
from trdcare.pathway.domain.catalogue import load
from trdcare.pathway.domain.data_schema import THERAPY_IDS
from trdcare.pathway.domain.facts import HistorySummary, PatientFacts
from trdcare.pathway.domain.options import PRECEDENCE, evaluate_options

TODAY = date(2026, 12, 5)


def run(history: dict[str, Any], facts_doc: dict[str, Any] | None) -> dict[str, Any]:
    parsed = parse_history(history, today=TODAY)
    report = pathway_service.options_from_files(
        parsed, history_service.stage(parsed), pathway_service.parse_facts(facts_doc)
    )
    return {o["therapy"]: o for o in report.to_dict()["options"]}  # type: ignore[union-attr]


def clinician(therapy: str) -> dict[str, Any]:
    return facts(contraindications=[{"therapy": therapy, "finding": "documented by Dr Test"}])


# (case id, history, facts, therapy, status, words in a decisive reason, words in its source)
CASES: list[tuple[str, dict[str, Any], dict[str, Any] | None, str, str, str, str]] = [
    # medication: step 2 of the working model (modalities.md §7)
    ("medication-available", RESISTANT, facts(), "medication", "available", "", ""),
    (
        "medication-contraindicated",
        RESISTANT,
        clinician("medication"),
        "medication",
        "contraindicated",
        "documented by Dr Test",
        "clinician",
    ),
    # psychotherapy (APA 2010, modalities.md §7)
    ("psychotherapy-available", NONE_FAILED, facts(), "psychotherapy", "available", "", ""),
    (
        "psychotherapy-contraindicated",
        RESISTANT,
        clinician("psychotherapy"),
        "psychotherapy",
        "contraindicated",
        "documented by Dr Test",
        "clinician",
    ),
    # TMS: CMS LCD L34998 (>= 1 failed trial or intolerance; tms.md §6.2), the TMS room's screen (tms.md §2.3)
    ("tms-available", ONE_FAILED, facts(), "tms", "available", "", ""),
    (
        "tms-not-indicated",
        NONE_FAILED,
        facts(),
        "tms",
        "not_indicated",
        "0 failed adequate",
        "L34998",
    ),
    (
        "tms-needs-screen",
        RESISTANT,
        facts(tms_screen=None),
        "tms",
        "needs_information",
        "Answer the TMS safety screen",
        "",
    ),
    (
        "tms-contraindicated-screen",
        RESISTANT,
        facts(tms_screen=tms_screen(cochlear_implant=True)),
        "tms",
        "contraindicated",
        "absolute contraindication",
        "Rossi",
    ),
    (
        "tms-contraindicated-outranks-not-indicated",
        NONE_FAILED,
        facts(tms_screen=tms_screen(implanted_neurostimulator=True)),
        "tms",
        "contraindicated",
        "absolute contraindication",
        "",
    ),
    # esketamine: the label (modalities.md §1.1, §1.3) via the esketamine room
    ("esketamine-available", RESISTANT, facts(), "esketamine", "available", "", ""),
    (
        "esketamine-not-indicated-trd",
        ONE_FAILED,
        facts(),
        "esketamine",
        "not_indicated",
        "does not meet the TRD definition",
        "oncologynurseadvisor",
    ),
    (
        "esketamine-not-indicated-age",
        RESISTANT,
        facts(age_years=16),
        "esketamine",
        "not_indicated",
        "adults",
        "oncologynurseadvisor",
    ),
    (
        "esketamine-needs-trd",
        UNDETERMINED,
        facts(),
        "esketamine",
        "needs_information",
        "cannot yet establish TRD",
        "Spravato",
    ),
    (
        "esketamine-needs-screen",
        RESISTANT,
        facts(esketamine_screen=None),
        "esketamine",
        "needs_information",
        "aneurysmal_vascular_disease",
        "Spravato",
    ),
    (
        "esketamine-contraindicated",
        RESISTANT,
        facts(esketamine_screen=esketamine_screen(aneurysmal_vascular_disease=True)),
        "esketamine",
        "contraindicated",
        "neurysm",
        "oncologynurseadvisor",
    ),
    # IV ketamine: VA/DoD 2022 (reported, UNVERIFIED; modalities.md §7)
    ("iv-ketamine-available", RESISTANT, facts(), "iv_ketamine", "available", "", ""),
    (
        "iv-ketamine-not-indicated",
        ONE_FAILED,
        facts(),
        "iv_ketamine",
        "not_indicated",
        "not resistant",
        "VA/DoD",
    ),
    (
        "iv-ketamine-needs-information",
        UNDETERMINED,
        facts(),
        "iv_ketamine",
        "needs_information",
        "cannot yet establish TRD",
        "VA/DoD",
    ),
    (
        "iv-ketamine-contraindicated",
        RESISTANT,
        clinician("iv_ketamine"),
        "iv_ketamine",
        "contraindicated",
        "documented by Dr Test",
        "clinician",
    ),
    # ECT: older CANMAT (second-line for TR populations; first-line with psychosis), APA 2010
    ("ect-available-trd", RESISTANT, facts(), "ect", "available", "", ""),
    (
        "ect-available-first-line",
        ONE_FAILED,
        facts(ect={"catatonia": True}),
        "ect",
        "available",
        "",
        "",
    ),
    ("ect-not-indicated", ONE_FAILED, facts(), "ect", "not_indicated", "not resistant", "CANMAT"),
    (
        "ect-needs-information",
        UNDETERMINED,
        facts(),
        "ect",
        "needs_information",
        "cannot yet establish TRD",
        "CANMAT",
    ),
    (
        "ect-contraindicated",
        RESISTANT,
        clinician("ect"),
        "ect",
        "contraindicated",
        "documented by Dr Test",
        "clinician",
    ),
    # VNS: CMS NCD 160.18 / RECOVER criteria via the VNS room (modalities.md §2.1)
    ("vns-available", RESISTANT, facts(), "vns", "available", "", ""),
    ("vns-not-indicated", ONE_FAILED, facts(), "vns", "not_indicated", "failed treatments", "NCD"),
    (
        "vns-needs-information",
        RESISTANT,
        facts(vns={"scale_visits": vns_answers()["scale_visits"]}),
        "vns",
        "needs_information",
        "not answered",
        "NCD",
    ),
    (
        "vns-needs-age",
        RESISTANT,
        facts(age_years=None),
        "vns",
        "needs_information",
        "age_years",
        "",
    ),
    (
        "vns-contraindicated",
        RESISTANT,
        facts(vns=vns_answers(suicidal_intent="yes")),
        "vns",
        "contraindicated",
        "suicidal intent",
        "NCD",
    ),
    (
        "vns-contraindicated-psychosis-history",
        RESISTANT_PSYCHOSIS,
        facts(),
        "vns",
        "contraindicated",
        "psychotic features",
        "NCD",
    ),
    # DBS: investigational (FDA not approved; modalities.md §3.1) via the DBS room's trial criteria
    ("dbs-investigational", RESISTANT, facts(), "dbs", "investigational_only", "", ""),
    (
        "dbs-not-indicated",
        ONE_FAILED,
        facts(),
        "dbs",
        "not_indicated",
        "4 adequate antidepressant treatments",
        "Holtzheimer",
    ),
    (
        "dbs-needs-information",
        RESISTANT,
        facts(dbs={}),
        "dbs",
        "needs_information",
        "not answered",
        "",
    ),
    (
        "dbs-contraindicated",
        RESISTANT_PSYCHOSIS,
        facts(),
        "dbs",
        "contraindicated",
        "psychosis",
        "",
    ),
    # psilocybin: research only (modalities.md §4.4); COMP360 phase 3 TRD (§4.2); the room's screen
    (
        "psilocybin-investigational",
        RESISTANT,
        facts(),
        "psilocybin",
        "investigational_only",
        "",
        "",
    ),
    (
        "psilocybin-not-indicated",
        ONE_FAILED,
        facts(),
        "psilocybin",
        "not_indicated",
        "not resistant",
        "COMP006",
    ),
    (
        "psilocybin-needs-trd",
        UNDETERMINED,
        facts(),
        "psilocybin",
        "needs_information",
        "cannot yet establish TRD",
        "COMP006",
    ),
    (
        "psilocybin-needs-screen",
        RESISTANT,
        facts(psilocybin_screen=None),
        "psilocybin",
        "needs_information",
        "psychosis_history",
        "",
    ),
    (
        "psilocybin-contraindicated",
        RESISTANT,
        facts(psilocybin_screen=psilocybin_screen(psychosis_history=True)),
        "psilocybin",
        "contraindicated",
        "psychosis",
        "JAMA",
    ),
    # neurofeedback: investigational (modalities.md §5, UNVERIFIED guideline status)
    (
        "neurofeedback-investigational",
        NONE_FAILED,
        facts(),
        "neurofeedback",
        "investigational_only",
        "",
        "",
    ),
    (
        "neurofeedback-contraindicated",
        NONE_FAILED,
        clinician("neurofeedback"),
        "neurofeedback",
        "contraindicated",
        "documented by Dr Test",
        "clinician",
    ),
    # PGx testing: after >= 1 failure (working model; CANMAT 2023 reported; modalities.md §6.5)
    ("pgx-available", ONE_FAILED, facts(), "pgx_testing", "available", "", ""),
    (
        "pgx-not-indicated",
        NONE_FAILED,
        facts(),
        "pgx_testing",
        "not_indicated",
        "at least 1 antidepressant",
        "CANMAT",
    ),
    (
        "pgx-contraindicated",
        ONE_FAILED,
        clinician("pgx_testing"),
        "pgx_testing",
        "contraindicated",
        "documented by Dr Test",
        "clinician",
    ),
]


@pytest.mark.parametrize(
    ("history", "facts_doc", "therapy", "status", "words", "source"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_status_and_reasons(
    history: dict[str, Any],
    facts_doc: dict[str, Any] | None,
    therapy: str,
    status: str,
    words: str,
    source: str,
) -> None:
    option = run(history, facts_doc)[therapy]
    assert option["status"] == status, [r["finding"] for r in option["reasons"]]
    decisive = [r for r in option["reasons"] if r["kind"] == "decisive"]
    if status in ("available", "investigational_only"):
        assert decisive == []
        return
    assert decisive, "a status other than the therapy's base names its reason"
    assert any(words in r["finding"] for r in decisive), [r["finding"] for r in decisive]
    if source:
        cited = [
            s["citation"] + " " + s["tag"] + " " + s["where"]
            for r in decisive
            for s in r["sources"]
        ]
        assert any(source in c for c in cited), cited


def test_every_therapy_reaches_contraindicated_and_its_base_status() -> None:
    reached: dict[str, set[str]] = {t: set() for t in THERAPY_IDS}
    for case in CASES:
        reached[case[3]].add(case[4])
    for therapy in THERAPY_IDS:
        base = next(t.base_status for t in load().therapies if t.id == therapy)
        assert {"contraindicated", base} <= reached[therapy], therapy


def test_contraindication_outranks_every_other_status() -> None:
    # Not resistant (not indicated), screen missing (needs information), and a contraindication.
    option = run(NONE_FAILED, clinician("esketamine") | {"esketamine_screen": None})["esketamine"]
    assert option["status"] == "contraindicated"
    kinds = {r["rule"] for r in option["reasons"]}
    assert "esketamine_clinician_contraindication" in kinds
    # The weaker findings are still shown.
    assert "esketamine_room_verdict" in kinds
    assert PRECEDENCE[0] == "contraindicated"


def test_order_is_guideline_step_then_evidence_and_the_rule_is_stated() -> None:
    report = pathway_service.options_from_files(
        parse_history(RESISTANT, today=TODAY),
        history_service.stage(parse_history(RESISTANT, today=TODAY)),
        pathway_service.parse_facts(facts()),
    ).to_dict()
    options = report["options"]
    assert [o["therapy"] for o in options] == [  # type: ignore[index,union-attr]
        "medication",
        "pgx_testing",
        "psychotherapy",
        "tms",
        "esketamine",
        "ect",
        "iv_ketamine",
        "vns",
        "psilocybin",
        "dbs",
        "neurofeedback",
    ]
    steps = [o["guideline"]["step"] for o in options]  # type: ignore[index,union-attr]
    assert steps == sorted(steps)
    assert "sequencing model" in report["ordering_rule"]["text"]  # type: ignore[index]
    assert [o["rank"] for o in options] == list(range(1, 12))  # type: ignore[index,union-attr]
    for o in options:  # type: ignore[union-attr]
        assert "score" not in o
        for part in ("guideline", "evidence", "expected_time_to_response"):
            assert o[part]["sources"], (o["therapy"], part)
            assert o[part]["status"] in ("VERIFIED", "SECONDARY", "UNVERIFIED", "DERIVED", "DESIGN")


def test_reasons_cite_trd_status_and_stage() -> None:
    option = run(RESISTANT, facts())["tms"]
    context = " ".join(r["finding"] for r in option["reasons"])
    assert "TRD status: resistant (4 failed adequate trials (2 required)" in context
    assert "Maudsley Staging Method" in context
    assert "EU-PEARL" in context


def test_preferences_are_shown_never_change_the_status() -> None:
    options = run(RESISTANT, facts(preferences={"drug_free": True, "cannot_attend_daily": True}))
    assert options["tms"]["status"] == "available"
    assert any("cannot attend daily" in p for p in options["tms"]["preference_conflicts"])
    assert options["esketamine"]["status"] == "available"
    assert any("drug-free" in p for p in options["esketamine"]["preference_conflicts"])
    assert options["psychotherapy"]["preference_conflicts"] == []
    assert options["ect"]["preference_conflicts"] == []


def test_pgx_results_are_cited() -> None:
    options = run(ONE_FAILED, facts(pgx=[{"gene": "CYP2C19", "phenotype": "Poor Metabolizer"}]))
    for therapy in ("medication", "pgx_testing"):
        found = [r["finding"] for r in options[therapy]["reasons"]]
        assert any("CYP2C19 Poor Metabolizer" in f for f in found), found


def test_caution_from_a_room_is_kept_as_context() -> None:
    option = run(RESISTANT, facts(tms_screen=tms_screen(syncope=True)))["tms"]
    assert option["status"] == "available"
    assert any("caution" in r["finding"] for r in option["reasons"] if r["kind"] == "context")


def test_unverified_facts_are_listed() -> None:
    parsed = parse_history(RESISTANT, today=TODAY)
    doc = pathway_service.options_from_files(
        parsed, history_service.stage(parsed), pathway_service.parse_facts(facts())
    ).to_dict()
    unverified = doc["unverified"]
    assert any("IV racemic ketamine" in u for u in unverified)  # type: ignore[union-attr]
    assert any(
        u.startswith("Evidence-based psychotherapy") and "expected time to response: Not in" in u
        for u in unverified  # type: ignore[union-attr]
    )  # type: ignore[union-attr]


def test_no_history_needs_the_history() -> None:
    report = evaluate_options(PatientFacts(TODAY, HistorySummary("no_history")))
    by_id = {o.therapy.id: o for o in report.options}
    for therapy in ("medication", "pgx_testing", "tms", "ect", "iv_ketamine"):
        assert by_id[therapy].status == "needs_information"
        assert any("No treatment history" in r.finding for r in by_id[therapy].decisive)
    assert by_id["psychotherapy"].status == "available"


@pytest.mark.parametrize(
    ("doc", "field"),
    [
        ({"agee": 40}, "agee"),
        ({"age_years": "forty"}, "age_years"),
        ({"age_years": 400}, "age_years"),
        (
            {"contraindications": [{"therapy": "ecx", "finding": "x"}]},
            "contraindications.0.therapy",
        ),
        ({"contraindications": [{"therapy": "ect", "finding": ""}]}, "contraindications.0.finding"),
        ({"preferences": {"drug_free": "yes"}}, "preferences.drug_free"),
        ({"vns": {"medication_stable": "maybe"}}, "vns.medication_stable"),
    ],
)
def test_facts_file_refuses_unknown_keys_and_wrong_types(doc: dict[str, Any], field: str) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError) as info:
        pathway_service.parse_facts(doc)
    assert field in {".".join(str(p) for p in e["loc"]) for e in info.value.errors()}


@pytest.mark.parametrize(
    ("changes", "path"),
    [
        (
            {"tms_screen": {"answers": {"cochlear_implant": True}}},
            "tms_screen.answers.epilepsy_or_seizure",
        ),
        (
            {"esketamine_screen": {"answers": {"nonsense": True}}},
            "esketamine_screen.answers.nonsense",
        ),
        ({"psilocybin_screen": {"answers": {}}}, "psilocybin_screen.psychosis_history"),
        ({"vns": {"exclusions": {"unknown_thing": "no"}}}, "vns.exclusions.unknown_thing"),
    ],
)
def test_a_room_s_refusal_names_the_facts_field(changes: dict[str, Any], path: str) -> None:
    with pytest.raises(InvalidInput) as info:
        run(RESISTANT, facts(**changes))
    assert path in [i.path for i in info.value.issues]


def test_unknown_therapy_filter_is_refused() -> None:
    parsed = parse_history(RESISTANT, today=TODAY)
    report = pathway_service.options_from_files(
        parsed, history_service.stage(parsed), pathway_service.parse_facts(None)
    )
    with pytest.raises(InvalidInput) as info:
        pathway_service.select(report, ["tms", "magic"])
    assert info.value.issues[0].path == "therapy.1"
    assert "magic" in info.value.render()
