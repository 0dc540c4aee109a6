"""The history form parsed by pydantic (issue 14, findings 12 and 14): every problem of the
table at once, beside the row typed in, in plain words; a long name is refused naming the
limit; the values typed are kept."""

from __future__ import annotations

from trdcare.core.inputs import LABEL_MAX_CHARS
from web_support import LIBRARY_WORDING, WebClient, add_patient, client, field_errors, web_app

FIXTURES = (client, web_app)


def test_every_problem_of_the_history_table_beside_its_row(client: WebClient) -> None:
    ref = add_patient(client.engine)
    client.as_role("physician", via="session")
    response = client.form(
        f"/patients/{ref}/history/edit",
        {
            "onset": "2024-01-01",
            "severity": "moderate",
            "antidepressant_trials.1.drug": "sertraline",
            "antidepressant_trials.1.max_daily_dose_mg": "lots",
            "antidepressant_trials.1.start": "2024-02-01",
            "antidepressant_trials.3.drug": "d" * 20_000,
            "psychotherapy_courses.0.modality": "CBT",
            "psychotherapy_courses.0.sessions": "twelve",
        },
    )
    assert response.status_code == 422
    errors = field_errors(response.text)
    assert errors["antidepressant_trials-1-max_daily_dose_mg"] == (
        "Max daily dose (mg) (antidepressant trial, entry 2) must be a number."
    )
    assert errors["antidepressant_trials-3-drug"].startswith(
        f"Drug (antidepressant trial, entry 4) is too long: at most {LABEL_MAX_CHARS} characters"
    )
    assert errors["psychotherapy_courses-0-sessions"] == (
        "Sessions (psychotherapy course, entry 1) must be a whole number."
    )
    assert 'value="lots"' in response.text and 'value="twelve"' in response.text
    for phrase in LIBRARY_WORDING:
        assert phrase not in response.text


def test_a_clinical_rule_names_the_form_row_in_plain_words(client: WebClient) -> None:
    ref = add_patient(client.engine)
    client.as_role("physician", via="session")
    response = client.form(
        f"/patients/{ref}/history/edit",
        {
            "onset": "2024-01-01",
            "severity": "moderate",
            "antidepressant_trials.2.drug": "venlafaxine",
            "antidepressant_trials.2.start": "2024-05-01",
            "antidepressant_trials.2.end": "2023-01-01",
        },
    )
    assert response.status_code == 422
    errors = field_errors(response.text)
    assert errors["antidepressant_trials-2-end"].startswith("End (antidepressant trials, entry 3):")
    assert 'value="venlafaxine"' in response.text


def test_the_api_refuses_a_20000_character_name_in_a_history_document(
    client: WebClient,
) -> None:
    ref = add_patient(client.engine)
    client.as_role("physician")
    document = {
        "episode": {"onset": "2024-01-01", "severity": "moderate"},
        "psychotherapy_courses": [{"modality": "m" * 20_000, "start": "2024-02-01"}],
    }
    r = client.post(f"/api/v1/patients/{ref}/history", json=document)
    assert r.status_code == 422, r.text
    (issue,) = [e for e in r.json()["errors"] if e["path"] == "psychotherapy_courses.0.modality"]
    assert issue["allowed"] == f"at most {LABEL_MAX_CHARS} characters"
    assert issue["given"] == "20000" and "too long" in issue["message"]
