"""TMS page forms parsed by the API's models (issue 14, findings 12 and 14): the plan form
reports every problem at once beside its field, with what was typed kept; free text has a
declared limit, refused naming the field and the limit."""

from __future__ import annotations

import html
import re

from trdcare.core.clock import utc_today
from trdcare.core.inputs import NOTE_MAX_CHARS
from trdcare.tms.domain import library, questionnaire
from web_support import WebClient, add_patient, assert_plain, client, field_errors, web_app

FIXTURES = (client, web_app)


def prefilled(page: str) -> dict[str, str]:
    """The values a form's text, number and date inputs are pre-filled with."""
    out = {}
    for tag in re.findall(r"<input [^>]*>", page):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        kind = re.search(r'type="([^"]+)"', tag)
        if name and value and kind and kind.group(1) not in ("checkbox", "radio", "hidden"):
            out[name.group(1)] = html.unescape(value.group(1))
    return out


def planned_course(client: WebClient, ref: str) -> None:
    """Screen, threshold and plan a course through the pages (as a clinic would)."""
    answers = {f"item_{it.id}": "no" for it in questionnaire("rossi2011").items}
    screened = client.form(f"/patients/{ref}/tms/screen", {"instrument": "rossi2011", **answers})
    assert screened.status_code == 303, screened.text
    plan = prefilled(client.get(f"/patients/{ref}/tms/plan").text)
    planned = client.form(
        f"/patients/{ref}/tms/plan",
        {
            **plan,
            "protocol": library()[0].id,
            "start": utc_today().isoformat(),
            "mt_pct_mso": "55",
            "target_method": "hotspot_rule",
            "side": "left",
            "include_taper": "on",
        },
    )
    assert planned.status_code == 303, planned.text


class TestPlanForm:
    def test_every_problem_of_the_plan_form_at_once_beside_its_field(
        self, client: WebClient
    ) -> None:
        ref = add_patient(client.engine)
        client.as_role("physician", via="session")
        response = client.form(
            f"/patients/{ref}/tms/plan",
            {
                "protocol": "fda_10hz",
                "start": "next monday",
                "target_method": "beam_f3",
                "side": "left",
                "tragus_tragus_cm": "wide",
                "nasion_inion_cm": "36",
                "circumference_cm": "57",
                "acute_sessions": "0",
                "closures": "2026-12-24, 2026-13-45",
                "first_session_at": "9 am",
                "include_taper": "on",
            },
        )
        assert response.status_code == 422
        errors = field_errors(response.text)
        assert errors["start"].startswith("First treatment day must be a date written YYYY-MM-DD")
        assert errors["tragus_tragus_cm"] == "Tragus to tragus (cm) must be a number."
        assert errors["acute_sessions"] == "Acute sessions must be at least 1."
        assert errors["closures"].startswith("Clinic closures (entry 2) must be a date")
        assert errors["first_session_at"].startswith("First session time must be a time")
        assert 'value="wide"' in response.text and 'value="next monday"' in response.text
        assert_plain(response.text)

    def test_range_and_time_zone_problems_come_in_the_first_round(self, client: WebClient) -> None:
        """Before, an MT of 250% MSO or the time zone 'Mars/Base' was said only after every
        other problem of the form had been fixed (the service checked them, a second round)."""
        ref = add_patient(client.engine)
        client.as_role("physician", via="session")
        response = client.form(
            f"/patients/{ref}/tms/plan",
            {
                "protocol": "fda_10hz",
                "start": "next monday",
                "target_method": "hotspot_rule",
                "side": "left",
                "mt_pct_mso": "250",
                "time_zone": "Mars/Base",
                "include_taper": "on",
            },
        )
        assert response.status_code == 422
        errors = field_errors(response.text)
        assert errors["start"].startswith("First treatment day must be a date")
        assert errors["mt_pct_mso"] == (
            "Motor threshold (% MSO): is out of range (allowed: a number in [1, 100] %MSO; given: 250)."
        )
        assert errors["time_zone"].startswith("Time zone: is not a known time zone")
        typo = client.form(
            f"/patients/{ref}/tms/plan",
            {"protocol": "fda_10hz", "start": "2099-03-02", "target_method": "hotspot_rule"},
        )
        assert field_errors(typo.text)["start"].startswith(
            "First treatment day: is too far in the future to plan"
        )
        assert "Mars/Base" in errors["time_zone"]
        assert_plain(response.text)


class TestSessionFormCorrected:
    def test_a_refused_session_keeps_the_ticked_side_effects_and_each_event_by_its_row(
        self, client: WebClient
    ) -> None:
        """Before, the side-effect boxes came back unticked, and an event entered in row 2
        alone had its problem shown beside row 1 ('entry 1'): the rows sent were renumbered."""
        ref = add_patient(client.engine)
        client.as_role("physician", via="session")
        planned_course(client, ref)
        response = client.post(
            f"/patients/{ref}/tms/session",
            data={
                **prefilled(client.get(f"/patients/{ref}/tms/session").text),
                "csrf_token": client.csrf,
                "pulses_delivered": "all of them",
                "side_effects": ["headache", "scalp_discomfort"],
                "ae_1_kind": "headache",
                "ae_1_severity": "mild",
                "ae_1_description": "d" * 20_000,
            },
        )
        assert response.status_code == 422
        errors = field_errors(response.text)
        assert errors["pulses_delivered"] == "Pulses delivered must be a whole number."
        assert "ae_0_description" not in errors
        assert errors["ae_1_description"].startswith("Description (event 2) is too long")
        for key in ("headache", "scalp_discomfort"):
            assert f'name="side_effects" value="{key}" checked' in response.text
        assert 'name="side_effects" value="facial_twitching" checked' not in response.text
        assert_plain(response.text)


class TestFreeTextLimits:
    def test_an_adverse_event_description_past_the_limit_is_refused_naming_it(
        self, client: WebClient
    ) -> None:
        ref = add_patient(client.engine)
        client.as_role("physician", via="session")
        planned_course(client, ref)
        response = client.form(
            f"/patients/{ref}/tms/adverse-event",
            {
                "occurred_on": utc_today().isoformat(),
                "ae_0_kind": "headache",
                "ae_0_severity": "mild",
                "ae_0_description": "x" * 20_000,
                "ae_1_severity": "mild",
            },
        )
        assert response.status_code == 422
        errors = field_errors(response.text)
        assert errors["ae_0_description"].startswith(
            f"Description (event 1) is too long: at most {NOTE_MAX_CHARS} "
            "characters are allowed, 20000 characters were given"
        )
        assert 'name="ae_0_kind"' in response.text
        assert_plain(response.text)
        # Every problem at once on the session log too, with the typed values kept.
        session = client.form(
            f"/patients/{ref}/tms/session",
            {
                **prefilled(client.get(f"/patients/{ref}/tms/session").text),
                "pulses_delivered": "all of them",
                "coil": "c" * 81,
                "ae_0_severity": "mild",
            },
        )
        assert session.status_code == 422
        errors = field_errors(session.text)
        assert errors["pulses_delivered"] == "Pulses delivered must be a whole number."
        assert errors["coil"].startswith("Coil is too long: at most 80 characters")
        assert 'value="all of them"' in session.text
        assert_plain(session.text)

    def test_the_api_refuses_a_long_acknowledgement_note_naming_the_limit(
        self, client: WebClient
    ) -> None:
        ref = add_patient(client.engine)
        client.as_role("physician")
        r = client.post(
            f"/api/v1/patients/{ref}/tms/screens/acknowledge", json={"note": "n" * 20_000}
        )
        assert r.status_code == 422
        (issue,) = r.json()["errors"]
        assert (
            issue["path"] == "note" and issue["allowed"] == f"at most {NOTE_MAX_CHARS} characters"
        )
        assert issue["message"].startswith("Your reasoning is too long")

    def test_an_acknowledgement_note_too_short_is_shown_beside_it_on_the_tms_page(
        self, client: WebClient
    ) -> None:
        ref = add_patient(client.engine)
        client.as_role("physician", via="session")
        response = client.form(f"/patients/{ref}/tms/screen/acknowledge", {"note": "ok"})
        assert response.status_code == 422
        assert "Your reasoning must have at least 3 characters." in response.text
        assert_plain(response.text)


class TestReviewForms:
    def test_a_pause_review_refused_is_shown_again_with_its_problem_and_values(
        self, client: WebClient
    ) -> None:
        ref = add_patient(client.engine)
        client.as_role("physician", via="session")
        planned_course(client, ref)
        paused = client.form(
            f"/patients/{ref}/tms/adverse-event",
            {
                "occurred_on": utc_today().isoformat(),
                "ae_0_kind": "syncope",
                "ae_0_severity": "moderate",
                "ae_0_serious": "on",
            },
        )
        assert paused.status_code == 303, paused.text
        response = client.form(
            f"/patients/{ref}/tms/review/pause",
            {"decision": "stop", "note": "ok", "resume_on": "soon"},
        )
        assert response.status_code == 422
        errors = field_errors(response.text)
        assert errors["note"] == "Review note must have at least 3 characters."
        assert errors["resume_on"].startswith("Resume on must be a date written YYYY-MM-DD")
        assert '<option value="stop" selected>' in response.text
        assert 'value="soon"' in response.text
        assert_plain(response.text)


class TestRefusalsWithoutIssues:
    def test_a_threshold_step_without_a_hunt_says_why(self, client: WebClient) -> None:
        """An empty start with no open hunt was a silent redisplay (explore session)."""
        ref = add_patient(client.engine)
        client.as_role("physician", via="session")
        response = client.form(f"/patients/{ref}/tms/mt", {"start_pct_mso": "", "max_pulses": ""})
        assert response.status_code == 409
        assert "No open threshold hunt: start one with a start intensity" in response.text
        assert_plain(response.text)

    def test_a_refusal_about_the_whole_form_has_no_leading_colon(self, client: WebClient) -> None:
        """'<li>: the patient already has a TMS course' (fuzz run)."""
        ref = add_patient(client.engine)
        client.as_role("physician", via="session")
        planned_course(client, ref)
        plan = prefilled(client.get(f"/patients/{ref}/tms/plan").text)
        again = client.form(
            f"/patients/{ref}/tms/plan",
            {
                **plan,
                "protocol": library()[0].id,
                "mt_pct_mso": "55",
                "target_method": "hotspot_rule",
                "side": "left",
            },
        )
        assert again.status_code == 409, again.text
        items = re.findall(r"<li>(.*?)</li>", again.text, re.S)
        assert items and not any(html.unescape(i).strip().startswith(":") for i in items), items
        assert "The patient already has a TMS course" in again.text


class TestScreenWords:
    def test_an_unanswered_question_is_named_by_its_number(self, client: WebClient) -> None:
        """'Previous tms: is not answered' named a question by its id (explore session)."""
        ref = add_patient(client.engine)
        client.as_role("physician", via="session")
        response = client.form(f"/patients/{ref}/tms/screen", {"instrument": "rossi2011"})
        assert response.status_code == 422
        items = questionnaire("rossi2011").items
        errors = field_errors(response.text)
        last = items[-1]
        assert errors[f"answers-{last.id}"].startswith(f"Question {last.number}: is not answered")
        assert "Previous tms" not in response.text and "Previous mri" not in response.text

    def test_what_a_yes_means_is_in_words(self, client: WebClient) -> None:
        """'(yes: resolve_implant)' was the catalogue's key (explore session)."""
        ref = add_patient(client.engine)
        client.as_role("physician", via="session")
        page = client.get(f"/patients/{ref}/tms/screen").text
        assert "resolve_implant" not in page
        assert "(yes: implant or metal to be checked)" in page


class TestBeamF3Measurements:
    """Empty head measurements were 'Tragus tragus cm: out of range (allowed: a number in
    [20, 50] cm)', reported only after every other problem, by the measurement's machine name;
    the inputs declared no bounds (fuzz run and explore session)."""

    def test_missing_and_absurd_measurements_at_once_beside_their_fields(
        self, client: WebClient
    ) -> None:
        ref = add_patient(client.engine)
        client.as_role("physician", via="session")
        response = client.form(
            f"/patients/{ref}/tms/plan",
            {
                "protocol": library()[0].id,
                "start": "",
                "target_method": "beam_f3",
                "side": "left",
                "tragus_tragus_cm": "",
                "nasion_inion_cm": "1e9",
                "circumference_cm": "",
                "include_taper": "on",
            },
        )
        assert response.status_code == 422
        errors = field_errors(response.text)
        assert errors["start"] == "First treatment day is required."
        assert errors["tragus_tragus_cm"] == (
            "Tragus to tragus (cm): is required for the Beam F3 method."
        )
        assert errors["nasion_inion_cm"] == "Nasion to inion (cm) must be at most 50."
        assert errors["circumference_cm"] == (
            "Head circumference (cm): is required for the Beam F3 method."
        )
        assert "out of range" not in response.text and "Tragus tragus" not in response.text
        assert_plain(response.text)

    def test_the_hotspot_rule_needs_no_measurements(self, client: WebClient) -> None:
        ref = add_patient(client.engine)
        client.as_role("physician", via="session")
        planned_course(client, ref)  # hotspot_rule with empty head measurements: planned

    def test_the_inputs_declare_the_allowed_range(self, client: WebClient) -> None:
        ref = add_patient(client.engine)
        client.as_role("physician", via="session")
        page = client.get(f"/patients/{ref}/tms/plan").text
        tag = re.search(r'<input id="f-tragus_tragus_cm"[^>]*>', page)
        assert tag and 'min="20"' in tag.group(0) and 'max="50"' in tag.group(0), tag
        tag = re.search(r'<input id="f-circumference_cm"[^>]*>', page)
        assert tag and 'min="40"' in tag.group(0) and 'max="75"' in tag.group(0), tag
