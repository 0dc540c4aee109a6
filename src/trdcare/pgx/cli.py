"""`trdcare pgx ...`: the pharmacogenomics room from the command line (thin adapter).

``call`` and ``batch`` read a VCF; ``recommend`` takes diplotypes (outside calls);
``build-tables`` rebuilds the room's tables from a CPIC/PharmCAT-format directory. Bad input
exits 2 with one line naming what is wrong, what is allowed and what was given. These
commands use no database; they import only the PGx room so they start quickly
(``python -m trdcare.pgx`` runs them without the rest of the app).
"""

from __future__ import annotations

import functools
import io
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, NoReturn, ParamSpec, TypeVar

import typer

from trdcare.core.errors import DomainError

app = typer.Typer(
    help="Pharmacogenomics: VCF -> star alleles -> CPIC advice.", no_args_is_help=True
)

P = ParamSpec("P")
R = TypeVar("R")
EXIT_BAD_INPUT = 2
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(EXIT_BAD_INPUT)


def _errors(func: Callable[P, R]) -> Callable[P, R]:
    """Expected errors -> one line on stderr, exit 2 (as ``cli_support.handle_errors``,
    without loading the database layer)."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except DomainError as exc:
            _fail(exc.render())

    return wrapper


def _emit(document: Any) -> None:
    typer.echo(json.dumps(document, indent=2, ensure_ascii=False, default=str))


def parse_diplotype_options(values: list[str]) -> dict[str, str]:
    """``GENE=DIPLOTYPE`` options -> {gene: diplotype}; refuses a malformed one by name."""
    from trdcare.pgx.domain.tables import GENES

    out: dict[str, str] = {}
    for value in values:
        gene, sep, diplotype = value.partition("=")
        gene = gene.strip().upper()
        if not sep or not diplotype.strip():
            _fail(
                f"--diplotype: must be GENE=DIPLOTYPE (allowed: e.g. CYP2C19=*1/*2; given: {value})"
            )
        if gene not in GENES:
            _fail(
                f"--diplotype: {gene or '(empty)'} is not a gene trdcare calls (allowed: {', '.join(GENES)}; given: {value})"
            )
        if gene in out:
            _fail(
                f"--diplotype: {gene} is given twice (allowed: one diplotype per gene; given: {value})"
            )
        out[gene] = diplotype.strip()
    return out


def _print_report(doc: dict[str, Any]) -> None:
    typer.echo(f"Sample {doc['sample']}  (file {doc['file']}, sha256 {doc['file_sha256'][:12]}…)")
    versions = doc["data_versions"]
    typer.echo(
        f"Data: alleles {versions['alleles']}, phenotypes {versions['phenotypes']}, "
        f"recommendations {versions['recommendations']}"
    )
    for gene, g in doc["genes"].items():
        dips = ", ".join(g["diplotypes"]) or "no call"
        score = f"  activity score {g['activity_score']}" if g["activity_score"] else ""
        typer.echo(f"{gene:8} {dips:24} {g['phenotype']}{score}")
        if g["other_matches"]:
            typer.echo(
                f"         {g['other_matches']} lower-scoring diplotype(s) also fit (--all-matches)"
            )
        for m in g["missing_positions"]:
            names = ", ".join(m["alleles"]) or "no allele"
            typer.echo(
                f"         missing {m['position']} ({m['rsid'] or 'no rsID'}): {names} ambiguous"
            )
        for note in g["notes"]:
            if "missing from the input" not in note:
                typer.echo(f"         note: {note}")
    for warning in doc["warnings"]:
        typer.echo(f"warning: {warning}")


@app.command("call")
@_errors
def call(
    file: Annotated[Path, typer.Argument(help="VCF on GRCh38 (plain or bgzipped).")],
    sample: Annotated[
        str | None, typer.Option("--sample", help="Sample ID (required for a multi-sample VCF).")
    ] = None,
    all_matches: Annotated[
        bool, typer.Option("--all-matches", help="List every fitting diplotype, not only the best.")
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """Call CYP2C19, CYP2B6 and CYP2D6 star alleles for one sample of a VCF."""
    from trdcare.pgx.calling import call_sample

    report = call_sample(file, sample=sample, all_matches=all_matches)
    doc = report.to_dict()
    if json_out:
        _emit(doc)
    else:
        _print_report(doc)


@app.command("recommend")
@_errors
def recommend_cmd(
    diplotype: Annotated[
        list[str] | None,
        typer.Option(
            "--diplotype", help="GENE=DIPLOTYPE, e.g. CYP2C19='*2/*17' (repeat per gene)."
        ),
    ] = None,
    drug: Annotated[
        list[str] | None, typer.Option("--drug", help="Only this drug (repeatable).")
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Phenotypes and CPIC antidepressant recommendations for outside-call diplotypes."""
    from trdcare.pgx.domain.phenotypes import parse_diplotype
    from trdcare.pgx.domain.recommendations import guideline_drugs, recommend

    calls = parse_diplotype_options(diplotype or [])
    if not calls:
        _fail("--diplotype: at least one is required (allowed: e.g. CYP2C19=*1/*2)")
    known = guideline_drugs()
    for d in drug or []:
        if d.lower() not in known:
            _fail(
                f"--drug: {d} has no CPIC guideline in the tables (allowed: {', '.join(known)}; given: {d})"
            )
    phenos = {gene: parse_diplotype(gene, text) for gene, text in calls.items()}
    recs = recommend({g: [p] for g, p in phenos.items()}, drug)
    doc = {
        "phenotypes": {g: p.to_dict() for g, p in phenos.items()},
        "recommendations": [r.to_dict() for r in recs],
        "data_versions": __import__("trdcare.pgx.domain.tables", fromlist=["x"]).data_versions(),
        "note": "CPIC recommendations inform the prescriber; nothing is changed automatically.",
    }
    if json_out:
        _emit(doc)
        return
    for gene, p in phenos.items():
        score = f" (activity score {p.activity_score})" if p.activity_score else ""
        typer.echo(f"{gene} {p.diplotype}: {p.phenotype}{score}")
        for w in p.warnings:
            typer.echo(f"  warning: {w}")
    for r in recs:
        typer.echo(f"- {r.drug} [{r.gene}; {r.classification}]: {r.recommendation}")
        typer.echo(f"  {r.guideline_url}")


@app.command("batch")
@_errors
def batch(
    file: Annotated[Path, typer.Argument(help="Multi-sample VCF on GRCh38 (plain or bgzipped).")],
    out: Annotated[
        Path | None, typer.Option("--out", help="Write one JSON line per sample here.")
    ] = None,
    all_matches: Annotated[
        bool, typer.Option("--all-matches", help="List every fitting diplotype.")
    ] = False,
    progress: Annotated[
        bool, typer.Option("--progress/--no-progress", help="Show a progress bar on stderr.")
    ] = True,
) -> None:
    """Call every sample of a VCF; one JSON line per sample. A bad sample is reported on
    its line ({"sample", "error"}) and the batch goes on."""
    from trdcare.pgx.calling import call_all

    if out is None:
        _fail("--out: is required (allowed: a path for the JSON-lines results)")
    if out.exists() and out.is_dir():
        _fail(f"--out: is a folder (allowed: a file path; given: {out})")
    n, reports = call_all(file, all_matches=all_matches)
    bad = 0
    tmp = out.with_name(out.name + ".part")
    sink = sys.stderr if progress else io.StringIO()
    with (
        tmp.open("w", encoding="utf-8") as fh,
        typer.progressbar(reports, length=n, label="Calling samples", file=sink) as bar,
    ):
        for report in bar:
            doc = report.to_dict()
            bad += "error" in doc
            fh.write(json.dumps(doc, ensure_ascii=False) + "\n")
    tmp.replace(out)
    typer.echo(f"{n} sample(s) written to {out}; {bad} with errors.", err=True)


@app.command("build-tables")
@_errors
def build_tables(
    source: Annotated[Path, typer.Argument(help="CPIC/PharmCAT-format data directory.")],
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Folder to write the tables (default: the package's)."),
    ] = None,
    check: Annotated[
        bool,
        typer.Option(
            "--check", help="Only compare with the tables in --out; exit 1 if they differ."
        ),
    ] = False,
) -> None:
    """Rebuild the room's allele, phenotype and recommendation tables from SOURCE."""
    from trdcare.pgx import tables_build as tb

    try:
        tables = tb.build(source)
    except tb.BuildError as exc:
        _fail(f"source: {exc}")
    target = out or tb.default_out_dir()
    if check:
        differ = [
            name
            for name, doc in tables.items()
            if not (target / name).is_file() or (target / name).read_text("utf-8") != tb.render(doc)
        ]
        if differ:
            typer.echo(f"differ from {source}: {', '.join(differ)}", err=True)
            raise typer.Exit(1)
        typer.echo(f"tables match {source}")
        return
    for path in tb.write(tables, target):
        typer.echo(f"wrote {path}")


# -- the patient's record (database) -----------------------------------------------------------
PatientArg = Annotated[str, typer.Argument(help="Patient ref (P-...) or MRN.")]


def _with_db(ctx: typer.Context, work: Callable[[Any], Any]) -> Any:
    """Run ``work(cli_context)`` under the shared CLI plumbing (imported here so the file-only
    commands above start without the database layer)."""
    from trdcare.cli_support import get_context, handle_errors

    return handle_errors(lambda: work(get_context(ctx)))()


def _print_overview(doc: dict[str, Any]) -> None:
    if not doc["genes"]:
        typer.echo("No PGx result on record.")
    for gene, g in doc["genes"].items():
        dips = ", ".join(g["diplotypes"]) or "no call"
        score = f"  activity score {g['activity_score']}" if g["activity_score"] else ""
        where = g["lab"] or g["file_name"] or g["source"]
        typer.echo(f"{gene:8} {dips:24} {g['phenotype']}{score}  [{g['source']}: {where}]")
    for r in doc["recommendations"]:
        if r["changes_prescribing"]:
            typer.echo(f"- {r['drug']} [{r['gene']}; {r['classification']}]: {r['recommendation']}")
    for t in doc["trials"]:
        if t["changes_prescribing"]:
            typer.echo(f"* {t['explanation']}")
    typer.echo(doc["note"])


@app.command("import")
def import_cmd(
    ctx: typer.Context,
    patient: PatientArg,
    file: Annotated[Path, typer.Argument(help="VCF on GRCh38 (plain or bgzipped).")],
    sample: Annotated[
        str | None, typer.Option("--sample", help="Sample ID (required for a multi-sample VCF).")
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Call a patient's VCF and store each gene's result on the record (with the file's
    SHA-256 and the data versions)."""
    from trdcare.patients import service as patient_service
    from trdcare.pgx import service as pgx_service

    def work(cli: Any) -> list[dict[str, Any]]:
        with cli.session() as session:
            row = patient_service.find_patient(session, cli.actor, patient, purpose="pgx_import")
            rows = pgx_service.import_vcf(session, cli.actor, row, file, sample=sample)
            return [pgx_service.result_to_dict(r) for r in rows]

    docs = _with_db(ctx, work)
    if json_out:
        _emit({"results": docs})
        return
    for d in docs:
        typer.echo(f"{d['gene']:8} {', '.join(d['diplotypes']) or 'no call':24} {d['phenotype']}")


@app.command("outside")
def outside_cmd(
    ctx: typer.Context,
    patient: PatientArg,
    diplotype: Annotated[
        str | None, typer.Option("--diplotype", help="GENE=DIPLOTYPE, e.g. CYP2D6='*1/*2x2'.")
    ] = None,
    lab: Annotated[str, typer.Option("--lab", help="The reporting laboratory.")] = "",
    reported_on: Annotated[
        str | None, typer.Option("--reported-on", help="Date of the lab report, YYYY-MM-DD.")
    ] = None,
    note: Annotated[str, typer.Option("--note", help="Free note.")] = "",
    json_out: JsonOpt = False,
) -> None:
    """Enter an outside call (lab-reported diplotype), e.g. CYP2D6 with copy number."""
    from trdcare.patients import service as patient_service
    from trdcare.pgx import schemas
    from trdcare.pgx import service as pgx_service

    calls = parse_diplotype_options([diplotype] if diplotype else [])
    if not calls:
        _fail("--diplotype: is required (allowed: e.g. CYP2D6=*1/*2x2)")
    ((gene, text),) = calls.items()

    def work(cli: Any) -> dict[str, Any]:
        body = schemas.OutsideCallIn.model_validate(
            {"gene": gene, "diplotype": text, "lab": lab, "reported_on": reported_on, "note": note}
        )
        with cli.session() as session:
            row = patient_service.find_patient(session, cli.actor, patient, purpose="pgx_outside")
            result = pgx_service.add_outside_call(session, cli.actor, row, **body.model_dump())
            return pgx_service.result_to_dict(result)

    doc = _with_db(ctx, work)
    if json_out:
        _emit(doc)
        return
    typer.echo(f"{doc['gene']} {', '.join(doc['diplotypes'])}: {doc['phenotype']} (outside call)")


@app.command("show")
def show_cmd(ctx: typer.Context, patient: PatientArg, json_out: JsonOpt = False) -> None:
    """The patient's results in use, CPIC recommendations and the trials they bear on."""
    from trdcare.patients import service as patient_service
    from trdcare.pgx import service as pgx_service

    def work(cli: Any) -> dict[str, Any]:
        with cli.session() as session:
            row = patient_service.find_patient(session, cli.actor, patient, purpose="pgx")
            return pgx_service.overview(session, cli.actor, row)

    doc = _with_db(ctx, work)
    if json_out:
        _emit(doc)
        return
    _print_overview(doc)


@app.command("retire")
def retire_cmd(
    ctx: typer.Context,
    patient: PatientArg,
    number: Annotated[int, typer.Argument(help="The result's id (see pgx show --json).")],
    reason: Annotated[str, typer.Option("--reason", help="why (3-400 characters)")] = "",
    version: Annotated[
        int | None, typer.Option("--version", help="the version you looked at")
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Mark a PGx result entered in error (kept, with the reason)."""
    from trdcare.adapters.web.corrections import RetireIn
    from trdcare.patients import service as patient_service
    from trdcare.pgx import service as pgx_service
    from trdcare.pgx.repository import PgxRepository

    def work(cli: Any) -> dict[str, Any]:
        with cli.session() as session:
            row = patient_service.find_patient(session, cli.actor, patient, purpose="pgx_retire")
            current = version
            if current is None:
                found = PgxRepository(session).result(row.id, number)
                current = found.version if found is not None else 1
            body = RetireIn.model_validate({"reason": reason, "version": current})
            result = pgx_service.retire_result(
                session, cli.actor, row, number, reason=body.reason, expected_version=body.version
            )
            return pgx_service.result_to_dict(result)

    doc = _with_db(ctx, work)
    if json_out:
        _emit(doc)
        return
    typer.echo(f"PGx result {doc['id']} ({doc['gene']}) marked entered in error.")
