"""Pages speak the clinic's words, not the program's identifiers (SQLite, PostgreSQL).

Before, a chart said "... under eu_pearl_2022; insufficient_information when ...; otherwise
not_resistant", an alert "qids_sr16 item 12 >= 1" and the TMS tools page "theta_burst".
Every new page should join the walk below.
"""

from __future__ import annotations

from typing import Any

from web_support import WebClient, add_patient, client, machine_words, web_app

FIXTURES = (client, web_app)
MADRS_ITEM_10_POSITIVE = {str(i): 1 for i in range(1, 10)} | {"10": 4}


def _history() -> dict[str, Any]:
    trial = {"adherence": "good", "outcome": "no_response"}
    return {
        "episode": {"onset": "2024-01-01", "severity": "moderate"},
        "antidepressant_trials": [
            {"drug": "sertraline", "max_daily_dose_mg": 200, "start": "2024-02-01"}
            | {"end": "2024-04-30"}
            | trial,
            {"drug": "venlafaxine", "max_daily_dose_mg": 225, "start": "2024-05-01"}
            | {"end": "2024-08-30"}
            | trial,
        ],
    }


def test_a_charted_patient_s_pages_show_no_identifiers(client: WebClient) -> None:
    ref = add_patient(client.engine, mrn="WORDS-1")
    client.as_role("physician")
    assert client.post(f"/api/v1/patients/{ref}/history", json=_history()).status_code == 201
    saved = client.post(
        f"/api/v1/patients/{ref}/assessments",
        json={"scale": "madrs", "answers": MADRS_ITEM_10_POSITIVE},
    )
    assert saved.status_code == 201, saved.text
    alert = int(saved.json()["assessment"]["id"])

    client.as_role("physician", via="session")
    pages = (
        f"/patients/{ref}",
        f"/patients/{ref}/history",
        f"/patients/{ref}/assessments?scale=madrs",
        f"/alerts/assessments/{alert}/acknowledge",
        "/dashboard",
        "/tms/tools",
    )
    for path in pages:
        page = client.get(path)
        assert page.status_code == 200, path
        assert machine_words(page.text) == set(), path


def test_a_refusal_names_the_role_and_what_it_lacks_in_words(client: WebClient) -> None:
    """Before: "Role: 'front_desk' may not do this (needs permission 'clinical.read')"."""
    client.as_role("front_desk", via="session")
    page = client.get("/dashboard")
    assert page.status_code == 403
    assert "a front desk account may not do this; it needs the permission to" in page.text
    assert "'front_desk'" not in page.text
    client.as_role("front_desk")
    problem = client.get("/api/v1/caseload")
    assert problem.status_code == 403
    assert problem.json()["detail"].startswith("role: a front desk account may not do this")
