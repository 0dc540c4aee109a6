"""Treatment history on the record (SQLite and PostgreSQL): import, supersede, stage."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from trdcare.adapters.db.models import Episode, RecordVersion, TreatmentTrial
from trdcare.core.actor import Actor
from trdcare.core.errors import Conflict, InvalidInput
from trdcare.history import service
from trdcare.history.domain import history_to_dict, parse_history, stage_history
from trdcare.patients import service as patient_service
from trdcare.patients.repository import PatientRepository
from trdcare.patients.schemas import PatientCreate

EXAMPLE = json.loads(
    (Path(__file__).resolve().parents[2] / "docs" / "examples" / "history.json").read_text()
)
TODAY = date(2026, 6, 1)
ACTOR = Actor(username="dr.b", role="physician", source="test")


def patient(session: Session, mrn: str = "H-1") -> object:
    found = PatientRepository(session).by_mrn(mrn)
    return found or patient_service.add_patient(
        session,
        ACTOR,
        PatientCreate(mrn=mrn, given_name="A", family_name="B", birth_date=date(1970, 1, 1)),
        today=TODAY,
    )


def count(session: Session, model: type, *where: object) -> int:
    return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def test_import_round_trips_and_stages_like_the_file(session: Session) -> None:
    p = patient(session)
    facts = parse_history(EXAMPLE, today=TODAY)
    service.import_history(session, ACTOR, p, facts)
    loaded = service.load_history(session, ACTOR, p, as_of=facts.episode.as_of)
    assert history_to_dict(loaded) == history_to_dict(facts)
    assert service.stage(loaded).to_dict() == stage_history(facts).to_dict()


def test_second_import_needs_replace_and_keeps_the_old_rows(session: Session) -> None:
    p = patient(session)
    facts = parse_history(EXAMPLE, today=TODAY)
    service.import_history(session, ACTOR, p, facts)
    with pytest.raises(Conflict, match="episode"):
        service.import_history(session, ACTOR, p, facts)
    service.import_history(session, ACTOR, p, facts, replace=True)
    assert count(session, Episode) == 2
    assert count(session, Episode, Episode.retired_at.is_(None)) == 1
    assert count(session, TreatmentTrial, TreatmentTrial.retired_at.is_not(None)) == 6
    assert count(session, RecordVersion) == 7


def test_unknown_criteria_is_named(session: Session) -> None:
    with pytest.raises(InvalidInput, match="criteria"):
        service.stage(parse_history(EXAMPLE, today=TODAY), criteria="nope")


dates = st.dates(min_value=date(2023, 1, 1), max_value=date(2027, 1, 1)).map(date.isoformat)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    drug=st.sampled_from(["sertraline", "notadrug", "", "FLUOXETINE"]),
    dose=st.one_of(
        st.floats(min_value=-50, max_value=400, allow_nan=False), st.none(), st.text(max_size=3)
    ),
    start=dates,
    end=st.one_of(dates, st.none()),
    outcome=st.sampled_from(["no_response", "remission", "bad", "ongoing"]),
)
def test_no_invalid_history_ever_writes_a_row(
    session: Session, drug: str, dose: object, start: str, end: str | None, outcome: str
) -> None:
    p = patient(session, mrn="HP")
    session.commit()
    before = (count(session, Episode), count(session, TreatmentTrial))
    document = dict(EXAMPLE)
    document["antidepressant_trials"] = [
        {
            "drug": drug,
            "max_daily_dose_mg": dose,
            "start": start,
            "end": end,
            "adherence": "good",
            "outcome": outcome,
        }
    ]
    try:
        facts = parse_history(document, today=TODAY)
        service.import_history(session, ACTOR, p, facts, replace=True)
    except InvalidInput:
        session.rollback()
        assert (count(session, Episode), count(session, TreatmentTrial)) == before
    finally:
        session.rollback()
