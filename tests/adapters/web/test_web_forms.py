"""Page forms parsed by the API's models; every problem beside its field, in plain words, with
the values kept (issue 14, findings 12 and 14)."""

from __future__ import annotations

import html
import re

from trdcare.core.inputs import NAME_MAX_CHARS
from web_support import WebClient, add_patient, assert_plain, client, field_errors, web_app

FIXTURES = (client, web_app)


class TestPatientForms:
    def test_registration_shows_every_problem_beside_its_field_and_keeps_values(
        self, client: WebClient
    ) -> None:
        client.as_role("front_desk", via="session")
        response = client.form(
            "/patients/new",
            {
                "mrn": "MRN-77",
                "given_name": "",
                "family_name": "B" * 20_000,
                "birth_date": "31/12/1980",
                "sex": "f",
            },
        )
        assert response.status_code == 422
        errors = field_errors(response.text)
        assert errors["given_name"] == "Given name is required."
        assert errors["family_name"] == (
            f"Family name is too long: at most {NAME_MAX_CHARS} characters are allowed, "
            "20000 characters were given."
        )
        assert errors["birth_date"].startswith("Date of birth must be a date written YYYY-MM-DD")
        assert errors["sex"].startswith("Administrative sex must be one of: female, male")
        assert 'value="MRN-77"' in response.text  # what was typed is kept to correct
        assert_plain(response.text)

    def test_service_refusal_is_shown_beside_the_field_and_nothing_is_written(
        self, client: WebClient
    ) -> None:
        client.as_role("front_desk", via="session")
        response = client.form(
            "/patients/new",
            {
                "mrn": "MRN-78",
                "given_name": "Ada",
                "family_name": "Byron",
                "birth_date": "2999-01-01",
            },
        )
        assert response.status_code == 422
        assert "birth_date" in field_errors(response.text)
        assert 'value="Ada"' in response.text
        client.as_role("front_desk")
        assert client.get("/api/v1/patients").json()["total"] == 0

    def test_correction_form_keeps_values_and_names_each_field(self, client: WebClient) -> None:
        ref = add_patient(client.engine)
        client.as_role("front_desk", via="session")
        response = client.form(
            f"/patients/{ref}/edit",
            {
                "given_name": "Ada",
                "family_name": "Lovelace",
                "birth_date": "1980-05-01",
                "sex": "female",
                "status": "active",
                "reason": "x" * 501,
            },
        )
        assert response.status_code == 422
        errors = field_errors(response.text)
        assert errors["reason"].startswith("Reason for the correction is too long: at most 500")
        assert 'value="Lovelace"' in response.text
        assert_plain(response.text)
        # A valid correction changes only what differs from the record.
        saved = client.form(
            f"/patients/{ref}/edit",
            {
                "given_name": "Ada",
                "family_name": "Lovelace",
                "birth_date": "1980-05-01",
                "sex": "unknown",
                "status": "active",
                "reason": "married name",
            },
        )
        assert saved.status_code == 303

    def test_mrn_search_problem_is_plain(self, client: WebClient) -> None:
        client.as_role("front_desk", via="session")
        response = client.form("/patients/find", {"mrn": "M" * 65})
        assert response.status_code == 422
        assert "Medical record number is too long: at most 64 characters" in response.text
        assert_plain(response.text)


class TestApiProblemWording:
    def test_api_422_names_the_field_with_its_label_allowed_and_given(
        self, client: WebClient
    ) -> None:
        client.as_role("front_desk")
        response = client.post(
            "/api/v1/patients",
            json={"mrn": "X1", "given_name": "", "family_name": "B" * 20_000, "birth_date": "x"},
        )
        assert response.status_code == 422
        errors = {e["path"]: e for e in response.json()["errors"]}
        assert errors["family_name"]["message"].startswith("Family name is too long")
        assert errors["family_name"]["allowed"] == f"at most {NAME_MAX_CHARS} characters"
        assert errors["family_name"]["given"] == "20000 characters"
        assert errors["given_name"]["message"] == "Given name must not be empty."
        assert errors["birth_date"]["pointer"] == "#/birth_date"
        assert_plain(response.text)


class TestRefusalsWithoutIssues:
    """A service refusal that names no field (a Conflict, a NotFound) was dropped by every
    form's redisplay: the form came back unchanged with no word of why (explore session)."""

    def test_a_duplicate_mrn_is_said_beside_the_mrn(self, client: WebClient) -> None:
        client.as_role("front_desk", via="session")
        form = {
            "mrn": "MRN-79",
            "given_name": "Ada",
            "family_name": "B",
            "birth_date": "1980-01-02",
        }
        assert client.form("/patients/new", form).status_code == 303
        again = client.form("/patients/new", {**form, "given_name": "Other"})
        assert again.status_code == 409
        assert field_errors(again.text)["mrn"] == (
            "Medical record number: a patient with this MRN already exists"
        )
        assert "Please correct the form." in again.text
        assert 'value="Other"' in again.text
        assert_plain(again.text)

    def test_a_service_issue_is_named_by_the_forms_label(self, client: WebClient) -> None:
        client.as_role("front_desk", via="session")
        response = client.form(
            "/patients/new",
            {"mrn": "MRN-80", "given_name": "Ada", "family_name": "B", "birth_date": "2999-01-01"},
        )
        assert response.status_code == 422
        # the form calls it "Date of birth"; the service's path alone would read "Birth date"
        assert field_errors(response.text)["birth_date"].startswith("Date of birth: is in the fut")
        assert "Birth date" not in response.text


class TestErrorPageWording:
    """The error page read a field's path before its message ('limit: Limit must be at least
    1.', 'patient: no patient with this ref or MRN') and the router's 'Not Found'."""

    @staticmethod
    def notice(page: str) -> str:
        found = re.search(r'<div class="notice error" role="alert">(.*?)</div>', page, re.S)
        assert found, page
        return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", found.group(1))).split())

    def test_a_query_problem_reads_as_a_sentence(self, client: WebClient) -> None:
        client.as_role("front_desk", via="session")
        response = client.get("/patients?limit=0")
        assert response.status_code == 422
        assert self.notice(response.text) == "Limit must be at least 1."

    def test_a_missing_patient_is_said_in_words(self, client: WebClient) -> None:
        client.as_role("front_desk", via="session")
        response = client.get("/patients/P-ZZZZZZZZZZ")
        assert response.status_code == 404
        assert self.notice(response.text) == "Patient: no patient with this ref or MRN"

    def test_an_unknown_address_is_said_in_words(self, client: WebClient) -> None:
        client.as_role("front_desk", via="session")
        response = client.get("/no-such-page")
        assert response.status_code == 404
        assert self.notice(response.text) == "There is no page at this address."
