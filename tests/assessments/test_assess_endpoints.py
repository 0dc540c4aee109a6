"""Assessments over HTTP on both databases: scales and scoring, staff entry, trajectory
and outcome, the caseload dashboard, and self-report links end to end (single use,
expiry, a positive suicide item showing crisis resources and raising an alert)."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select, update

from trdcare.adapters.db.engine import unit_of_work
from trdcare.adapters.db.models import AuditEvent, SelfReportLink
from trdcare.adapters.web.security import csrf_token
from trdcare.core.clock import utc_now
from web_support import SECRET, WebClient, add_patient, client, web_app

FIXTURES = (client, web_app)
PHQ9 = {str(i): 1 for i in range(1, 10)}


def new_link(client: WebClient, ref: str, scale: str = "phq9") -> tuple[str, str]:
    client.as_role("front_desk")
    r = client.post(f"/api/v1/patients/{ref}/self-report-links", json={"scale": scale})
    assert r.status_code == 201, r.text
    url = r.json()["url"]
    return r.json()["ref"], url.rsplit("/r/", 1)[1]


class TestScalesAndEntry:
    def test_score_without_storing(self, client: WebClient) -> None:
        client.as_role("clinician")
        scales = client.get("/api/v1/scales").json()
        assert {s["id"] for s in scales} >= {"phq9", "gad7", "madrs"}
        r = client.post("/api/v1/score", json={"scale": "phq9", "answers": PHQ9})
        assert r.json()["total"] == 9 and r.json()["severity"] == "mild"
        bad = client.post("/api/v1/score", json={"scale": "phq9", "answers": {"9": 7}})
        assert bad.status_code == 422 and bad.json()["errors"][0]["path"] == "items.9"

    def test_record_list_outcome(self, client: WebClient) -> None:
        ref = add_patient(client.engine)
        client.as_role("technician")
        for days, value in ((21, 2), (0, 1)):
            r = client.post(
                f"/api/v1/patients/{ref}/assessments",
                json={
                    "scale": "phq9",
                    "answers": {str(i): value for i in range(1, 10)},
                    "administered_at": (utc_now() - timedelta(days=days)).isoformat(),
                },
            )
            assert r.status_code == 201, r.text
        assert r.json()["assessment"]["suicidal_ideation"] is True
        listed = client.get(f"/api/v1/patients/{ref}/assessments").json()
        assert listed["total"] == 2 and listed["items"][0]["answers"]["9"] == 2
        outcome = client.get(f"/api/v1/patients/{ref}/outcome").json()
        assert outcome["response"] is True and outcome["percent_change"] == -50.0
        future = client.post(
            f"/api/v1/patients/{ref}/assessments",
            json={
                "scale": "phq9",
                "answers": PHQ9,
                "administered_at": (utc_now() + timedelta(days=3)).isoformat(),
            },
        )
        assert future.status_code == 422
        assert future.json()["errors"][0]["path"] == "administered_at"
        # Out of UTC's range, or before the patient was born (1980-05-01): 422, not a crash.
        for when in ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-11:00", "1979-01-01"):
            r = client.post(
                f"/api/v1/patients/{ref}/assessments",
                json={"scale": "phq9", "answers": PHQ9, "administered_at": when},
            )
            assert r.status_code == 422, (when, r.text)
            assert r.json()["errors"][0]["path"] == "administered_at"

    def test_entry_page_and_assessments_page(self, client: WebClient) -> None:
        ref = add_patient(client.engine)
        client.as_role("clinician", via="session")
        assert client.get(f"/patients/{ref}/assessments/new?scale=gad7").status_code == 200
        bad = client.form(f"/patients/{ref}/assessments/new", {"scale": "phq9", "item_1": "9"})
        assert bad.status_code == 422 and "items.1" in bad.text
        answers = {f"item_{k}": v for k, v in PHQ9.items()}
        r = client.form(f"/patients/{ref}/assessments/new", {"scale": "phq9", **answers})
        assert r.status_code == 303 and "saved_flagged" in r.headers["location"]
        page = client.get(r.headers["location"])
        assert page.status_code == 200 and "<svg" in page.text and "remission" in page.text


class TestSelfReport:
    def test_link_flow_with_suicide_item(self, client: WebClient) -> None:
        ref = add_patient(client.engine)
        link_ref, token = new_link(client, ref)
        client.as_role(None)
        page = client.get(f"/r/{token}")
        assert page.status_code == 200
        assert "Thoughts that you would be better off dead" in page.text
        assert "Byron" not in page.text and 'data-suicide-min="1"' in page.text
        assert 'id="crisis-now"' in page.text
        incomplete = client.post(
            f"/r/{token}",
            data={"csrf_token": csrf_token(SECRET, "self_report", link_ref), "item_1": "1"},
        )
        assert incomplete.status_code == 422 and "items.2" in incomplete.text
        answers = {f"item_{k}": "0" for k in PHQ9} | {"item_9": "2"}
        done = client.post(
            f"/r/{token}",
            data={"csrf_token": csrf_token(SECRET, "self_report", link_ref), **answers},
        )
        assert done.status_code == 200 and 'id="crisis-resources"' in done.text
        assert "988" in done.text
        # Single use.
        assert client.get(f"/r/{token}").status_code == 404
        # The alert shows on the dashboard and through the API until acknowledged.
        client.as_role("clinician", via="session")
        dash = client.get("/dashboard")
        assert 'id="suicide-alerts"' in dash.text and ref in dash.text
        assert f'href="/alerts/{link_ref}/acknowledge"' in dash.text
        assert client.get(f"/alerts/{link_ref}/acknowledge").status_code == 200
        note = {"note": "Called back at once; safety plan reviewed."}
        assert client.form(f"/alerts/{link_ref}/acknowledge", note).status_code == 303
        assert 'id="suicide-alerts"' not in client.get("/dashboard").text
        client.as_role("clinician")
        assert client.get("/api/v1/alerts").json() == []
        with unit_of_work(client.engine) as session:
            actors = session.scalars(
                select(AuditEvent.actor).where(AuditEvent.patient_ref == ref)
            ).all()
        assert f"patient:{link_ref}" in actors

    def test_link_api_expiry_and_revocation(self, client: WebClient) -> None:
        ref = add_patient(client.engine)
        _, token = new_link(client, ref, "gad7")
        client.as_role(None)
        form = client.get(f"/api/v1/self-report/{token}").json()
        assert form["scale"] == "gad7" and len(form["items"]) == 7
        r = client.post(
            f"/api/v1/self-report/{token}", json={"answers": {str(i): 0 for i in range(1, 8)}}
        )
        assert r.status_code == 200 and r.json() == {
            "received": True,
            "suicidal_ideation": False,
            "crisis": None,
        }
        assert client.get(f"/api/v1/self-report/{token}").status_code == 404
        link_ref, token = new_link(client, ref)
        with unit_of_work(client.engine) as session:
            session.execute(
                update(SelfReportLink)
                .where(SelfReportLink.ref == link_ref)
                .values(expires_at=utc_now() - timedelta(minutes=1))
            )
        client.as_role(None)
        assert client.get(f"/api/v1/self-report/{token}").status_code == 404
        link_ref, token = new_link(client, ref)
        revoked = client.post(f"/api/v1/patients/{ref}/self-report-links/{link_ref}/revoke")
        assert revoked.json()["status"] == "revoked"
        client.as_role(None)
        assert client.get(f"/r/{token}").status_code == 404
        assert client.get("/r/" + "x" * 43).status_code == 404

    def test_only_self_report_scales_and_stored_hashed(self, client: WebClient) -> None:
        ref = add_patient(client.engine)
        client.as_role("physician")
        r = client.post(f"/api/v1/patients/{ref}/self-report-links", json={"scale": "madrs"})
        assert r.status_code == 422 and r.json()["errors"][0]["path"] == "scale"
        _, token = new_link(client, ref)
        with unit_of_work(client.engine) as session:
            stored = session.scalars(select(SelfReportLink.token_hash)).all()
        assert token not in stored and all(len(h) == 64 for h in stored)

    def test_links_page(self, client: WebClient) -> None:
        ref = add_patient(client.engine)
        client.as_role("front_desk", via="session")
        created = client.form(
            f"/patients/{ref}/self-report", {"scale": "phq9", "expires_in_hours": "48"}
        )
        assert created.status_code == 200
        url = re.search(r'id="new-link" readonly value="([^"]+)"', created.text)
        assert url and "/r/" in url.group(1)
        bad = client.form(
            f"/patients/{ref}/self-report", {"scale": "phq9", "expires_in_hours": "9999"}
        )
        assert bad.status_code == 422 and "expires_in_hours" in bad.text


class TestDashboard:
    def test_caseload_api_and_page(self, client: WebClient) -> None:
        ref = add_patient(client.engine)
        client.as_role("physician")
        client.post(f"/api/v1/patients/{ref}/assessments", json={"scale": "phq9", "answers": PHQ9})
        rows = client.get("/api/v1/caseload").json()
        assert rows[0]["patient"] == ref and rows[0]["latest_total"] == 9
        client.as_role("physician", via="session")
        for query in (
            "",
            "?show=alerts&sort=name",
            "?scale=gad7&sort=score",
            "?band=mild&show=in_course",
        ):
            assert client.get("/dashboard" + query).status_code == 200
        assert client.get("/dashboard?sort=bogus").status_code == 422

    def test_dashboard_pages_over_the_sorted_caseload(self, client: WebClient) -> None:
        refs = [
            add_patient(client.engine, mrn=f"MRN-{n}", family_name=name)
            for n, name in enumerate(("Carver", "Abbot", "Baker"))
        ]
        client.as_role("physician")
        # Only Carver has a recent positive item 9: alerts-first puts them on page 1.
        client.post(
            f"/api/v1/patients/{refs[0]}/assessments",
            json={"scale": "phq9", "answers": {**PHQ9, "9": 2}},
        )
        client.as_role("physician", via="session")
        first = client.get("/dashboard?sort=name&limit=2")
        assert first.status_code == 200
        assert first.text.index("Abbot") < first.text.index("Baker")
        assert "Carver" not in first.text and "1-2 of 3" in first.text
        assert "offset=2&amp;limit=2" in first.text and "sort=name" in first.text
        # Column headers sort the whole caseload on the server, keeping the filters.
        assert 'href="/dashboard?scale=phq9&amp;show=all&amp;band=&amp;sort=score&amp;limit=2"' in (
            first.text
        )
        assert 'aria-sort="ascending"><a href="/dashboard?scale=phq9' in first.text
        second = client.get("/dashboard?sort=name&limit=2&offset=2")
        assert "Carver" in second.text and "Abbot" not in second.text
        assert "3 patients" in second.text
        alerts_first = client.get("/dashboard?limit=1")
        assert "Carver" in alerts_first.text and "Abbot" not in alerts_first.text
        # The audit names the patients shown, not the whole caseload.
        with unit_of_work(client.engine) as session:
            views = session.scalars(
                select(AuditEvent.detail)
                .where(AuditEvent.entity == "caseload_view")
                .order_by(AuditEvent.id)
            ).all()
        assert [v["patient_refs"] for v in views] == [
            [refs[1], refs[2]],
            [refs[0]],
            [refs[0]],
        ]
        assert client.get("/dashboard?limit=0").status_code == 422


class TestSelfReportFieldsByRole:
    """Finding 7: the suicide item's answer is a clinical finding, shown per field by role."""

    def submit_positive(self, client: WebClient, ref: str) -> str:
        link_ref, token = new_link(client, ref)
        client.as_role(None)
        answers = {f"item_{k}": "0" for k in PHQ9} | {"item_9": "2"}
        done = client.post(
            f"/r/{token}",
            data={"csrf_token": csrf_token(SECRET, "self_report", link_ref), **answers},
        )
        assert done.status_code == 200
        return link_ref

    def test_every_field_of_the_api_model_has_a_decision(self) -> None:
        from trdcare.accounts.domain import SELF_REPORT_LINK_FIELDS
        from trdcare.accounts.schemas import SelfReportLinkCreated

        assert set(SelfReportLinkCreated.model_fields) <= set(SELF_REPORT_LINK_FIELDS)

    def test_each_role_sees_the_finding_only_with_clinical_read(self, client: WebClient) -> None:
        from trdcare.accounts.domain import STAFF_ROLES, is_allowed

        ref = add_patient(client.engine)
        link_ref = self.submit_positive(client, ref)
        for role in STAFF_ROLES:
            clinical = is_allowed(role, "clinical.read")
            sends = is_allowed(role, "self_report.send")
            # API: the list of links.
            client.as_role(role)
            listed = client.get(f"/api/v1/patients/{ref}/self-report-links")
            if not sends:
                assert listed.status_code == 403, role
            else:
                assert listed.status_code == 200, role
                (row,) = [r for r in listed.json() if r["ref"] == link_ref]
                assert row["status"] == "used", role
                assert row["suicidal_ideation"] is (True if clinical else None), role
                # A new link (and a revoked one) answers the same way.
                created = client.post(
                    f"/api/v1/patients/{ref}/self-report-links", json={"scale": "phq9"}
                ).json()
                assert created["suicidal_ideation"] is (False if clinical else None), role
                revoked = client.post(
                    f"/api/v1/patients/{ref}/self-report-links/{created['ref']}/revoke"
                ).json()
                assert revoked["suicidal_ideation"] is (False if clinical else None), role
            # Pages: the links page and the chart's links panel.
            client.as_role(role, via="session")
            page = client.get(f"/patients/{ref}/self-report")
            chart = client.get(f"/patients/{ref}")
            if not sends:
                assert page.status_code == 403, role
            else:
                assert page.status_code == 200, role
                assert link_ref in page.text, role
                assert ("suicide item positive" in page.text) is clinical, role
                assert (">Safety<" in page.text) is clinical, role
            if chart.status_code == 200:
                assert ("suicide item positive" in chart.text) is clinical, role
                assert "suicid" not in chart.text.lower() or clinical, role
            else:
                assert not is_allowed(role, "patients.read"), role
