"""Inserts guarded by a unique rule, under simultaneous requests to a served app (SQLite and
PostgreSQL): of several registrations of one MRN, or accounts with one username, exactly one
is kept and the others get the same 409 a later one would, never a 500."""

from __future__ import annotations

from sqlalchemy import func, select

from concurrency_support import BURST, ServedApp, burst, served_app
from trdcare.adapters.db.engine import unit_of_work
from trdcare.adapters.db.models import Patient, User

FIXTURES = (served_app,)


def _count(app: ServedApp, what: object, *where: object) -> int:
    with unit_of_work(app.engine) as session:
        return int(session.scalar(select(func.count()).select_from(what).where(*where)) or 0)


def test_one_mrn_is_registered_once(served_app: ServedApp) -> None:
    body = {
        "mrn": "MRN-77",
        "given_name": "Ada",
        "family_name": "Byron",
        "birth_date": "1980-05-01",
    }
    statuses = burst(served_app, "front_desk", "/api/v1/patients", body)
    assert statuses == {201: 1, 409: BURST - 1}, statuses
    assert _count(served_app, Patient, Patient.mrn == "MRN-77") == 1


def test_one_username_is_taken_once(served_app: ServedApp) -> None:
    body = {
        "username": "new.nurse",
        "display_name": "New Nurse",
        "role": "clinician",
        "password": "another long passphrase",
    }
    statuses = burst(served_app, "admin", "/api/v1/users", body)
    assert statuses == {201: 1, 409: BURST - 1}, statuses
    assert _count(served_app, User, User.username == "new.nurse") == 1
