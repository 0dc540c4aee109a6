"""Cancel, stop, correct and entered-in-error over the API, the pages and the CLI, on both
databases (issue #14 finding 10): who may, bad input named by field, nothing written."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select

from trdcare.adapters.db.engine import unit_of_work
from trdcare.adapters.db.models import RecordVersion
from trdcare.core.clock import utc_today
from web_support import WebClient, add_patient, client, web_app

FIXTURES = (client, web_app)

NO = {
    "epilepsy_or_seizure": False,
    "syncope": False,
    "head_trauma": False,
    "hearing_problems": False,
    "cochlear_implant": False,
    "pregnancy": False,
    "metal_in_head_or_spine": False,
    "implanted_neurostimulator": False,
    "pacemaker_or_intracardiac_lines": False,
    "medication_infusion_device": False,
    "medications": False,
    "previous_tms": False,
    "previous_mri": False,
}

# A course typed a year ahead in error (a 2099 start is now refused outright).
_AHEAD = utc_today() + timedelta(days=400)
NEXT_YEAR = _AHEAD - timedelta(days=_AHEAD.weekday())  # a Monday


def _plan(client: WebClient, ref: str, start: date) -> dict[str, Any]:
    client.as_role("physician")
    assert client.post(f"/api/v1/patients/{ref}/tms/screens", json={"answers": NO}).is_success
    r = client.post(
        f"/api/v1/patients/{ref}/tms/plan",
        json={"protocol": "hf10-left-dlpfc", "start": start.isoformat(), "mt_pct_mso": 55},
    )
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def _kept_versions(client: WebClient) -> int:
    with unit_of_work(client.engine) as session:
        return int(session.scalar(select(func.count()).select_from(RecordVersion)) or 0)


def _past_course(client: WebClient, sessions: int) -> str:
    ref = add_patient(client.engine)
    today = date.today()
    _plan(client, ref, date.fromordinal(today.toordinal() - today.weekday() - 21))
    client.as_role("technician")
    for _ in range(sessions):
        r = client.post(f"/api/v1/patients/{ref}/tms/sessions", json={"pulses_delivered": 3000})
        assert r.status_code == 201, r.text
    return ref


class TestCourseApi:
    def test_a_course_not_begun_is_cancelled_by_a_physician_with_a_reason(
        self, client: WebClient
    ) -> None:
        ref = add_patient(client.engine)
        course = _plan(client, ref, NEXT_YEAR)
        url = f"/api/v1/patients/{ref}/tms/course/cancel"
        before = _kept_versions(client)
        client.as_role("technician")
        assert client.post(url, json={"reason": "wrong year", "version": 1}).status_code == 403
        client.as_role("physician")
        empty = client.post(url, json={"reason": "", "version": course["version"]})
        assert empty.status_code == 422 and empty.json()["errors"][0]["path"] == "reason"
        stale = client.post(url, json={"reason": "wrong year", "version": 99})
        assert stale.status_code == 409 and "version 99" in stale.json()["detail"]
        assert _kept_versions(client) == before  # nothing written
        ok = client.post(url, json={"reason": "wrong year", "version": course["version"]})
        assert ok.status_code == 200, ok.text
        assert ok.json()["status"] == "cancelled"
        assert client.get(f"/api/v1/patients/{ref}/tms/course").status_code == 409
        again = client.post(url, json={"reason": "wrong year", "version": course["version"]})
        assert again.status_code == 409

    def test_a_course_that_began_is_stopped(self, client: WebClient) -> None:
        ref = _past_course(client, 2)
        client.as_role("physician")
        version = client.get(f"/api/v1/patients/{ref}/tms/course").json()["version"]
        cancel = client.post(
            f"/api/v1/patients/{ref}/tms/course/cancel",
            json={"reason": "changed mind", "version": version},
        )
        assert cancel.status_code == 409 and "stopped, not cancelled" in cancel.json()["detail"]
        stop = client.post(
            f"/api/v1/patients/{ref}/tms/course/stop",
            json={"reason": "moved away", "version": version},
        )
        assert stop.status_code == 200, stop.text
        assert (stop.json()["status"], stop.json()["planned_sessions"]) == ("stopped", 2)


class TestSessionApi:
    def test_correct_then_retire_the_latest_session(self, client: WebClient) -> None:
        ref = _past_course(client, 2)
        base = f"/api/v1/patients/{ref}/tms/sessions/2"
        client.as_role("clinician")  # holds tms.correct, but did not log it
        denied = client.post(
            f"{base}/correct", json={"reason": "typo", "version": 1, "pulses_delivered": 2400}
        )
        assert denied.status_code == 403
        client.as_role("technician")
        extra = client.post(
            f"{base}/correct", json={"reason": "typo", "version": 1, "shoe_size": 40}
        )
        assert extra.status_code == 422
        fixed = client.post(
            f"{base}/correct",
            json={"reason": "stopped early: headache", "version": 1, "pulses_delivered": 2400},
        )
        assert fixed.status_code == 200, fixed.text
        assert fixed.json()["changed"] == ["pulses_delivered"]
        assert fixed.json()["record"]["version"] == 2
        history = client.get(f"{base}/versions").json()
        assert history[0]["changed_by"] == "technician.test"
        assert history[0]["changes"] == [
            {"field": "pulses_delivered", "before": 3000, "after": 2400}
        ]
        unknown = client.post(
            f"/api/v1/patients/{ref}/tms/sessions/7/entered-in-error",
            json={"reason": "wrong patient", "version": 1},
        )
        assert unknown.status_code == 404
        earlier = client.post(
            f"/api/v1/patients/{ref}/tms/sessions/1/entered-in-error",
            json={"reason": "wrong patient", "version": 1},
        )
        assert earlier.status_code == 409 and "latest" in earlier.json()["detail"]
        gone = client.post(
            f"{base}/entered-in-error", json={"reason": "wrong patient", "version": 2}
        )
        assert gone.status_code == 200, gone.text
        assert gone.json()["record"]["retired_reason"] == "entered in error: wrong patient"
        course = client.get(f"/api/v1/patients/{ref}/tms/course").json()
        assert course["delivered"] == 1
        assert [
            s["session_number"] for s in client.get(f"/api/v1/patients/{ref}/tms/sessions").json()
        ] == [1]


class TestAdverseEventApi:
    def test_a_serious_event_is_retired_by_a_physician_only(self, client: WebClient) -> None:
        ref = _past_course(client, 1)
        client.as_role("technician")
        r = client.post(
            f"/api/v1/patients/{ref}/tms/adverse-events",
            json={
                "occurred_on": date.today().isoformat(),
                "adverse_events": [{"kind": "syncope", "severity": "moderate"}],
            },
        )
        assert r.status_code == 201, r.text
        event = r.json()["adverse_events"][0]
        url = f"/api/v1/patients/{ref}/tms/adverse-events/{event['id']}/entered-in-error"
        denied = client.post(url, json={"reason": "other patient", "version": event["version"]})
        assert denied.status_code == 403 and "physician" in denied.json()["detail"]
        client.as_role("physician")
        ok = client.post(url, json={"reason": "other patient", "version": event["version"]})
        assert ok.status_code == 200, ok.text
        assert ok.json()["course_status"] == "paused"  # the pause review still decides
        assert ok.json()["record"]["retired_by"] == "physician.test"
        again = client.post(url, json={"reason": "other patient", "version": event["version"]})
        assert again.status_code == 409
        versions = client.get(
            f"/api/v1/patients/{ref}/tms/adverse-events/{event['id']}/versions"
        ).json()
        assert versions[-1]["reason"].startswith("entered in error: other patient")
        missing = client.post(
            f"/api/v1/patients/{ref}/tms/adverse-events/999999/correct",
            json={"reason": "typo", "version": 1, "severity": "mild"},
        )
        assert missing.status_code == 404


class TestPages:
    def test_cancel_a_course_not_begun_from_its_page(self, client: WebClient) -> None:
        ref = add_patient(client.engine)
        _plan(client, ref, NEXT_YEAR)
        client.as_role("physician", via="session")
        page = client.get(f"/patients/{ref}/tms").text
        assert "Cancel the course" in page
        form = client.get(f"/patients/{ref}/tms/course/end")
        assert form.status_code == 200 and 'id="cancel-form"' in form.text
        before = _kept_versions(client)
        empty = client.form(f"/patients/{ref}/tms/course/cancel", {"reason": " ", "version": "1"})
        assert empty.status_code == 422
        assert 'id="err-reason"' in empty.text and "None" not in empty.text
        assert _kept_versions(client) == before
        done = client.form(
            f"/patients/{ref}/tms/course/cancel",
            {"reason": "planned a year ahead in error", "version": "1"},
        )
        assert done.status_code == 303, done.text
        page = client.get(done.headers["location"]).text
        assert "Course cancelled" in page
        assert (
            "cancelled: planned a year ahead in error" in page and 'id="cancelled-courses"' in page
        )

    def test_correct_and_retire_a_session_from_its_page(self, client: WebClient) -> None:
        ref = _past_course(client, 2)
        client.as_role("technician", via="session")
        assert "Correct · Entered in error" in client.get(f"/patients/{ref}/tms").text
        record = client.get(f"/patients/{ref}/tms/sessions/2")
        assert record.status_code == 200 and 'id="correct-form"' in record.text
        values = {
            "version": "1",
            "reason": "stopped early: headache",
            "pulses_delivered": "2400",
            "planned_pulses": "3000",
            "intensity_pct_mso": "66",
            "mt_pct_mso": "55",
            "trains_delivered": "",
            "excess_reason": "",
            "coil": "",
            "device": "",
            "target": "",
        }
        bad = client.form(f"/patients/{ref}/tms/sessions/2/correct", {**values, "reason": ""})
        assert bad.status_code == 422 and 'id="err-reason"' in bad.text
        fixed = client.form(f"/patients/{ref}/tms/sessions/2/correct", values)
        assert fixed.status_code == 303, fixed.text
        record = client.get(f"/patients/{ref}/tms/sessions/2").text
        assert "corrected by technician.test on" in record
        assert "stopped early: headache" in record and "3000 &rarr; 2400" in record
        stale = client.form(f"/patients/{ref}/tms/sessions/2/correct", values)
        assert stale.status_code == 409 and "version 1 was shown" in stale.text
        gone = client.form(
            f"/patients/{ref}/tms/sessions/2/entered-in-error",
            {"version": "2", "reason": "wrong patient"},
        )
        assert gone.status_code == 303, gone.text
        page = client.get(f"/patients/{ref}/tms").text
        assert 'id="entered-in-error"' in page and "entered in error: wrong patient" in page

    def test_a_technician_cannot_retire_a_serious_event_from_its_page(
        self, client: WebClient
    ) -> None:
        ref = _past_course(client, 1)
        client.as_role("technician")
        r = client.post(
            f"/api/v1/patients/{ref}/tms/adverse-events",
            json={
                "occurred_on": date.today().isoformat(),
                "adverse_events": [{"kind": "seizure", "severity": "severe", "description": "x"}],
            },
        )
        event_id = r.json()["adverse_events"][0]["id"]
        client.as_role("technician", via="session")
        url = f"/patients/{ref}/tms/adverse-events/{event_id}"
        assert 'id="retire-form"' in client.get(url).text
        denied = client.form(f"{url}/entered-in-error", {"version": "1", "reason": "other patient"})
        assert denied.status_code == 403
        client.as_role("physician", via="session")
        ok = client.form(f"{url}/entered-in-error", {"version": "1", "reason": "other patient"})
        assert ok.status_code == 303
        record = client.get(url).text
        assert "entered in error: other patient" in record and 'id="retire-form"' not in record
