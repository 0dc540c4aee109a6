"""Marking a stored neurofeedback session entered in error on the web, on SQLite and
PostgreSQL: the API (nf.correct; a technician only for the sessions they ran, the front desk refused; every refusal a
problem naming the field, nothing written) and the course page's form per session (only
with nf.correct; a reason required, its problem shown beside the field; the session then
listed as entered in error, its recording kept)."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select
from test_nf_retire import CLINICIAN, START, patient_of, snapshot, store, three_sessions

from trdcare.adapters.db.engine import unit_of_work
from trdcare.adapters.db.models import AuditEvent
from trdcare.core.actor import Actor
from web_support import (
    WebClient,
    add_patient,
    assert_plain,
    client,
    field_errors,
    machine_words,
    web_app,
)

FIXTURES = (client, web_app)


def url(ref: str, number: int | str) -> str:
    return f"/api/v1/patients/{ref}/neurofeedback/sessions/{number}/retire"


def page_url(ref: str, number: int | str) -> str:
    return f"/patients/{ref}/neurofeedback/sessions/{number}/entered-in-error"


def test_api_retire_and_the_course_view(client: WebClient) -> None:
    ref = three_sessions(client.engine, "NF-RW-1")
    client.as_role("physician")
    view = client.get(f"/api/v1/patients/{ref}/neurofeedback").json()
    (course,) = view["courses"]
    assert [s["version"] for s in course["sessions"]] == [1, 1, 1]
    assert course["entered_in_error"] == []
    r = client.post(url(ref, 2), json={"reason": "run on the wrong patient", "version": 1})
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["course"] == course["course"] and doc["session_number"] == 2
    assert doc["version"] == 2 and doc["retired_by"] == "physician.test"
    assert doc["retired_reason"] == "entered in error: run on the wrong patient"
    assert doc["recording"] == "/data/neurofeedback/session-2.edf"
    (course,) = client.get(f"/api/v1/patients/{ref}/neurofeedback").json()["courses"]
    assert [s["session_number"] for s in course["sessions"]] == [1, 3]
    assert [r["session_number"] for r in course["entered_in_error"]] == [2]
    with unit_of_work(client.engine) as session:
        entities = set(
            session.scalars(select(AuditEvent.entity).where(AuditEvent.patient_ref == ref)).all()
        )
    assert {"nf_session", "nf_course_view", "patient"} <= entities


def test_api_refusals_name_the_field_and_write_nothing(client: WebClient) -> None:
    ref = three_sessions(client.engine, "NF-RW-2")
    client.as_role("physician")
    assert client.post(url(ref, 1), json={"reason": "wrong patient", "version": 1}).is_success
    before = snapshot(client.engine)
    cases = [
        (2, {"reason": "", "version": 1}, 422, "reason"),
        (2, {"reason": "   ", "version": 1}, 422, "reason"),
        (2, {"version": 1}, 422, "reason"),
        (2, {"reason": "wrong patient"}, 422, "version"),
        (2, {"reason": "wrong patient", "version": 0}, 422, "version"),
        (2, {"reason": "wrong patient", "version": 1, "extra": 1}, 422, "extra"),
        (2, {"reason": "wrong patient", "version": 1, "course": "C-NOPE"}, 404, "C-NOPE"),
        (9, {"reason": "wrong patient", "version": 1}, 404, "no neurofeedback session 9"),
        (0, {"reason": "wrong patient", "version": 1}, 422, "number"),
        (1, {"reason": "wrong patient", "version": 2}, 409, "by physician.test"),
        (2, {"reason": "wrong patient", "version": 3}, 409, "version 3 was shown"),
    ]
    for number, body, status, words in cases:
        r = client.post(url(ref, number), json=body)
        assert r.status_code == status, (number, body, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert words in r.text, (number, body, r.text)
    assert (
        client.post(url("P-ZZZZZZZZZZ", 1), json={"reason": "xyz", "version": 1}).status_code == 404
    )
    assert snapshot(client.engine) == before


def test_who_may_mark_a_session_entered_in_error(client: WebClient) -> None:
    ref = three_sessions(client.engine, "NF-RW-3")  # run by clinician.test
    with unit_of_work(client.engine) as session:
        other = Actor(username="technician.test", role="technician", source="test")
        store(session, patient_of(session, ref), 0.3, START + timedelta(days=5), actor=other)
    before = snapshot(client.engine)
    body = {"reason": "run on the wrong patient", "version": 1}
    for role in ("front_desk", "admin"):
        client.as_role(role)
        assert client.post(url(ref, 1), json=body).status_code == 403, role
    client.as_role(None)
    assert client.post(url(ref, 1), json=body).status_code == 401
    # a clinician or a technician: only the sessions they ran (session 4: the technician's)
    client.as_role("clinician")
    r = client.post(url(ref, 4), json=body)
    assert r.status_code == 403 and "recorded by someone else" in r.text
    client.as_role("technician")
    r = client.post(url(ref, 1), json=body)
    assert r.status_code == 403 and "recorded by someone else" in r.text
    assert snapshot(client.engine) == before
    assert client.post(url(ref, 4), json=body).status_code == 200
    client.as_role("clinician")
    assert client.post(url(ref, 1), json=body).status_code == 200
    client.as_role("physician")
    assert client.post(url(ref, 2), json=body).status_code == 200


def test_course_page_form_per_session(client: WebClient) -> None:
    ref = three_sessions(client.engine, "NF-RW-4")
    client.as_role("front_desk", via="session")
    assert client.form(page_url(ref, 1), {"reason": "wrong", "version": "1"}).status_code == 403
    # a technician holds nf.correct for the sessions they ran; these were the clinician's
    client.as_role("technician", via="session")
    assert client.form(page_url(ref, 1), {"reason": "wrong", "version": "1"}).status_code == 403

    client.as_role("physician", via="session")
    page = client.get(f"/patients/{ref}/neurofeedback")
    assert page.status_code == 200
    forms = re.findall(r'<form method="post" action="([^"]+entered-in-error)"', page.text)
    assert forms == [page_url(ref, n) for n in (1, 2, 3)]
    (course_ref,) = set(re.findall(r'name="course" value="([^"]+)"', page.text))
    before = snapshot(client.engine)

    # no reason: the page again, the problem beside the reason of that session's form
    r = client.form(page_url(ref, 2), {"reason": "", "version": "1", "course": course_ref})
    assert r.status_code == 422
    assert "reason" in field_errors(r.text) and "Reason" in field_errors(r.text)["reason"]
    assert f'id="nf-retire-{course_ref}" open>' in r.text
    refused = re.search(
        r'<form[^>]+id="nf-retire-' + re.escape(f"{course_ref}-2") + r'">(.*?)</form>', r.text, re.S
    )
    assert refused and 'id="f-reason"' in refused.group(1) and 'id="err-reason"' in refused.group(1)
    assert_plain(r.text)
    assert snapshot(client.engine) == before

    r = client.form(
        page_url(ref, 2),
        {"reason": "run on the wrong patient", "version": "1", "course": course_ref},
    )
    assert r.status_code == 303
    assert r.headers["location"] == f"/patients/{ref}/neurofeedback?msg=retired"
    page = client.get(r.headers["location"])
    assert "Marked entered in error; the session is kept" in page.text
    assert "2 sessions" in page.text
    listed = re.search(r'<ul id="nf-entered-in-error-[^"]+">(.*?)</ul>', page.text, re.S)
    assert listed, page.text
    assert "Session 2 of" in listed.group(1)
    assert "entered in error: run on the wrong patient (physician.test" in listed.group(1)
    assert "<code>session-2.edf</code> is kept" in listed.group(1)
    assert re.findall(r'<form method="post" action="([^"]+entered-in-error)"', page.text) == [
        page_url(ref, 1),
        page_url(ref, 3),
    ]
    assert_plain(page.text)
    assert not machine_words(page.text) - {"faa"}

    # a second time, from a page shown before: refused (409), saying who marked it
    r = client.form(
        page_url(ref, 2),
        {"reason": "run on the wrong patient", "version": "1", "course": course_ref},
    )
    assert r.status_code == 409
    assert "already marked entered in error by physician.test" in r.text
    assert_plain(r.text)
    r = client.form(page_url(ref, 9), {"reason": "wrong patient", "version": "1", "course": ""})
    assert r.status_code == 404 and "no neurofeedback session 9" in r.text


def test_a_clinician_sees_the_form_and_a_course_without_sessions_left(client: WebClient) -> None:
    ref = add_patient(client.engine, "NF-RW-5")
    with unit_of_work(client.engine) as session:
        store(session, patient_of(session, ref), 0.1, START, actor=CLINICIAN)
    client.as_role("clinician", via="session")
    page = client.get(f"/patients/{ref}/neurofeedback")
    (course_ref,) = set(re.findall(r'name="course" value="([^"]+)"', page.text))
    r = client.form(page_url(ref, 1), {"reason": "test run", "version": "1", "course": course_ref})
    assert r.status_code == 303
    page = client.get(f"/patients/{ref}/neurofeedback")
    assert page.status_code == 200 and "0 sessions" in page.text
    assert "Session 1 of" in page.text and "Mark a session entered in error" not in page.text
    assert "None" not in re.sub(r"<[^>]+>", " ", page.text)
