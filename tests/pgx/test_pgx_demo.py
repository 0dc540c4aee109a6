"""The demo clinic has genotyped patients on a fresh install (no ../shared): results from a
synthetic VCF through the PGx service, some CYP2D6 outside calls, shown on the chart."""

from __future__ import annotations

from sqlalchemy import select

from trdcare.adapters.db.engine import unit_of_work
from trdcare.adapters.db.models import Patient, PgxResult
from trdcare.core.clock import utc_today
from trdcare.demo.neurostimulation import NEUROSTIMULATION_PATIENTS
from trdcare.demo.service import DEMO_ACTOR, PGX_EVERY, load_demo
from trdcare.pgx import service as pgx_service
from web_support import WebClient, client, web_app

FIXTURES = (client, web_app)


def test_demo_patients_have_pgx_results(client: WebClient) -> None:
    with unit_of_work(client.engine) as session:
        load_demo(session, seed=3, patients=12, as_of=utc_today())
    with unit_of_work(client.engine) as session:
        rows = list(session.scalars(select(PgxResult)))
        genotyped = {r.patient_id for r in rows}
        # the generated patients (the VNS/DBS ones are loaded apart) are genotyped 1 in 3
        assert len(genotyped) == len(range(0, 12 - NEUROSTIMULATION_PATIENTS, PGX_EVERY))
        assert {r.source for r in rows} == {"vcf", "outside"}
        assert all(len(r.file_sha256) == 64 for r in rows if r.source == "vcf")
        patient = session.get(Patient, min(genotyped))
        assert patient is not None
        doc = pgx_service.overview(session, DEMO_ACTOR, patient)
        assert doc["genes"]["CYP2D6"]["source"] == "outside"
        assert doc["recommendations"]
        ref = patient.ref
    client.as_role("physician", via="session")
    page = client.get(f"/patients/{ref}")
    assert page.status_code == 200 and "Pharmacogenomics (CPIC)" in page.text
