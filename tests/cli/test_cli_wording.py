"""The CLI says a bad input in the same plain words as the pages and the API (exit 2)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from trdcare.cli import app

runner = CliRunner()


def test_a_bad_option_is_one_plain_line_naming_the_field(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    result = runner.invoke(
        app,
        [
            "--database-url",
            url,
            "patient",
            "add",
            "--mrn",
            "M-1",
            "--given",
            "",
            "--family",
            "B" * 500,
            "--birth-date",
            "31/12/1980",
        ],
    )
    assert result.exit_code == 2
    first = result.stderr.splitlines()[0]
    assert first == "error: given_name: Given name must not be empty. (and 2 more)"
    for phrase in ("String should", "Input should", "Field required"):
        assert phrase not in result.stderr
