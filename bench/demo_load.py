"""Demo clinic load: CPU and wall time per backend, against a reference in the same run.

``trdcare serve`` (the README's main job) loads the demo clinic on first run. Since the demo
creates real TMS-pathway records through the TMS service (screen, motor-threshold hunt,
plan, every session log with its row lock, decision reviews), that load costs several times
what it did. For each backend the script times, on a fresh database each:

* ``demo``: :func:`trdcare.demo.service.load_demo` exactly as ``trdcare demo`` calls it;
* ``reference``: the same clinic (same seed, patients, histories, assessments) with the
  TMS-pathway records off (a TMS course is then a plain treatment course, as the demo was
  before), so the ratio shows what the TMS pathway costs.

CPU time is this process's (the application's Python work, the SQLite engine's too); wall
time adds the database server's work and the round trips on PostgreSQL.

Run: ``python bench/demo_load.py [--quick] [--patients N] [--backends sqlite,postgresql]``.
The last line printed is one JSON document with every figure.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import secrets
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

from sqlalchemy import text

from trdcare.adapters.db.engine import make_engine, session_factory
from trdcare.adapters.db.migrate import upgrade
from trdcare.audit.domain import AuditKey
from trdcare.audit.keys import bind_key
from trdcare.core.clock import utc_today
from trdcare.demo import service as demo_service
from trdcare.demo.generator import DemoPatient

POSTGRES_URL = os.environ.get(
    "TRDCARE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _without_tms(
    generate: Callable[[int, int, date], Iterator[DemoPatient]],
) -> Callable[[int, int, date], Iterator[DemoPatient]]:
    def plans(seed: int, patients: int, as_of: date) -> Iterator[DemoPatient]:
        for plan in generate(seed, patients, as_of):
            yield dataclasses.replace(plan, tms=None)

    return plans


def load_once(url: str, patients: int, *, tms: bool) -> dict[str, float]:
    """Migrate a fresh database (not measured), then time one demo load."""
    engine = make_engine(url)
    bind_key(engine, AuditKey(secrets.token_bytes(32)))
    upgrade(engine)
    make_session = session_factory(engine)
    original = demo_service.generate_clinic
    if not tms:
        demo_service.generate_clinic = _without_tms(original)  # type: ignore[assignment]
    try:
        cpu0, wall0 = time.process_time(), time.perf_counter()
        with make_session() as session:
            result = demo_service.load_demo(session, seed=1, patients=patients, as_of=utc_today())
            session.commit()
        cpu_s, wall_s = time.process_time() - cpu0, time.perf_counter() - wall0
    finally:
        demo_service.generate_clinic = original  # type: ignore[assignment]
        engine.dispose()
    assert result.loaded and result.patients == patients
    return {"cpu_s": round(cpu_s, 2), "wall_s": round(wall_s, 2)}


def _postgres_schema_url() -> tuple[str, Callable[[], None]]:
    schema = f"trdcare_bench_{uuid.uuid4().hex[:8]}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))

    def drop() -> None:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    sep = "&" if "?" in POSTGRES_URL else "?"
    return f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}", drop


def run_backend(name: str, patients: int) -> dict[str, Any]:
    figures: dict[str, Any] = {"backend": name, "patients": patients}
    for label, tms in (("reference", False), ("demo", True)):
        if name == "sqlite":
            folder = tempfile.mkdtemp(prefix="trdcare-bench-")
            figures[label] = load_once(f"sqlite:///{folder}/demo.sqlite3", patients, tms=tms)
        else:
            url, drop = _postgres_schema_url()
            try:
                figures[label] = load_once(url, patients, tms=tms)
            finally:
                drop()
    figures["cpu_ratio"] = round(figures["demo"]["cpu_s"] / figures["reference"]["cpu_s"], 2)
    figures["wall_ratio"] = round(figures["demo"]["wall_s"] / figures["reference"]["wall_s"], 2)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="60 patients")
    parser.add_argument("--patients", type=int, default=240, help="the demo's default: 240")
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    if args.quick:
        args.patients = 60
    results = []
    for backend in args.backends.split(","):
        if backend not in ("sqlite", "postgresql"):
            print(f"unknown backend {backend!r}", file=sys.stderr)
            return 2
        results.append(run_backend(backend, args.patients))
    for r in results:
        print(
            f"{r['backend']:10} {r['patients']} patients: demo cpu {r['demo']['cpu_s']:.2f} s, "
            f"wall {r['demo']['wall_s']:.2f} s; without TMS records cpu "
            f"{r['reference']['cpu_s']:.2f} s, wall {r['reference']['wall_s']:.2f} s "
            f"(cpu {r['cpu_ratio']}x, wall {r['wall_ratio']}x)"
        )
    print(json.dumps({"benchmark": "demo_load", "results": results}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
