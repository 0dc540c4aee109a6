"""The README's main job, as a new user runs it: `trdcare serve` on a fresh data folder
creates the embedded database, loads the demo clinic, prints the URL and the demo logins, and
a printed login signs in and sees the caseload."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from web_support import csrf_from


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_prints_a_demo_login_that_signs_in(tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRDCARE_")}
    env["TRDCARE_DATA_DIR"] = str(tmp_path / "data")
    exe = shutil.which("trdcare") or str(Path(sys.executable).with_name("trdcare"))
    out = tmp_path / "stdout.txt"
    with out.open("w") as stdout:
        server = subprocess.Popen(
            [exe, "serve", "--port", str(port), "--log-level", "warning"],
            env=env,
            stdout=stdout,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120  # the first run loads the demo clinic
        while True:
            assert server.poll() is None, out.read_text()
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, out.read_text()
            time.sleep(0.3)
        printed = out.read_text()
        assert f"trdcare is starting at {base}" in printed
        login = re.search(r"physician\s+(\S+)\s+password: (\S+)", printed)
        assert login, printed
        with httpx.Client(base_url=base, follow_redirects=False) as browser:
            page = browser.get("/login")
            signed_in = browser.post(
                "/login",
                data={
                    "csrf_token": csrf_from(page.text),
                    "username": login.group(1),
                    "password": login.group(2),
                },
            )
            assert signed_in.status_code == 303, signed_in.text
            dashboard = browser.get("/dashboard")
            assert dashboard.status_code == 200
            assert re.search(r"/patients/P-[0-9A-Z]{10}", dashboard.text)  # the demo clinic
        # The logins file is private to the clinic's user; so is the audit key.
        assert (tmp_path / "data" / "demo-logins.json").stat().st_mode & 0o077 == 0
        assert (tmp_path / "data" / "audit_key").stat().st_mode & 0o077 == 0
        assert "audit log: sealed with audit key" in printed
        # A signed checkpoint was written at start (after the demo clinic was loaded).
        checkpoints = tmp_path / "data" / "audit-checkpoints.jsonl"
        assert len(checkpoints.read_text(encoding="utf-8").splitlines()) == 1
    finally:
        server.terminate()
        server.wait(timeout=30)
    # ... and one at shutdown, covering the sign-in and the dashboard read.
    assert len(checkpoints.read_text(encoding="utf-8").splitlines()) == 2
    verified = subprocess.run(
        [exe, "audit", "verify", "--json"], env=env, capture_output=True, text=True, check=False
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    doc = json.loads(verified.stdout)
    assert doc["intact"] and doc["checkpoints"] == 2 and doc["entries_after_last_checkpoint"] == 0
