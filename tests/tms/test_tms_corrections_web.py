"""Cancel, stop, correct and entered-in-error over the API, the pages and the CLI, on both
databases (issue #14 finding 10): who may, bad input named by field, nothing written."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select

from trdcare.adapters.db.engine import unit_of_work
from trdcare.adapters.db.models import RecordVersion
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
    def test_a_2099_course_is_cancelled_by_a_physician_with_a_reason(
        self, client: WebClient
    ) -> None:
        ref = add_patient(client.engine)
        course = _plan(client, ref, date(2099, 3, 2))
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
        assert "decided by" in ok.json()["record"]["retired_reason"]
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
