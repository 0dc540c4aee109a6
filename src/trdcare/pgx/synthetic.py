"""Synthetic VCFs built from the allele definitions (tests, the benchmark, the demo clinic).

Never patient data: each sample is a chosen pair of star alleles, written at every defined
position of the three genes on GRCh38 (an IUPAC position takes its first allowed base).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from trdcare.pgx.domain import tables
from trdcare.pgx.domain.matching import MISSING, haplotype_codes, panel

CONTIG_LENGTHS = {"chr10": 133797422, "chr19": 58617616, "chr22": 50818468}

Sample = Mapping[str, tuple[str, str]]  # gene -> (allele on haplotype 1, on haplotype 2)


def vcf_text(
    samples: Mapping[str, Sample],
    *,
    phased: bool = False,
    drop_positions: Sequence[int] = (),
    missing_calls: Mapping[str, Sequence[int]] | None = None,
    genes: Sequence[str] = tables.GENES,
    chr_prefix: bool = True,
    contig_lengths: Mapping[str, int] | None = None,
) -> str:
    """A VCF (text) with one column per sample.

    ``drop_positions`` are left out of the file (missing for everyone);
    ``missing_calls[sample]`` are written ``./.`` for that sample only. A gene not given for
    a sample is the reference allele on both haplotypes.
    """
    names = list(samples)
    lengths = dict(contig_lengths or CONTIG_LENGTHS)
    lines = [
        "##fileformat=VCFv4.2",
        "##source=trdcare synthetic PGx genotypes (not patient data)",
        "##reference=GRCh38",
        *(
            f"##contig=<ID={c if chr_prefix else c.removeprefix('chr')},length={n}>"
            for c, n in lengths.items()
        ),
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        "\t".join(
            ["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT", *names]
        ),
    ]
    sep = "|" if phased else "/"
    dropped = set(drop_positions)
    rows = []
    for gene in genes:
        p = panel(gene)
        ref_name = p.names[p.reference_index]
        haps = {}
        for s in names:
            a1, a2 = samples[s].get(gene, (ref_name, ref_name))
            haps[s] = (haplotype_codes(p, a1), haplotype_codes(p, a2))
        chrom = p.chromosome if chr_prefix else p.chromosome.removeprefix("chr")
        for i, pos in enumerate(p.positions):
            if pos in dropped:
                continue
            calls = []
            for s in names:
                if missing_calls and pos in missing_calls.get(s, ()):
                    calls.append(f".{sep}.")
                    continue
                h1, h2 = haps[s]
                calls.append(f"{int(h1[i])}{sep}{int(h2[i])}")
            rows.append(
                (
                    chrom,
                    pos,
                    "\t".join(
                        [
                            chrom,
                            str(pos),
                            p.rsids[i] or ".",
                            p.refs[i],
                            ",".join(p.alts[i]),
                            ".",
                            "PASS",
                            f"PX={gene}",
                            "GT",
                            *calls,
                        ]
                    ),
                )
            )
    rows.sort(key=lambda r: (list(lengths).index(r[0] if chr_prefix else "chr" + r[0]), r[1]))
    lines.insert(5, '##INFO=<ID=PX,Number=1,Type=String,Description="PGx gene">')
    return "\n".join(lines + [r[2] for r in rows]) + "\n"


def write_vcf(text: str, path: Path, *, bgzip: bool = False, index: bool = False) -> Path:
    """Write ``text``; ``bgzip`` compresses it (``path`` gains ``.gz``), ``index`` adds a
    tabix index (pysam, a test/bench dependency)."""
    plain = path if not bgzip else path.with_suffix(path.suffix + ".tmp")
    plain.write_text(text, "utf-8")
    if not bgzip:
        return path
    import pysam

    target = Path(str(path) + ".gz") if not str(path).endswith(".gz") else path
    pysam.tabix_compress(str(plain), str(target), force=True)
    plain.unlink()
    if index:
        pysam.tabix_index(str(target), preset="vcf", force=True)
    return target


def random_pairs(
    gene: str, n: int, rng: np.random.Generator, reference_share: float = 0.6
) -> list[tuple[str, str]]:
    """``n`` allele pairs: each haplotype is the gene's reference allele with probability
    ``reference_share``, else a star allele drawn uniformly (a crude cohort: frequencies are
    not modelled)."""
    p = panel(gene)
    ref = p.names[p.reference_index]
    others = [name for name in p.names if name != ref]
    out = []
    for _ in range(n):
        pair = tuple(
            ref if rng.random() < reference_share else others[int(rng.integers(len(others)))]
            for _ in range(2)
        )
        out.append((pair[0], pair[1]))
    return out


__all__ = ["MISSING", "random_pairs", "vcf_text", "write_vcf"]
