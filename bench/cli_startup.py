"""Start-up of the ``trdcare`` command: whole-process wall time of a few everyday commands,
against references measured in the same run.

The root command (``trdcare.cli``) registers every room's commands; each room's CLI module is
imported only when one of its commands runs (``--help`` lists them all from a name and help
line kept in the root). Timed, each as a whole process (interpreter start-up included):

* ``python -c pass``: the interpreter alone (the floor no command can beat);
* ``python -m trdcare.pgx call``: the PGx commands alone (the reference issue 12 names);
* ``trdcare --help``, ``trdcare score phq9 ... --json``, ``trdcare pgx call ONE.vcf --json``,
  ``trdcare pgx recommend --diplotype ... --json`` through the installed entry point.

Runs are interleaved (one of each per round), so a drifting machine load hits every command
alike; the median of ``--repeats`` rounds is reported, with each command's ratio to both
references. The PGx file is synthetic (never patient data).

Run: ``python bench/cli_startup.py [--repeats N]``. The last line printed is one JSON document
with every figure.
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


def process_wall(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()

    from trdcare.pgx import synthetic

    entry = Path(sys.executable).with_name("trdcare")
    trdcare = [str(entry)] if entry.exists() else [sys.executable, "-m", "trdcare"]
    with tempfile.TemporaryDirectory() as tmp:
        text = synthetic.vcf_text(
            {"ONE": {"CYP2C19": ("*2", "*17"), "CYP2D6": ("*1", "*4"), "CYP2B6": ("*1", "*6")}}
        )
        one = str(synthetic.write_vcf(text, Path(tmp) / "one.vcf", bgzip=True, index=True))
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "python -m trdcare.pgx call": [
                sys.executable, "-m", "trdcare.pgx", "call", one, "--json"
            ],
            "trdcare --help": [*trdcare, "--help"],
            "trdcare score phq9": [*trdcare, "score", "phq9", *["1"] * 9, "--json"],
            "trdcare pgx call": [*trdcare, "pgx", "call", one, "--json"],
            "trdcare pgx recommend": [
                *trdcare, "pgx", "recommend", "--diplotype", "CYP2C19=*2/*17", "--json"
            ],
        }  # fmt: skip
        for cmd in commands.values():  # warm the file cache (bytecode, shared libraries)
            process_wall(cmd)
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.repeats):
            for name, cmd in commands.items():
                times[name].append(process_wall(cmd))

    wall = {name: statistics.median(v) for name, v in times.items()}
    floor = wall["python -c pass"]
    pgx_alone = wall["python -m trdcare.pgx call"]
    result = {
        "repeats": args.repeats,
        "median_wall_s": {k: round(v, 3) for k, v in wall.items()},
        "over_python_c_pass": {k: round(v / floor, 2) for k, v in wall.items()},
        "over_python_m_trdcare_pgx_call": {k: round(v / pgx_alone, 2) for k, v in wall.items()},
        "goal": "trdcare pgx call < 0.5 s wall (issue 12)",
    }
    for key, value in result.items():
        print(f"{key:32} {value}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
