"""The trajectory chart draws the outcome's own baseline, response and remission lines.

The chart used to choose its baseline and response line itself (a fourth copy of the outcome
rule, always with the default criteria); it now draws the ``course_verdict`` it is given.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.orm import Session

from trdcare.adapters.db.models import Assessment
from trdcare.assessments.domain import OutcomeCriteria, ScorePoint, course_verdict
from trdcare.assessments.pages import trajectory
from trdcare.core.actor import Actor
from trdcare.patients import service as patient_service
from trdcare.patients.schemas import PatientCreate

START = date(2026, 3, 2)
ACTOR = Actor(username="nurse.a", role="clinician", source="test")


def test_the_chart_draws_the_verdicts_lines_under_a_clinics_criteria(session: Session) -> None:
    patient = patient_service.add_patient(
        session,
        ACTOR,
        PatientCreate(
            mrn="TR-1", given_name="Noa", family_name="Berg", birth_date=date(1990, 1, 1)
        ),
    )
    totals = [(START - timedelta(days=3), 34), (START, 30), (START + timedelta(days=28), 14)]
    rows = [
        Assessment(scale_id="madrs", administered_on=day, complete=True, total=total)
        for day, total in totals
    ]
    clinic = OutcomeCriteria(response_min_reduction_pct=60, remission_max_total={"madrs": 12})
    verdict = course_verdict(
        "madrs",
        [ScorePoint(day, total) for day, total in totals],
        course_start=START,
        criteria=clinic,
    )
    chart = trajectory(session, "madrs", rows, patient, START, verdict)
    assert chart.baseline == 30  # the last score on or before the course start
    assert chart.response_at == 12.0  # 60 % below 30
    assert chart.remission_at == 12
    assert "60 % below baseline 30" in chart.svg
    # Without a verdict (no complete score) the chart draws no baseline or response line.
    empty = trajectory(session, "madrs", [], patient, START)
    assert (empty.baseline, empty.response_at, empty.remission_at) == (None, None, 10)
