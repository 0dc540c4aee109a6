"""Treatment history over HTTP on both databases: record, replace, stage (explained),
courses, bad input naming the field, and the history form."""

from __future__ import annotations

from typing import Any

from web_support import WebClient, add_patient, client, web_app

FIXTURES = (client, web_app)


def history(**episode: Any) -> dict[str, Any]:
    return {
        "episode": {"onset": "2024-01-01", "severity": "moderate", **episode},
        "antidepressant_trials": [
            {
                "drug": "sertraline",
                "max_daily_dose_mg": 200,
                "start": "2024-02-01",
                "end": "2024-04-30",
                "adherence": "good",
                "outcome": "no_response",
            },
            {
                "drug": "venlafaxine",
                "max_daily_dose_mg": 225,
                "start": "2024-05-01",
                "end": "2024-08-30",
                "adherence": "good",
                "outcome": "no_response",
            },
        ],
        "augmentation_trials": [],
        "ect_courses": [],
        "psychotherapy_courses": [],
    }


class TestApi:
    def test_record_stage_and_replace(self, client: WebClient) -> None:
        ref = add_patient(client.engine)
        client.as_role("clinician")
        r = client.post(f"/api/v1/patients/{ref}/history", json=history())
        assert r.status_code == 201, r.text
        staging = r.json()["staging"]
        assert staging["trd"]["status"] == "resistant"
        assert staging["thase_rush"]["stage"] == "II"
        assert staging["maudsley"]["components"]
        assert client.post(f"/api/v1/patients/{ref}/history", json=history()).status_code == 409
        replaced = client.put(f"/api/v1/patients/{ref}/history", json=history(severity="mild"))
        assert replaced.status_code == 200
        again = client.get(f"/api/v1/patients/{ref}/staging").json()
        assert again["trd"]["failed_adequate_trials"] == 2
        assert (
            client.get(f"/api/v1/patients/{ref}/history").json()["history"]["episode"]["severity"]
            == "mild"
        )

    def test_bad_history_names_each_field(self, client: WebClient) -> None:
        ref = add_patient(client.engine)
        client.as_role("physician")
        doc = history()
        doc["antidepressant_trials"][0]["end"] = "2023-01-01"
        doc["antidepressant_trials"][1]["drug"] = "notadrug"
        r = client.post(f"/api/v1/patients/{ref}/history", json=doc)
        assert r.status_code == 422
        paths = {e["path"] for e in r.json()["errors"]}
        assert {"antidepressant_trials.0.end", "antidepressant_trials.1.drug"} <= paths
        assert client.get(f"/api/v1/patients/{ref}/history").status_code == 404

    def test_an_absurd_dose_is_refused_and_a_high_one_warned(self, client: WebClient) -> None:
        ref = add_patient(client.engine)
        client.as_role("physician")
        doc = history()
        doc["antidepressant_trials"][0]["max_daily_dose_mg"] = 99_999
        r = client.post(f"/api/v1/patients/{ref}/history", json=doc)
        assert r.status_code == 422
        (issue,) = r.json()["errors"]
        assert issue["path"] == "antidepressant_trials.0.max_daily_dose_mg"
        assert issue["given"] == "99999" and issue["allowed"].startswith(
            "more than 0 and at most 800"
        )
        assert client.get(f"/api/v1/patients/{ref}/history").status_code == 404
        doc["antidepressant_trials"][0]["max_daily_dose_mg"] = 300
        assert client.post(f"/api/v1/patients/{ref}/history", json=doc).status_code == 201
        staged = client.get(f"/api/v1/patients/{ref}/staging").text
        assert "dose_above_maximum" in staged and "Warning: maximum 300 mg/day" in staged
        client.as_role("clinician", via="session")
        page = client.get(f"/patients/{ref}/history").text
        assert "Warning: maximum 300 mg/day is above the highest daily dose of sertraline" in page
        # The history form refuses the absurd dose beside its field, like the API.
        form = {
            "onset": "2024-01-01",
            "severity": "moderate",
            "antidepressant_trials.0.drug": "sertraline",
            "antidepressant_trials.0.max_daily_dose_mg": "99999",
            "antidepressant_trials.0.start": "2024-02-01",
            "antidepressant_trials.0.end": "2024-04-30",
            "antidepressant_trials.0.adherence": "good",
            "antidepressant_trials.0.outcome": "no_response",
        }
        bad = client.form(f"/patients/{ref}/history/edit", form)
        assert bad.status_code == 422 and "not a plausible daily dose of sertraline" in bad.text

    def test_stage_a_document_without_storing(self, client: WebClient) -> None:
        client.as_role("physician")
        r = client.post("/api/v1/staging", json=history())
        assert r.status_code == 200 and r.json()["trd"]["status"] == "resistant"

    def test_courses(self, client: WebClient) -> None:
        ref = add_patient(client.engine)
        client.as_role("clinician")
        r = client.post(
            f"/api/v1/patients/{ref}/courses",
            json={"modality": "esketamine", "start_date": "2025-01-06", "planned_sessions": 8},
        )
        assert r.status_code == 201 and r.json()["ref"].startswith("C-")
        assert len(client.get(f"/api/v1/patients/{ref}/courses").json()) == 1
        bad = client.post(
            f"/api/v1/patients/{ref}/courses", json={"modality": "x", "start_date": "2025-01-06"}
        )
        assert bad.status_code == 422 and bad.json()["errors"][0]["path"] == "modality"
        unborn = client.post(  # the patient was born on 1980-05-01
            f"/api/v1/patients/{ref}/courses", json={"modality": "tms", "start_date": "1980-04-30"}
        )
        assert unborn.status_code == 422 and unborn.json()["errors"][0]["path"] == "start_date"
        assert "1980-05-01" not in unborn.text  # the birth date is not echoed
        assert len(client.get(f"/api/v1/patients/{ref}/courses").json()) == 1

    def test_nothing_before_the_patient_was_born(self, client: WebClient) -> None:
        ref = add_patient(client.engine)  # born 1980-05-01
        client.as_role("clinician")
        doc = history(onset="1979-01-01")
        doc["antidepressant_trials"][0]["start"] = "1979-02-01"
        r = client.post(f"/api/v1/patients/{ref}/history", json=doc)
        assert r.status_code == 422, r.text
        assert {e["path"] for e in r.json()["errors"]} == {
            "episode.onset",
            "antidepressant_trials.0.start",
        }
        assert "1980-05-01" not in r.text
        assert client.get(f"/api/v1/patients/{ref}/history").status_code == 404

    def test_front_desk_cannot_read_history(self, client: WebClient) -> None:
        ref = add_patient(client.engine)
        client.as_role("front_desk")
        assert client.get(f"/api/v1/patients/{ref}/history").status_code == 403


class TestPages:
    def test_history_form_and_explained_stage(self, client: WebClient) -> None:
        ref = add_patient(client.engine)
        client.as_role("clinician", via="session")
        assert "Record the treatment history" in client.get(f"/patients/{ref}/history").text
        assert client.get(f"/patients/{ref}/history/edit").status_code == 200
        form = {
            "onset": "2024-01-01",
            "severity": "moderate",
            "antidepressant_trials.0.drug": "sertraline",
            "antidepressant_trials.0.max_daily_dose_mg": "200",
            "antidepressant_trials.0.start": "2024-02-01",
            "antidepressant_trials.0.end": "2024-04-30",
            "antidepressant_trials.0.adherence": "good",
            "antidepressant_trials.0.outcome": "no_response",
            "antidepressant_trials.2.drug": "venlafaxine",
            "antidepressant_trials.2.max_daily_dose_mg": "225",
            "antidepressant_trials.2.start": "2024-05-01",
            "antidepressant_trials.2.end": "2023-01-01",
            "antidepressant_trials.2.adherence": "good",
            "antidepressant_trials.2.outcome": "no_response",
        }
        bad = client.form(f"/patients/{ref}/history/edit", form)
        # The error points at the form row the clinician typed in (row 2, not document row 1).
        assert bad.status_code == 422 and "antidepressant_trials.2.end" in bad.text
        form["antidepressant_trials.2.end"] = "2024-08-30"
        ok = client.form(f"/patients/{ref}/history/edit", form)
        assert ok.status_code == 303
        page = client.get(f"/patients/{ref}/history")
        assert "Treatment-resistant" in page.text and "Maudsley" in page.text
        assert "Why this TRD status" in page.text
        chart = client.get(f"/patients/{ref}")
        assert 'id="trd-status"' in chart.text
        document = client.get(f"/patients/{ref}/history/document").json()
        assert len(document["antidepressant_trials"]) == 2
