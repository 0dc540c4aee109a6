"""`trdcare pgx import / outside / show / retire` on SQLite and PostgreSQL: results stored
on the record, bad input exits 2 with nothing written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from pgx_support import make_vcf
from trdcare import cli as root_cli
from trdcare.adapters.db.models import PgxResult

runner = CliRunner()


def run(url: str, *args: str) -> Any:
    return runner.invoke(root_cli.app, ["--database-url", url, *args])


def ok(url: str, *args: str) -> Any:
    result = run(url, *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(PgxResult)) or 0)


def patient(url: str, mrn: str) -> str:
    doc = ok(url, "patient", "add", "--mrn", mrn, "--given", "Ada", "--family", "Byron",
             "--birth-date", "1975-03-02")  # fmt: skip
    return str(doc["ref"])


def test_import_outside_show_retire(database_url: str, engine: Engine, tmp_path: Path) -> None:
    ref = patient(database_url, "PGX-CLI-1")
    vcf = make_vcf(tmp_path, {"S": {"CYP2C19": ("*2", "*2")}})
    doc = ok(database_url, "pgx", "import", ref, str(vcf))
    assert {r["gene"] for r in doc["results"]} == {"CYP2B6", "CYP2C19", "CYP2D6"}
    out = ok(database_url, "pgx", "outside", ref, "--diplotype", "CYP2D6=*4/*4", "--lab", "Lab A")
    assert out["phenotype"] == "Poor Metabolizer"
    show = ok(database_url, "pgx", "show", ref)
    assert show["genes"]["CYP2C19"]["phenotype"] == "Poor Metabolizer"
    assert show["genes"]["CYP2D6"]["source"] == "outside"
    cit = next(r for r in show["recommendations"] if r["drug"] == "citalopram")
    assert cit["changes_prescribing"]
    before = count(engine)
    result = run(database_url, "pgx", "outside", ref, "--diplotype", "CYP2D6=*1/*999")
    assert result.exit_code == 2 and "*999 is not a known CYP2D6 allele" in result.stderr
    result = run(database_url, "pgx", "import", ref, str(tmp_path / "absent.vcf"))
    assert result.exit_code == 2 and "does not exist" in result.stderr
    assert count(engine) == before
    gone = ok(database_url, "pgx", "retire", ref, str(out["id"]), "--reason", "wrong report")
    assert gone["id"] == out["id"]
    assert ok(database_url, "pgx", "show", ref)["genes"]["CYP2D6"]["source"] == "vcf"
    text = run(database_url, "pgx", "show", ref)
    assert text.exit_code == 0 and "CYP2C19" in text.stdout
