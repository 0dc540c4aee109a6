"""The PGx page on both databases: an outside call entered on the page (empty, absurd and
unknown-allele input refused beside the field, the values kept, nothing written; then the
correction), the phenotype and CPIC recommendation shown beside the trial it explains, a
result marked entered in error (an empty reason refused beside its row), roles."""

from __future__ import annotations

import html
import re

from test_pgx_records import count, with_history

from trdcare.core.clock import utc_today
from web_support import WebClient, add_patient, client, field_errors, plain_page, web_app

FIXTURES = (client, web_app)


def test_an_outside_call_on_the_page_explains_a_trial(client: WebClient) -> None:
    ref = with_history(client, "PGX-PAGE-1")
    client.as_role("physician", via="session")
    base = f"/patients/{ref}/pgx"
    page = plain_page(client, base)
    assert "No pharmacogenomic result on record." in page
    assert 'id="pgx-outside-form"' in page

    # empty: the diplotype is named beside its field; nothing written
    r = client.form(f"{base}/outside-calls", {"gene": "CYP2C19", "diplotype": ""})
    page = plain_page(client, base, 422, r)
    assert "diplotype" in field_errors(page), field_errors(page)
    assert count(client) == 0

    # absurd: an unknown gene, a diplotype that is no diplotype, a date in the future
    r = client.form(
        f"{base}/outside-calls",
        {"gene": "CYP3A4", "diplotype": "poor", "reported_on": "2999-01-01", "lab": "Lab A"},
    )
    page = plain_page(client, base, 422, r)
    assert set(field_errors(page)) >= {"gene"}, field_errors(page)
    r = client.form(
        f"{base}/outside-calls",
        {"gene": "CYP2C19", "diplotype": "poor", "reported_on": "2999-01-01", "lab": "Lab A"},
    )
    page = plain_page(client, base, 422, r)
    errors = field_errors(page)
    assert "two alleles joined by /" in errors["diplotype"], errors
    assert 'value="poor"' in page and 'value="Lab A"' in page  # the values are kept
    r = client.form(
        f"{base}/outside-calls",
        {"gene": "CYP2C19", "diplotype": "*2/*2", "reported_on": "2999-01-01"},
    )
    page = plain_page(client, base, 422, r)
    assert "future" in field_errors(page)["reported_on"]
    r = client.form(  # a report from before the patient was born; over-long text
        f"{base}/outside-calls",
        {"gene": "CYP2C19", "diplotype": "*1/*2" * 40, "reported_on": "0001-01-01",
         "lab": "x" * 300},
    )  # fmt: skip
    page = plain_page(client, base, 422, r)
    errors = field_errors(page)
    assert set(errors) >= {"diplotype", "lab"}, errors
    r = client.form(
        f"{base}/outside-calls",
        {"gene": "CYP2C19", "diplotype": "*2/*2", "reported_on": "0001-01-01"},
    )
    page = plain_page(client, base, 422, r)
    assert "before the date of birth" in field_errors(page)["reported_on"]

    # an unknown star allele: named beside the diplotype with the known ones
    r = client.form(
        f"{base}/outside-calls", {"gene": "CYP2C19", "diplotype": "*2/*99", "lab": "Lab A"}
    )
    page = plain_page(client, base, 422, r)
    errors = field_errors(page)
    assert "*99 is not a known CYP2C19 allele" in errors["diplotype"], errors
    assert "*2" in errors["diplotype"] and "allowed" in errors["diplotype"]
    assert "Diplotype: *99 is not a known CYP2C19 allele" in html.unescape(page)  # summary
    assert 'value="*2/*99"' in html.unescape(page) and 'value="Lab A"' in page
    assert count(client) == 0

    # the correction
    r = client.form(
        f"{base}/outside-calls",
        {
            "gene": "CYP2C19",
            "diplotype": "*2/*2",
            "lab": "Lab A",
            "reported_on": utc_today().isoformat(),
            "note": "",
        },
    )
    assert r.status_code == 303, r.text
    assert r.headers["location"] == f"{base}?msg=outside"
    assert count(client) == 1
    page = plain_page(client, f"{base}?msg=outside")
    assert "Outside call recorded" in page
    assert "Poor Metabolizer" in page and "Lab report, Lab A" in page

    # the patient's page: phenotype and recommendation beside the trial they explain
    chart = plain_page(client, f"/patients/{ref}")
    panel = chart[chart.index("Pharmacogenomics (CPIC)") :]
    trials = panel[panel.index("Trials with a CPIC recommendation") :]
    assert "escitalopram" in trials and "CYP2C19 Poor Metabolizer" in trials
    assert "Prefer an antidepressant not mainly cleared by CYP2C19" in trials
    assert f'href="{base}"' in panel


def test_entered_in_error_on_the_page(client: WebClient) -> None:
    ref = add_patient(client.engine, "PGX-PAGE-2")
    client.as_role("physician", via="session")
    base = f"/patients/{ref}/pgx"
    r = client.form(f"{base}/outside-calls", {"gene": "CYP2D6", "diplotype": "*1/*2x2"})
    assert r.status_code == 303, r.text
    page = plain_page(client, base)
    assert "Ultrarapid Metabolizer" in page and "activity score 3.0" in page
    number = int(re.search(r"/pgx/results/(\d+)/entered-in-error", page).group(1))  # type: ignore[union-attr]
    url = f"{base}/results/{number}/entered-in-error"

    r = client.form(url, {"reason": "", "version": "1"})
    page = plain_page(client, base, 422, r)
    assert "reason" in field_errors(page), field_errors(page)
    assert 'id="f-reason"' in page  # the refused row's field, linked from the summary
    r = client.form(url, {"reason": "wrong patient's report", "version": "7"})
    page = plain_page(client, base, 409, r)
    assert "wrong patient&#39;s report" in page or "wrong patient's report" in page
    assert "Ultrarapid Metabolizer" in page.split("pgx-results")[1]  # still counts
    r = client.form(url, {"reason": "wrong patient's report", "version": "1"})
    assert r.status_code == 303, r.text
    page = plain_page(client, f"{base}?msg=retired")
    assert "Marked entered in error" in page
    assert "No pharmacogenomic result on record." in page
    assert "no longer counts" in page.split('id="pgx-withdrawn"')[1]


def test_roles_on_the_page(client: WebClient) -> None:
    ref = add_patient(client.engine, "PGX-PAGE-3")
    client.as_role("technician", via="session")
    page = plain_page(client, f"/patients/{ref}/pgx")
    assert "pgx-outside-form" not in page
    r = client.form(f"/patients/{ref}/pgx/outside-calls", {"gene": "CYP2D6", "diplotype": "*1/*1"})
    assert r.status_code == 403
    assert count(client) == 0
    client.as_role("front_desk", via="session")
    assert client.get(f"/patients/{ref}/pgx").status_code == 403


def test_the_fhir_download_link(client: WebClient) -> None:
    """The PGx and labs pages link their part of the FHIR export (fhir.export)."""
    ref = add_patient(client.engine, "PGX-PAGE-FHIR")
    client.as_role("physician", via="session")
    for part in ("pgx", "labs"):
        page = plain_page(client, f"/patients/{ref}/{part}")
        href = f"/api/v1/patients/{ref}/fhir?include={part}"
        assert f'href="{href}" download="{ref}-{part}-fhir.json"' in page
        r = client.get(href)
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("application/fhir+json")
        assert r.json()["resourceType"] == "Bundle"
