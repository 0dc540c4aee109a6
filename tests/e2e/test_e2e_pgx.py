"""Pharmacogenomics and labs in a real browser (Playwright driving Debian's Chromium), on the
server of test_e2e_browser.py: a physician enters a sertraline trial, records an outside
CYP2C19 call (empty, an unknown star allele: refused beside the field with the values kept;
then corrected), and sees the phenotype and CPIC recommendation on the patient's page beside
the trial it explains; uploads the lab's VCF on the PGx page (a file that is no VCF refused
beside the file field; then the VCF, whose CYP2D6 call is shown); then records a TSH result
with the range upside down and corrects it.
Screenshots go to ``test-artifacts/e2e/``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from test_e2e_browser import ARTIFACTS, browser, server, sign_in

from trdcare.core.clock import utc_today
from trdcare.pgx import synthetic

FIXTURES = (browser, server)


def submit(page: Any, form: str, button: str) -> None:
    # The browser's own checks would stop the submit: the server's are under test.
    page.eval_on_selector(form, "f => f.setAttribute('novalidate', '')")
    page.get_by_role("button", name=button).click()
    page.wait_for_load_state()


def test_an_outside_pgx_call_explains_a_trial_on_the_patient_s_page(
    server: str, browser: Any, tmp_path: Path
) -> None:
    errors: list[str] = []
    page = browser.new_context(viewport={"width": 1180, "height": 820}).new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, server, "dr.e2e")

    page.goto(f"{server}/patients/new")
    page.get_by_label("Medical record number (MRN)").fill("E2E-PGX-1")
    page.get_by_label("Given name").fill("Robin")
    page.get_by_label("Family name").fill("Lee")
    page.get_by_label("Date of birth").fill("1979-02-03")
    page.get_by_role("button", name="Register").click()
    page.wait_for_load_state()
    ref = re.search(r"/patients/(P-[0-9A-Z]{10})", page.url).group(1)  # type: ignore[union-attr]

    page.goto(f"{server}/patients/{ref}/history/edit")
    page.get_by_label("Onset of the current episode").fill("2024-01-01")
    page.get_by_label("Baseline severity (clinician-rated)").select_option("moderate")
    page.get_by_label("Trial 1 drug").fill("sertraline")
    page.get_by_label("Trial 1 maximum daily dose in mg").fill("100")
    page.get_by_label("Trial 1 start").fill("2024-02-01")
    page.get_by_label("Trial 1 end").fill("2024-05-30")
    page.get_by_label("Trial 1 adherence").select_option("good")
    page.get_by_label("Trial 1 outcome").select_option("no_response")
    page.get_by_role("button", name="Save and stage").click()
    page.wait_for_load_state()

    # From the chart's PGx panel to the PGx page.
    page.goto(f"{server}/patients/{ref}")
    page.get_by_role("link", name="The PGx page").click()
    page.wait_for_load_state()
    assert "No pharmacogenomic result on record." in page.content()

    page.get_by_label("Gene").select_option("CYP2C19")
    submit(page, "#pgx-outside-form", "Record the outside call")  # empty diplotype
    assert page.locator("#err-diplotype").inner_text()
    page.get_by_label("Diplotype").fill("*2/*99")
    page.get_by_label("Laboratory").fill("Example Genomics")
    submit(page, "#pgx-outside-form", "Record the outside call")
    assert "*99 is not a known CYP2C19 allele" in page.locator("#err-diplotype").inner_text()
    assert page.get_by_label("Laboratory").input_value() == "Example Genomics"  # kept
    assert page.get_by_label("Gene").input_value() == "CYP2C19"
    page.screenshot(path=str(ARTIFACTS / "pgx-unknown-allele.png"), full_page=True)
    page.get_by_label("Diplotype").fill("*2/*2")
    page.get_by_label("Reported on").fill(utc_today().isoformat())
    submit(page, "#pgx-outside-form", "Record the outside call")
    assert "Outside call recorded" in page.content()
    assert "Poor Metabolizer" in page.locator("#pgx-results").inner_text()

    # The patient's page: the phenotype and CPIC's recommendation beside the trial.
    page.goto(f"{server}/patients/{ref}")
    trial = page.locator("li[data-trial]").filter(has_text="sertraline")
    text = trial.inner_text()
    assert "2024-02-01" in text and "CYP2C19 Poor Metabolizer" in text, text
    assert "not mainly cleared by CYP2C19" in text and "Moderate" in text, text
    page.screenshot(path=str(ARTIFACTS / "pgx-beside-the-trial.png"), full_page=True)
    body = page.locator("body").inner_text()
    assert "None" not in body and "snake_case" not in body

    # The lab's VCF uploaded on the PGx page: first a file that is no VCF, then the VCF.
    page.goto(f"{server}/patients/{ref}/pgx")
    assert "need an outside call" in page.locator("#pgx-vcf-cyp2d6").inner_text()
    not_vcf = tmp_path / "report.vcf"
    not_vcf.write_text("Patient report\n", "utf-8")
    page.set_input_files("#f-file", str(not_vcf))
    submit(page, "#pgx-vcf-form", "Upload and call")
    assert "is not a VCF" in page.locator("#err-file").inner_text()
    vcf = synthetic.write_vcf(
        synthetic.vcf_text({"LAB-7": {"CYP2D6": ("*1", "*4"), "CYP2C19": ("*1", "*17")}}),
        tmp_path / "panel.vcf",
        bgzip=True,
    )
    page.set_input_files("#f-file", str(vcf))
    submit(page, "#pgx-vcf-form", "Upload and call")
    assert "VCF stored" in page.locator("[role=status]").inner_text()
    rows = page.locator("#pgx-results").inner_text()
    assert "*1/*4" in rows and "VCF panel.vcf.gz, sample LAB-7" in rows, rows
    in_use = page.locator("#pgx-in-use").inner_text()
    assert "*1/*4" in in_use and "Intermediate Metabolizer" in in_use, in_use
    page.screenshot(path=str(ARTIFACTS / "pgx-vcf-uploaded.png"), full_page=True)

    # Labs: a TSH result with its range upside down, then corrected.
    page.goto(f"{server}/patients/{ref}/labs")
    page.get_by_label("Test").select_option("tsh")
    page.locator("#f-value").fill("6.1")
    page.get_by_label("Unit").fill("mIU/L")
    page.get_by_label("Reference range, low").fill("4.0")
    page.get_by_label("Reference range, high").fill("0.4")
    submit(page, "#labs-form", "Record the result")
    assert "below the low bound" in page.locator("#err-reference_high").inner_text()
    assert page.locator("#f-value").input_value() == "6.1"
    page.get_by_label("Reference range, low").fill("0.4")
    page.get_by_label("Reference range, high").fill("4.0")
    submit(page, "#labs-form", "Record the result")
    row = page.locator("#labs-results").inner_text()
    assert "6.1 mIU/L" in row and "above the reference range" in row, row
    page.screenshot(path=str(ARTIFACTS / "labs-recorded.png"), full_page=True)

    # The lab results leave as FHIR: the page's download link gives the Bundle.
    with page.expect_download() as info:
        page.get_by_text("Download the lab results as HL7 FHIR R4 (JSON)").click()
    bundle_file = tmp_path / "labs-fhir.json"
    info.value.save_as(bundle_file)
    assert info.value.suggested_filename == f"{ref}-labs-fhir.json"
    bundle = json.loads(bundle_file.read_text("utf-8"))
    assert bundle["resourceType"] == "Bundle"
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert kinds.count("Patient") == 1 and "Observation" in kinds, kinds
    assert not errors, errors
