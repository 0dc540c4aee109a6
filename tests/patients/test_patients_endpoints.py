"""The patient record over HTTP: API (paged list, create, lookup by MRN in the body, get,
correct) and pages (list, register, chart, correct), on both databases."""

from __future__ import annotations

from sqlalchemy import select

from trdcare.adapters.db.engine import unit_of_work
from trdcare.adapters.db.models import AuditEvent, Patient
from web_support import WebClient, add_patient, client, web_app

FIXTURES = (client, web_app)

NEW = {"mrn": "MRN-9", "given_name": "Grace", "family_name": "Hopper", "birth_date": "1956-12-09"}


class TestApi:
    def test_create_get_list_and_correct(self, client: WebClient) -> None:
        client.as_role("front_desk")
        created = client.post("/api/v1/patients", json=NEW)
        assert created.status_code == 201
        ref = created.json()["ref"]
        assert ref.startswith("P-") and created.json()["created_by"] == "front.desk.test"
        assert client.get(f"/api/v1/patients/{ref}").json()["family_name"] == "Hopper"
        page = client.get("/api/v1/patients", params={"limit": 1}).json()
        assert page["total"] == 1 and page["limit"] == 1 and len(page["items"]) == 1
        patched = client.patch(
            f"/api/v1/patients/{ref}", json={"family_name": "Murray", "reason": "typo fixed"}
        )
        assert patched.status_code == 200 and patched.json()["version"] == 2

    def test_lookup_by_mrn_keeps_it_out_of_the_url(self, client: WebClient) -> None:
        ref = add_patient(client.engine, "SECRET-MRN")
        client.as_role("clinician")
        found = client.post("/api/v1/patients/lookup", json={"mrn": "SECRET-MRN"})
        assert found.status_code == 200 and found.json()["ref"] == ref
        # An MRN in the path is not a ref: refused before any lookup.
        assert client.get("/api/v1/patients/SECRET-MRN").status_code == 422

    def test_nul_characters_are_refused_naming_the_field(self, client: WebClient) -> None:
        client.as_role("front_desk")
        bad = client.post("/api/v1/patients", json={**NEW, "given_name": "Gr\x00ace"})
        assert bad.status_code == 422
        assert bad.headers["content-type"].startswith("application/problem+json")
        assert bad.json()["errors"][0]["path"] == "given_name"
        assert client.get("/api/v1/patients", params={"status": "a\x00"}).status_code == 422
        with unit_of_work(client.engine) as session:
            assert session.scalars(select(Patient)).all() == []

    def test_control_and_bidi_characters_are_refused_naming_the_field(
        self, client: WebClient
    ) -> None:
        client.as_role("front_desk")
        for field, text in (
            ("given_name", "Gr\x07ace"),  # BEL
            ("family_name", "Hop\x1b[2Jper"),  # ESC: clears a terminal
            ("family_name", "Hop\u202erep"),  # RIGHT-TO-LEFT OVERRIDE
            ("mrn", "MRN\u2066-9"),  # LEFT-TO-RIGHT ISOLATE
        ):
            bad = client.post("/api/v1/patients", json={**NEW, field: text})
            assert bad.status_code == 422, (field, text)
            (issue,) = bad.json()["errors"]
            assert issue["path"] == field and "U+" in issue["message"]
            assert "bidirectional" in issue["allowed"]
        ref = client.post("/api/v1/patients", json=NEW).json()["ref"]
        bad = client.patch(
            f"/api/v1/patients/{ref}", json={"given_name": "G\u202eG", "reason": "typo"}
        )
        assert bad.status_code == 422 and bad.json()["errors"][0]["path"] == "given_name"
        with unit_of_work(client.engine) as session:
            assert [p.given_name for p in session.scalars(select(Patient))] == ["Grace"]

    def test_errors(self, client: WebClient) -> None:
        client.as_role("physician")
        assert client.get("/api/v1/patients/P-0000000000").status_code == 404
        duplicate = add_patient(client.engine, "DUP")
        assert duplicate
        r = client.post("/api/v1/patients", json={**NEW, "mrn": "DUP"})
        assert r.status_code == 409 and "DUP" not in r.text
        r = client.post("/api/v1/patients", json={**NEW, "sex": "x"})
        assert r.status_code == 422 and r.json()["errors"][0]["path"] == "sex"
        assert client.get("/api/v1/patients", params={"limit": 0}).status_code == 422
        r = client.patch("/api/v1/patients/P-0000000000", json={"reason": "x"})
        assert r.status_code in (404, 422)

    def test_technician_reads_but_does_not_write(self, client: WebClient) -> None:
        client.as_role("technician")
        assert client.get("/api/v1/patients").status_code == 200
        assert client.post("/api/v1/patients", json=NEW).status_code == 403


class TestPages:
    def test_register_then_chart_then_correct(self, client: WebClient) -> None:
        client.as_role("front_desk", via="session")
        assert client.get("/patients/new").status_code == 200
        bad = client.form("/patients/new", {**NEW, "birth_date": "2999-01-01"})
        assert bad.status_code == 422 and "birth_date" in bad.text
        r = client.form("/patients/new", NEW)
        assert r.status_code == 303
        chart_url = r.headers["location"].split("?")[0]
        ref = chart_url.rsplit("/", 1)[1]
        chart = client.get(chart_url)
        assert chart.status_code == 200 and "Hopper" in chart.text
        # The front desk sees demographics and self-report links, no clinical panels.
        assert 'id="self-report"' in chart.text and 'id="assessments"' not in chart.text
        assert client.get(f"/patients/{ref}/edit").status_code == 200
        fixed = client.form(
            f"/patients/{ref}/edit", {"family_name": "Murray", "reason": "married name"}
        )
        assert fixed.status_code == 303
        with unit_of_work(client.engine) as session:
            assert session.scalar(select(Patient.family_name)) == "Murray"

    def test_list_find_and_unknown(self, client: WebClient) -> None:
        ref = add_patient(client.engine, "FIND-ME")
        client.as_role("clinician", via="session")
        listing = client.get("/patients")
        assert listing.status_code == 200 and ref in listing.text
        found = client.form("/patients/find", {"mrn": "FIND-ME"})
        assert found.status_code == 303 and found.headers["location"] == f"/patients/{ref}"
        assert client.form("/patients/find", {"mrn": "NOPE"}).status_code == 404
        assert client.get("/patients/P-0000000000").status_code == 404
        assert client.get("/patients/not-a-ref").status_code == 404

    def test_chart_for_clinical_staff_has_every_panel(self, client: WebClient) -> None:
        ref = add_patient(client.engine)
        client.as_role("physician", via="session")
        chart = client.get(f"/patients/{ref}")
        for panel in ('id="history"', 'id="assessments"', 'id="self-report"', 'id="tms"'):
            assert panel in chart.text
        with unit_of_work(client.engine) as session:
            reads = session.scalars(
                select(AuditEvent.entity).where(AuditEvent.patient_ref == ref)
            ).all()
        assert "patient" in reads and "tms_overview" in reads
