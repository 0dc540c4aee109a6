"""The courses room over HTTP on both databases: the API (typed answers, 422 naming the
field, 403/409), the pages (every option of the report form, redisplay with the message by
the field, the review and acknowledgement forms, corrections), the chart panel and the
dashboard's alerts (TMS not counted twice)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from trdcare.adapters.db.engine import unit_of_work
from trdcare.adapters.db.models import Patient
from trdcare.core.clock import utc_today
from trdcare.courses.domain import kinds_for, serious_criteria
from trdcare.history import service as history_service
from web_support import SETUP, WebClient, add_patient, client, web_app

FIXTURES = (client, web_app)
MODALITIES = ("esketamine", "ketamine", "vns", "dbs", "psilocybin", "neurofeedback", "ect")
TODAY = utc_today().isoformat()


def _course(client: WebClient, modality: str = "esketamine", mrn: str = "MRN-C") -> tuple[str, str]:
    ref = add_patient(client.engine, mrn)
    with unit_of_work(client.engine) as session:
        patient = session.scalars(select(Patient).where(Patient.ref == ref)).one()
        course = history_service.add_course(
            session, SETUP, patient, modality=modality, start_date=utc_today() - timedelta(days=7)
        )
        return ref, course.ref


def _report(client: WebClient, ref: str, course: str, **body: Any) -> Any:
    payload = {"kind": "dissociation", "severity": "mild", "occurred_on": TODAY, **body}
    return client.post(f"/api/v1/patients/{ref}/courses/{course}/adverse-events", json=payload)


class TestApi:
    def test_report_pause_review_and_the_typed_answers(self, client: WebClient) -> None:
        ref, course = _course(client)
        client.as_role("technician")
        r = _report(client, ref, course)
        assert r.status_code == 201, r.text
        assert (
            r.json()["paused"] is False and r.json()["adverse_event"]["kind_status"] == "VERIFIED"
        )
        r = _report(client, ref, course, kind="respiratory_depression", severity="severe")
        assert r.status_code == 201 and r.json()["paused"] is True
        assert r.json()["course"]["after"] == "paused"
        safety = client.get(f"/api/v1/patients/{ref}/courses/{course}/safety").json()
        assert safety["status"] == "paused" and safety["deliverable"] is False
        assert "A physician must review the pause" in safety["refusal"]
        assert set(safety["alerts"]) == {"course_paused", "serious_adverse_event"}
        # The technician may report but not review.
        review = {"decision": "resume", "note": "SpO2 back to baseline"}
        url = f"/api/v1/patients/{ref}/courses/{course}/pause-review"
        assert client.post(url, json=review).status_code == 403
        client.as_role("physician")
        r = client.post(url, json=review)
        assert r.status_code == 200, r.text
        assert r.json()["pause"]["reviewed_by"] == "Test physician (physician.test)"
        assert r.json()["course"]["after"] == "active"
        r = client.post(url, json=review)
        assert r.status_code == 409 and "not paused" in r.text

    @pytest.mark.parametrize(
        ("body", "path"),
        [
            ({"kind": "cough"}, "kind"),
            ({"severity": "awful"}, "severity"),
            ({"occurred_on": "2999-01-01"}, "occurred_on"),
            ({"occurred_on": "not a date"}, "occurred_on"),
            ({"serious_criteria": ["fatal"]}, "serious_criteria.0"),
            ({"kind": "other", "description": ""}, "description"),
            ({"delivery_ref": "has spaces in it"}, "delivery_ref"),
            ({"description": "x" * 5000}, "description"),
            ({"colour": "red"}, "colour"),
        ],
    )
    def test_bad_input_is_422_naming_the_field(
        self, client: WebClient, body: dict[str, Any], path: str
    ) -> None:
        ref, course = _course(client)
        client.as_role("clinician")
        r = _report(client, ref, course, **body)
        assert r.status_code == 422, r.text
        assert path in [e["path"] for e in r.json()["errors"]], r.json()
        safety = client.get(f"/api/v1/patients/{ref}/courses/{course}/safety").json()
        assert safety["adverse_events"] == []

    def test_a_tms_course_and_an_unknown_course_are_refused(self, client: WebClient) -> None:
        ref, course = _course(client, "tms")
        client.as_role("physician")
        assert _report(client, ref, course).status_code == 409
        assert _report(client, ref, "C-NONE").status_code == 404

    def test_acknowledge_correct_retire_and_versions(self, client: WebClient) -> None:
        ref, course = _course(client, "psilocybin")
        client.as_role("clinician")
        r = _report(client, ref, course, kind="headache", severity="moderate")
        event = r.json()["adverse_event"]
        base = f"/api/v1/patients/{ref}/course-adverse-events/{event['id']}"
        r = client.post(
            f"{base}/correct", json={"reason": "was severe", "version": 1, "severity": "severe"}
        )
        assert r.status_code == 200 and r.json()["changed"] == ["severity"], r.text
        # Made serious: the course pauses.
        r = client.post(
            f"{base}/correct",
            json={"reason": "admitted", "version": 2, "serious_criteria": ["hospitalisation"]},
        )
        assert r.status_code == 200 and r.json()["course_status"] == "paused", r.text
        # Entered in error: a serious event needs a physician.
        r = client.post(f"{base}/entered-in-error", json={"reason": "wrong patient", "version": 3})
        assert r.status_code == 403
        client.as_role("physician")
        r = client.post(
            f"/api/v1/patients/{ref}/courses/{course}/adverse-events/acknowledge",
            json={"note": "reviewed"},
        )
        assert r.status_code == 200 and len(r.json()["adverse_events"]) == 1
        r = client.post(f"{base}/entered-in-error", json={"reason": "wrong patient", "version": 4})
        assert r.status_code == 200 and r.json()["retired_reason"].startswith("entered in error")
        versions = client.get(f"{base}/versions").json()
        assert [v["version"] for v in versions] == [1, 2, 3, 4]
        # A stale version is refused.
        r = client.post(
            f"{base}/correct", json={"reason": "again", "version": 1, "severity": "mild"}
        )
        assert r.status_code == 409

    def test_the_catalogue(self, client: WebClient) -> None:
        client.as_role("technician")
        doc = client.get("/api/v1/courses/adverse-event-catalogue").json()
        assert [c["id"] for c in doc["serious_criteria"]] == list(serious_criteria())
        by = {m["modality"]: m for m in doc["modalities"]}
        assert {"esketamine", "ketamine", "vns", "dbs", "psilocybin", "neurofeedback"} <= set(by)
        assert any(k["always_serious"] for k in by["dbs"]["kinds"])
        client.as_role("front_desk")
        assert client.get("/api/v1/courses/adverse-event-catalogue").status_code == 403


class TestPages:
    @pytest.mark.parametrize("modality", MODALITIES)
    def test_the_report_form_offers_every_kind_and_each_is_accepted(
        self, client: WebClient, modality: str
    ) -> None:
        ref, course = _course(client, modality)
        client.as_role("clinician", via="session")
        page = client.get(f"/patients/{ref}/courses/{course}/adverse-event")
        assert page.status_code == 200
        offered = re.findall(r'<option value="([a-z_]+)"', page.text)
        kinds = list(kinds_for(modality))
        assert [k for k in offered if k in kinds] == kinds
        for criterion in serious_criteria():
            assert f'name="serious_{criterion}"' in page.text
        for kind in kinds:
            r = client.form(
                f"/patients/{ref}/courses/{course}/adverse-event",
                {"kind": kind, "severity": "moderate", "occurred_on": TODAY, "description": "seen"},
            )
            assert r.status_code == 303, (kind, r.text[:400])
        safety = client.get(f"/patients/{ref}/courses/{course}/safety")
        assert safety.status_code == 200 and "None" not in safety.text
        chart = client.get(f"/patients/{ref}")
        assert chart.status_code == 200 and f"course {course}" in chart.text

    def test_bad_form_is_shown_again_with_the_message_by_the_field(self, client: WebClient) -> None:
        ref, course = _course(client, "vns")
        client.as_role("technician", via="session")
        url = f"/patients/{ref}/courses/{course}/adverse-event"
        r = client.form(
            url, {"kind": "dissociation", "severity": "mild", "occurred_on": "2999-01-01"}
        )
        assert r.status_code == 422
        assert 'id="err-occurred_on"' in r.text and 'id="err-kind"' in r.text
        assert "2999-01-01" in r.text  # the value as typed
        r = client.form(url, {"kind": "", "severity": "", "occurred_on": ""})
        assert r.status_code == 422 and 'id="err-kind"' in r.text and "None" not in r.text
        r = client.form(url, {"kind": "other", "severity": "mild", "occurred_on": TODAY})
        assert r.status_code == 422 and 'id="err-description"' in r.text
        r = client.form(
            url, {"kind": "cough", "severity": "mild", "occurred_on": TODAY, "serious_nope": "on"}
        )
        assert r.status_code == 422 and "err-serious_criteria" in r.text
        # Corrected, it is accepted; a serious one pauses.
        r = client.form(
            url,
            {
                "kind": "cough",
                "severity": "severe",
                "occurred_on": TODAY,
                "serious_hospitalisation": "on",
            },
        )
        assert r.status_code == 303 and r.headers["location"].endswith("msg=paused")
        assert "PAUSED" in client.get(r.headers["location"]).text

    def test_review_and_acknowledge_pages(self, client: WebClient) -> None:
        ref, course = _course(client, "dbs")
        client.as_role("technician", via="session")
        client.form(
            f"/patients/{ref}/courses/{course}/adverse-event",
            {"kind": "seizure", "severity": "moderate", "occurred_on": TODAY},
        )
        page = client.get(f"/patients/{ref}/courses/{course}/safety").text
        assert "pause-review-form" not in page and "A physician reviews the pause" in page
        client.as_role("physician", via="session")
        page = client.get(f"/patients/{ref}/courses/{course}/safety").text
        assert "pause-review-form" in page
        url = f"/patients/{ref}/courses/{course}/pause-review"
        r = client.form(url, {"decision": "resume", "note": ""})
        assert r.status_code == 422 and 'id="err-note"' in r.text
        r = client.form(url, {"decision": "maybe", "note": "x"})
        assert r.status_code == 422 and 'id="err-decision"' in r.text
        r = client.form(url, {"decision": "stop", "note": "stop stimulation, refer"})
        assert r.status_code == 303
        page = client.get(r.headers["location"]).text
        assert "Pause reviewed: the course is stopped" in page and "Stopped</strong> by" in page
        # A serious event after the course: the acknowledgement form.
        client.form(
            f"/patients/{ref}/courses/{course}/adverse-event",
            {
                "kind": "infection",
                "severity": "severe",
                "occurred_on": TODAY,
                "serious_hospitalisation": "on",
            },
        )
        page = client.get(f"/patients/{ref}/courses/{course}/safety").text
        assert "acknowledge-form" in page
        r = client.form(f"/patients/{ref}/courses/{course}/acknowledge", {"note": ""})
        assert r.status_code == 422 and 'id="err-note"' in r.text
        r = client.form(f"/patients/{ref}/courses/{course}/acknowledge", {"note": "antibiotics"})
        assert r.status_code == 303
        again = client.form(f"/patients/{ref}/courses/{course}/acknowledge", {"note": "again"})
        assert again.status_code == 409 and "awaits acknowledgement" in again.text

    def test_the_record_page_corrects_and_retires(self, client: WebClient) -> None:
        ref, course = _course(client, "ketamine")
        client.as_role("clinician")
        event = _report(client, ref, course, kind="nausea_vomiting").json()["adverse_event"]
        client.as_role("clinician", via="session")
        url = f"/patients/{ref}/course-adverse-events/{event['id']}"
        page = client.get(url)
        assert page.status_code == 200 and "correct-form" in page.text
        r = client.form(
            f"{url}/correct",
            {
                "version": "1",
                "serious_shown": "1",
                "kind": "nausea_vomiting",
                "severity": "mild",
                "occurred_on": TODAY,
                "description": "",
                "reason": "",
            },
        )
        assert r.status_code == 422 and 'id="err-reason"' in r.text
        r = client.form(
            f"{url}/correct",
            {
                "version": "1",
                "serious_shown": "1",
                "kind": "nausea_vomiting",
                "severity": "severe",
                "occurred_on": TODAY,
                "description": "",
                "reason": "typo",
            },
        )
        assert r.status_code == 303, r.text[:500]
        page = client.get(url).text
        assert "version 2" in page and "severity: mild &rarr; severe" in page
        r = client.form(f"{url}/entered-in-error", {"version": "2", "reason": "wrong patient"})
        assert r.status_code == 303
        assert "entered in error" in client.get(url).text


class TestDashboard:
    def test_alerts_for_a_non_tms_course_and_tms_is_not_counted_twice(
        self, client: WebClient
    ) -> None:
        ref, course = _course(client, "esketamine")
        client.as_role("physician")
        _report(client, ref, course, kind="respiratory_depression", severity="severe")
        client.as_role("physician", via="session")
        page = client.get("/dashboard").text
        row = page[page.index(ref) : page.index(ref) + 3000]
        assert "Course paused" in row and "Serious adverse event" in row
        assert "Esketamine nasal spray (paused)" in row
        assert row.count("Course paused") == 1


@pytest.mark.parametrize(
    "modality", ["esketamine", "ketamine", "vns", "dbs", "psilocybin", "neurofeedback"]
)
def test_the_history_room_opens_a_course_of_each_new_modality(
    client: WebClient, modality: str
) -> None:
    ref = add_patient(client.engine, f"MRN-{modality}")
    client.as_role("clinician")
    r = client.post(
        f"/api/v1/patients/{ref}/courses", json={"modality": modality, "start_date": TODAY}
    )
    assert r.status_code == 201 and r.json()["modality"] == modality, r.text
    r = client.get(f"/api/v1/patients/{ref}/courses/{r.json()['ref']}/safety")
    assert r.status_code == 200 and r.json()["status"] == "active"


def test_the_pages_speak_the_clinic_s_words(client: WebClient) -> None:
    from web_support import machine_words

    ref, course = _course(client, "esketamine")
    client.as_role("technician")
    event = _report(
        client,
        ref,
        course,
        kind="respiratory_depression",
        severity="severe",
        delivery_ref="esketamine_session:12",
    ).json()["adverse_event"]
    client.as_role("physician")
    r = client.post(
        f"/api/v1/patients/{ref}/course-adverse-events/{event['id']}/correct",
        json={
            "reason": "admitted overnight",
            "version": 1,
            "serious_criteria": ["hospitalisation", "important_medical_event"],
        },
    )
    assert r.status_code == 200, r.text
    client.as_role("physician", via="session")
    for path in (
        f"/patients/{ref}",
        f"/patients/{ref}/courses/{course}/safety",
        f"/patients/{ref}/courses/{course}/adverse-event",
        f"/patients/{ref}/course-adverse-events/{event['id']}",
        "/dashboard",
    ):
        page = client.get(path)
        assert page.status_code == 200, path
        assert machine_words(page.text) == set(), path
