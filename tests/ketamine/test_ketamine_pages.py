"""The IV ketamine panel on the chart and its dashboard line (both databases): the
off-label notice, the series, each infusion, the course status; roles that may not read
ketamine records see none of it."""

from __future__ import annotations

import re
from datetime import timedelta

from trdcare.core.clock import utc_now
from web_support import WebClient, add_patient, client, web_app

FIXTURES = (client, web_app)


def test_chart_panel_and_dashboard(client: WebClient) -> None:
    ref = add_patient(client.engine, "MRN-KPAGE")
    start = utc_now().date() - timedelta(days=2)
    client.as_role("physician")
    assert (
        client.post(
            f"/api/v1/patients/{ref}/ketamine/series",
            json={"start": start.isoformat(), "weight_kg": 70},
        ).status_code
        == 201
    )
    r = client.post(
        f"/api/v1/patients/{ref}/ketamine/infusions",
        json={
            "predose_systolic_mmhg": 150,
            "predose_diastolic_mmhg": 85,
            "bp_signoff_reason": "rechecked after rest",
        },
    )
    assert r.status_code == 201, r.text
    client.as_role("technician", via="session")
    chart = client.get(f"/patients/{ref}")
    assert chart.status_code == 200
    assert "OFF-LABEL" in chart.text and "IV ketamine (off-label)" in chart.text
    assert "0 of 6 infusions completed" in chart.text
    assert "signed off by" in chart.text and "not yet" in chart.text
    assert not re.search(r"\bNone\b|Undefined", chart.text)
    dashboard = client.get("/dashboard", params={"limit": 100})
    assert "IV ketamine (off-label): 0 of 6 infusions, infusion under way" in dashboard.text


def test_a_chart_without_a_series_says_so(client: WebClient) -> None:
    ref = add_patient(client.engine, "MRN-KNONE")
    client.as_role("clinician", via="session")
    chart = client.get(f"/patients/{ref}")
    assert chart.status_code == 200 and "No IV ketamine series." in chart.text
