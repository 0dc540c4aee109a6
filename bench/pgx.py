"""PGx calling speed (issue 12): call every sample of a cohort VCF, against merely reading it.

Measured in the same run, on the same file:

* ``floor``: read the bgzipped, indexed VCF with cyvcf2 (the library the caller uses) — every
  record of the three genes' regions and its genotype array decoded, nothing else;
* ``call``: :func:`trdcare.pgx.calling.call_all` over the same file — read, normalise, match
  CYP2C19, CYP2B6 and CYP2D6 for every sample, phenotype each call, build each sample's
  report document; ``call_and_json`` also encodes each document as ``pgx batch`` writes it;
* ``single``: ``trdcare pgx call ONE.vcf --json`` as a whole process (start-up included),
  and ``python -m trdcare.pgx call`` (the PGx commands without the rest of the app), against
  ``python -c pass`` (the interpreter's own start-up) in the same run.

The cohort is synthetic (never patient data): ``--samples`` (default 2,504, the size of the
1000 Genomes phase 3 cohort) with each haplotype the reference allele with probability 0.6,
else a star allele drawn uniformly from the definitions, 0.2% of calls missing, and
``--filler`` non-PGx SNVs per gene region around the defined positions (a panel/WGS slice).

Goals (issue 12): call <= 3x the floor; a single-sample ``trdcare pgx call`` < 0.5 s wall.

Run: ``python bench/pgx.py [--samples N] [--repeats R]``. The last line printed is one JSON
document with every figure.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from trdcare.pgx import synthetic
from trdcare.pgx.calling import call_all
from trdcare.pgx.domain import tables
from trdcare.pgx.domain.matching import panel


def cohort_vcf(folder: Path, n: int, filler: int, seed: int = 12) -> Path:
    rng = np.random.default_rng(seed)
    names = [f"BENCH{k:05d}" for k in range(n)]
    pairs = {g: synthetic.random_pairs(g, n, rng) for g in tables.GENES}
    samples = {s: {g: pairs[g][k] for g in tables.GENES} for k, s in enumerate(names)}
    text = synthetic.vcf_text(samples)
    header, body = [], []
    for line in text.splitlines():
        (header if line.startswith("#") else body).append(line)
    # 0.2% of calls missing, at random
    rows = [line.split("\t") for line in body]
    for row in rows:
        for k in np.flatnonzero(rng.random(n) < 0.002):
            row[9 + k] = "./."
    # filler SNVs inside each gene's span (not PGx positions), mostly reference
    for gene in tables.GENES:
        p = panel(gene)
        defined = set(p.positions)
        lo, hi = min(p.positions), max(p.positions)
        for pos in sorted(set(rng.integers(lo, hi, size=filler).tolist()) - defined):
            gts = np.where(rng.random(n) < 0.9, "0/0", np.where(rng.random(n) < 0.5, "0/1", "1/1"))
            rows.append(
                [p.chromosome, str(pos), ".", "A", "G", ".", "PASS", ".", "GT", *gts.tolist()]
            )
    order = list(synthetic.CONTIG_LENGTHS)
    rows.sort(key=lambda r: (order.index(r[0]), int(r[1])))
    full = "\n".join(header + ["\t".join(r) for r in rows]) + "\n"
    return synthetic.write_vcf(full, folder / "cohort.vcf", bgzip=True, index=True)


def single_vcf(folder: Path) -> Path:
    text = synthetic.vcf_text(
        {"ONE": {"CYP2C19": ("*2", "*17"), "CYP2D6": ("*1", "*4"), "CYP2B6": ("*1", "*6")}}
    )
    return synthetic.write_vcf(text, folder / "one.vcf", bgzip=True, index=True)


def read_floor(path: Path) -> int:
    import cyvcf2

    vcf = cyvcf2.VCF(str(path), lazy=True)
    records = 0
    try:
        for gene in tables.GENES:
            p = panel(gene)
            for variant in vcf(f"{p.chromosome}:{min(p.positions) - 1}-{max(p.positions) + 50}"):
                variant.genotype.array()
                records += 1
    finally:
        vcf.close()
    return records


def call_every_sample(path: Path, encode: bool = False) -> int:
    n, reports = call_all(path)
    count = 0
    for report in reports:
        doc = report.to_dict()
        if encode:
            json.dumps(doc, ensure_ascii=False)
        count += 1
    assert count == n
    return count


def timed(fn: Any, *args: Any) -> tuple[float, float]:
    w0, c0 = time.perf_counter(), time.process_time()
    fn(*args)
    return time.perf_counter() - w0, time.process_time() - c0


def process_wall(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=2504)
    parser.add_argument("--filler", type=int, default=300, help="non-PGx SNVs per gene region")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        cohort = cohort_vcf(folder, args.samples, args.filler)
        one = single_vcf(folder)
        build_s = time.perf_counter() - t0
        records = read_floor(cohort)
        call_every_sample(cohort)  # warm caches (tables, compiled panels) once
        ratios, floors, calls, encoded = [], [], [], []
        for _ in range(args.repeats):  # back-to-back pairs: a drifting load cancels out
            f_wall, f_cpu = timed(read_floor, cohort)
            c_wall, c_cpu = timed(call_every_sample, cohort)
            e_wall, e_cpu = timed(call_every_sample, cohort, True)
            floors.append((f_wall, f_cpu))
            calls.append((c_wall, c_cpu))
            encoded.append((e_wall, e_cpu))
            ratios.append(c_cpu / f_cpu)
        trdcare = [sys.executable, "-m", "trdcare.cli"]
        trdcare_bin = Path(sys.executable).with_name("trdcare")
        cli = [str(trdcare_bin)] if trdcare_bin.exists() else trdcare
        single = {"trdcare pgx call": [], "python -m trdcare.pgx call": [], "python -c pass": []}
        for _ in range(args.repeats):
            single["python -c pass"].append(process_wall([sys.executable, "-c", "pass"]))
            single["trdcare pgx call"].append(
                process_wall([*cli, "pgx", "call", str(one), "--json"])
            )
            single["python -m trdcare.pgx call"].append(
                process_wall([sys.executable, "-m", "trdcare.pgx", "call", str(one), "--json"])
            )

    med = statistics.median
    result = {
        "samples": args.samples,
        "records": records,
        "cohort_build_s": round(build_s, 2),
        "floor_read_cpu_s": round(med(c for _, c in floors), 4),
        "floor_read_wall_s": round(med(w for w, _ in floors), 4),
        "call_all_cpu_s": round(med(c for _, c in calls), 4),
        "call_all_wall_s": round(med(w for w, _ in calls), 4),
        "call_over_floor_cpu_ratio": round(med(ratios), 2),
        "call_and_json_cpu_s": round(med(c for _, c in encoded), 4),
        "call_and_json_over_floor_cpu_ratio": round(
            med(e[1] / f[1] for e, f in zip(encoded, floors, strict=True)), 2
        ),
        "call_per_sample_ms": round(1000 * med(c for _, c in calls) / args.samples, 3),
        "single_sample_process_wall_s": {k: round(med(v), 3) for k, v in single.items()},
        # The root command imports only the PGx room for `pgx` (bench/cli_startup.py): ~1x.
        "trdcare_pgx_call_over_python_m_trdcare_pgx": round(
            med(single["trdcare pgx call"]) / med(single["python -m trdcare.pgx call"]), 2
        ),
        "goals": {"call_over_floor": "<= 3", "single_sample_wall_s": "< 0.5"},
    }
    for key, value in result.items():
        print(f"{key:34} {value}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
