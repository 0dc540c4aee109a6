"""From a VCF file to per-sample PGx reports (used by the CLI and the service).

Reads the genotypes (:mod:`trdcare.pgx.vcf`), matches every sample at each gene
(:func:`..domain.matching.match_many`, identical genotype patterns matched once) and turns
each call into a reported result with its phenotype(s). The report names the input file's
SHA-256 and the data version of every table, so a stored result can be traced to both.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from trdcare.core.errors import InvalidInput, Issue
from trdcare.pgx.domain import tables
from trdcare.pgx.domain.matching import CYP2D6_SV_NOTE, GeneCall, match_many, panel
from trdcare.pgx.domain.report import GeneResult, from_call
from trdcare.pgx.vcf import VcfGenotypes, read_genotypes


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class SeveralSamples(InvalidInput):
    """A VCF of several samples given without naming one (``samples``: the file's)."""

    def __init__(self, samples: Sequence[str]) -> None:
        self.samples = tuple(samples)
        shown = ", ".join(self.samples[:10]) + (" ..." if len(self.samples) > 10 else "")
        super().__init__(
            "several samples",
            issues=[
                Issue(
                    "sample",
                    f"the VCF has {len(self.samples)} samples: name one with --sample "
                    "(or use pgx batch)",
                    shown,
                    None,
                )
            ],
        )


@dataclass(frozen=True)
class SampleReport:
    sample: str
    genes: dict[str, GeneResult]
    file_name: str
    file_sha256: str
    warnings: tuple[str, ...] = field(default=())
    error: str | None = None
    # each gene's document, shared by the samples with the same call (built once)
    gene_docs: dict[str, dict[str, object]] | None = None

    def to_dict(self) -> dict[str, object]:
        if self.error is not None:
            return {"sample": self.sample, "file_sha256": self.file_sha256, "error": self.error}
        return {
            "sample": self.sample,
            "file": self.file_name,
            "file_sha256": self.file_sha256,
            "genome_build": "GRCh38",
            "data_versions": tables.data_versions(),
            "genes": self.gene_docs
            if self.gene_docs is not None
            else {g: r.to_dict() for g, r in self.genes.items()},
            "cyp2d6_structural_variants": CYP2D6_SV_NOTE,
            "warnings": list(self.warnings),
        }


def _reports(geno: VcfGenotypes, *, all_matches: bool, sha: str) -> Iterator[SampleReport]:
    per_gene: dict[str, list[GeneCall]] = {
        gene: match_many(panel(gene), g.codes, g.phased, all_matches=all_matches)
        for gene, g in geno.genes.items()
    }
    cache: dict[int, tuple[GeneResult, dict[str, object]]] = {}
    name = Path(geno.path).name
    for s, sample in enumerate(geno.samples):
        if s in geno.sample_errors:
            yield SampleReport(sample, {}, name, sha, error=geno.sample_errors[s])
            continue
        genes, docs = {}, {}
        for gene, calls in per_gene.items():
            call = calls[s]
            hit = cache.get(id(call))
            if hit is None:
                result = from_call(call)
                hit = cache[id(call)] = (result, result.to_dict())
            genes[gene], docs[gene] = hit
        yield SampleReport(sample, genes, name, sha, tuple(geno.warnings), gene_docs=docs)


def call_sample(
    path: str | Path, *, sample: str | None = None, all_matches: bool = False
) -> SampleReport:
    """The report of one sample (``sample`` may be omitted for a single-sample VCF)."""
    geno = read_genotypes(path, samples=[sample] if sample else None, strict=True)
    if sample is None and len(geno.samples) > 1:
        raise SeveralSamples(geno.samples)
    return next(_reports(geno, all_matches=all_matches, sha=file_sha256(path)))


def call_all(
    path: str | Path, *, samples: Sequence[str] | None = None, all_matches: bool = False
) -> tuple[int, Iterator[SampleReport]]:
    """(number of samples, their reports); a bad sample's report carries its error."""
    geno = read_genotypes(path, samples=samples, strict=False)
    return len(geno.samples), _reports(geno, all_matches=all_matches, sha=file_sha256(path))
