"""HTTP load: the web application with 2 workers on loopback, PostgreSQL, the demo clinic.

Starts ``trdcare serve --workers 2`` on a free loopback port against a private schema of
the PostgreSQL test database, loads the demo clinic (default 2,000 active patients), gives
a share of them a TMS course, then, in the same run, measures:

* ``mixed``: N concurrent simulated users for a bounded time, each looping over a mixed
  clinic workload: caseload dashboard page (10 %), patient chart page (40 %), PHQ-9
  submission (30 %), TMS session log (20 %) — pages with a session cookie, writes through the
  JSON API with a bearer token, every request audited as in production;
* ``health``: the same N users on the trivial health endpoint (the reference);
  the two alternate in ``--rounds`` slices (health, mixed, health, mixed...) so that a drift
  in the machine's speed during the run falls on both alike;
* ``dashboard``: the caseload dashboard over all active patients (sorted and filtered over
  all of them; its first page of 50 rows rendered), one user, sequentially.

Prints throughput and p50/p95/p99 per part and per request kind, the CPU time per request
spent by the server's workers, by PostgreSQL and by this load client (from /proc, Linux),
and, last, one JSON line. The client runs on the same cores, so it must cost little: it is
aiohttp (~0.1 ms of CPU per request here); httpx's async client cost ~3 ms, which made the
client, not the server, the health endpoint's bottleneck in earlier runs.
Goals (issue 4): mixed throughput >= 30 % of health; mixed p99 < 150 ms at 32 users;
dashboard for 2,000 active patients < 200 ms p95.

Run: ``pip install ".[bench]"`` once, then
``python bench/http_load.py [--quick] [--users 32] [--seconds 20] [--patients 2000]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import httpx
from sqlalchemy import select, text

from trdcare.accounts import service as account_service
from trdcare.accounts.schemas import TokenCreate, UserCreate
from trdcare.adapters.db.engine import make_engine, unit_of_work
from trdcare.adapters.db.migrate import upgrade
from trdcare.adapters.db.models import Patient
from trdcare.audit.domain import AuditKey
from trdcare.audit.keys import bind_key
from trdcare.core.actor import Actor
from trdcare.demo.service import load_demo

POSTGRES_URL = os.environ.get(
    "TRDCARE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
SETUP = Actor(username="system:bench", role="system", source="bench")
PASSWORD = "a long benchmark passphrase"
SCREEN_NO = dict.fromkeys(
    (
        "epilepsy_or_seizure",
        "syncope",
        "head_trauma",
        "hearing_problems",
        "cochlear_implant",
        "pregnancy",
        "metal_in_head_or_spine",
        "implanted_neurostimulator",
        "pacemaker_or_intracardiac_lines",
        "medication_infusion_device",
        "medications",
        "previous_tms",
        "previous_mri",
    ),
    False,
)
MIX = (("dashboard", 0.10), ("chart", 0.40), ("phq9", 0.30), ("tms_session", 0.20))
# One audit key per run: the loader and the served app seal the same chains with it.
BENCH_AUDIT_KEY = secrets.token_urlsafe(48)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def summary(latencies_s: list[float], seconds: float, errors: int = 0) -> dict[str, float]:
    ms = [x * 1000 for x in latencies_s]
    return {
        "requests": len(ms),
        "errors": errors,
        "rps": round(len(ms) / seconds, 1) if seconds else 0.0,
        "p50_ms": round(pct(ms, 50), 1),
        "p95_ms": round(pct(ms, 95), 1),
        "p99_ms": round(pct(ms, 99), 1),
        "mean_ms": round(statistics.fmean(ms), 1) if ms else float("nan"),
    }


def setup_database(url: str, patients: int, data_dir: Path) -> tuple[list[str], dict[str, str]]:
    """Migrate, load the demo clinic, create the staff accounts and their API tokens."""
    engine = make_engine(url)
    bind_key(engine, AuditKey(BENCH_AUDIT_KEY.encode("utf-8")))
    upgrade(engine)
    t0 = time.perf_counter()
    with unit_of_work(engine) as session:
        load_demo(session, seed=7, patients=patients, as_of=date.today())
    print(f"demo clinic: {patients} patients loaded in {time.perf_counter() - t0:.0f} s")
    tokens: dict[str, str] = {}
    with unit_of_work(engine) as session:
        for name, role in (("bench.doc", "physician"), ("bench.tech", "technician")):
            user = account_service.create_user(
                session,
                SETUP,
                UserCreate(username=name, display_name=name, role=role, password=PASSWORD),  # type: ignore[arg-type]
            )
            _, raw = account_service.create_token(
                session, SETUP, user, TokenCreate(name="bench", expires_in_days=1)
            )
            tokens[role] = raw
        refs = list(session.scalars(select(Patient.ref).where(Patient.status == "active")))
    analyze(engine)
    engine.dispose()
    return refs, tokens


def analyze(engine: Any) -> None:
    """Refresh the planner statistics after a bulk load (autovacuum would, a little later)."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))


def start_server(url: str, port: int, data_dir: Path, workers: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "TRDCARE_SECRET_KEY": uuid.uuid4().hex + uuid.uuid4().hex,
        "TRDCARE_DATA_DIR": str(data_dir),
        "TRDCARE_AUDIT_KEY": BENCH_AUDIT_KEY,  # the key the demo clinic was sealed with
    }
    env.pop("TRDCARE_ENV", None)
    env.pop("TRDCARE_AUDIT_KEY_FILE", None)
    exe = shutil.which("trdcare") or str(Path(sys.executable).with_name("trdcare"))
    cmd = [
        exe,
        "--database-url",
        url,
        "serve",
        "--no-demo",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
    ]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
        if proc.poll() is not None:
            raise SystemExit(f"server exited: {proc.stderr.read().decode() if proc.stderr else ''}")
    proc.terminate()
    raise SystemExit("server did not start within 60 s")


def _process_tree(root: int) -> set[int]:
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as f:
                    parents[int(entry)] = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    tree, grew = {root}, True
    while grew:
        grew = False
        for pid, parent in parents.items():
            if parent in tree and pid not in tree:
                tree.add(pid)
                grew = True
    return tree


def cpu_seconds(server_pid: int) -> dict[str, float]:
    """CPU seconds used so far by the server's processes, PostgreSQL's and this process."""
    out = {"server": 0.0, "postgres": 0.0, "client": time.process_time()}
    if not os.path.isdir("/proc"):
        return out
    tick = os.sysconf("SC_CLK_TCK")
    server = _process_tree(server_pid)
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdline = f.read()
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used = (int(fields[11]) + int(fields[12])) / tick
        if int(entry) in server:
            out["server"] += used
        elif cmdline.startswith(b"postgres"):
            out["postgres"] += used
    return out


def sign_in(base: str) -> dict[str, str]:
    """A browser-like session: returns the cookies after signing in as the physician."""
    with httpx.Client(base_url=base, follow_redirects=False) as client:
        page = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token, "no CSRF token on the login page"
        r = client.post(
            "/login",
            data={"csrf_token": token.group(1), "username": "bench.doc", "password": PASSWORD},
        )
        assert r.status_code == 303, r.status_code
        return dict(client.cookies)


def plan_courses(base: str, tokens: dict[str, str], refs: list[str]) -> list[str]:
    """Screen and plan a TMS course (through the API) for each patient in ``refs``."""
    planned = []
    start = date.today() - timedelta(days=date.today().weekday() + 7)
    headers = {"Authorization": f"Bearer {tokens['physician']}"}
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        for ref in refs:
            client.post(f"/api/v1/patients/{ref}/tms/screens", json={"answers": SCREEN_NO})
            r = client.post(
                f"/api/v1/patients/{ref}/tms/plan",
                json={"protocol": "hf10-left-dlpfc", "start": start.isoformat(), "mt_pct_mso": 50},
            )
            if r.status_code == 201:
                planned.append(ref)
    return planned


async def run_load(
    base: str,
    users: int,
    seconds: float,
    kinds: tuple[tuple[str, float], ...],
    *,
    cookies: dict[str, str],
    tokens: dict[str, str],
    refs: list[str],
    tms_refs: list[str],
    seed: int,
) -> tuple[dict[str, list[float]], dict[str, int], float]:
    latencies: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    names = [k for k, _ in kinds]
    weights = [w for _, w in kinds]
    phq9 = {"scale": "phq9", "answers": {str(i): 1 for i in range(1, 10)}}
    session_log = {"pulses_delivered": 3000}
    page_headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
    doctor = {"Authorization": f"Bearer {tokens['physician']}"}
    technician = {"Authorization": f"Bearer {tokens['technician']}"}
    # aiohttp, not httpx: httpx's async client spent ~3 ms of CPU per request here (30x
    # aiohttp), which made the load client, on the same cores, the health endpoint's
    # bottleneck instead of the server.
    connector = aiohttp.TCPConnector(limit=users)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(
        base, connector=connector, timeout=timeout, cookie_jar=aiohttp.DummyCookieJar()
    ) as client:
        stop_at = time.perf_counter() + seconds

        def request(kind: str, ref: str, rng: random.Random) -> Any:
            if kind == "health":
                return client.get("/api/v1/health")
            if kind == "dashboard":
                return client.get("/dashboard", headers=page_headers, allow_redirects=False)
            if kind == "chart":
                return client.get(f"/patients/{ref}", headers=page_headers, allow_redirects=False)
            if kind == "phq9":
                return client.post(f"/api/v1/patients/{ref}/assessments", json=phq9, headers=doctor)
            return client.post(
                f"/api/v1/patients/{rng.choice(tms_refs)}/tms/sessions",
                json=session_log,
                headers=technician,
            )

        async def user(n: int) -> None:
            rng = random.Random(seed * 1000 + n)
            while time.perf_counter() < stop_at:
                kind = rng.choices(names, weights)[0]
                ref = rng.choice(refs)
                t0 = time.perf_counter()
                try:
                    async with request(kind, ref, rng) as r:
                        await r.read()
                        status = r.status
                except (aiohttp.ClientError, TimeoutError):
                    errors[kind] += 1  # a timeout or a dropped connection
                    continue
                elapsed = time.perf_counter() - t0
                # A TMS course that has delivered every session answers 409: not an error.
                if status >= 400 and not (kind == "tms_session" and status == 409):
                    errors[kind] += 1
                else:
                    latencies[kind].append(elapsed)

        started = time.perf_counter()
        await asyncio.gather(*(user(n) for n in range(users)))
        wall = time.perf_counter() - started
    return latencies, errors, wall


async def dashboard_solo(base: str, cookies: dict[str, str], n: int) -> list[float]:
    out = []
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
    async with aiohttp.ClientSession(base, timeout=aiohttp.ClientTimeout(total=60)) as client:
        async with client.get("/dashboard", headers=headers, allow_redirects=False) as r:  # warm-up
            await r.read()
        for _ in range(n):
            t0 = time.perf_counter()
            async with client.get("/dashboard", headers=headers, allow_redirects=False) as r:
                await r.read()
                status = r.status
            out.append(time.perf_counter() - t0)
            assert status == 200, status
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="300 patients, 8 s per part")
    parser.add_argument("--users", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--patients", type=int, default=2000)
    parser.add_argument("--tms-patients", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--rounds", type=int, default=2, help="alternating health/mixed slices per part"
    )
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error(f"--rounds must be 1 or more, got {args.rounds}")
    if args.quick:
        args.patients, args.seconds, args.tms_patients = 300, 8.0, 60

    schema = f"trdcare_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in POSTGRES_URL else "?"
    url = f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"
    data_dir = Path(tempfile.mkdtemp(prefix="trdcare-bench-"))
    proc = None
    parts: dict[str, dict[str, Any]] = {
        part: {
            "wall": 0.0,
            "latencies": {},
            "errors": {},
            "cpu": {"server": 0.0, "postgres": 0.0, "client": 0.0},
        }
        for part in ("health", "mixed")
    }
    try:
        refs, tokens = setup_database(url, args.patients, data_dir)
        port = free_port()
        proc = start_server(url, port, data_dir, args.workers)
        base = f"http://127.0.0.1:{port}"
        cookies = sign_in(base)
        t0 = time.perf_counter()
        tms_refs = plan_courses(base, tokens, refs[: args.tms_patients])
        analyzer = make_engine(url)
        analyze(analyzer)
        analyzer.dispose()
        print(
            f"TMS courses planned for {len(tms_refs)} patients in {time.perf_counter() - t0:.0f} s"
        )
        common = {"cookies": cookies, "tokens": tokens, "refs": refs, "tms_refs": tms_refs}
        slice_s = args.seconds / args.rounds
        for n in range(args.rounds):
            for k, (part, kinds) in enumerate((("health", (("health", 1.0),)), ("mixed", MIX))):
                before = cpu_seconds(proc.pid)
                latencies, errors, wall = asyncio.run(
                    run_load(base, args.users, slice_s, kinds, seed=n * 2 + k, **common)
                )
                after = cpu_seconds(proc.pid)
                parts[part]["wall"] += wall
                for kind, values in latencies.items():
                    parts[part]["latencies"].setdefault(kind, []).extend(values)
                for kind, count in errors.items():
                    parts[part]["errors"][kind] = parts[part]["errors"].get(kind, 0) + count
                for key in before:
                    parts[part]["cpu"][key] += after[key] - before[key]
        solo = asyncio.run(dashboard_solo(base, cookies, 30 if args.quick else 60))
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
        shutil.rmtree(data_dir, ignore_errors=True)

    health, mixed = parts["health"]["latencies"], parts["mixed"]["latencies"]
    all_mixed = [x for values in mixed.values() for x in values]
    health_wall, mixed_wall = parts["health"]["wall"], parts["mixed"]["wall"]
    result: dict[str, Any] = {
        "benchmark": "http_load",
        "backend": "postgresql",
        "workers": args.workers,
        "users": args.users,
        "seconds": args.seconds,
        "rounds": args.rounds,
        "active_patients": len(refs),
        "health": summary(
            health.get("health", []), health_wall, sum(parts["health"]["errors"].values())
        ),
        "mixed": summary(all_mixed, mixed_wall, sum(parts["mixed"]["errors"].values())),
        "mixed_by_kind": {
            k: summary(v, mixed_wall, parts["mixed"]["errors"].get(k, 0)) for k, v in mixed.items()
        },
        "dashboard_solo": summary(solo, sum(solo)),
    }
    result["cpu_ms_per_request"] = {
        part: {
            who: round(1000 * used / max(1, result[part]["requests"]), 2)
            for who, used in parts[part]["cpu"].items()
        }
        for part in ("health", "mixed")
    }
    result["mixed_vs_health_throughput"] = round(
        result["mixed"]["rps"] / result["health"]["rps"], 3
    )
    result["goals"] = {
        "mixed_throughput_ge_30pct_of_health": result["mixed_vs_health_throughput"] >= 0.30,
        "mixed_p99_lt_150ms": result["mixed"]["p99_ms"] < 150,
        "dashboard_p95_lt_200ms": result["dashboard_solo"]["p95_ms"] < 200,
    }
    h, m, d = result["health"], result["mixed"], result["dashboard_solo"]
    print(
        f"health:    {h['rps']:8.1f} req/s  p50 {h['p50_ms']} ms  p95 {h['p95_ms']} ms  p99 {h['p99_ms']} ms"
    )
    print(
        f"mixed:     {m['rps']:8.1f} req/s  p50 {m['p50_ms']} ms  p95 {m['p95_ms']} ms  p99 {m['p99_ms']} ms  errors {m['errors']}"
    )
    for kind, s in result["mixed_by_kind"].items():
        print(
            f"  {kind:12} {s['rps']:8.1f} req/s  p50 {s['p50_ms']} ms  p95 {s['p95_ms']} ms  p99 {s['p99_ms']} ms"
        )
    print(
        f"dashboard ({len(refs)} active patients, 1 user): p50 {d['p50_ms']} ms  p95 {d['p95_ms']} ms  p99 {d['p99_ms']} ms"
    )
    for part, cpu in result["cpu_ms_per_request"].items():
        print(
            f"CPU per {part} request: server {cpu['server']} ms, PostgreSQL {cpu['postgres']} ms,"
            f" load client {cpu['client']} ms"
        )
    print(f"mixed / health throughput: {result['mixed_vs_health_throughput']:.2f}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
