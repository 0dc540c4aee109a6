"""The VNS room over HTTP on both databases: candidacy read from the history and the
assessments, implant, titration log (device maximum refused with nothing written, flags,
duty cycle), corrections and entered-in-error, the course ended; roles."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from trdcare.adapters.db.engine import unit_of_work
from trdcare.adapters.db.models import Patient, TreatmentCourse
from trdcare.adapters.db.models.vns import VnsTitration
from trdcare.assessments import service as assessment_service
from trdcare.core.clock import utc_today
from trdcare.history import service as history_service
from trdcare.history.domain import parse_history
from trdcare.vns.domain import load
from web_support import SETUP, WebClient, add_patient, client, web_app

FIXTURES = (client, web_app)
TODAY = utc_today()
NO_EXCLUSIONS = {e.id: "no" for e in load().exclusions}


def trial(drug: str, dose: float, start: str, end: str) -> dict[str, Any]:
    return {
        "drug": drug,
        "max_daily_dose_mg": dose,
        "start": start,
        "end": end,
        "adherence": "good",
        "outcome": "no_response",
    }


def candidate(client: WebClient, mrn: str = "VNS-1", *, failed: int = 4) -> str:
    """A patient in a 3-year episode with ``failed`` failed adequate trials and two MADRS
    visits in the last 45 days."""
    ref = add_patient(client.engine, mrn)
    trials = [
        trial("sertraline", 200, "2023-03-01", "2023-06-01"),
        trial("venlafaxine", 225, "2023-07-01", "2023-10-01"),
        trial("escitalopram", 20, "2023-11-01", "2024-02-01"),
        trial("duloxetine", 60, "2024-03-01", "2024-06-01"),
    ][:failed]
    document = {
        "episode": {
            "onset": "2023-01-01",
            "as_of": TODAY.isoformat(),
            "severity": "severe_without_psychosis",
        },
        "antidepressant_trials": trials,
    }
    with unit_of_work(client.engine) as session:
        patient = session.scalars(select(Patient).where(Patient.ref == ref)).one()
        history_service.import_history(
            session, SETUP, patient, parse_history(document, today=TODAY)
        )
        for days in (30, 2):
            assessment_service.record_assessment(
                session,
                SETUP,
                patient,
                "madrs",
                {str(i): 3 for i in range(1, 11)},
                administered_at=datetime.now(UTC) - timedelta(days=days),
            )
    return ref


def implant(client: WebClient, ref: str, on: date | None = None) -> dict[str, Any]:
    client.as_role("physician")
    r = client.post(
        f"/api/v1/patients/{ref}/vns/implant",
        json={
            "implanted_on": (on or TODAY - timedelta(days=60)).isoformat(),
            "generator_model": "SenTiva 1000",
            "lead_model": "PerenniaFLEX 304",
            "serial_number": "SN-123",
            "surgeon": "Dr Neuro",
        },
    )
    assert r.status_code == 201, r.text
    return r.json()


SETTING = {
    "output_current_ma": 0.25,
    "frequency_hz": 20,
    "pulse_width_us": 250,
    "on_time_s": 30,
    "off_time_min": 5,
}


def titrate(client: WebClient, ref: str, days_ago: int, **changes: Any) -> Any:
    body = {**SETTING, "visit_on": (TODAY - timedelta(days=days_ago)).isoformat(), **changes}
    return client.post(f"/api/v1/patients/{ref}/vns/titrations", json=body)


def count(client: WebClient, model: type) -> int:
    with unit_of_work(client.engine) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


class TestCandidacy:
    def test_reads_the_history_and_the_scales(self, client: WebClient) -> None:
        ref = candidate(client)
        client.as_role("clinician")
        r = client.post(
            f"/api/v1/patients/{ref}/vns/candidacy",
            json={"medication_stable": "yes", "exclusions": NO_EXCLUSIONS},
        )
        assert r.status_code == 201, r.text
        doc = r.json()
        verdicts = {c["id"]: (c["verdict"], c["data_source"]) for c in doc["criteria"]}
        assert verdicts["failed_treatments"] == ("met", "history")
        assert verdicts["chronicity"] == ("met", "history")
        assert verdicts["scale_visits"] == ("met", "assessments")
        assert verdicts["age"] == ("met", "patient")
        assert doc["overall"] == "meets_criteria"
        assert all(c["sources"] for c in doc["criteria"])

    def test_three_failed_treatments_do_not_meet(self, client: WebClient) -> None:
        ref = candidate(client, "VNS-3", failed=3)
        client.as_role("physician")
        r = client.post(
            f"/api/v1/patients/{ref}/vns/candidacy",
            json={"medication_stable": "yes", "exclusions": NO_EXCLUSIONS},
        )
        failed = next(c for c in r.json()["criteria"] if c["id"] == "failed_treatments")
        assert failed["verdict"] == "unmet"
        assert r.json()["overall"] == "does_not_meet"

    def test_no_history_leaves_criteria_unknown(self, client: WebClient) -> None:
        ref = add_patient(client.engine, "VNS-NOHIST")
        client.as_role("clinician")
        r = client.post(f"/api/v1/patients/{ref}/vns/candidacy", json={})
        assert r.status_code == 201
        verdicts = {c["id"]: c["verdict"] for c in r.json()["criteria"]}
        assert verdicts["failed_treatments"] == "unknown"
        assert verdicts["scale_visits"] == "unmet"

    def test_bad_answers_and_future_dates_are_refused(self, client: WebClient) -> None:
        ref = add_patient(client.engine, "VNS-BAD")
        client.as_role("clinician")
        for body, path in (
            ({"medication_stable": "maybe"}, "medication_stable"),
            ({"lifetime_episodes": 0}, "lifetime_episodes"),
            ({"exclusions": {"suicidal_intent": "perhaps"}}, "exclusions.suicidal_intent"),
            ({"exclusions": {"gout": "no"}}, "exclusions.gout"),
            ({"assessed_for": (TODAY + timedelta(days=1)).isoformat()}, "assessed_for"),
            ({"assessed_for": "1970-01-01"}, "assessed_for"),
        ):
            r = client.post(f"/api/v1/patients/{ref}/vns/candidacy", json=body)
            assert r.status_code == 422, body
            assert r.json()["errors"][0]["path"] == path, r.json()

    def test_technician_may_read_but_not_assess(self, client: WebClient) -> None:
        ref = add_patient(client.engine, "VNS-TECH")
        client.as_role("technician")
        assert client.post(f"/api/v1/patients/{ref}/vns/candidacy", json={}).status_code == 403
        assert client.get(f"/api/v1/patients/{ref}/vns").status_code == 200


class TestImplantAndTitration:
    def test_implant_opens_a_vns_course(self, client: WebClient) -> None:
        ref = candidate(client, "VNS-IMP")
        doc = implant(client, ref)
        with unit_of_work(client.engine) as session:
            course = session.scalars(
                select(TreatmentCourse).where(TreatmentCourse.ref == doc["implant"]["course"])
            ).one()
            assert (course.modality, course.status) == ("vns", "active")
        client.as_role("physician")
        again = client.post(
            f"/api/v1/patients/{ref}/vns/implant",
            json={"implanted_on": TODAY.isoformat(), "generator_model": "x"},
        )
        assert again.status_code == 409

    def test_implant_dates_in_the_future_or_before_birth_are_refused(
        self, client: WebClient
    ) -> None:
        ref = add_patient(client.engine, "VNS-DATE")
        client.as_role("physician")
        for on in ((TODAY + timedelta(days=1)).isoformat(), "1979-01-01"):
            r = client.post(
                f"/api/v1/patients/{ref}/vns/implant",
                json={"implanted_on": on, "generator_model": "SenTiva"},
            )
            assert r.status_code == 422
            assert r.json()["errors"][0]["path"] == "implanted_on"
        assert count(client, TreatmentCourse) == 0

    def test_titration_log_duty_cycle_flags_and_timeline(self, client: WebClient) -> None:
        ref = candidate(client, "VNS-TIT")
        implant(client, ref)
        client.as_role("clinician")
        first = titrate(client, ref, 44)
        assert first.status_code == 201, first.text
        t = first.json()["titration"]
        assert t["duty_cycle_pct"] == 9.09
        assert t["flags"] == []
        second = titrate(client, ref, 42, output_current_ma=1.0)
        rules = [f["rule"] for f in second.json()["titration"]["flags"]]
        assert rules == ["step_above_usual", "interval_below_usual"]
        timeline = second.json()["timeline"]
        assert timeline["phase"] == "too_early"
        assert timeline["too_early_to_call_non_response"] is True
        assert timeline["assessment_month"] == 12
        overview = client.get(f"/api/v1/patients/{ref}/vns").json()
        assert [x["output_current_ma"] for x in overview["titrations"]] == [0.25, 1.0]
        assert overview["current_setting"]["output_current_ma"] == 1.0

    def test_current_above_the_device_maximum_is_refused_and_nothing_written(
        self, client: WebClient
    ) -> None:
        ref = candidate(client, "VNS-MAX")
        implant(client, ref)
        before = count(client, VnsTitration)
        r = titrate(client, ref, 10, output_current_ma=3.75)
        assert r.status_code == 422
        issue = r.json()["errors"][0]
        assert issue["path"] == "output_current_ma"
        assert "3.5" in issue["allowed"]
        assert issue["given"] == "3.75"
        assert count(client, VnsTitration) == before
        assert titrate(client, ref, 10, output_current_ma=3.5).status_code == 201

    def test_visit_before_implant_or_in_future_is_refused(self, client: WebClient) -> None:
        ref = candidate(client, "VNS-VD")
        implant(client, ref)
        for days in (61, -1):
            r = titrate(client, ref, days)
            assert r.status_code == 422
            assert r.json()["errors"][0]["path"] == "visit_on"

    def test_titration_without_implant_is_a_conflict(self, client: WebClient) -> None:
        ref = add_patient(client.engine, "VNS-NOIMP")
        client.as_role("physician")
        assert titrate(client, ref, 1).status_code == 409

    def test_correct_and_retire_keep_versions(self, client: WebClient) -> None:
        ref = candidate(client, "VNS-COR")
        implant(client, ref)
        client.as_role("clinician")
        tid = titrate(client, ref, 30).json()["titration"]["id"]
        r = client.post(
            f"/api/v1/patients/{ref}/vns/titrations/{tid}/correct",
            json={"output_current_ma": 0.5, "reason": "typed the old value", "version": 1},
        )
        assert r.status_code == 200, r.text
        assert (r.json()["output_current_ma"], r.json()["version"]) == (0.5, 2)
        bad = client.post(
            f"/api/v1/patients/{ref}/vns/titrations/{tid}/correct",
            json={"output_current_ma": 4, "reason": "typo again", "version": 2},
        )
        assert bad.status_code == 422
        versions = client.get(f"/api/v1/patients/{ref}/vns/titrations/{tid}/versions").json()
        assert versions[0]["changes"][0]["field"] in {"output_current_ma", "duty_cycle_pct"}
        client.as_role("physician")  # not theirs, but a physician corrects anyone's
        gone = client.post(
            f"/api/v1/patients/{ref}/vns/titrations/{tid}/retire",
            json={"reason": "wrong patient", "version": 2},
        )
        assert gone.status_code == 200
        overview = client.get(f"/api/v1/patients/{ref}/vns").json()
        assert overview["titrations"] == []
        assert overview["withdrawn_titrations"][0]["retired_reason"] == (
            "entered in error: wrong patient"
        )

    def test_a_clinician_corrects_only_their_own_visits(self, client: WebClient) -> None:
        ref = candidate(client, "VNS-OWN")
        implant(client, ref)
        tid = titrate(client, ref, 30).json()["titration"]["id"]  # the physician's
        client.as_role("clinician")
        r = client.post(
            f"/api/v1/patients/{ref}/vns/titrations/{tid}/retire",
            json={"reason": "not mine", "version": 1},
        )
        assert r.status_code == 403

    def test_ending_the_course(self, client: WebClient) -> None:
        ref = candidate(client, "VNS-END")
        implant(client, ref)
        r = client.post(
            f"/api/v1/patients/{ref}/vns/end",
            json={"status": "stopped", "on": TODAY.isoformat(), "reason": "explanted"},
        )
        assert r.status_code == 200
        assert r.json()["status"] == "stopped"
        assert titrate(client, ref, 0).status_code == 409


class TestCourseSafetyAndOutcome:
    def test_a_serious_adverse_event_pauses_titration_until_a_physician_reviews(
        self, client: WebClient
    ) -> None:
        from trdcare.courses import service as courses_service

        ref = candidate(client, "VNS-PAUSE")
        doc = implant(client, ref)
        assert titrate(client, ref, 30).status_code == 201
        with unit_of_work(client.engine) as session:
            patient = session.scalars(select(Patient).where(Patient.ref == ref)).one()
            course = courses_service.course_of(session, patient, doc["implant"]["course"])
            courses_service.report_adverse_event(
                session,
                SETUP,
                patient,
                course,
                kind="dyspnoea",
                severity="severe",
                occurred_on=TODAY,
                serious_criteria=["hospitalisation"],
            )
        before = count(client, VnsTitration)
        refused = titrate(client, ref, 0)
        assert refused.status_code == 409
        assert "paused" in refused.json()["detail"] or "paused" in str(refused.json())
        assert count(client, VnsTitration) == before
        overview = client.get(f"/api/v1/patients/{ref}/vns").json()
        assert overview["safety"]["paused"] is True
        assert overview["safety"]["adverse_events"][0]["serious"] is True
        assert "course_paused" in overview["safety"]["alerts"]

    def test_non_response_before_month_12_is_not_yet_judged(self, client: WebClient) -> None:
        ref = candidate(client, "VNS-OUT")
        implant(client, ref, on=TODAY - timedelta(days=60))
        titrate(client, ref, 40)
        with unit_of_work(client.engine) as session:
            patient = session.scalars(select(Patient).where(Patient.ref == ref)).one()
            assessment_service.record_assessment(
                session, SETUP, patient, "madrs", {str(i): 3 for i in range(1, 11)}
            )
        outcome = client.get(f"/api/v1/patients/{ref}/vns").json()["outcome"]
        assert outcome["category"] == "non_response"
        assert outcome["judged"] is False
        assert "too early to call non-response" in outcome["note"]
