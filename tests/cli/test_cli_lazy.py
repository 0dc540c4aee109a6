"""The root command imports a room's CLI only when one of its commands runs: ``--help`` lists
every command with its own help line without importing any room or the database layer; a PGx
call imports the PGx room's CLI and nothing else (start-up figures: bench/cli_startup.py)."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys

import pytest
import typer.main
from typer.testing import CliRunner

from trdcare.cli import COMMANDS, app

runner = CliRunner()

# Run the root command in a fresh interpreter, then print which room CLI modules it imported.
PROBE = """
import json, sys
from trdcare.cli import app
try:
    app(sys.argv[1:], standalone_mode=False)
except SystemExit:
    pass
loaded = sorted(
    m for m in sys.modules if m.startswith("trdcare.") and m.endswith(".cli") and m != "trdcare.cli"
)
loaded += [m for m in ("trdcare.adapters.web.app", "sqlalchemy", "alembic") if m in sys.modules]
print("\\nLOADED " + json.dumps(loaded))
"""


def imported_by(*args: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, check=False
    )
    line = done.stdout.rsplit("LOADED ", 1)[-1]
    loaded: list[str] = json.loads(line)
    return loaded


def first_paragraph(text: str) -> str:
    """What a group's --help lists for a command (rich markup keeps single line breaks)."""
    return inspect.cleandoc(text).split("\n\n")[0].strip()


@pytest.mark.parametrize("name", list(COMMANDS))
def test_each_help_line_is_the_command_s_own(name: str) -> None:
    real = typer.main.get_command(app).commands[name]  # type: ignore[attr-defined]
    assert real.name == name
    assert COMMANDS[name].help == first_paragraph(real.short_help or real.help or "")


def test_help_lists_every_command_without_importing_a_room() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0, result.output
    for name, spec in COMMANDS.items():
        assert f" {name} " in result.stdout, name
        assert spec.help.split()[0] in result.stdout
    assert imported_by("--help") == []


def test_a_command_imports_its_own_room_only() -> None:
    loaded = imported_by("pgx", "recommend", "--diplotype", "CYP2C19=*2/*17", "--json")
    assert loaded == ["trdcare.pgx.cli"], loaded
    rooms = [m for m in imported_by("score", "phq9", *["1"] * 9) if m.endswith(".cli")]
    assert rooms == ["trdcare.assessments.cli"], rooms


def test_the_course_group_carries_the_courses_room_s_commands_once() -> None:
    from trdcare.history import cli as history_cli

    for _ in range(2):  # a second run in the same process must not add them again
        result = runner.invoke(app, ["course", "--help"])
        assert result.exit_code == 0, result.output
        assert "adverse-event" in result.stdout
    names = [c.name for c in history_cli.course_app.registered_commands]
    assert names.count("adverse-event") == 1, names


def test_a_database_that_cannot_be_reached_is_still_one_plain_line() -> None:
    # SQLAlchemy is no longer imported at start-up; its connection error is still mapped.
    url = "postgresql://nobody@127.0.0.1:1/none"
    result = runner.invoke(app, ["--database-url", url, "patient", "list"])
    assert result.exit_code == 1, result.output
    assert result.stderr.strip() == "error: database: cannot use the database (OperationalError)"
