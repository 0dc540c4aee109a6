"""Audit append: the keyed seal (HMAC-SHA256) against the plain SHA-256 hash it replaced.

Measured in the same run, in back-to-back pairs (the ratio is the median of the pairs'
ratios, so the load of a shared machine drifting between pairs cancels out):

* ``seal``: one entry's seal — :func:`trdcare.audit.domain.entry_hash` with the audit key
  against the same call without it (the plain hash used before issue 14, finding 3), on the
  fields of a typical chart read;
* ``append``: one committed transaction that records ``--events`` audit events (a request's
  reads), through :func:`trdcare.audit.service.flush_pending` as every request runs it — once
  as shipped (key looked up, HMAC seals) and once with the seal swapped for the plain hash
  (the reference), on SQLite and PostgreSQL.

Goal: appends stay cheap (the keyed append within a few percent of the plain one).

Run: ``python bench/audit_append.py [--quick] [--backends sqlite,postgresql]``.
The last line printed is one JSON document with every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, text

from trdcare.adapters.db.engine import make_engine, unit_of_work
from trdcare.adapters.db.migrate import upgrade
from trdcare.audit import service as audit_service
from trdcare.audit.domain import AuditKey, entry_hash
from trdcare.audit.keys import bind_key
from trdcare.core.actor import Actor

POSTGRES_URL = os.environ.get(
    "TRDCARE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
ACTOR = Actor(username="dr.bench", role="physician", source="192.0.2.10")
KEY = AuditKey(secrets.token_bytes(32))
FIELDS: dict[str, Any] = {
    "occurred_at": datetime(2026, 12, 5, 8, 30, tzinfo=UTC),
    "actor": "dr.bench",
    "role": "physician",
    "source": "192.0.2.10",
    "action": "read",
    "entity": "patient",
    "entity_id": "1234",
    "patient_ref": "P-0123456789",
    "detail": {"purpose": "chart", "panels": 6},
}


def _time_each(fn: Callable[[], object], n: int) -> float:
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t0) / n


def _paired(
    plain: Callable[[], float], keyed: Callable[[], float], rounds: int
) -> tuple[float, float, float]:
    """Median time of each, and the median of the ratios of back-to-back pairs (the machine's
    load drifts between pairs, much less within one)."""
    plain_s, keyed_s, ratios = [], [], []
    for n in range(rounds):
        # Alternate which goes first, so neither always runs on a warmer cache.
        if n % 2:
            k, p = keyed(), plain()
        else:
            p, k = plain(), keyed()
        plain_s.append(p)
        keyed_s.append(k)
        ratios.append(k / p)
    return statistics.median(plain_s), statistics.median(keyed_s), statistics.median(ratios)


def bench_seal(rounds: int, per_round: int) -> dict[str, float]:
    prev = "a" * 64
    plain, keyed, ratio = _paired(
        lambda: _time_each(lambda: entry_hash(prev, **FIELDS), per_round),
        lambda: _time_each(lambda: entry_hash(prev, key=KEY, **FIELDS), per_round),
        rounds,
    )
    return {
        "plain_us": round(plain * 1e6, 2),
        "keyed_us": round(keyed * 1e6, 2),
        "ratio": round(ratio, 3),
    }


@contextmanager
def plain_seals() -> Iterator[None]:
    """The reference: the same append with the plain SHA-256 hash (the key dropped)."""
    original = audit_service.entry_hash

    def plain(prev: str, *, key: AuditKey | None = None, **fields: Any) -> str:
        return original(prev, **fields)

    audit_service.entry_hash = plain  # type: ignore[assignment]
    try:
        yield
    finally:
        audit_service.entry_hash = original  # type: ignore[assignment]


def _append(engine: Engine, events: int) -> None:
    with unit_of_work(engine) as session:
        for i in range(events):
            audit_service.record(session, ACTOR, "read", "patient", patient_ref=f"P-{i:010d}")


def bench_append(engine: Engine, rounds: int, per_round: int, events: int) -> dict[str, float]:
    _append(engine, events)  # warm the statement caches

    def plain() -> float:
        with plain_seals():
            return _time_each(lambda: _append(engine, events), per_round)

    plain_s, keyed_s, ratio = _paired(
        plain, lambda: _time_each(lambda: _append(engine, events), per_round), rounds
    )
    return {
        "events_per_commit": events,
        "plain_ms": round(plain_s * 1e3, 3),
        "keyed_ms": round(keyed_s * 1e3, 3),
        "ratio": round(ratio, 3),
    }


def run_backend(url: str, args: argparse.Namespace) -> dict[str, float]:
    engine = make_engine(url)
    bind_key(engine, KEY)
    try:
        upgrade(engine)
        return bench_append(engine, args.rounds, args.per_round, args.events)
    finally:
        engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    parser.add_argument("--rounds", type=int, default=41)
    parser.add_argument("--per-round", type=int, default=25)
    parser.add_argument("--events", type=int, default=3, help="audit events per commit")
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.per_round = 11, 10
    seal = bench_seal(args.rounds * 5, 2000)
    print(
        f"seal    one entry: plain SHA-256 {seal['plain_us']:.2f} us, "
        f"HMAC-SHA256 {seal['keyed_us']:.2f} us, ratio {seal['ratio']:.3f}"
    )
    results: dict[str, object] = {"benchmark": "audit_append", "seal": seal}
    for backend in args.backends.split(","):
        if backend == "sqlite":
            folder = tempfile.mkdtemp(prefix="trdcare-bench-")
            figures = run_backend(f"sqlite:///{folder}/bench.sqlite3", args)
        elif backend == "postgresql":
            schema = f"trdcare_bench_{uuid.uuid4().hex[:8]}"
            admin = make_engine(POSTGRES_URL)
            with admin.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            try:
                sep = "&" if "?" in POSTGRES_URL else "?"
                figures = run_backend(f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}", args)
            finally:
                with admin.begin() as conn:
                    conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                admin.dispose()
        else:
            print(f"unknown backend {backend!r}", file=sys.stderr)
            return 2
        print(
            f"append  {backend:10} {args.events} events/commit: plain {figures['plain_ms']:.3f} ms, "
            f"keyed {figures['keyed_ms']:.3f} ms, ratio {figures['ratio']:.3f}"
        )
        results[backend] = figures
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
