"""The demo clinic's VNS and DBS patients are real courses on their rooms' pathways: a VNS
course titrated in the published steps and responding past month 12, one too early to call
non-response, and an investigational DBS course in a research protocol, every setting within
the limits; a clinic too small for them has none."""

from __future__ import annotations

import itertools

from sqlalchemy import func, select

from trdcare.adapters.db.engine import unit_of_work
from trdcare.adapters.db.models import Patient
from trdcare.adapters.db.models.dbs import DbsSurgery
from trdcare.adapters.db.models.vns import VnsImplant
from trdcare.core.clock import utc_today
from trdcare.dbs import service as dbs_service
from trdcare.demo.service import DEMO_ACTOR, load_demo
from trdcare.vns import service as vns_service
from web_support import WebClient, client, web_app

FIXTURES = (client, web_app)


def test_the_neurostimulation_patients(client: WebClient) -> None:
    with unit_of_work(client.engine) as session:
        loaded = load_demo(session, seed=3, patients=12, as_of=utc_today())
    assert loaded.patients == 12
    with unit_of_work(client.engine) as session:
        assert session.scalar(select(func.count()).select_from(Patient)) == 12

        def patient(mrn: str) -> Patient:
            return session.scalars(select(Patient).where(Patient.mrn == mrn)).one()

        long = vns_service.overview(session, DEMO_ACTOR, patient("DEMO-00010"))
        assert long["candidacy"]["overall"] == "meets_criteria"
        currents = [t["output_current_ma"] for t in long["titrations"]]
        assert currents[0] == 0.25 and currents[-1] == 1.25
        assert all(round(b - a, 2) == 0.25 for a, b in itertools.pairwise(currents))
        assert all(not t["flags"] for t in long["titrations"])
        assert long["timeline"]["phase"] == "assessable"
        assert long["outcome"]["judged"] is True

        early = vns_service.overview(session, DEMO_ACTOR, patient("DEMO-00011"))
        assert early["timeline"]["phase"] == "too_early"
        assert early["outcome"]["judged"] is False

        dbs = dbs_service.overview(session, DEMO_ACTOR, patient("DEMO-00012"))
        assert dbs["investigational"] is True
        assert dbs["surgery"]["protocol_ref"] == "IRB-DEMO-0001"
        assert dbs["candidacy"]["overall"] in ("meets_criteria", "incomplete")
        assert len(dbs["programmings"]) == 4
        assert all(p["within_limits"] and p["override"] is None for p in dbs["programmings"])


def test_a_small_clinic_has_none(client: WebClient) -> None:
    with unit_of_work(client.engine) as session:
        load_demo(session, seed=3, patients=4, as_of=utc_today())
    with unit_of_work(client.engine) as session:
        assert session.scalar(select(func.count()).select_from(VnsImplant)) == 0
        assert session.scalar(select(func.count()).select_from(DbsSurgery)) == 0
