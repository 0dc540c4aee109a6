"""PGx test helpers: synthetic VCFs from the allele definitions (never patient data) and the
shared CPIC/PharmCAT reference directory when present."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import pytest

from trdcare.pgx import synthetic

PROJECT = Path(__file__).resolve().parents[2]


def shared_pgx_dir() -> Path | None:
    """``../shared/reference/pgx`` seen from the project or one of its parents (a worktree
    sits one level deeper than the main checkout)."""
    for base in [PROJECT, *PROJECT.parents]:
        candidate = base.parent / "shared" / "reference" / "pgx"
        if candidate.is_dir():
            return candidate
    return None


@pytest.fixture
def shared_pgx() -> Path:
    path = shared_pgx_dir()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("../shared/reference/pgx is absent (CI is set)")
        pytest.skip("../shared/reference/pgx is absent")
    return path


@pytest.fixture
def make_vcf(tmp_path: Path):  # type: ignore[no-untyped-def]
    counter = iter(range(10_000))

    def make(
        samples: Mapping[str, Mapping[str, tuple[str, str]]],
        *,
        bgzip: bool = False,
        index: bool = False,
        **options: object,
    ) -> Path:
        text = synthetic.vcf_text(samples, **options)  # type: ignore[arg-type]
        return synthetic.write_vcf(
            text, tmp_path / f"s{next(counter)}.vcf", bgzip=bgzip, index=index
        )

    return make
