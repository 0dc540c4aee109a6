"""The house rule: a room's domain depends on the shared kernel and on itself, not on
another room's domain.

What two rooms share (the provenance vocabulary: source, status, reason) lives in
``trdcare.core``. The AST walk finds every ``domain`` package by itself, so a new room is
covered the day it is added; imports inside functions and ``TYPE_CHECKING`` blocks count.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
SRC = PROJECT / "src" / "trdcare"

# Known crossings, each with the reason it is allowed. Keep this short; an entry that is no
# longer needed fails the test below, so the list cannot go stale.
ALLOWED_CROSSINGS: dict[tuple[str, str], str] = {
    # The TMS decision point judges how the course went with the one outcome rule (baseline,
    # response, remission) of the assessments room, as design.md asks ("one function per
    # clinical rule ... called by the outcome view, the caseload and the decision points
    # alike"), rather than keeping a second copy of that rule.
    ("tms/domain/decisions.py", "assessments"): "one outcome rule, shared",
}


def domain_files() -> list[Path]:
    files: list[Path] = []
    for domain in sorted(SRC.glob("*/domain")):
        files.extend(sorted(domain.rglob("*.py")))
    return files


def _modules_in(text: str, package: list[str]) -> list[tuple[int, str]]:
    """Every absolute module name ``text`` imports, with its line, when it is a module of
    ``package`` (relative imports resolved; ``from a import b`` also yields ``a.b``)."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.append((node.lineno, module))
            # ``from trdcare import tms`` / ``from trdcare.tms import domain`` name a room too
            found.extend((node.lineno, f"{module}.{alias.name}") for alias in node.names)
    return found


def _imported_modules(path: Path) -> list[tuple[int, str]]:
    package = ["trdcare", *path.relative_to(SRC).with_suffix("").parts[:-1]]
    return _modules_in(path.read_text(encoding="utf-8"), package)


def _foreign_rooms(path: Path) -> dict[str, list[str]]:
    """The other rooms ``path`` imports from: room -> ["line N: module", ...]."""
    room = path.relative_to(SRC).parts[0]
    rooms = {p.parent.name for p in SRC.glob("*/domain")}
    crossings: dict[str, list[str]] = {}
    for lineno, module in _imported_modules(path):
        parts = module.split(".")
        if len(parts) < 2 or parts[0] != "trdcare":
            continue
        other = parts[1]
        if other in rooms and other != room:
            crossings.setdefault(other, []).append(f"line {lineno}: imports {module}")
    return crossings


def test_every_room_domain_is_found() -> None:
    rooms = {p.relative_to(SRC).parts[0] for p in domain_files()}
    assert {"tms", "dbs", "esketamine", "history", "assessments"} <= rooms


@pytest.mark.parametrize("path", domain_files(), ids=lambda p: str(p.relative_to(SRC)))
def test_room_domain_imports_no_other_room(path: Path) -> None:
    rel = path.relative_to(SRC).as_posix()
    crossings = _foreign_rooms(path)
    problems = [
        f"{line} (room {other!r}; shared things belong in trdcare.core)"
        for other, lines in sorted(crossings.items())
        if (rel, other) not in ALLOWED_CROSSINGS
        for line in lines
    ]
    assert not problems, f"{rel} imports another room: " + "; ".join(problems)


def test_allowed_crossings_are_still_needed() -> None:
    for rel, other in ALLOWED_CROSSINGS:
        assert other in _foreign_rooms(SRC / rel), (
            f"{rel} no longer imports room {other!r}: remove it from ALLOWED_CROSSINGS"
        )


def test_the_walk_sees_every_kind_of_import() -> None:
    """Absolute, relative, in-function and ``from trdcare import`` crossings are all seen."""
    text = (
        "from trdcare.tms.domain.limits import x\n"
        "from ...tms.domain import y\n"
        "from trdcare import esketamine\n"
        "def f():\n    import trdcare.history.domain.sources\n"
        "from trdcare.core.provenance import Source\n"
        "from . import catalogue\n"
    )
    modules = {m for _, m in _modules_in(text, ["trdcare", "dbs", "domain"])}
    assert {
        "trdcare.tms.domain.limits",
        "trdcare.tms.domain",
        "trdcare.esketamine",
        "trdcare.history.domain.sources",
        "trdcare.core.provenance",
        "trdcare.dbs.domain.catalogue",
    } <= modules
