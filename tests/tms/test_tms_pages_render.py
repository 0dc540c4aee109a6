"""Every TMS page renders, for every target method and every protocol of the catalogue.

A course is taken through its life on the pages (screen, ML-PEST, plan, a session logged
with the form's own pre-filled values, a decision-point review, a serious adverse event
that pauses it, the physician's resume) and at each step every page that shows it (chart,
TMS overview, screen, motor threshold, plan, calendar, session log, review, adverse event,
tools, dashboard) must answer 200 without "None", "Undefined" or a Python repr in it.
Templates use ``StrictUndefined``, so a missing value fails here rather than in a clinic.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import pytest

from trdcare.adapters.db.engine import unit_of_work
from trdcare.assessments import service as assessment_service
from trdcare.core.clock import utc_today
from trdcare.patients import service as patient_service
from trdcare.tms.domain import check_protocol, library, questionnaire
from web_support import SETUP, WebClient, add_patient, client, web_app

FIXTURES = (client, web_app)

PROTOCOLS = [p.id for p in library()]
NEEDS_OVERRIDE = {p.id for p in library() if not check_protocol(p).accepted}
INCOMPLETE = {p.id for p in library() if not p.complete}
TARGETS = {
    "beam_f3": {
        "target_method": "beam_f3",
        "tragus_tragus_cm": "36",
        "nasion_inion_cm": "36",
        "circumference_cm": "57",
    },
    "hotspot_rule": {"target_method": "hotspot_rule", "side": "left"},
}
PAGES = ("", "/tms", "/tms/screen", "/tms/mt", "/tms/plan", "/tms/calendar", "/tms/session")
PAGES += ("/tms/review", "/tms/adverse-event")
# What a clinician must never read: Python's None, Jinja's Undefined, a dict or list repr,
# a status label said twice ("[UNVERIFIED UNVERIFIED; ...]").
LEAKS = re.compile(
    r"\bNone\b|Undefined|undefined|\{'|\['|': "
    r"|\b(VERIFIED|UNVERIFIED|SECONDARY|DERIVED|DESIGN) \1\b"
)


def _visible(page: str) -> str:
    """The page's text and attribute values, unescaped (a repr hides behind &#39;)."""
    return html.unescape(page)


def assert_every_page_renders(client: WebClient, ref: str, step: str) -> None:
    urls = [f"/patients/{ref}{p}" for p in PAGES] + ["/tms/tools", "/dashboard"]
    for url in urls:
        r = client.get(url)
        assert r.status_code == 200, f"{step}: {url} answered {r.status_code}"
        leak = LEAKS.search(_visible(r.text))
        assert leak is None, (
            f"{step}: {url} shows {leak.group(0)!r}: "
            f"...{_visible(r.text)[max(leak.start() - 120, 0) : leak.end() + 80]}..."
        )


def prefilled(page: str) -> dict[str, str]:
    """The values a form's text and number inputs are pre-filled with."""
    out = {}
    for tag in re.findall(r"<input [^>]*>", page):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        kind = re.search(r'type="([^"]+)"', tag)
        if name and value and kind and kind.group(1) not in ("checkbox", "radio", "hidden"):
            out[name.group(1)] = html.unescape(value.group(1))
    return out


def _baseline_phq9(client: WebClient, ref: str) -> None:
    with unit_of_work(client.engine) as session:
        patient = patient_service.find_patient(session, SETUP, ref, purpose="test")
        today = utc_today()
        assessment_service.record_assessment(
            session,
            SETUP,
            patient,
            "phq9",
            {str(i + 1): 2 for i in range(9)},
            administered_at=datetime(today.year, today.month, today.day, tzinfo=UTC),
        )


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("method", sorted(TARGETS))
def test_every_tms_page_renders_through_a_course(
    client: WebClient, method: str, protocol: str
) -> None:
    ref = add_patient(client.engine)
    client.as_role("physician", via="session")
    assert_every_page_renders(client, ref, "no TMS record")
    answers = {f"item_{it.id}": "no" for it in questionnaire("rossi2011").items}
    screened = client.form(f"/patients/{ref}/tms/screen", {"instrument": "rossi2011", **answers})
    assert screened.status_code == 303, screened.text
    hunt = client.form(f"/patients/{ref}/tms/mt", {"start_pct_mso": "55", "max_pulses": "2"})
    assert hunt.status_code == 303, hunt.text
    assert_every_page_renders(client, ref, "threshold hunt open")
    for mep in ("yes", "no"):
        assert client.form(f"/patients/{ref}/tms/mt", {"mep": mep}).status_code == 303
    plan_form = prefilled(client.get(f"/patients/{ref}/tms/plan").text)
    planned = client.form(
        f"/patients/{ref}/tms/plan",
        {
            **plan_form,
            "protocol": protocol,
            "start": utc_today().isoformat(),
            "include_taper": "on",
            "override_reason": "trial protocol, physician's decision"
            if protocol in NEEDS_OVERRIDE
            else "",
            **TARGETS[method],
        },
    )
    if protocol in INCOMPLETE:
        # Parameters are missing: the plan is refused, naming them, and nothing is half-made.
        assert planned.status_code == 422 and "blocks." in planned.text
        assert_every_page_renders(client, ref, f"{protocol} refused")
        return
    assert planned.status_code == 303, planned.text
    assert_every_page_renders(client, ref, f"{method} {protocol} planned")
    _baseline_phq9(client, ref)

    # The session form's own pre-filled values are accepted as they stand.
    session_form = prefilled(client.get(f"/patients/{ref}/tms/session").text)
    logged = client.form(f"/patients/{ref}/tms/session", session_form)
    assert logged.status_code == 303, logged.text
    reviewed = client.form(f"/patients/{ref}/tms/review/suggest", {"scale": ""})
    assert reviewed.status_code == 303, reviewed.text
    assert_every_page_renders(client, ref, "one session, a review pending")

    event = client.form(
        f"/patients/{ref}/tms/adverse-event",
        {
            "occurred_on": utc_today().isoformat(),
            "ae_0_kind": "syncope",
            "ae_0_severity": "moderate",
            "ae_0_serious": "on",
        },
    )
    assert event.status_code == 303, event.text
    assert_every_page_renders(client, ref, "paused by a serious adverse event")
    resumed = client.form(
        f"/patients/{ref}/tms/review/pause", {"decision": "resume", "note": "recovered, resume"}
    )
    assert resumed.status_code == 303, resumed.text
    assert_every_page_renders(client, ref, "resumed")
