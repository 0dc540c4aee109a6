"""The DBS pages on both databases: every page says INVESTIGATIONAL and renders without None
or identifiers; a setting beyond a limit is refused beside the amplitude (nothing written); a
physician's override with a reason is kept and shown; a clinician is not offered one; a
voltage without impedance is refused beside the impedance; entered in error; the course ends."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from sqlalchemy import func, select

from trdcare.adapters.db.engine import unit_of_work
from trdcare.adapters.db.models.dbs import DbsProgramming
from trdcare.core.clock import utc_today
from web_support import WebClient, add_patient, client, field_errors, machine_words, web_app

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


def stored(client: WebClient) -> int:
    with unit_of_work(client.engine) as session:
        return int(session.scalar(select(func.count()).select_from(DbsProgramming)) or 0)


def test_a_dbs_course_on_the_pages(client: WebClient) -> None:
    ref = add_patient(client.engine, "DBS-PAGES")
    client.as_role("physician", via="session")
    base = f"/patients/{ref}/dbs"
    for url in (base, f"{base}/candidacy", f"{base}/surgery", f"{base}/programming"):
        assert "Investigational" in page(client, url)
    assert "investigational" in page(client, f"/patients/{ref}").lower()

    bad = post(client, f"{base}/candidacy", {"diagnosis": "flu"})
    assert "diagnosis" in field_errors(bad.text)  # type: ignore[attr-defined]
    ok = post(
        client,
        f"{base}/candidacy",
        {
            "diagnosis": "mdd",
            "psychotic_features": "no",
            "research_protocol": "yes",
            "protocol_ref": "IRB-5",
        },
    )
    assert ok.status_code == 303  # type: ignore[attr-defined]

    surgery = {
        "operated_on": (TODAY - timedelta(days=30)).isoformat(),
        "target": "scc",
        "protocol_ref": "IRB-5",
        "sides": ["left", "right"],
        "lead_model": "medtronic-3387-3389",
        "primary_scale": "madrs",
    }
    bad = post(client, f"{base}/surgery", {**surgery, "protocol_ref": ""})
    assert "protocol_ref" in field_errors(bad.text)  # type: ignore[attr-defined]
    assert post(client, f"{base}/surgery", surgery).status_code == 303  # type: ignore[attr-defined]

    setting = {
        "side": "left",
        "contacts": ["1"],
        "pulse_width_us": "90",
        "frequency_hz": "130",
        "programmed_on": (TODAY - timedelta(days=5)).isoformat(),
    }
    bad = post(client, f"{base}/programming", {**setting, "amplitude_v": "3"})
    assert "impedance_ohm" in field_errors(bad.text)  # type: ignore[attr-defined]
    bad = post(client, f"{base}/programming", {**setting, "amplitude_ma": "21"})
    assert bad.status_code == 409  # type: ignore[attr-defined]  # the form again, refused
    assert 'id="dbs-programming-form"' in bad.text  # type: ignore[attr-defined]
    errors = field_errors(bad.text)  # type: ignore[attr-defined]
    assert "at most 20 mA" in errors["amplitude_ma"], errors
    assert stored(client) == 0
    ok = post(
        client,
        f"{base}/programming",
        {**setting, "amplitude_ma": "21", "override_reason": "protocol arm B, monitored"},
    )
    assert ok.status_code == 303  # type: ignore[attr-defined]
    overview = page(client, base)
    assert "protocol arm B, monitored" in overview and "beyond" in overview
    assert not machine_words(overview) - {"csrf_token"}, machine_words(overview)
    pid = re.search(rf"{base}/programmings/(\d+)", overview).group(1)  # type: ignore[union-attr]
    record = page(client, f"{base}/programmings/{pid}")
    assert "Physician override" in record

    client.as_role("clinician", via="session")
    form = page(client, f"{base}/programming")
    assert "override_reason" not in form
    refused = post(
        client,
        f"{base}/programming",
        {**setting, "amplitude_ma": "21", "override_reason": "I think so"},
    )
    assert refused.status_code == 403  # type: ignore[attr-defined]
    assert post(client, f"{base}/programming", {**setting, "amplitude_ma": "3"}).status_code == 303  # type: ignore[attr-defined]

    client.as_role("physician", via="session")
    ok = post(
        client,
        f"{base}/programmings/{pid}/entered-in-error",
        {"reason": "wrong lead", "version": "1"},
    )
    assert ok.status_code == 303  # type: ignore[attr-defined]
    assert "wrong lead" in page(client, base)
    ok = post(
        client,
        f"{base}/end",
        {"status": "completed", "on": TODAY.isoformat(), "reason": "protocol ended"},
    )
    assert ok.status_code == 303  # type: ignore[attr-defined]
    assert "completed" in page(client, base)


def test_the_dashboard_shows_the_investigational_course(client: WebClient) -> None:
    ref = add_patient(client.engine, "DBS-DASH")
    client.as_role("physician")
    r = client.post(
        f"/api/v1/patients/{ref}/dbs/surgery",
        json={
            "operated_on": (TODAY - timedelta(days=30)).isoformat(),
            "target": "vc_vs",
            "protocol_ref": "IDE-3",
            "sides": ["left"],
        },
    )
    assert r.status_code == 201
    on = (TODAY - timedelta(days=3)).isoformat()
    body = {
        "contacts": [0],
        "amplitude_ma": 21,
        "pulse_width_us": 90,
        "frequency_hz": 130,
        "programmed_on": on,
        "override_reason": "protocol arm B",
    }
    assert client.post(f"/api/v1/patients/{ref}/dbs/programmings", json=body).status_code == 201
    client.as_role("clinician", via="session")
    dashboard = html.unescape(page(client, "/dashboard"))
    assert (
        f"DBS (investigational), Ventral capsule / ventral striatum, programmed {on}, "
        "1 setting beyond a limit by a physician's override"
    ) in dashboard
