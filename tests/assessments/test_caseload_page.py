"""One page of the caseload, filtered and sorted in SQL (SQLite and PostgreSQL).

The database sorts, filters and counts every active patient and returns one page. A plain
Python reference (the full caseload, sorted and filtered in memory) must give the same
patients in the same order, with the same counts, for every sort and filter.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from trdcare.assessments import service
from trdcare.assessments.service import (
    CASELOAD_FILTERS,
    CASELOAD_SORTS,
    URGENT_ALERTS,
    CaseloadEntry,
    OtherAlerts,
)
from trdcare.core.actor import Actor
from trdcare.core.errors import InvalidInput
from trdcare.history import service as history_service
from trdcare.patients import service as patient_service
from trdcare.patients.schemas import PatientCreate

TODAY = date.today()
ACTOR = Actor(username="nurse.a", role="clinician", source="test")
OTHER_KINDS = ("course_paused", "serious_adverse_event", "decision_point_due")


def phq9(total: int, item_9: int) -> dict[str, int]:
    answers = {"9": item_9}
    rest = total - item_9
    for i in range(1, 9):
        answers[str(i)] = min(3, rest)
        rest -= answers[str(i)]
    return answers


def build_caseload(session: Session, seed: int) -> tuple[dict[str, OtherAlerts], dict[str, Any]]:
    """Patients with ties in names and scores, some without assessments or with alerts."""
    rng = random.Random(seed)
    other: dict[str, OtherAlerts] = {}
    names: dict[str, Any] = {}
    for n in range(14):
        family = rng.choice(["abbot", "Abbot", "baker", "Carver", "dunn"])
        given = rng.choice(["ann", "Bo", "cy"])
        patient = patient_service.add_patient(
            session,
            ACTOR,
            PatientCreate(
                mrn=f"PG-{seed}-{n}",
                given_name=given,
                family_name=family,
                birth_date=date(1980, 1, 1),
            ),
        )
        names[patient.ref] = (family.lower(), given.lower(), patient.ref)
        if rng.random() < 0.5:
            history_service.add_course(
                session, ACTOR, patient, modality="tms", start_date=TODAY - timedelta(days=30)
            )
        for _ in range(rng.choice([0, 1, 2, 3])):
            day = TODAY - timedelta(days=rng.randint(0, 45))
            item_9 = 1 if rng.random() < 0.15 else 0
            service.record_assessment(
                session,
                ACTOR,
                patient,
                "phq9",
                phq9(rng.choice([4, 9, 9, 14, 20]), item_9),
                administered_at=datetime(day.year, day.month, day.day, 9, tzinfo=UTC),
            )
        if rng.random() < 0.4:
            kinds = frozenset(k for k in OTHER_KINDS if rng.random() < 0.4)
            if rng.random() < 0.2:
                kinds |= {"self_report_suicidal_ideation"}
            other[patient.ref] = OtherAlerts(kinds, in_course=rng.random() < 0.7)
    session.flush()
    return other, names


def reference(
    entries: list[CaseloadEntry],
    other: dict[str, OtherAlerts],
    names: dict[str, Any],
    *,
    sort: str,
    show: str,
    band: str | None,
) -> tuple[list[str], int]:
    rows = []
    for e in entries:
        extra = other.get(e.patient_ref, OtherAlerts(frozenset()))
        rows.append((e, set(e.alerts) | extra.kinds, extra.in_course))
    keep = {
        "all": lambda r: True,
        "alerts": lambda r: bool(r[1]),
        "response": lambda r: r[0].response,
        "remission": lambda r: r[0].remission,
        "no_response": lambda r: r[0].latest_total is not None and not r[0].response,
        "in_course": lambda r: r[2],
    }[show]
    rows = [r for r in rows if keep(r) and (not band or r[0].latest_severity == band)]
    first = {
        "name": lambda r: (),
        "score": lambda r: (-(r[0].latest_total if r[0].latest_total is not None else -1),),
        "change": lambda r: (r[0].percent_change if r[0].percent_change is not None else 1e9,),
        "alerts": lambda r: (-len(r[1] & URGENT_ALERTS), -len(r[1])),
        "last": lambda r: (r[0].latest_on is not None, r[0].latest_on or date.min),
    }[sort]
    rows.sort(key=lambda r: (*first(r), *names[r[0].patient_ref]))
    return [r[0].patient_ref for r in rows], sum(1 for r in rows if r[1])


@pytest.mark.parametrize("seed", [11, 12])
def test_a_page_is_the_reference_caseload_sorted_and_filtered(session: Session, seed: int) -> None:
    other, names = build_caseload(session, seed)
    everyone = service.caseload_summary(session, ACTOR, as_of=TODAY)
    assert len(everyone) == 14
    for sort in CASELOAD_SORTS:
        for show in CASELOAD_FILTERS:
            for band in (None, "mild"):
                expected, with_alerts = reference(
                    everyone, other, names, sort=sort, show=show, band=band
                )
                for offset, limit in ((0, 50), (3, 4), (40, 5)):
                    page = service.caseload_page(
                        session,
                        ACTOR,
                        scale_id="phq9",
                        as_of=TODAY,
                        other_alerts=other,
                        show=show,
                        band=band,
                        sort=sort,
                        offset=offset,
                        limit=limit,
                    )
                    case = f"sort={sort} show={show} band={band} offset={offset}"
                    got = [e.patient_ref for e in page.entries]
                    assert got == expected[offset : offset + limit], case
                    assert (page.total, page.with_alerts) == (len(expected), with_alerts), case
                    by_ref = {e.patient_ref: e for e in everyone}
                    assert all(e == by_ref[e.patient_ref] for e in page.entries), case


def test_unknown_sort_or_filter_names_the_field(session: Session) -> None:
    with pytest.raises(InvalidInput) as raised:
        service.caseload_page(
            session, ACTOR, scale_id="phq9", as_of=TODAY, other_alerts={}, sort="age", show="x"
        )
    assert [i.path for i in raised.value.issues] == ["sort", "show"]
