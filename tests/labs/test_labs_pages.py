"""The labs page on both databases: a result recorded on the page (empty, absurd and
inconsistent input refused beside each field at once, the values kept, nothing written; then
the correction), its flag shown, a result marked entered in error, roles."""

from __future__ import annotations

import html
import re

from test_labs_records import count

from trdcare.core.clock import utc_today
from web_support import WebClient, add_patient, client, field_errors, plain_page, web_app

FIXTURES = (client, web_app)
TODAY = utc_today().isoformat()


def test_a_result_recorded_on_the_page(client: WebClient) -> None:
    ref = add_patient(client.engine, "LAB-PAGE-1")
    client.as_role("clinician", via="session")
    base = f"/patients/{ref}/labs"
    page = plain_page(client, base)
    assert "No lab result on record." in page and 'id="labs-form"' in page
    assert "Vitamin D (25-OH) (LOINC 1989-3)" in html.unescape(page)

    # empty: every required field named beside itself; nothing written
    r = client.form(base, {"analyte": "tsh", "value": "", "unit": "", "collected_on": ""})
    page = plain_page(client, base, 422, r)
    assert set(field_errors(page)) >= {"value", "unit", "collected_on"}, field_errors(page)
    assert count(client) == 0

    # absurd: a negative result, a word for a bound, an infinite bound
    r = client.form(
        base,
        {"analyte": "tsh", "value": "-3", "unit": "mIU/L", "collected_on": TODAY,
         "reference_low": "low", "reference_high": "inf", "lab": "City Lab"},
    )  # fmt: skip
    page = plain_page(client, base, 422, r)
    errors = field_errors(page)
    assert set(errors) >= {"value", "reference_low", "reference_high"}, errors
    assert 'value="City Lab"' in page and 'value="-3"' in page  # the values are kept

    # valid alone but not together: a unit of another test, the future, a range upside down
    r = client.form(
        base,
        {"analyte": "tsh", "value": "6.1", "unit": "ng/dL", "collected_on": "2999-01-01",
         "reference_low": "4.0", "reference_high": "0.4", "lab": "City Lab"},
    )  # fmt: skip
    page = plain_page(client, base, 422, r)
    errors = field_errors(page)
    assert "not a unit of TSH" in errors["unit"] and "mIU/L" in errors["unit"], errors
    assert "future" in errors["collected_on"] and "below the low bound" in errors["reference_high"]
    assert count(client) == 0

    # the correction
    r = client.form(
        base,
        {"analyte": "tsh", "value": "6.1", "unit": "mIU/L", "collected_on": TODAY,
         "reference_low": "0.4", "reference_high": "4.0", "lab": "City Lab", "note": ""},
    )  # fmt: skip
    assert r.status_code == 303, r.text
    page = plain_page(client, f"{base}?msg=recorded")
    assert "Lab result recorded" in page
    row = page[page.index('id="labs-results"') :]
    assert "6.1 mIU/L" in row and "above the reference range" in row and "0.4 – 4 mIU/L" in row
    # a result without a range is kept unflagged; an unverified code says so
    r = client.form(
        base, {"analyte": "vitamin_d", "value": "31", "unit": "ng/mL", "collected_on": TODAY}
    )
    assert r.status_code == 303, r.text
    page = plain_page(client, base)
    assert "no reference range given" in page and "(unverified code)" in page
    assert f'href="{base}"' in plain_page(client, f"/patients/{ref}")

    # entered in error: an empty reason is refused beside the row's field, then kept
    number = re.search(r"/labs/(\d+)/entered-in-error", page).group(1)  # type: ignore[union-attr]
    url = f"{base}/{number}/entered-in-error"
    page = plain_page(client, base, 422, client.form(url, {"reason": "", "version": "1"}))
    assert "reason" in field_errors(page) and 'id="f-reason"' in page
    assert (
        client.form(url, {"reason": "typed into the wrong chart", "version": "1"}).status_code
        == 303
    )
    page = plain_page(client, f"{base}?msg=retired")
    assert "no longer counts" in page.split('id="labs-withdrawn"')[1]
    assert count(client) == 2


def test_roles_on_the_page(client: WebClient) -> None:
    ref = add_patient(client.engine, "LAB-PAGE-2")
    client.as_role("technician", via="session")
    assert 'id="labs-form"' not in plain_page(client, f"/patients/{ref}/labs")
    r = client.form(
        f"/patients/{ref}/labs",
        {"analyte": "tsh", "value": "1", "unit": "mIU/L", "collected_on": TODAY},
    )
    assert r.status_code == 403 and count(client) == 0
    client.as_role("front_desk", via="session")
    assert client.get(f"/patients/{ref}/labs").status_code == 403
