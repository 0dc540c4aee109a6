"""The house rule: `core/` and every room's `domain/` stay pure.

Two independent checks: the import-linter contract in pyproject.toml, and an AST walk that
finds every ``domain`` package by itself (so a new room is covered the day it is added).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
SRC = PROJECT / "src" / "trdcare"

FORBIDDEN_TOP_LEVEL = {
    "sqlalchemy",
    "alembic",
    "fastapi",
    "starlette",
    "httpx",
    "requests",
    "urllib",
    "typer",
    "psycopg",
    "sqlite3",
    "uvicorn",
    "jinja2",
    "socket",
    "shutil",
    "pathlib",
    "io",
    "os",
    "subprocess",
    "tempfile",
    "glob",
    "pickle",
}
FORBIDDEN_INTERNAL = ("trdcare.adapters", "trdcare.config", "trdcare.cli")
FORBIDDEN_CALLS = {"open", "input", "print", "exec", "eval"}


def pure_files() -> list[Path]:
    files = sorted((SRC / "core").rglob("*.py"))
    for domain in sorted(SRC.glob("*/domain")):
        files.extend(sorted(domain.rglob("*.py")))
    return files


def test_there_are_pure_packages_to_check() -> None:
    names = {p.relative_to(SRC).parts[0] for p in pure_files()}
    assert {"core", "assessments", "history", "patients", "audit"} <= names


@pytest.mark.parametrize("path", pure_files(), ids=lambda p: str(p.relative_to(SRC)))
def test_pure_module_imports_no_io(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    problems = []
    for node in ast.walk(tree):
        modules: list[str] = []
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules = [node.module]
        for module in modules:
            if module.split(".")[0] in FORBIDDEN_TOP_LEVEL or module.startswith(FORBIDDEN_INTERNAL):
                problems.append(f"line {node.lineno}: imports {module}")
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in FORBIDDEN_CALLS
        ):
            problems.append(f"line {node.lineno}: calls {node.func.id}()")
    assert not problems, f"{path.relative_to(SRC)} is not pure: " + "; ".join(problems)


def test_import_linter_contract_holds() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), "--config", str(PROJECT / "pyproject.toml")],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert "Contracts: 1 kept, 0 broken" in result.stdout, result.stdout + result.stderr
    assert result.returncode == 0, result.stdout + result.stderr
