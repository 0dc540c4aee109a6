"""The options view over HTTP on both databases: the API (GET, and POST with preferences),
the printable page and the chart panel; the one permission matrix; the audited read; bad
input (422 naming the field, nothing written)."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select

from pathway_support import ONE_FAILED, RESISTANT, tms_screen
from trdcare.adapters.db.engine import unit_of_work
from trdcare.adapters.db.models import AuditEvent, Patient
from trdcare.core.clock import utc_today
from trdcare.history import service as history_service
from trdcare.history.domain import parse_history
from trdcare.pathway.domain.data_schema import THERAPY_IDS
from trdcare.tms import service as tms_service
from web_support import SETUP, WebClient, add_patient, assert_plain, client, machine_words, web_app

FIXTURES = (client, web_app)


def patient_with_history(
    client: WebClient,
    mrn: str,
    *,
    screen: dict[str, bool] | None = None,
    history_doc: dict[str, Any] = RESISTANT,
) -> str:
    ref = add_patient(client.engine, mrn)
    with unit_of_work(client.engine) as session:
        patient = session.scalars(select(Patient).where(Patient.ref == ref)).one()
        history = parse_history(history_doc, today=utc_today())
        history_service.import_history(session, SETUP, patient, history)
        if screen is not None:
            tms_service.record_screen(
                session, SETUP, patient, instrument="rossi2011", answers=screen
            )
    return ref


def audit_entities(client: WebClient, ref: str) -> list[str]:
    with unit_of_work(client.engine) as session:
        return list(
            session.scalars(select(AuditEvent.entity).where(AuditEvent.patient_ref == ref)).all()
        )


def test_api_lists_every_therapy_from_the_record(client: WebClient) -> None:
    ref = patient_with_history(client, "OPT-1", screen=tms_screen(cochlear_implant=True)["answers"])
    client.as_role("physician")
    r = client.get(f"/api/v1/patients/{ref}/options")
    assert r.status_code == 200, r.text
    doc = r.json()
    by_id = {o["therapy"]: o for o in doc["options"]}
    assert sorted(by_id) == sorted(THERAPY_IDS)
    assert by_id["tms"]["status"] == "contraindicated"
    assert any("cochlear" in x["finding"].lower() for x in by_id["tms"]["reasons"])
    assert by_id["medication"]["status"] == "available"
    assert by_id["esketamine"]["status"] == "needs_information"  # no screen on record
    assert by_id["dbs"]["status"] in ("needs_information", "not_indicated")
    assert doc["ordering_rule"]["text"]
    assert "treatment_options" in audit_entities(client, ref)


def test_api_post_with_preferences_and_a_choice_of_therapies(client: WebClient) -> None:
    ref = patient_with_history(client, "OPT-2", screen=tms_screen()["answers"])
    client.as_role("clinician")
    r = client.post(
        f"/api/v1/patients/{ref}/options",
        json={"therapies": ["tms", "ect"], "preferences": {"cannot_attend_daily": True}},
    )
    assert r.status_code == 200, r.text
    options = r.json()["options"]
    assert [o["therapy"] for o in options] == ["tms", "ect"]
    assert options[0]["status"] == "available"
    assert options[0]["preference_conflicts"]
    assert options[1]["preference_conflicts"] == []


def test_api_bad_input_names_the_field(client: WebClient) -> None:
    ref = patient_with_history(client, "OPT-3")
    client.as_role("physician")
    with unit_of_work(client.engine) as session:
        before = session.scalar(select(func.count()).select_from(AuditEvent))
    for body, field in (
        ({"therapies": ["magic"]}, "therapies"),
        ({"preferences": {"drug_free": "maybe"}}, "drug_free"),
        ({"colour": "blue"}, "colour"),
    ):
        r = client.post(f"/api/v1/patients/{ref}/options", json=body)
        assert r.status_code == 422, r.text
        assert field in r.text
    assert client.get("/api/v1/patients/P-NOSUCHREF1/options").status_code in (404, 422)
    with unit_of_work(client.engine) as session:
        after = session.scalar(select(func.count()).select_from(AuditEvent))
    assert after == before  # a refused request leaves nothing, not even an audit event


def test_roles_follow_the_matrix(client: WebClient) -> None:
    ref = patient_with_history(client, "OPT-4")
    for role, allowed in (
        ("physician", True),
        ("clinician", True),
        ("technician", True),
        ("front_desk", False),
        ("admin", False),
    ):
        client.as_role(role)
        status = client.get(f"/api/v1/patients/{ref}/options").status_code
        assert (status == 200) is allowed, (role, status)


def test_page_is_printable_with_reasons_and_sources(client: WebClient) -> None:
    ref = patient_with_history(client, "OPT-5", screen=tms_screen()["answers"])
    client.as_role("physician", via="session")
    page = client.get(f"/patients/{ref}/options")
    assert page.status_code == 200, page.text
    html = page.text
    assert "data-print" in html
    for therapy in THERAPY_IDS:
        assert f'id="option-{therapy}"' in html
    assert "Expected time to response" in html
    assert "Guideline position" in html
    assert "CMS LCD L34998" in html  # a source is cited
    assert "None" not in re.sub(r"<[^>]+>", " ", html)
    assert machine_words(html) == set(), machine_words(html)
    assert_plain(html)


def test_page_preferences_are_posted_not_put_in_the_url(client: WebClient) -> None:
    ref = patient_with_history(client, "OPT-6", screen=tms_screen()["answers"])
    client.as_role("physician", via="session")
    page = client.form(f"/patients/{ref}/options", {"cannot_attend_daily": "on"})
    assert page.status_code == 200, page.text
    assert "Cannot attend daily" in page.text
    assert "Against the stated preferences" in page.text
    assert "cannot attend daily; the course needs it" in page.text
    refused = client.form(f"/patients/{ref}/options", {"drug_free": "maybe"})
    assert refused.status_code == 422
    assert "drug" in refused.text.lower()


def test_chart_shows_the_options_panel(client: WebClient) -> None:
    ref = patient_with_history(client, "OPT-7")
    client.as_role("clinician", via="session")
    chart = client.get(f"/patients/{ref}")
    assert chart.status_code == 200
    assert "Treatment options" in chart.text
    assert 'id="panel-option-tms"' in chart.text
    assert f'href="/patients/{ref}/options"' in chart.text
    client.as_role("front_desk", via="session")
    chart = client.get(f"/patients/{ref}")
    assert 'id="panel-option-tms"' not in chart.text


def test_labs_and_pgx_on_record_are_cited_on_the_medication_option(client: WebClient) -> None:
    ref = patient_with_history(client, "OPT-8")
    client.as_role("clinician")
    today = utc_today().isoformat()
    lab = {"analyte": "tsh", "value": 6.1, "unit": "mIU/L", "reference_low": 0.4,
           "reference_high": 4.0, "collected_on": today, "lab": "City Lab"}  # fmt: skip
    assert client.post(f"/api/v1/patients/{ref}/labs", json=lab).status_code == 201
    call = {"gene": "CYP2C19", "diplotype": "*2/*2"}
    r = client.post(f"/api/v1/patients/{ref}/pgx/outside-calls", json=call)
    assert r.status_code == 201, r.text
    doc = client.get(f"/api/v1/patients/{ref}/options").json()
    medication = next(o for o in doc["options"] if o["therapy"] == "medication")
    findings = [x["finding"] for x in medication["reasons"]]
    assert any("TSH 6.1 mIU/L" in f and "above the reference range" in f for f in findings)
    assert any("City Lab" in s["citation"] for x in medication["reasons"] for s in x["sources"])
    assert any("CYP2C19" in f for f in findings), findings
    assert any(f.startswith("PGx advice for") for f in findings), findings


def test_ect_first_line_indications_from_the_clinician(client: WebClient) -> None:
    ref = patient_with_history(client, "OPT-9", history_doc=ONE_FAILED)
    client.as_role("physician")
    plain = client.post(f"/api/v1/patients/{ref}/options", json={"therapies": ["ect"]})
    assert plain.json()["options"][0]["status"] == "not_indicated"
    ticked = client.post(
        f"/api/v1/patients/{ref}/options",
        json={"therapies": ["ect"], "ect": {"catatonia": True}},
    )
    option = ticked.json()["options"][0]
    assert option["status"] == "available"
    assert any(
        "First-line indication present: catatonia" in r["finding"] for r in option["reasons"]
    )
    client.as_role("physician", via="session")
    page = client.form(f"/patients/{ref}/options", {"rapid_response_needed": "on"})
    assert page.status_code == 200
    assert "First-line indication present: a need for a rapid response" in page.text
