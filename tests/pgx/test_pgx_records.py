"""The PGx room on the patient's record, over HTTP and the CLI, on both databases: a VCF
import stored with its checksum and data versions, outside calls (preferred to the VCF
call for their gene), recommendations cross-referenced with the patient's trials (read
through the history room), entered-in-error, bad input with nothing written, roles."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from pgx_support import make_vcf
from trdcare.adapters.db.engine import unit_of_work
from trdcare.adapters.db.models import Patient, PgxResult
from trdcare.core.clock import utc_today
from trdcare.history import service as history_service
from trdcare.history.domain import parse_history
from trdcare.pgx import service as pgx_service
from web_support import SETUP, WebClient, add_patient, client, web_app

FIXTURES = (client, web_app)
TODAY = utc_today()


def with_history(client: WebClient, mrn: str) -> str:
    ref = add_patient(client.engine, mrn)
    document = {
        "episode": {"onset": "2023-01-01", "as_of": TODAY.isoformat(), "severity": "moderate"},
        "antidepressant_trials": [
            {
                "drug": "escitalopram",
                "max_daily_dose_mg": 10,
                "start": "2023-03-01",
                "end": "2023-06-01",
                "adherence": "good",
                "outcome": "no_response",
            },
            {
                "drug": "sertraline",
                "max_daily_dose_mg": 100,
                "start": "2023-07-01",
                "adherence": "good",
                "outcome": "ongoing",
            },
        ],
    }
    with unit_of_work(client.engine) as session:
        patient = session.scalars(select(Patient).where(Patient.ref == ref)).one()
        history_service.import_history(
            session, SETUP, patient, parse_history(document, today=TODAY)
        )
    return ref


def import_vcf(client: WebClient, ref: str, path: Path) -> None:
    with unit_of_work(client.engine) as session:
        patient = session.scalars(select(Patient).where(Patient.ref == ref)).one()
        pgx_service.import_vcf(session, SETUP, patient, path, sample=None)


def count(client: WebClient) -> int:
    with unit_of_work(client.engine) as session:
        return int(session.scalar(select(func.count()).select_from(PgxResult)) or 0)


def overview(client: WebClient, ref: str) -> dict[str, Any]:
    client.as_role("clinician")
    r = client.get(f"/api/v1/patients/{ref}/pgx")
    assert r.status_code == 200, r.text
    doc = r.json()
    assert isinstance(doc, dict)
    return doc


def test_vcf_result_on_the_record_with_trials_it_bears_on(
    client: WebClient, tmp_path: Path
) -> None:
    ref = with_history(client, "PGX-1")
    path = make_vcf(tmp_path, {"S": {"CYP2C19": ("*17", "*17"), "CYP2D6": ("*1", "*4")}})
    import_vcf(client, ref, path)
    doc = overview(client, ref)
    c19 = doc["genes"]["CYP2C19"]
    assert c19["diplotypes"] == ["*17/*17"] and c19["phenotype"] == "Ultrarapid Metabolizer"
    assert len(c19["file_sha256"]) == 64 and c19["file_name"] == path.name
    assert c19["data_versions"]["alleles"] == "2025-11-05-00-25"
    assert doc["genes"]["CYP2D6"]["activity_score"] == "1.0"
    esc = next(t for t in doc["trials"] if t["drug"] == "escitalopram")
    assert esc["phenotypes"] == {"CYP2C19": "Ultrarapid Metabolizer"}
    assert esc["changes_prescribing"] and not esc["current"]
    assert "nothing is changed automatically" in esc["explanation"]
    sert = next(t for t in doc["trials"] if t["drug"] == "sertraline")
    assert sert["current"] and sert["phenotypes"]["CYP2B6"] == "Normal Metabolizer"
    assert {r["drug"] for r in doc["recommendations"]} >= {"citalopram", "amitriptyline"}


def test_outside_call_is_preferred_and_bad_ones_write_nothing(
    client: WebClient, tmp_path: Path
) -> None:
    ref = add_patient(client.engine, "PGX-2")
    import_vcf(client, ref, make_vcf(tmp_path, {"S": {"CYP2D6": ("*1", "*1")}}))
    client.as_role("physician")
    before = count(client)
    for body, words in (
        ({"gene": "CYP2D6", "diplotype": "*1/*999"}, "*999 is not a known CYP2D6 allele"),
        ({"gene": "CYP3A4", "diplotype": "*1/*1"}, "Gene"),
        ({"gene": "CYP2D6", "diplotype": "*1xN/*1"}, "number of copies"),
        ({"gene": "CYP2D6", "diplotype": "*1/*1", "reported_on": "2999-01-01"}, "future"),
    ):
        r = client.post(f"/api/v1/patients/{ref}/pgx/outside-calls", json=body)
        assert r.status_code == 422, r.text
        assert words in r.text
    assert count(client) == before
    r = client.post(
        f"/api/v1/patients/{ref}/pgx/outside-calls",
        json={
            "gene": "CYP2D6",
            "diplotype": "*1/*2x2",
            "lab": "Example Lab",
            "reported_on": "2025-01-02",
        },
    )
    assert r.status_code == 201, r.text
    assert r.json()["activity_score"] == "3.0" and r.json()["source"] == "outside"
    d6 = overview(client, ref)["genes"]["CYP2D6"]
    assert d6["source"] == "outside" and d6["phenotype"] == "Ultrarapid Metabolizer"
    number, version = r.json()["id"], r.json()["version"]
    client.as_role("physician")
    r = client.post(
        f"/api/v1/patients/{ref}/pgx/results/{number}/retire",
        json={"reason": "wrong patient's report", "version": version},
    )
    assert r.status_code == 200, r.text
    doc = overview(client, ref)
    assert doc["genes"]["CYP2D6"]["source"] == "vcf"
    assert [w["id"] for w in doc["withdrawn"]] == [number]


def test_roles(client: WebClient) -> None:
    ref = add_patient(client.engine, "PGX-3")
    client.as_role("technician")
    assert client.get(f"/api/v1/patients/{ref}/pgx").status_code == 200
    r = client.post(
        f"/api/v1/patients/{ref}/pgx/outside-calls", json={"gene": "CYP2D6", "diplotype": "*1/*1"}
    )
    assert r.status_code == 403
    client.as_role("front_desk")
    assert client.get(f"/api/v1/patients/{ref}/pgx").status_code == 403


def test_the_chart_shows_the_result_beside_the_trials_it_explains(
    client: WebClient, tmp_path: Path
) -> None:
    ref = with_history(client, "PGX-CHART")
    import_vcf(client, ref, make_vcf(tmp_path, {"S": {"CYP2C19": ("*2", "*2")}}))
    client.as_role("clinician", via="session")
    page = client.get(f"/patients/{ref}")
    assert page.status_code == 200, page.text
    html = page.text
    assert "Pharmacogenomics (CPIC)" in html
    assert "Poor Metabolizer" in html and "*2/*2" in html
    assert "Trials with a CPIC recommendation for this patient" in html
    panel = html[html.index("Pharmacogenomics (CPIC)") :]
    assert (
        "escitalopram" in panel
        and "Prefer an antidepressant not mainly cleared by CYP2C19" in panel
    )
    assert "None" not in panel.split("</section>")[0]
    assert (
        html.index("Pharmacogenomics (CPIC)") > html.index("Treatment history")
        if "Treatment history" in html
        else True
    )
    client.as_role("front_desk", via="session")
    assert "Pharmacogenomics" not in client.get(f"/patients/{ref}").text
