"""PGx use cases: store a VCF call or an outside call on the patient's record, show the
current result per gene with its CPIC recommendations, cross-referenced with the patient's
antidepressant trials (read through the history room's service), and mark a result entered
in error.

Flushes, never commits (the command or request commits once); every read and write of
patient data is audited. The cross-reference explains; it never changes a prescription.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from trdcare.adapters.db.models import Patient, PgxResult
from trdcare.adapters.db.stamping import retire_row, stamp_new
from trdcare.audit import service as audit
from trdcare.core.actor import Actor
from trdcare.core.clock import utc_today
from trdcare.core.errors import InvalidInput, IssueCollector, NotFound
from trdcare.core.ids import new_ref
from trdcare.history import service as history_service
from trdcare.pgx.domain import tables
from trdcare.pgx.domain.phenotypes import parse_diplotype
from trdcare.pgx.domain.recommendations import Recommendation, recommend
from trdcare.pgx.domain.report import GeneResult, from_outside
from trdcare.pgx.repository import PgxRepository

SV_NOTE_SHORT = (
    "CYP2D6 from a VCF uses SNVs and small indels only: copy number, *5 and hybrids need an "
    "outside call."
)


def _row(patient: Patient, result: GeneResult, **extra: Any) -> PgxResult:
    return PgxResult(
        ref=new_ref("G"),
        patient_id=patient.id,
        gene=result.gene,
        source=result.source,
        diplotypes=list(result.diplotypes),
        phenotype=result.phenotype,
        activity_score=result.activity_score,
        result=result.to_dict(),
        data_versions=tables.data_versions(),
        **extra,
    )


def import_vcf(
    session: Session, actor: Actor, patient: Patient, path: str | Path, *, sample: str | None
) -> list[PgxResult]:
    """Call ``path`` (one sample) and store one result per gene, with the file's checksum."""
    from trdcare.pgx.calling import call_sample

    report = call_sample(path, sample=sample)
    rows = []
    for result in report.genes.values():
        row = _row(
            patient,
            result,
            file_name=report.file_name[:255],
            file_sha256=report.file_sha256,
            sample=report.sample[:120],
        )
        stamp_new(row, actor)
        rows.append(row)
    PgxRepository(session).add(*rows)
    audit.record(
        session,
        actor,
        "create",
        "pgx_result",
        patient_ref=patient.ref,
        detail={"source": "vcf", "genes": len(rows)},
    )
    return rows


def add_outside_call(
    session: Session,
    actor: Actor,
    patient: Patient,
    *,
    gene: str,
    diplotype: str,
    lab: str,
    reported_on: date | None,
    note: str = "",
) -> PgxResult:
    """Store a lab-reported diplotype (the way CYP2D6 copy number and hybrids are entered).

    Every problem is told at once (a form shows each beside its field)."""
    issues = IssueCollector()
    try:
        phenotype = parse_diplotype(gene, diplotype)
    except InvalidInput as exc:
        issues.extend(exc.issues)
    if reported_on is not None and reported_on > utc_today():
        issues.add(
            "reported_on",
            "is in the future",
            allowed=f"on or before {utc_today()}",
            given=reported_on,
        )
    elif reported_on is not None and patient.birth_date and reported_on < patient.birth_date:
        issues.add("reported_on", "is before the date of birth", given=reported_on)
    issues.raise_if_any()
    result = from_outside(phenotype, f"Reported by {lab}." if lab else "")
    row = _row(patient, result, lab=lab, reported_on=reported_on, note=note)
    stamp_new(row, actor)
    PgxRepository(session).add(row)
    audit.record(
        session,
        actor,
        "create",
        "pgx_result",
        entity_id=row.id,
        patient_ref=patient.ref,
        detail={"source": "outside", "gene": row.gene},
    )
    return row


def retire_result(
    session: Session,
    actor: Actor,
    patient: Patient,
    result_id: int,
    *,
    reason: str,
    expected_version: int | None = None,
) -> PgxResult:
    row = PgxRepository(session).result(patient.id, result_id)
    if row is None or row.retired_at is not None:
        raise NotFound("result: no current PGx result with this id for the patient")
    retire_row(session, row, actor, reason, what="PGx result", expected_version=expected_version)
    audit.record(
        session,
        actor,
        "retire",
        "pgx_result",
        entity_id=row.id,
        patient_ref=patient.ref,
        detail={"gene": row.gene},
    )
    return row


def current(rows: list[PgxResult]) -> dict[str, PgxResult]:
    """Per gene, the result in use: the newest outside call, else the newest VCF call (an
    outside call is preferred, as PharmCAT does)."""
    chosen: dict[str, PgxResult] = {}
    for row in rows:  # newest first
        held = chosen.get(row.gene)
        if held is None or (held.source != "outside" and row.source == "outside"):
            chosen[row.gene] = row
    return {g: chosen[g] for g in tables.GENES if g in chosen}


def _phenotypes_of(row: PgxResult) -> list[Any]:
    from trdcare.pgx.domain.phenotypes import Phenotype

    out = []
    for p in row.result.get("phenotypes", []):
        functions = tuple(p.get("functions", ("", "")))
        out.append(
            Phenotype(
                row.gene,
                p["diplotype"],
                (str(functions[0]), str(functions[1])),
                p["phenotype"],
                p.get("activity_score"),
            )
        )
    return out


def result_to_dict(row: PgxResult) -> dict[str, Any]:
    return {
        "id": row.id,
        "ref": row.ref,
        "gene": row.gene,
        "source": row.source,
        "diplotypes": list(row.diplotypes),
        "phenotype": row.phenotype,
        "activity_score": row.activity_score,
        "missing_positions": list(row.result.get("missing_positions", [])),
        "notes": list(row.result.get("notes", [])),
        "file_name": row.file_name,
        "file_sha256": row.file_sha256,
        "sample": row.sample,
        "lab": row.lab,
        "reported_on": row.reported_on,
        "data_versions": dict(row.data_versions),
        "recorded_at": row.created_at,
        "recorded_by": row.created_by,
        "version": row.version,
    }


def _trial_links(recs: list[Recommendation], trials: list[Any]) -> list[dict[str, Any]]:
    """Each antidepressant trial whose drug has a CPIC recommendation for the patient's
    result, with that recommendation: an explanation for the clinician, never a change."""
    by_drug: dict[str, list[Recommendation]] = {}
    for r in recs:
        by_drug.setdefault(r.drug, []).append(r)
    links = []
    for t in trials:
        if t.kind != "antidepressant":
            continue
        drug = str(t.agent).lower()
        for r in by_drug.get(drug, []):
            current = t.end_date is None
            links.append(
                {
                    "trial_id": t.id,
                    "drug": drug,
                    "start": t.start_date,
                    "end": t.end_date,
                    "current": current,
                    "max_daily_dose_mg": t.max_daily_dose_mg,
                    "outcome": t.outcome,
                    "genes": list(r.genes),
                    "phenotypes": dict(r.phenotypes),
                    "classification": r.classification,
                    "recommendation": r.recommendation,
                    "changes_prescribing": r.changes_prescribing,
                    "guideline_url": r.guideline_url,
                    "explanation": (
                        f"{'Current' if current else 'Past'} {drug} trial: CPIC has a "
                        f"recommendation for {drug} for this patient's "
                        + ", ".join(f"{g} {p}" for g, p in r.phenotypes.items())
                        + f" ({r.classification}): {r.recommendation} "
                        "Consider it when judging this trial; nothing is changed automatically."
                    ),
                }
            )
    return links


def export_results(session: Session, actor: Actor, patient: Patient) -> dict[str, Any]:
    """The current result per gene and the CPIC recommendations for them, for a document
    that leaves the clinic (the FHIR export). Audited as a read here; the export itself is
    audited by the room that makes it."""
    chosen = current(PgxRepository(session).results(patient.id))
    phenos = {g: _phenotypes_of(r) for g, r in chosen.items()}
    recs = recommend(phenos) if phenos else []
    audit.record(
        session,
        actor,
        "read",
        "pgx_results",
        patient_ref=patient.ref,
        detail={"genes": len(chosen), "purpose": "export"},
    )
    return {
        "genes": {g: result_to_dict(r) for g, r in chosen.items()},
        "recommendations": [r.to_dict() for r in recs],
        "data_versions": tables.data_versions(),
    }


def overview(session: Session, actor: Actor, patient: Patient) -> dict[str, Any]:
    """The current result per gene, the results entered in error, the recommendations for
    the patient's phenotypes and the trials they bear on (audited)."""
    repo = PgxRepository(session)
    rows = repo.results(patient.id)
    chosen = current(rows)
    phenos = {g: _phenotypes_of(r) for g, r in chosen.items()}
    recs = recommend(phenos) if phenos else []
    try:
        trials = history_service.list_trials(session, actor, patient)
    except NotFound:
        trials = []
    doc: dict[str, Any] = {
        "patient": patient.ref,
        "genes": {g: result_to_dict(r) for g, r in chosen.items()},
        "history": [result_to_dict(r) for r in rows],
        "withdrawn": [result_to_dict(r) for r in repo.results(patient.id, retired=True)],
        "recommendations": [r.to_dict() for r in recs],
        "trials": _trial_links(recs, trials),
        "data_versions": tables.data_versions(),
        "cyp2d6_note": SV_NOTE_SHORT,
        "note": "CPIC recommendations inform the prescriber; nothing is changed automatically.",
    }
    audit.record(
        session,
        actor,
        "read",
        "pgx_overview",
        patient_ref=patient.ref,
        detail={"genes": len(chosen)},
    )
    return doc
