"""A patient's treatment history under simultaneous imports to a served app (SQLite and
PostgreSQL): one current episode is kept, the others get the 409 a later import gets; and
simultaneous replacements leave exactly one current episode."""

from __future__ import annotations

from sqlalchemy import func, select

from concurrency_support import BURST, ServedApp, burst, served_app
from trdcare.adapters.db.engine import unit_of_work
from trdcare.adapters.db.models import Episode
from web_support import add_patient

FIXTURES = (served_app,)
HISTORY = {
    "episode": {"onset": "2024-01-01", "severity": "moderate"},
    "antidepressant_trials": [
        {
            "drug": "sertraline",
            "max_daily_dose_mg": 200,
            "start": "2024-02-01",
            "end": "2024-04-30",
            "adherence": "good",
            "outcome": "no_response",
        }
    ],
    "augmentation_trials": [],
    "ect_courses": [],
    "psychotherapy_courses": [],
}


def _current_episodes(app: ServedApp) -> int:
    with unit_of_work(app.engine) as session:
        return int(
            session.scalar(
                select(func.count()).select_from(Episode).where(Episode.retired_at.is_(None))
            )
            or 0
        )


def test_one_current_episode_is_recorded(served_app: ServedApp) -> None:
    ref = add_patient(served_app.engine)
    statuses = burst(served_app, "physician", f"/api/v1/patients/{ref}/history", HISTORY)
    assert statuses == {201: 1, 409: BURST - 1}, statuses
    assert _current_episodes(served_app) == 1


def test_simultaneous_replacements_leave_one_current_episode(served_app: ServedApp) -> None:
    ref = add_patient(served_app.engine)
    url = f"/api/v1/patients/{ref}/history"
    assert burst(served_app, "physician", url, HISTORY, n=1) == {201: 1}
    statuses = burst(served_app, "physician", url, HISTORY, method="PUT")
    assert statuses == {200: BURST}, statuses  # each replaces the one before it
    assert _current_episodes(served_app) == 1
