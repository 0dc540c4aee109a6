"""Labs on the record over HTTP and the CLI, on both databases: LOINC-coded results with
the laboratory's range and flag, bad input refused naming the field with nothing written,
entered in error, roles, and the chart panel beside the history."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from trdcare import cli as root_cli
from trdcare.adapters.db.engine import unit_of_work
from trdcare.adapters.db.models import LabResult
from trdcare.core.clock import utc_today
from web_support import WebClient, add_patient, client, web_app

FIXTURES = (client, web_app)
TODAY = utc_today().isoformat()
TSH = {"analyte": "tsh", "value": 6.1, "unit": "mIU/L", "reference_low": 0.4,
       "reference_high": 4.0, "collected_on": TODAY, "lab": "City Lab"}  # fmt: skip


def count(client: WebClient) -> int:
    with unit_of_work(client.engine) as session:
        return int(session.scalar(select(func.count()).select_from(LabResult)) or 0)


def test_record_list_retire(client: WebClient) -> None:
    ref = add_patient(client.engine, "LAB-1")
    client.as_role("clinician")
    r = client.post(f"/api/v1/patients/{ref}/labs", json=TSH)
    assert r.status_code == 201, r.text
    doc = r.json()
    assert doc["loinc"] == "3016-3" and doc["flag"] == "H" and doc["abnormal"]
    assert doc["flag_words"] == "above the reference range"
    r = client.post(
        f"/api/v1/patients/{ref}/labs",
        json={"analyte": "3024-7", "value": 1.2, "unit": "ng/dL", "collected_on": TODAY},
    )
    assert r.status_code == 201 and r.json()["flag"] == "?"
    listed = client.get(f"/api/v1/patients/{ref}/labs").json()
    assert [x["analyte"] for x in listed["results"]] == ["free_t4", "tsh"]
    assert "No depression-specific interpretation" in listed["interpretation"]
    r = client.post(
        f"/api/v1/patients/{ref}/labs/{doc['id']}/retire",
        json={"reason": "wrong patient", "version": doc["version"]},
    )
    assert r.status_code == 200, r.text
    listed = client.get(f"/api/v1/patients/{ref}/labs").json()
    assert [x["id"] for x in listed["withdrawn"]] == [doc["id"]]


def test_bad_input_names_the_field_and_writes_nothing(client: WebClient) -> None:
    ref = add_patient(client.engine, "LAB-2")
    client.as_role("physician")
    before = count(client)
    for change, words in (
        ({"analyte": "ferritin"}, "is not a test in the catalogue"),
        ({"unit": "mg/dL"}, "is not a unit of TSH"),
        ({"collected_on": "2999-01-01"}, "is in the future"),
        ({"reference_low": 5.0, "reference_high": 1.0}, "is below the low bound"),
        ({"value": -1}, "Result"),
        ({"value": "abc"}, "Result"),
    ):
        r = client.post(f"/api/v1/patients/{ref}/labs", json={**TSH, **change})
        assert r.status_code == 422, (change, r.text)
        assert words in r.text, (change, r.text)
    assert count(client) == before


def test_roles_and_chart_panel(client: WebClient) -> None:
    ref = add_patient(client.engine, "LAB-3")
    client.as_role("technician")
    assert client.post(f"/api/v1/patients/{ref}/labs", json=TSH).status_code == 403
    assert client.get(f"/api/v1/patients/{ref}/labs").status_code == 200
    client.as_role("clinician")
    assert client.post(f"/api/v1/patients/{ref}/labs", json=TSH).status_code == 201
    client.as_role("clinician", via="session")
    page = client.get(f"/patients/{ref}").text
    assert "Labs" in page and "LOINC 3016-3" in page and "above the reference range" in page
    assert "None" not in page[page.index("LOINC 3016-3") - 200 : page.index("LOINC 3016-3") + 400]


def test_cli(database_url: str, engine: Engine) -> None:
    runner = CliRunner()

    def run(*args: str) -> Any:
        return runner.invoke(root_cli.app, ["--database-url", database_url, *args])

    r = run("patient", "add", "--mrn", "LAB-CLI", "--given", "Ada", "--family", "Byron",
            "--birth-date", "1975-03-02", "--json")  # fmt: skip
    assert r.exit_code == 0, r.output
    ref = json.loads(r.stdout)["ref"]
    r = run("labs", "add", ref, "--test", "b12", "--value", "150", "--unit", "pg/mL",
            "--collected-on", TODAY, "--low", "200", "--high", "900", "--json")  # fmt: skip
    assert r.exit_code == 2 and "analyte: is not a test in the catalogue" in r.stderr
    r = run("labs", "add", ref, "--test", "vitamin_b12", "--value", "150", "--unit", "pg/mL",
            "--collected-on", TODAY, "--low", "200", "--high", "900", "--json")  # fmt: skip
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["flag"] == "L"
    r = run("labs", "add", ref, "--test", "tsh", "--value", "x", "--unit", "mIU/L",
            "--collected-on", TODAY)  # fmt: skip
    assert r.exit_code == 2 and "must be a number" in r.stderr
    r = run("labs", "list", ref, "--json")
    assert r.exit_code == 0 and len(json.loads(r.stdout)["results"]) == 1
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(LabResult)) == 1
