"""Words a clinician reads about the treatment history (issue 14 #14): the TRD count against
its criterion, the stages when a history cannot be staged, and source labels, on the pages
and in the CLI, never with "None"."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from trdcare.cli import app
from web_support import WebClient, add_patient, client, web_app

FIXTURES = (client, web_app)
runner = CliRunner()
DOUBLED = re.compile(r"\b(VERIFIED|UNVERIFIED|SECONDARY|DERIVED|DESIGN) \1\b")


def _trial(drug: str, dose_mg: float, start: str, end: str) -> dict[str, Any]:
    return {
        "drug": drug,
        "max_daily_dose_mg": dose_mg,
        "start": start,
        "end": end,
        "adherence": "good",
        "outcome": "no_response",
    }


THREE_FAILED = [
    _trial("sertraline", 200, "2024-02-01", "2024-04-30"),
    _trial("venlafaxine", 225, "2024-05-01", "2024-08-30"),
    _trial("mirtazapine", 45, "2024-09-01", "2024-12-15"),
]


def history(trials: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "episode": {"onset": "2024-01-01", "severity": "moderate"},
        "antidepressant_trials": trials,
        "augmentation_trials": [],
        "ect_courses": [],
        "psychotherapy_courses": [],
    }


def test_more_failed_trials_than_required_read_as_such(client: WebClient) -> None:
    """Before: "3 of 2 required failed adequate trials"."""
    ref = add_patient(client.engine)
    client.as_role("clinician")
    assert client.post(f"/api/v1/patients/{ref}/history", json=history(THREE_FAILED)).is_success
    client.as_role("physician", via="session")
    for url in (f"/patients/{ref}/history", f"/patients/{ref}"):
        page = client.get(url).text
        assert "3 failed adequate trials (2 required)" in page
        assert "3 of 2" not in page
        assert not DOUBLED.search(page), DOUBLED.search(page)


def test_sources_are_numbered_links_to_full_citations(client: WebClient) -> None:
    """Before: the rules cited bare keys ('[trdcare_derived,sackeim2001_athf]',
    'thase_rush1997 SECONDARY') and the list showed them as code."""
    ref = add_patient(client.engine)
    client.as_role("clinician")
    assert client.post(f"/api/v1/patients/{ref}/history", json=history(THREE_FAILED)).is_success
    client.as_role("physician", via="session")
    page = client.get(f"/patients/{ref}/history").text
    listed = re.findall(r'<li id="src-([^"]+)">\[(\d+)\] <cite>', page)
    assert len(listed) >= 3
    numbers = dict(listed)
    for tag, n in re.findall(r'<a href="#src-([^"]+)" title="[^"]*">(\d+)</a>', page):
        assert numbers[tag] == n
    # (a citation may name a file, e.g. '.../cardinal_pythonlib/psychiatry/...')
    visible = re.sub(r"<[^>]+>", " ", page.split('id="src-h"')[0])
    for tag in numbers:
        assert tag not in visible, tag
    chart = client.get(f"/patients/{ref}").text
    assert f'href="/patients/{ref}/history#src-' in chart


def test_fewer_failed_trials_than_required(client: WebClient) -> None:
    ref = add_patient(client.engine)
    client.as_role("clinician")
    one = history(THREE_FAILED[:1])
    assert client.post(f"/api/v1/patients/{ref}/history", json=one).is_success
    client.as_role("physician", via="session")
    assert "1 of the 2 required failed adequate trials" in client.get(f"/patients/{ref}").text


def test_an_unstageable_history_reads_without_none(client: WebClient) -> None:
    """No antidepressant trial: the MSM is not stageable and Thase-Rush has no stage; the
    page and the CLI say so (before: a "None" points cell, "Maudsley Staging Method: None
    (None)", "Thase-Rush stage: None")."""
    ref = add_patient(client.engine)
    client.as_role("clinician")
    assert client.post(f"/api/v1/patients/{ref}/history", json=history([])).is_success
    client.as_role("physician", via="session")
    page = client.get(f"/patients/{ref}/history")
    assert page.status_code == 200
    assert not re.search(r"\bNone\b", page.text)


def test_cli_stage_output_never_says_none(tmp_path: Path) -> None:
    for name, trials in (("empty", []), ("three", THREE_FAILED)):
        path = tmp_path / f"{name}.json"
        doc = history(trials)
        doc["episode"]["as_of"] = "2025-01-31"
        path.write_text(json.dumps(doc), encoding="utf-8")
        result = runner.invoke(app, ["stage", "--history", str(path)])
        assert result.exit_code == 0, result.output
        assert not re.search(r"\bNone\b", result.stdout), result.stdout
        assert not DOUBLED.search(result.stdout)
    assert "3 failed adequate trials (2 required)" in result.stdout
