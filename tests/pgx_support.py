"""Helpers for the PGx tests: synthetic VCFs from the allele definitions (never patient
data), the shared CPIC/PharmCAT reference directory when present, and text edits of a VCF.

Test modules import the fixtures from here (a conftest.py in this folder would shadow the
suite's own ``conftest`` module, which other tests import by name)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from trdcare.pgx import synthetic

PROJECT = Path(__file__).resolve().parents[1]


def shared_pgx_dir() -> Path | None:
    """``../shared/reference/pgx`` seen from the project or one of its parents (a worktree
    sits one level deeper than the main checkout), or under ``TRDCARE_SHARED_DIR``."""
    named = os.environ.get("TRDCARE_SHARED_DIR")
    if named and (Path(named) / "reference" / "pgx").is_dir():
        return Path(named) / "reference" / "pgx"
    for base in [PROJECT, *PROJECT.parents]:
        candidate = base.parent / "shared" / "reference" / "pgx"
        if candidate.is_dir():
            return candidate
    return None


def shared_pgx() -> Path:
    """The shared reference directory; skip when absent (fail under CI)."""
    path = shared_pgx_dir()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("../shared/reference/pgx is absent (CI is set)")
        pytest.skip("../shared/reference/pgx is absent")
    return path


def make_vcf(
    folder: Path,
    samples: Mapping[str, Mapping[str, tuple[str, str]]],
    *,
    bgzip: bool = False,
    index: bool = False,
    **options: object,
) -> Path:
    """Write a synthetic VCF of ``samples`` into ``folder`` (a new file each call)."""
    text = synthetic.vcf_text(samples, **options)  # type: ignore[arg-type]
    number = len(list(folder.glob("s*.vcf*")))
    return synthetic.write_vcf(text, folder / f"s{number}.vcf", bgzip=bgzip, index=index)


def write_text(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return path


def lines_without(text: str, positions: Sequence[int]) -> str:
    keep = []
    for line in text.splitlines():
        fields = line.split("\t")
        if len(fields) > 1 and fields[1].isdigit() and int(fields[1]) in positions:
            continue
        keep.append(line)
    return "\n".join(keep) + "\n"
