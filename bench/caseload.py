"""Caseload summary: application code vs a single hand-written SQL aggregate (the floor).

10,000 patients with 20 weekly PHQ-9 assessments each (every item stored), on SQLite and on
PostgreSQL. For each backend the script times, in the same run:

* ``app``: :func:`trdcare.assessments.service.caseload_summary` — the repository query, the
  domain's outcome rules (percent change, response, remission) and alerts, plus its audit
  event, exactly as the CLI and the web dashboard call it;
* ``floor``: one hand-written SQL statement computing the same per-patient figures
  (baseline and latest total, percent change, response, remission, alert) over the same rows.

Goal (issue 2): app within 3x of the floor on both databases.

Run: ``python bench/caseload.py [--quick] [--patients N] [--repeat R] [--backends sqlite,postgresql]``.
The last line printed is one JSON document with every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine, insert, text

from trdcare.adapters.db.engine import make_engine, session_factory
from trdcare.adapters.db.migrate import upgrade
from trdcare.adapters.db.models import Assessment, AssessmentItem, Patient, TreatmentCourse
from trdcare.assessments import service as assessment_service
from trdcare.assessments.domain import get_scale
from trdcare.audit.domain import AuditKey
from trdcare.audit.keys import bind_key
from trdcare.core.actor import Actor

POSTGRES_URL = os.environ.get(
    "TRDCARE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
ACTOR = Actor(username="bench", role="system", source="bench")
AS_OF = date(2026, 6, 1)


def populate(engine: Engine, n_patients: int, per_patient: int, seed: int) -> None:
    """Bulk-load synthetic rows (setup, not measured)."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    stamp = {
        "created_at": now,
        "created_by": "bench",
        "updated_at": now,
        "updated_by": "bench",
        "version": 1,
    }
    course_start = AS_OF - timedelta(weeks=per_patient - 1)
    patients, courses, assessments, items = [], [], [], []
    aid = 0
    for pid in range(1, n_patients + 1):
        patients.append(
            {
                "id": pid,
                "ref": f"P-B{pid:09d}",
                "mrn": f"B{pid}",
                "given_name": "Bench",
                "family_name": f"P{pid:06d}",
                "birth_date": date(1970, 1, 1),
                "sex": "unknown",
                "status": "active",
                **stamp,
            }
        )
        courses.append(
            {
                "id": pid,
                "ref": f"C-B{pid:09d}",
                "patient_id": pid,
                "modality": "tms",
                "start_date": course_start,
                "status": "active",
                "primary_scale": "phq9",
                "planned_sessions": 36,
                **stamp,
            }
        )
        baseline = rng.randint(12, 25)
        slope = rng.uniform(-0.9, 0.1)
        for week in range(per_patient):
            aid += 1
            total = max(0, min(27, round(baseline + slope * week + rng.uniform(-2, 2))))
            answers = [0] * 9
            remaining = total
            for i in range(9):
                answers[i] = min(3, remaining)
                remaining -= answers[i]
            on = course_start + timedelta(weeks=week)
            flagged = answers[8] > 0
            assessments.append(
                {
                    "id": aid,
                    "patient_id": pid,
                    "course_id": pid,
                    "scale_id": "phq9",
                    "administered_at": datetime(on.year, on.month, on.day, 10, tzinfo=UTC),
                    "administered_on": on,
                    "source": "staff",
                    "total": total,
                    "severity": None,
                    "complete": True,
                    "suicidal_ideation": flagged,
                    "triage": None,
                    "flags": [],
                    **stamp,
                }
            )
            items.extend(
                {"assessment_id": aid, "item_key": str(i + 1), "value": v}
                for i, v in enumerate(answers)
            )
    with engine.begin() as conn:
        for table, rows in (
            (Patient, patients),
            (TreatmentCourse, courses),
            (Assessment, assessments),
            (AssessmentItem, items),
        ):
            for start in range(0, len(rows), 20000):
                conn.execute(insert(table), rows[start : start + 20000])
        conn.execute(text("ANALYZE"))


FLOOR_SQL = """
WITH course AS (
    SELECT patient_id, MAX(start_date) AS start_date FROM treatment_courses
    WHERE retired_at IS NULL GROUP BY patient_id
), scored AS (
    SELECT a.patient_id, a.total, a.administered_on,
           ROW_NUMBER() OVER (PARTITION BY a.patient_id ORDER BY a.administered_at DESC, a.id DESC) AS rank_latest,
           ROW_NUMBER() OVER (PARTITION BY a.patient_id ORDER BY
               CASE WHEN c.start_date IS NOT NULL AND a.administered_on <= c.start_date THEN 0 ELSE 1 END,
               CASE WHEN c.start_date IS NOT NULL AND a.administered_on <= c.start_date THEN a.administered_at END DESC,
               CASE WHEN c.start_date IS NOT NULL AND a.administered_on <= c.start_date THEN a.id END DESC,
               a.administered_at, a.id) AS rank_baseline
    FROM assessments a LEFT JOIN course c ON c.patient_id = a.patient_id
    WHERE a.scale_id = 'phq9' AND a.complete AND a.retired_at IS NULL
), alerts AS (
    SELECT patient_id FROM assessments
    WHERE suicidal_ideation AND retired_at IS NULL AND administered_on >= :recent_since GROUP BY patient_id
)
SELECT p.ref, b.total AS baseline_total, l.total AS latest_total, l.administered_on,
       CASE WHEN b.total > 0 THEN 100.0 * (b.total - l.total) / b.total END AS pct_improvement,
       CASE WHEN b.total > 0 AND 100.0 * (b.total - l.total) / b.total >= :response_pct THEN 1 ELSE 0 END AS response,
       CASE WHEN l.total <= :remission_max THEN 1 ELSE 0 END AS remission,
       CASE WHEN al.patient_id IS NOT NULL THEN 1 ELSE 0 END AS alert
FROM patients p
LEFT JOIN scored l ON l.patient_id = p.id AND l.rank_latest = 1
LEFT JOIN scored b ON b.patient_id = p.id AND b.rank_baseline = 1
LEFT JOIN alerts al ON al.patient_id = p.id
WHERE p.status = 'active' AND p.retired_at IS NULL
ORDER BY p.family_name, p.given_name, p.id
"""


def time_it(fn, repeat: int) -> tuple[float, list[float]]:  # type: ignore[no-untyped-def]
    fn()  # warm caches and plans
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples), samples


def run_backend(name: str, url: str, args: argparse.Namespace) -> dict[str, object]:
    engine = make_engine(url)
    bind_key(engine, AuditKey(secrets.token_bytes(32)))
    upgrade(engine)
    t0 = time.perf_counter()
    populate(engine, args.patients, args.assessments, seed=1)
    load_s = time.perf_counter() - t0
    remission = get_scale("phq9").remission
    assert remission is not None and remission.op == "<="
    params = {
        "recent_since": AS_OF - timedelta(days=assessment_service.DEFAULT_ALERT_WINDOW_DAYS),
        "response_pct": 50.0,
        "remission_max": remission.value,
    }
    make_session = session_factory(engine)

    def app() -> int:
        with make_session() as session:
            rows = assessment_service.caseload_summary(session, ACTOR, as_of=AS_OF)
            session.rollback()  # do not keep the bench's audit rows
            return len(rows)

    def floor() -> int:
        with engine.connect() as conn:
            return len(conn.execute(text(FLOOR_SQL), params).all())

    assert app() == floor() == args.patients
    app_s, app_samples = time_it(app, args.repeat)
    floor_s, floor_samples = time_it(floor, args.repeat)
    engine.dispose()
    return {
        "backend": name,
        "patients": args.patients,
        "assessments": args.patients * args.assessments,
        "load_s": round(load_s, 2),
        "app_median_s": round(app_s, 4),
        "floor_median_s": round(floor_s, 4),
        "ratio": round(app_s / floor_s, 2),
        "app_samples_s": [round(s, 4) for s in app_samples],
        "floor_samples_s": [round(s, 4) for s in floor_samples],
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="1,000 patients, 3 repeats")
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--assessments", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    if args.quick:
        args.patients, args.repeat = 1000, 3
    results = []
    for backend in args.backends.split(","):
        if backend == "sqlite":
            folder = tempfile.mkdtemp(prefix="trdcare-bench-")
            results.append(run_backend("sqlite", f"sqlite:///{folder}/bench.sqlite3", args))
        elif backend == "postgresql":
            schema = f"trdcare_bench_{uuid.uuid4().hex[:8]}"
            admin = make_engine(POSTGRES_URL)
            with admin.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            try:
                sep = "&" if "?" in POSTGRES_URL else "?"
                results.append(
                    run_backend(
                        "postgresql", f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}", args
                    )
                )
            finally:
                with admin.begin() as conn:
                    conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                admin.dispose()
        else:
            print(f"unknown backend {backend!r}", file=sys.stderr)
            return 2
    for r in results:
        verdict = "within" if float(r["ratio"]) <= 3 else "NOT within"  # type: ignore[arg-type]
        print(
            f"{r['backend']:10} {r['patients']} patients, {r['assessments']} assessments: "
            f"app {r['app_median_s'] * 1000:.1f} ms, floor {r['floor_median_s'] * 1000:.1f} ms, "
            f"ratio {r['ratio']}x ({verdict} the 3x goal)"
        )
    print(json.dumps({"benchmark": "caseload", "goal_ratio": 3.0, "results": results}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
