"""The PGx room's results as FHIR R4 resources, after the HL7 Genomics Reporting IG (STU3).

Per gene with a result in use (an outside call before a VCF call, as on the PGx page):

* a **genotype** Observation (code LOINC 84413-4; the diplotype as text, e.g.
  ``CYP2D6*1/*4``; component "gene studied" 48018-6 with the HGNC gene id), its method
  (VCF call by trdcare, or outside call with the laboratory as performer), and notes: where it
  came from (the VCF's name, sample and SHA-256; or the lab and its report date), the data
  versions of the tables it was called with, the missing positions, the caller's notes;
* a **metabolizer status** Observation (the IG's therapeutic implication, code
  ``therapeutic-implication``, component with the CPIC phenotype: LOINC answer code where one
  was read, else text), derived from the genotype;

and per drug with a CPIC recommendation, a **therapeutic implication** Observation with the
medication assessed (51963-7, text: no RxNorm code is on record), each gene's phenotype, the
guideline as a ``workflow-relatedArtifact`` citation and the recommendation in trdcare's
words as a note; all under a DiagnosticReport (LOINC 51969-4).

The resources follow the IG's profiles but do not claim them (``meta.profile`` is absent):
nothing here validated them against the IG's StructureDefinitions, only against base FHIR
(``fhir.resources``). Codes come from ``pgx/domain/data/fhir_codes.json``; an UNVERIFIED one
is sent as text. Not exported: variant Observations per position, the IG's medication
recommendation Task, RxNorm codes (docs/pgx.md, "FHIR export").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from fhir.resources.R4B.diagnosticreport import DiagnosticReport
from fhir.resources.R4B.extension import Extension
from fhir.resources.R4B.observation import Observation, ObservationComponent
from fhir.resources.R4B.relatedartifact import RelatedArtifact
from fhir.resources.R4B.resource import Resource

from trdcare.adapters.fhir import concept, full_url, instant, named, notes, ref
from trdcare.core.codes import CodesFile
from trdcare.pgx.domain.fhir_codes import load

PRESCRIBER_NOTE = (
    "CPIC recommendations inform the prescriber; nothing is changed automatically. The "
    "wording is trdcare's rewording of CPIC's (docs/pgx.md)."
)


def _categories(codes: CodesFile) -> list[Any]:
    return [concept(codes.entry("category_laboratory")), concept(codes.entry("category_genetics"))]


def genotype_text(gene: str, diplotypes: Sequence[str]) -> str:
    """``CYP2D6*1/*4`` (the IG examples' form); several fitting diplotypes joined by "or"."""
    if not diplotypes:
        return f"{gene} no call"
    return " or ".join(f"{gene}{d}" for d in diplotypes)


def _source_note(result: Mapping[str, Any]) -> str:
    if result["source"] == "outside":
        when = f" on {result['reported_on']}" if result.get("reported_on") else ""
        return f"Outside call reported by {result.get('lab') or 'an outside laboratory'}{when}."
    return (
        f"Called by trdcare from the VCF '{result.get('file_name', '')}'"
        f" (sample '{result.get('sample', '')}', SHA-256 {result.get('file_sha256', '')})."
    )


def _versions_note(result: Mapping[str, Any]) -> str:
    versions = result.get("data_versions") or {}
    if not versions:
        return ""
    return "Data versions: " + ", ".join(f"{k} {v}" for k, v in sorted(versions.items())) + "."


def _missing_note(result: Mapping[str, Any]) -> str:
    missing = result.get("missing_positions") or []
    if not missing:
        return ""
    parts = []
    for m in missing:
        label = m.get("rsid") or ""
        parts.append(f"{label} (GRCh38 {m.get('position')})".strip())
    return (
        f"Missing positions ({len(missing)}; absent from the VCF, never assumed reference): "
        + ", ".join(parts)
        + "."
    )


def _genotype(codes: CodesFile, result: Mapping[str, Any], subject: str, url: str) -> Observation:
    gene = str(result["gene"])
    outside = result["source"] == "outside"
    method = (
        "Outside call: the diplotype as the laboratory reported it"
        if outside
        else "trdcare star-allele calling from a VCF (SNVs and small indels; CYP2D6 copy "
        "number, *5 and hybrids are not called)"
    )
    return Observation(
        id=url.removeprefix("urn:uuid:"),
        status="final",
        category=_categories(codes),
        code=concept(codes.entry("genotype")),
        subject=ref(subject),
        issued=instant(result.get("recorded_at")),
        performer=[named(str(result["lab"]))] if outside and result.get("lab") else None,
        valueCodeableConcept=concept(None, genotype_text(gene, result.get("diplotypes") or [])),
        method=concept(None, method),
        component=[
            ObservationComponent(
                code=concept(codes.entry("gene_studied")),
                valueCodeableConcept=concept(codes.get(f"gene:{gene}"), gene),
            )
        ],
        note=notes(
            _source_note(result),
            _versions_note(result),
            _missing_note(result),
            *[str(n) for n in result.get("notes") or []],
        ),
    )


def _status(
    codes: CodesFile, result: Mapping[str, Any], subject: str, url: str, genotype_url: str
) -> Observation:
    gene = str(result["gene"])
    phenotype = str(result["phenotype"])
    score = result.get("activity_score")
    return Observation(
        id=url.removeprefix("urn:uuid:"),
        status="final",
        category=_categories(codes),
        code=concept(codes.entry("therapeutic_implication")),
        subject=ref(subject),
        issued=instant(result.get("recorded_at")),
        derivedFrom=[ref(genotype_url, genotype_text(gene, result.get("diplotypes") or []))],
        component=[
            ObservationComponent(
                code=concept(codes.entry("therapeutic_implication")),
                valueCodeableConcept=concept(codes.get(f"phenotype:{phenotype}"), phenotype),
            )
        ],
        note=notes(
            f"{gene} metabolizer status (CPIC phenotype): {phenotype}.",
            f"{gene} activity score {score} (CPIC)." if score else "",
        ),
    )


def _recommendation(
    codes: CodesFile,
    rec: Mapping[str, Any],
    subject: str,
    url: str,
    genotypes: Mapping[str, tuple[str, str]],
    issued: datetime | None,
) -> Observation | None:
    derived = [ref(genotypes[g][0], genotypes[g][1]) for g in rec["genes"] if g in genotypes]
    if not derived:  # no result of the guideline's genes on record: nothing to derive from
        return None
    guideline = rec.get("guideline") or {}
    artifact = codes.entry("related_artifact")
    extension = (
        [
            Extension(
                url=artifact.system,
                valueRelatedArtifact=RelatedArtifact(type="citation", url=guideline["url"]),
            )
        ]
        if artifact.coded and guideline.get("url")
        else None
    )
    components = [
        ObservationComponent(
            code=concept(codes.entry("medication_assessed")),
            valueCodeableConcept=concept(None, str(rec["drug"])),
        )
    ]
    for gene, phenotype in rec["phenotypes"].items():
        components.append(
            ObservationComponent(
                code=concept(codes.entry("therapeutic_implication")),
                valueCodeableConcept=concept(
                    codes.get(f"phenotype:{phenotype}"), f"{gene} {phenotype}"
                ),
            )
        )
    conclusion = codes.entry("conclusion_string")
    text = f"{rec['drug']}: {rec['recommendation']} (CPIC classification: {rec['classification']})"
    if conclusion.coded:
        components.append(ObservationComponent(code=concept(conclusion), valueString=text))
    cite = ", ".join(
        p
        for p in (
            f"PMID {guideline['pmid']}" if guideline.get("pmid") else "",
            str(guideline.get("year") or ""),
            f"data version {guideline['data_version']}" if guideline.get("data_version") else "",
        )
        if p
    )
    return Observation(
        id=url.removeprefix("urn:uuid:"),
        extension=extension,
        status="final",
        category=_categories(codes),
        code=concept(codes.entry("therapeutic_implication")),
        subject=ref(subject),
        issued=issued,
        derivedFrom=derived,
        component=components,
        note=notes(
            "" if conclusion.coded else text,
            f"CPIC guideline {guideline.get('url', '')} ({cite})." if guideline else "",
            "Several diplotypes fit: every recommendation they imply is listed."
            if rec.get("ambiguous")
            else "",
            *[str(n) for n in rec.get("notes") or []],
            PRESCRIBER_NOTE,
        ),
    )


def resources(
    genes: Mapping[str, Mapping[str, Any]],
    recommendations: Sequence[Mapping[str, Any]],
    *,
    patient_key: str,
    subject: str,
) -> list[tuple[str, Resource]]:
    """``(fullUrl, resource)`` pairs: the DiagnosticReport first, then its Observations.
    Nothing when the patient has no PGx result in use."""
    if not genes:
        return []
    codes = load()
    out: list[tuple[str, Resource]] = []
    genotypes: dict[str, tuple[str, str]] = {}
    issued = [instant(r.get("recorded_at")) for r in genes.values()]
    latest = max((i for i in issued if i is not None), default=None)
    for gene, result in genes.items():
        g_url = full_url("pgx-genotype", str(result["ref"]))
        out.append((g_url, _genotype(codes, result, subject, g_url)))
        genotypes[gene] = (g_url, genotype_text(gene, result.get("diplotypes") or []))
        if result.get("phenotype"):
            s_url = full_url("pgx-status", str(result["ref"]))
            out.append((s_url, _status(codes, result, subject, s_url, g_url)))
    for rec in recommendations:
        key = f"{patient_key}:{rec['drug']}:{','.join(genotypes[g][1] for g in rec['genes'] if g in genotypes)}"
        r_url = full_url("pgx-recommendation", key)
        obs = _recommendation(codes, rec, subject, r_url, genotypes, latest)
        if obs is not None:
            out.append((r_url, obs))
    report_url = full_url("pgx-report", f"{patient_key}:{','.join(sorted(g for g in genotypes))}")
    report = DiagnosticReport(
        id=report_url.removeprefix("urn:uuid:"),
        status="final",
        category=[concept(codes.entry("category_genetics"))],
        code=concept(codes.entry("report"), "Pharmacogenomic results (CPIC)"),
        subject=ref(subject),
        issued=latest,
        result=[ref(u) for u, _ in out],
        conclusion=PRESCRIBER_NOTE,
    )
    return [(report_url, report), *out]
