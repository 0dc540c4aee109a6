"""The care plan's check-then-write (the version shown, then the change) under simultaneous
requests to a served app, on SQLite and PostgreSQL: of simultaneous first changes one
creates the plan, of simultaneous changes against one version one is kept; the others are
refused (409) with nothing written. The assertions count winners, never timings."""

from __future__ import annotations

from sqlalchemy import func, select

from concurrency_support import BURST, ServedApp, api, burst, served_app
from trdcare.adapters.db.engine import unit_of_work
from trdcare.adapters.db.models import CarePlanRow, RecordVersion
from trdcare.core.clock import utc_today
from web_support import add_patient

FIXTURES = (served_app,)


def _counts(app: ServedApp) -> tuple[int, int, int]:
    with unit_of_work(app.engine) as session:
        plans = list(session.scalars(select(CarePlanRow)))
        kept = session.scalar(
            select(func.count())
            .select_from(RecordVersion)
            .where(RecordVersion.table_name == CarePlanRow.__tablename__)
        )
        return len(plans), (plans[0].version if plans else 0), int(kept or 0)


def test_one_first_change_creates_the_plan(served_app: ServedApp) -> None:
    ref = add_patient(served_app.engine)
    body = {"therapy": "tms", "start_date": utc_today().isoformat(), "reason": "TMS planned",
            "version": 0}  # fmt: skip
    statuses = burst(served_app, "physician", f"/api/v1/patients/{ref}/care-plan/therapies", body)
    assert statuses == {201: 1, 409: BURST - 1}, statuses
    assert _counts(served_app) == (1, 1, 0)


def test_one_change_is_kept_against_one_version(served_app: ServedApp) -> None:
    ref = add_patient(served_app.engine)
    url = f"/api/v1/patients/{ref}/care-plan"
    today = utc_today().isoformat()
    with api(served_app, "clinician") as http:
        r = http.post(f"{url}/measures", json={"scale": "phq9", "completed_by": "patient",
                      "every_days": 7, "start_date": today, "reason": "weekly", "version": 0})  # fmt: skip
        assert r.status_code == 201, r.text
    body = {"completed_by": "patient", "every_days": 14, "start_date": today,
            "reason": "fortnightly now", "version": 1}  # fmt: skip
    statuses = burst(served_app, "clinician", f"{url}/measures/M1", body)
    assert statuses == {200: 1, 409: BURST - 1}, statuses
    assert _counts(served_app) == (1, 2, 1)
