"""Assessment forms in plain words (issue 14, findings 12 and 14): an empty form is refused
by the scale's rule, every problem shows beside its question with the answers kept, and a
patient reads "Please answer question 2", never "items.2: not answered"."""

from __future__ import annotations

import html
import re

from sqlalchemy import func, select

from trdcare.adapters.db.engine import unit_of_work
from trdcare.adapters.db.models import Assessment
from trdcare.adapters.web.security import csrf_token
from web_support import SECRET, WebClient, add_patient, client, web_app

FIXTURES = (client, web_app)
LIBRARY_WORDING = ("String should", "Input should", "Field required", "not answered")


def stored(client: WebClient) -> int:
    with unit_of_work(client.engine) as session:
        return int(session.scalar(select(func.count()).select_from(Assessment)) or 0)


def field_errors(page: str) -> dict[str, str]:
    found = re.findall(r'<p class="field-error" id="err-([^"]+)">(.*?)</p>', page, re.S)
    return {name: html.unescape(text.strip()) for name, text in found}


def link_for(client: WebClient, ref: str) -> tuple[str, str]:
    client.as_role("front_desk")
    r = client.post(f"/api/v1/patients/{ref}/self-report-links", json={"scale": "phq9"})
    assert r.status_code == 201, r.text
    return r.json()["ref"], r.json()["url"].rsplit("/r/", 1)[1]


class TestEmptyForm:
    def test_an_entirely_empty_phq9_is_not_saved_on_the_page(self, client: WebClient) -> None:
        ref = add_patient(client.engine)
        client.as_role("clinician", via="session")
        response = client.form(f"/patients/{ref}/assessments/new", {"scale": "phq9"})
        assert response.status_code == 422
        assert "No question is answered; an empty form is not saved." in response.text
        assert "Assessment saved" not in response.text
        assert stored(client) == 0

    def test_an_empty_form_is_refused_by_the_api_naming_answers(self, client: WebClient) -> None:
        ref = add_patient(client.engine)
        client.as_role("clinician")
        for body in ({"scale": "phq9", "answers": {}}, {"scale": "gad7"}):
            r = client.post(f"/api/v1/patients/{ref}/assessments", json=body)
            assert r.status_code == 422, r.text
            assert r.json()["errors"][0]["path"] == "answers"
        assert stored(client) == 0

    def test_a_partly_answered_staff_form_is_still_kept_unscored(self, client: WebClient) -> None:
        ref = add_patient(client.engine)
        client.as_role("clinician")
        r = client.post(
            f"/api/v1/patients/{ref}/assessments", json={"scale": "phq9", "answers": {"1": 2}}
        )
        assert r.status_code == 201 and r.json()["assessment"]["total"] is None


class TestStaffEntry:
    def test_every_problem_beside_its_question_with_the_answers_kept(
        self, client: WebClient
    ) -> None:
        ref = add_patient(client.engine)
        client.as_role("clinician", via="session")
        response = client.form(
            f"/patients/{ref}/assessments/new",
            {"scale": "phq9", "item_1": "2", "item_2": "9", "item_3": "often"},
        )
        assert response.status_code == 422
        errors = field_errors(response.text)
        assert errors["items-3"] == "Question 3 must be a whole number."
        assert 'name="item_1" value="2" checked' in response.text
        for phrase in LIBRARY_WORDING:
            assert phrase not in response.text
        assert stored(client) == 0


class TestSelfReportWords:
    def test_a_patient_reads_please_answer_question_n(self, client: WebClient) -> None:
        ref = add_patient(client.engine)
        link_ref, token = link_for(client, ref)
        client.as_role(None)
        answers = {f"item_{k}": "1" for k in ("1", "3", "4", "5", "6", "7", "8", "9")}
        response = client.post(
            f"/r/{token}",
            data={"csrf_token": csrf_token(SECRET, "self_report", link_ref), **answers},
        )
        assert response.status_code == 422
        assert field_errors(response.text)["items-2"] == "Please answer question 2."
        assert "items.1" not in html.unescape(re.sub(r'href="[^"]*"', "", response.text))
        for phrase in LIBRARY_WORDING:
            assert phrase not in response.text
        assert 'name="item_3" value="1" required checked' in response.text
        assert stored(client) == 0
        # The link is still open: answering question 2 as well saves the form once.
        done = client.post(
            f"/r/{token}",
            data={
                "csrf_token": csrf_token(SECRET, "self_report", link_ref),
                **answers,
                "item_2": "0",
            },
        )
        assert done.status_code == 200 and stored(client) == 1

    def test_a_tampered_answer_names_its_question_not_a_list_entry(self, client: WebClient) -> None:
        """Before, a value no radio offers (item_9=7) or a question the scale lacks (item_10)
        was summarised as 'Items (entry 10)' / 'Items (entry 11)': the key read as a list index."""
        ref = add_patient(client.engine)
        link_ref, token = link_for(client, ref)
        client.as_role(None)
        answers = {f"item_{k}": "0" for k in range(1, 10)}
        for extra, wanted in (
            ({"item_9": "7"}, "Question 9: not an allowed answer"),
            ({"item_10": "3"}, "Question 10: unknown item"),
        ):
            response = client.post(
                f"/r/{token}",
                data={"csrf_token": csrf_token(SECRET, "self_report", link_ref)} | answers | extra,
            )
            assert response.status_code == 422
            text = html.unescape(response.text)
            assert wanted in text and "entry" not in text, re.findall(
                r"<li><a[^>]*>(.*?)</a>", text
            )
        assert stored(client) == 0


class TestScaleNames:
    """Pages named a scale by its key ('Enter phq9', 'qids_sr16' in the tables, 'Enter a
    phq9'), not by the name a clinician knows (explore session)."""

    def test_pages_name_a_scale_by_its_abbreviation(self, client: WebClient) -> None:
        ref = add_patient(client.engine)
        client.as_role("clinician")
        answers = {str(i): 1 for i in range(1, 17)}
        r = client.post(
            f"/api/v1/patients/{ref}/assessments", json={"scale": "qids_sr16", "answers": answers}
        )
        assert r.status_code == 201, r.text
        client.as_role("clinician", via="session")
        entry = client.get(f"/patients/{ref}/assessments/new?scale=qids_sr16").text
        assert "<title>Enter QIDS-SR16 ·" in entry
        for page in (
            client.get(f"/patients/{ref}/assessments?scale=qids_sr16").text,
            client.get(f"/patients/{ref}").text,
        ):
            assert "<td>QIDS-SR16</td>" in page
            assert "qids_sr16</" not in page and ">qids_sr16" not in page
