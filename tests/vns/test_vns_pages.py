"""The VNS pages on both databases: every page renders without None, Undefined or an
identifier for every role that may see it; the forms refuse bad input beside the field and
write nothing; a course is taken through candidacy, implant, titration, correction, entered in
error and its end on the pages."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from sqlalchemy import func, select
from test_vns_endpoints import candidate

from trdcare.adapters.db.engine import unit_of_work
from trdcare.adapters.db.models.vns import VnsTitration
from trdcare.core.clock import utc_today
from web_support import WebClient, client, field_errors, machine_words, web_app

FIXTURES = (client, web_app)
TODAY = utc_today()
LEAKS = re.compile(r"\bNone\b|Undefined|undefined|\{'|\['")


def page(client: WebClient, url: str) -> str:
    r = client.get(url)
    assert r.status_code == 200, (url, r.status_code)
    text = html.unescape(r.text)
    found = LEAKS.search(text)
    assert not found, (url, text[max(found.start() - 200, 0) : found.end() + 50] if found else "")
    return r.text


def post(client: WebClient, url: str, data: dict[str, object]) -> object:
    return client.post(url, data={"csrf_token": client.csrf, **data}, follow_redirects=False)


def titrations(client: WebClient) -> int:
    with unit_of_work(client.engine) as session:
        return int(session.scalar(select(func.count()).select_from(VnsTitration)) or 0)


def test_a_vns_course_on_the_pages(client: WebClient) -> None:
    ref = candidate(client, "VNS-PAGES")
    client.as_role("physician", via="session")
    base = f"/patients/{ref}/vns"
    for url in (
        f"/patients/{ref}",
        base,
        f"{base}/candidacy",
        f"{base}/implant",
        f"{base}/titration",
    ):
        page(client, url)

    # candidacy: a bad episode count is named beside its field
    bad = post(client, f"{base}/candidacy", {"lifetime_episodes": "0"})
    assert bad.status_code == 422  # type: ignore[attr-defined]
    assert "lifetime_episodes" in field_errors(bad.text)  # type: ignore[attr-defined]
    answers = {"medication_stable": "yes", "lifetime_episodes": "3"}
    answers.update(
        {
            f"exclusion_{k}": "no"
            for k in (
                "psychotic_features",
                "psychotic_disorder",
                "rapid_cycling_bipolar",
                "cognitive_disorder",
                "suicidal_intent",
                "investigational_treatment",
            )
        }
    )
    ok = post(client, f"{base}/candidacy", answers)
    assert ok.status_code == 303  # type: ignore[attr-defined]
    overview = page(client, base)
    assert "Meets criteria" in overview or "meets criteria" in overview.lower()

    # implant: a date in the future is refused beside the field
    future = (TODAY + timedelta(days=1)).isoformat()
    bad = post(client, f"{base}/implant", {"implanted_on": future, "generator_model": "SenTiva"})
    assert "implanted_on" in field_errors(bad.text)  # type: ignore[attr-defined]
    ok = post(
        client,
        f"{base}/implant",
        {
            "implanted_on": (TODAY - timedelta(days=40)).isoformat(),
            "generator_model": "SenTiva",
            "side": "left",
            "primary_scale": "madrs",
        },
    )
    assert ok.status_code == 303  # type: ignore[attr-defined]

    # titration: above the device maximum is refused beside the field, nothing written
    setting = {
        "visit_on": (TODAY - timedelta(days=20)).isoformat(),
        "frequency_hz": "20",
        "pulse_width_us": "250",
        "on_time_s": "30",
        "off_time_min": "5",
    }
    bad = post(client, f"{base}/titration", {**setting, "output_current_ma": "4"})
    assert bad.status_code == 422  # type: ignore[attr-defined]
    errors = field_errors(bad.text)  # type: ignore[attr-defined]
    assert "3.5" in errors["output_current_ma"], errors
    assert titrations(client) == 0
    ok = post(
        client,
        f"{base}/titration",
        {**setting, "output_current_ma": "0.25", "side_effects": ["cough", "voice_alteration"]},
    )
    assert ok.status_code == 303  # type: ignore[attr-defined]
    overview = page(client, base)
    assert "9.09 %" in overview and "Cough" in overview
    assert "too early to call non-response" in overview
    assert not machine_words(overview) - {"csrf_token"}, machine_words(overview)
    assert "VNS" in page(client, f"/patients/{ref}")

    # the record page: correct, then entered in error
    tid = re.search(rf"{base}/titrations/(\d+)", overview).group(1)  # type: ignore[union-attr]
    record = page(client, f"{base}/titrations/{tid}")
    assert "Save correction" in record
    bad = post(
        client,
        f"{base}/titrations/{tid}/correct",
        {**setting, "output_current_ma": "9", "reason": "typo", "version": "1"},
    )
    assert "output_current_ma" in field_errors(bad.text)  # type: ignore[attr-defined]
    ok = post(
        client,
        f"{base}/titrations/{tid}/correct",
        {**setting, "output_current_ma": "0.5", "reason": "typed the old value", "version": "1"},
    )
    assert ok.status_code == 303  # type: ignore[attr-defined]
    record = page(client, f"{base}/titrations/{tid}")
    assert "typed the old value" in record
    ok = post(
        client,
        f"{base}/titrations/{tid}/entered-in-error",
        {"reason": "wrong patient", "version": "2"},
    )
    assert ok.status_code == 303  # type: ignore[attr-defined]
    assert "wrong patient" in page(client, base)

    # end the course: a bad outcome is refused, then stopped
    bad = post(client, f"{base}/end", {"status": "paused", "on": TODAY.isoformat(), "reason": "x"})
    assert bad.status_code == 422  # type: ignore[attr-defined]
    ok = post(
        client, f"{base}/end", {"status": "stopped", "on": TODAY.isoformat(), "reason": "explanted"}
    )
    assert ok.status_code == 303  # type: ignore[attr-defined]
    assert "stopped" in page(client, base)


def test_roles_see_only_what_they_may(client: WebClient) -> None:
    ref = candidate(client, "VNS-ROLES")
    for role in ("clinician", "technician"):
        client.as_role(role, via="session")
        text = page(client, f"/patients/{ref}/vns")
        assert ("Record the implant" in text) is False
    client.as_role("technician", via="session")
    assert client.get(f"/patients/{ref}/vns/titration").status_code == 403
    client.as_role("front_desk", via="session")
    assert client.get(f"/patients/{ref}/vns").status_code == 403


def test_the_dashboard_shows_the_month_on_the_response_timeline(client: WebClient) -> None:
    ref = candidate(client, "VNS-DASH")
    client.as_role("physician")
    implanted = client.post(
        f"/api/v1/patients/{ref}/vns/implant",
        json={
            "implanted_on": (TODAY - timedelta(days=100)).isoformat(),
            "generator_model": "SenTiva",
        },
    )
    assert implanted.status_code == 201
    visit = {
        "output_current_ma": 0.75,
        "frequency_hz": 20,
        "pulse_width_us": 250,
        "on_time_s": 30,
        "off_time_min": 5,
        "visit_on": (TODAY - timedelta(days=70)).isoformat(),
    }
    assert client.post(f"/api/v1/patients/{ref}/vns/titrations", json=visit).status_code == 201
    client.as_role("clinician", via="session")
    dashboard = page(client, "/dashboard?scale=madrs")
    assert "VNS month 2 of 12, 0.75 mA" in dashboard
