"""ML-PEST motor-threshold hunting on seeded virtual subjects.

Runs 1,000 seeded hunts (true MT drawn uniformly in 30-80% MSO, cumulative-normal subject
with the model's 7% relative spread, start at the subject's 95% MEP point as in the
re-implementation's simulation design) and reports the estimation error and the pulses used
for:

* ``ml_pest_20``: the default stopping rule, 20 stimuli (UNVERIFIED: "many labs stop at 20");
* ``ml_pest_ci``: stop once the 95% likelihood interval is <= ``--ci-width`` % MSO wide (a
  bench setting, not a clinical default), at most 60 stimuli;
* ``relative_frequency``: the reference measured in the same run, Rossini-Rothwell 5-of-10
  stepping down 1% MSO from the same start (MEP amplitude 100 uV when present, 0 when not).

Run: ``python bench/mt_pest.py [--quick] [--hunts N] [--seed S] [--ci-width W]``.
The last line printed is one JSON document with every figure.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections.abc import Callable

from trdcare.tms.domain.threshold import (
    RelativeFrequencyHunt,
    VirtualSubject,
    quantile,
    simulate_hunt,
)


def relative_frequency(true_mt: float, start: float, seed: int) -> tuple[float, int]:
    """One Rossini-Rothwell hunt on the same kind of virtual subject."""
    subject = VirtualSubject(true_mt)
    rng = random.Random(seed)
    hunt = RelativeFrequencyHunt.create(start)
    while (x := hunt.next_intensity_pct_mso) is not None:
        hunt = hunt.record(100.0 if subject.respond(x, rng) else 0.0)
    assert hunt.mt_pct_mso is not None
    return hunt.mt_pct_mso, hunt.pulses


def summarise(errors: list[float], pulses: list[int], true_mts: list[float]) -> dict[str, float]:
    abs_err = [abs(e) for e in errors]
    rel = [abs(e) / t for e, t in zip(errors, true_mts, strict=True)]
    return {
        "error_mean_pct_mso": round(statistics.fmean(errors), 3),
        "error_sd_pct_mso": round(statistics.pstdev(errors), 3),
        "abs_error_median_pct_mso": round(statistics.median(abs_err), 3),
        "abs_error_p95_pct_mso": round(quantile(abs_err, 0.95), 3),
        "abs_error_max_pct_mso": round(max(abs_err), 3),
        "relative_abs_error_median": round(statistics.median(rel), 4),
        "pulses_median": statistics.median(pulses),
        "pulses_p95": round(quantile([float(p) for p in pulses], 0.95), 1),
        "pulses_max": max(pulses),
    }


def run(n: int, seed: int, ci_width: float) -> dict[str, object]:
    rng = random.Random(seed)
    true_mts = [round(rng.uniform(30, 80), 2) for _ in range(n)]
    out: dict[str, object] = {"hunts": n, "seed": seed, "true_mt_range_pct_mso": [30, 80]}
    methods: dict[str, Callable[[float, int], tuple[float, int, float]]] = {}

    def ml20(mt: float, s: int) -> tuple[float, int, float]:
        h = simulate_hunt(mt, seed=s)
        return h.estimate_pct_mso, h.pulses, h.start_pct_mso

    def mlci(mt: float, s: int) -> tuple[float, int, float]:
        h = simulate_hunt(mt, seed=s, max_pulses=60, ci_width_pct_mso=ci_width)
        return h.estimate_pct_mso, h.pulses, h.start_pct_mso

    def rf(mt: float, s: int) -> tuple[float, int, float]:
        start = simulate_hunt(mt, seed=s, max_pulses=1).start_pct_mso
        est, pulses = relative_frequency(mt, start, s)
        return est, pulses, start

    methods["ml_pest_20"] = ml20
    methods["ml_pest_ci"] = mlci
    methods["relative_frequency"] = rf
    for name, fn in methods.items():
        t0 = time.perf_counter()
        errors, pulses = [], []
        for i, mt in enumerate(true_mts):
            est, p, _ = fn(mt, seed * 100_000 + i)
            errors.append(est - mt)
            pulses.append(p)
        elapsed = time.perf_counter() - t0
        figures = summarise(errors, pulses, true_mts)
        figures["seconds"] = round(elapsed, 2)
        out[name] = figures
    out["ci_width_pct_mso"] = ci_width
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 hunts instead of 1,000")
    parser.add_argument("--hunts", type=int, default=None)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--ci-width", type=float, default=5.0)
    args = parser.parse_args()
    n = args.hunts or (100 if args.quick else 1000)
    result = run(n, args.seed, args.ci_width)
    print(f"ML-PEST motor-threshold hunting: {n} seeded hunts, true MT 30-80% MSO")
    header = f"{'method':<20}{'mean err':>10}{'sd':>8}{'|err| med':>11}{'|err| p95':>11}"
    header += f"{'pulses med':>12}{'pulses p95':>12}{'s':>7}"
    print(header)
    for name in ("ml_pest_20", "ml_pest_ci", "relative_frequency"):
        f = result[name]
        assert isinstance(f, dict)
        print(
            f"{name:<20}{f['error_mean_pct_mso']:>10}{f['error_sd_pct_mso']:>8}"
            f"{f['abs_error_median_pct_mso']:>11}{f['abs_error_p95_pct_mso']:>11}"
            f"{f['pulses_median']:>12}{f['pulses_p95']:>12}{f['seconds']:>7}"
        )
    print("errors in % MSO (estimate - true); relative_frequency is the reference method")
    print(json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    main()
