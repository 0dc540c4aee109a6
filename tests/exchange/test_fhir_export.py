"""The FHIR export (issue 12): a patient's PGx results and labs as an HL7 FHIR R4 Bundle,
over HTTP and the CLI, on both databases. The Bundle is parsed back with fhir.resources
(R4B models) and its codes and values checked for a patient with a VCF call, an outside
CYP2D6 call and two labs (one abnormal); a patient with nothing gives the Patient alone;
permissions; a bad ``include``; every export audited."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.diagnosticreport import DiagnosticReport
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient as FhirPatient
from sqlalchemy import select
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from pgx_support import make_vcf
from trdcare import cli as root_cli
from trdcare.adapters.db.engine import unit_of_work
from trdcare.adapters.db.models import AuditEvent, Patient
from trdcare.core.clock import utc_today
from trdcare.labs import service as labs_service
from trdcare.pgx import service as pgx_service
from web_support import SETUP, WebClient, add_patient, client, web_app

FIXTURES = (client, web_app)
LOINC = "http://loinc.org"
HGNC = "http://www.genenames.org"
UCUM = "http://unitsofmeasure.org"
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
TBD = "http://hl7.org/fhir/uv/genomics-reporting/CodeSystem/tbd-codes-cs"


def _patient(engine: Engine, ref: str, session: Any) -> Patient:
    return session.scalars(select(Patient).where(Patient.ref == ref)).one()


def full_record(engine: Engine, tmp_path: Path, mrn: str) -> tuple[str, str]:
    """A VCF call (CYP2C19, CYP2B6, CYP2D6), an outside CYP2D6 call, TSH high, B12 normal.
    Returns the ref and the VCF's SHA-256."""
    ref = add_patient(engine, mrn)
    vcf = make_vcf(tmp_path, {"S": {"CYP2C19": ("*2", "*17"), "CYP2D6": ("*1", "*4")}})
    sha = hashlib.sha256(vcf.read_bytes()).hexdigest()
    with unit_of_work(engine) as session:
        patient = _patient(engine, ref, session)
        pgx_service.import_vcf(session, SETUP, patient, vcf, sample=None)
        pgx_service.add_outside_call(
            session, SETUP, patient, gene="CYP2D6", diplotype="*1/*2x2",
            lab="Example Lab", reported_on=date(2025, 1, 2),
        )  # fmt: skip
        labs_service.record_result(
            session, SETUP, patient, analyte="tsh", value=5.2, unit="mIU/L",
            reference_low=0.4, reference_high=4.0, collected_on=utc_today(), lab="City Lab",
        )  # fmt: skip
        labs_service.record_result(
            session, SETUP, patient, analyte="vitamin_b12", value=350, unit="pg/mL",
            reference_low=200, reference_high=900, collected_on=utc_today(),
        )  # fmt: skip
    return ref, sha


def parse(text: str) -> Bundle:
    bundle = Bundle.model_validate_json(text)
    assert bundle.type == "collection"
    return bundle


def resources(bundle: Bundle) -> list[Any]:
    return [e.resource for e in bundle.entry or []]


def codings(concept: Any) -> set[tuple[str, str]]:
    return {(c.system, c.code) for c in (concept.coding or [])} if concept else set()


def component(obs: Observation, system: str, code: str) -> list[Any]:
    return [c for c in obs.component or [] if (system, code) in codings(c.code)]


def genotype_of(items: list[Any], gene: str) -> Observation:
    found = [
        r
        for r in items
        if isinstance(r, Observation)
        and (LOINC, "84413-4") in codings(r.code)
        and component(r, LOINC, "48018-6")[0].valueCodeableConcept.text == gene
    ]
    assert len(found) == 1, gene
    return found[0]


def export(client: WebClient, ref: str, include: str | None = None) -> Any:
    client.as_role("physician")
    url = f"/api/v1/patients/{ref}/fhir" + (f"?include={include}" if include is not None else "")
    return client.get(url)


def test_full_record_as_a_bundle(client: WebClient, tmp_path: Path) -> None:
    ref, sha = full_record(client.engine, tmp_path, "FHIR-1")
    r = export(client, ref)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/fhir+json")
    assert r.headers["cache-control"] == "no-store"
    bundle = parse(r.text)
    items = resources(bundle)
    urls = {e.fullUrl for e in bundle.entry or []}

    patient = items[0]
    assert isinstance(patient, FhirPatient)
    assert [i.value for i in patient.identifier] == [ref]
    assert patient.identifier[0].system is None  # no TRDCARE_PUBLIC_URL: no invented system
    assert patient.name[0].family == "Byron" and patient.name[0].given == ["Ada"]
    assert patient.birthDate == date(1980, 5, 1)
    assert patient.gender is None and "FHIR-1" not in r.text  # neither sex nor MRN sent
    subject = bundle.entry[0].fullUrl

    report = next(x for x in items if isinstance(x, DiagnosticReport))
    assert (LOINC, "51969-4") in codings(report.code)
    assert {x.reference for x in report.result} <= urls
    assert report.subject.reference == subject

    # The VCF call: genotype, gene as HGNC id, source, SHA-256, data versions, method.
    c19 = genotype_of(items, "CYP2C19")
    assert c19.valueCodeableConcept.text == "CYP2C19*2/*17"
    gene = component(c19, LOINC, "48018-6")[0].valueCodeableConcept
    assert codings(gene) == {(HGNC, "HGNC:2621")}
    text = " ".join(n.text for n in c19.note)
    assert sha in text and "VCF" in text and "Data versions: alleles" in text
    assert {(LOINC, "84413-4")} == codings(c19.code)
    assert codings(c19.category[1]) == {("http://terminology.hl7.org/CodeSystem/v2-0074", "GE")}
    assert c19.subject.reference == subject and c19.meta is None  # profiles not claimed
    # CYP2B6's HGNC id is UNVERIFIED: the gene goes as text only.
    b6 = genotype_of(items, "CYP2B6")
    assert codings(component(b6, LOINC, "48018-6")[0].valueCodeableConcept) == set()

    # The outside CYP2D6 call replaces the VCF call: the lab as performer, no SHA-256.
    d6 = genotype_of(items, "CYP2D6")
    assert d6.valueCodeableConcept.text == "CYP2D6*1/*2x2"
    assert d6.performer[0].display == "Example Lab"
    assert "Outside call" in d6.method.text
    assert "Example Lab on 2025-01-02" in d6.note[0].text and sha not in d6.note[0].text

    # Metabolizer status per gene, derived from its genotype, LOINC answer codes.
    d6_url = next(e.fullUrl for e in bundle.entry if e.resource is d6)
    status = [
        x
        for x in items
        if isinstance(x, Observation)
        and (TBD, "therapeutic-implication") in codings(x.code)
        and [d.reference for d in x.derivedFrom] == [d6_url]
        and not component(x, LOINC, "51963-7")
    ]
    assert len(status) == 1
    value = component(status[0], TBD, "therapeutic-implication")[0].valueCodeableConcept
    assert codings(value) == {(LOINC, "LA10315-2")} and value.text == "Ultrarapid Metabolizer"

    # A CPIC recommendation per drug: medication, phenotype, guideline citation, wording.
    recs = [x for x in items if isinstance(x, Observation) and component(x, LOINC, "51963-7")]
    assert recs
    drugs = {component(x, LOINC, "51963-7")[0].valueCodeableConcept.text for x in recs}
    assert {"citalopram", "amitriptyline"} <= drugs
    citalopram = next(
        x
        for x in recs
        if component(x, LOINC, "51963-7")[0].valueCodeableConcept.text == "citalopram"
    )
    assert citalopram.extension[0].url == (
        "http://hl7.org/fhir/StructureDefinition/workflow-relatedArtifact"
    )
    assert citalopram.extension[0].valueRelatedArtifact.url.startswith("https://")
    notes = " ".join(n.text for n in citalopram.note)
    assert "citalopram:" in notes and "CPIC classification" in notes
    assert "nothing is changed automatically" in notes
    assert all(d.reference in urls for x in recs for d in x.derivedFrom)

    # Labs: LOINC, UCUM where sourced, the lab's range, H / N.
    labs = [x for x in items if isinstance(x, Observation) and x.valueQuantity is not None]
    tsh = next(x for x in labs if (LOINC, "3016-3") in codings(x.code))
    assert tsh.valueQuantity.value == Decimal("5.2") and tsh.valueQuantity.unit == "mIU/L"
    assert tsh.valueQuantity.code is None  # m[IU]/L is UNVERIFIED: unit text only
    assert codings(tsh.interpretation[0]) == {(INTERPRETATION, "H")}
    assert tsh.referenceRange[0].low.value == Decimal("0.4")
    assert tsh.referenceRange[0].high.value == Decimal("4.0")
    assert str(tsh.effectiveDateTime) == utc_today().isoformat()
    assert tsh.performer[0].display == "City Lab"
    b12 = next(x for x in labs if (LOINC, "2132-9") in codings(x.code))
    assert (b12.valueQuantity.system, b12.valueQuantity.code) == (UCUM, "pg/mL")
    assert codings(b12.interpretation[0]) == set()  # N is UNVERIFIED: text only
    assert b12.interpretation[0].text == "within the reference range"
    assert len(labs) == 2

    with unit_of_work(client.engine) as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.patient_ref == ref, AuditEvent.action == "export")
        ).all()
        assert [e.entity for e in events] == ["fhir_bundle"]
        assert events[0].detail["parts"] == ["pgx", "labs"]


def test_stable_ids_public_url_and_parts(client: WebClient, tmp_path: Path) -> None:
    ref, _ = full_record(client.engine, tmp_path, "FHIR-2")
    first = parse(export(client, ref).text)
    again = parse(export(client, ref).text)
    assert [e.fullUrl for e in first.entry] == [e.fullUrl for e in again.entry]
    labs_only = resources(parse(export(client, ref, "labs").text))
    assert not any(isinstance(x, DiagnosticReport) for x in labs_only)
    assert len(labs_only) == 3
    pgx_only = resources(parse(export(client, ref, "pgx,%20pgx").text))
    assert not any(isinstance(x, Observation) and x.valueQuantity for x in pgx_only)
    client.app.state.settings = client.app.state.settings.__class__(
        **{**client.app.state.settings.__dict__, "public_url": "https://trd.example.org"}
    )
    patient = resources(parse(export(client, ref, "labs").text))[0]
    assert patient.identifier[0].system == "https://trd.example.org/patients"


def test_nothing_on_record_gives_the_patient_alone(client: WebClient) -> None:
    ref = add_patient(client.engine, "FHIR-3")
    r = export(client, ref)
    assert r.status_code == 200, r.text
    items = resources(parse(r.text))
    assert len(items) == 1 and isinstance(items[0], FhirPatient)


def test_refusals(client: WebClient) -> None:
    ref = add_patient(client.engine, "FHIR-4")
    r = export(client, ref, "pgx,imaging")
    assert r.status_code == 422
    problem = r.json()
    issue = problem["errors"][0]
    assert issue["path"] == "include" and "pgx, labs" in issue["allowed"]
    assert "imaging" in str(issue["given"])
    assert export(client, ref, "").status_code == 422
    assert export(client, "P-" + "Z" * 10).status_code == 404
    for role in ("front_desk", "admin"):
        client.as_role(role)
        assert client.get(f"/api/v1/patients/{ref}/fhir").status_code == 403
    client.as_role(None)
    assert client.get(f"/api/v1/patients/{ref}/fhir").status_code == 401
    with unit_of_work(client.engine) as session:
        assert not session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).all()


def test_cli(database_url: str, engine: Engine, tmp_path: Path) -> None:
    runner = CliRunner()

    def run(*args: str) -> Any:
        return runner.invoke(root_cli.app, ["--database-url", database_url, *args])

    ref, sha = full_record(engine, tmp_path, "FHIR-CLI")
    out = tmp_path / "bundle.json"
    r = run("fhir", "export", ref, "--out", str(out))
    assert r.exit_code == 0, r.output
    bundle = parse(out.read_text("utf-8"))
    assert sha in out.read_text("utf-8") and len(bundle.entry) > 5
    assert out.stat().st_mode & 0o077 == 0  # patient data: owner only
    r = run("fhir", "export", ref, "--include", "labs", "--out", str(tmp_path / "labs.json"))
    assert r.exit_code == 0 and len(json.loads((tmp_path / "labs.json").read_text())["entry"]) == 3
    for args, words in (
        (("--include", "pgx,x"), "include"),
        (("--out", str(tmp_path / "b.txt")), "--out"),
        (("--out", str(tmp_path / "nofolder" / "b.json")), "--out"),
    ):
        argv = ["fhir", "export", ref, *args]
        if "--out" not in args:
            argv += ["--out", str(tmp_path / "c.json")]
        r = run(*argv)
        assert r.exit_code == 2 and words in r.stderr, r.output
    assert not (tmp_path / "c.json").exists() and not (tmp_path / "b.txt").exists()
    r = run("fhir", "export", "P-NOSUCH", "--out", str(tmp_path / "d.json"))
    assert r.exit_code == 2 and not (tmp_path / "d.json").exists()
