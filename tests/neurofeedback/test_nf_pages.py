"""The neurofeedback pages on SQLite and PostgreSQL: a clinician starts a synthetic session
for a patient, the live page and the patient's display are served under an opaque id (no
patient data in the address), the event stream carries the feedback values, and stopping
records the session to EDF+ and stores it on the course page (the learning curve beside the
scores). Bad input is refused naming the field; nf.run and nf.read decide who may."""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from trdcare.adapters.db.engine import unit_of_work
from trdcare.adapters.db.models import Patient
from trdcare.adapters.db.models.audit import AuditEvent
from trdcare.adapters.db.models.neurofeedback import NfSession
from trdcare.neurofeedback import pages as nf_pages
from trdcare.neurofeedback.domain import config
from trdcare.neurofeedback.domain.synthetic import SyntheticEEG, spec_with
from trdcare.neurofeedback.live import LiveSessions
from trdcare.neurofeedback.preparation import prepare
from trdcare.neurofeedback.schemas import SessionInput
from trdcare.neurofeedback.sources.base import Source, SourceInfo
from web_support import (
    SETUP,
    WebClient,
    add_patient,
    assert_plain,
    client,
    field_errors,
    machine_words,
    web_app,
)

FIXTURES = (client, web_app)


@pytest.fixture(autouse=True)
def _short_streams(monkeypatch: pytest.MonkeyPatch) -> None:
    """A stream request here lasts 1.5 s, not the 15 s a browser holds it before it
    reconnects (the reconnection itself is tested): each held the test for 15 s."""
    monkeypatch.setattr(nf_pages, "STREAM_S", 1.5)


QUICK = {
    "source": "synthetic",
    "protocol": "faa",
    "baseline_s": "2",
    "block_s": "10",
    "duration_s": "",
}


def _start(client: WebClient, ref: str, **changes: str) -> str:
    r = client.form(f"/patients/{ref}/neurofeedback/start", {**QUICK, **changes})
    assert r.status_code == 303, r.text
    match = re.fullmatch(r"/neurofeedback/live/([A-Za-z0-9_-]+)", r.headers["location"])
    assert match, r.headers["location"]
    return match.group(1)


def _events(client: WebClient, sid: str, last: int | None = None) -> list[tuple[str, dict]]:
    headers = {"Last-Event-ID": str(last)} if last is not None else {}
    r = client.get(f"/neurofeedback/stream/{sid}", headers=headers)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
    out = []
    for block in r.text.split("\n\n"):
        kind = re.search(r"^event: (\w+)$", block, re.M)
        data = re.search(r"^data: (.*)$", block, re.M)
        if kind and data:
            out.append((kind.group(1), json.loads(data.group(1))))
    return out


def test_a_synthetic_session_runs_is_stopped_recorded_and_stored(client: WebClient) -> None:
    ref = add_patient(client.engine, "NF-PAGE-1")
    client.as_role("technician", via="session")
    page = client.get(f"/patients/{ref}/neurofeedback")
    assert page.status_code == 200 and "No neurofeedback course yet" in page.text
    form = client.get(f"/patients/{ref}/neurofeedback/start")
    assert form.status_code == 200 and "Synthetic signal (demonstration)" in form.text
    sid = _start(client, ref)
    assert ref not in sid
    live = client.get(f"/neurofeedback/live/{sid}")
    assert live.status_code == 200
    assert "Frontal alpha asymmetry" in live.text and "F3" in live.text
    assert not machine_words(live.text) and "None" not in live.text
    display = client.get(f"/neurofeedback/live/{sid}/display")
    assert display.status_code == 200
    # the patient's screen names no one
    assert "Byron" not in display.text and ref not in display.text and "MRN" not in display.text
    time.sleep(3.5)  # the first window at 1 s, the baseline ends at 2 s
    events = _events(client, sid)
    windows = [d for k, d in events if k == "window"]
    assert windows and {"t", "value", "accepted", "rewarded", "phase"} <= set(windows[0])
    assert any(d["phase"] == "feedback" for d in windows)
    assert any("quality" in d and len(d["quality"]) == 13 for d in windows)
    # a reconnection resumes after the last event it got
    again = _events(client, sid, last=len(events))
    assert all(d["t"] > windows[-1]["t"] - 1e-9 for k, d in again if k == "window")

    stop = client.form(f"/neurofeedback/live/{sid}/stop")
    assert stop.status_code == 303
    assert stop.headers["location"] == f"/patients/{ref}/neurofeedback?msg=stored"
    course = client.get(stop.headers["location"])
    assert course.status_code == 200
    assert "Session stopped, recorded and stored on the course." in course.text
    assert "stopped by the clinician" in course.text and "Learning curve" in course.text
    assert not machine_words(course.text) and "None" not in course.text
    # per-block figures (issue 11 item 3), as stored with the session's summary
    api = client.get(f"/api/v1/patients/{ref}/neurofeedback").json()
    blocks = api["courses"][0]["sessions"][0]["blocks"]
    assert blocks and all(b["windows"] > 0 for b in blocks)
    assert all(
        set(b["rejected_by"]) <= {"amplitude", "flat", "blink", "muscle", "missing"} for b in blocks
    )
    plural = "" if len(blocks) == 1 else "s"
    assert f"Session 1: {len(blocks)} feedback block{plural}" in course.text
    assert 'id="nf-blocks-' in course.text and "Windows withheld, by reason" in course.text
    # a block over the artifact alert (catalogue artifact_alert_pct, UNVERIFIED) is flagged
    over = [b for b in blocks if b["pct_artifact"] is not None and b["pct_artifact"] > 30.0]
    assert course.text.count('<span class="badge warn">flagged</span>') == len(over)
    assert "% of its time withheld as artifact is flagged (UNVERIFIED" in course.text
    with unit_of_work(client.engine) as db:
        (row,) = db.scalars(select(NfSession)).all()
        assert row.ended == "stopped by user" and row.protocol_kind == "faa"
        assert Path(row.recording).is_file() and ref not in row.recording
        kinds = {e.entity for e in db.scalars(select(AuditEvent))}
    assert {"nf_live_session", "nf_live_page", "nf_live_display", "nf_live_stream"} <= kinds
    assert {"nf_live_stop", "nf_session", "nf_course_view"} <= kinds
    # the stream of an ended session says so and ends
    assert [k for k, _ in _events(client, sid)][-1] == "ended"
    # and the chart shows the course's panel
    chart = client.get(f"/patients/{ref}")
    assert "Neurofeedback sessions (investigational)" in chart.text


def test_a_session_of_planned_duration_stores_itself(client: WebClient) -> None:
    ref = add_patient(client.engine, "NF-PAGE-2")
    client.as_role("clinician", via="session")
    sid = _start(client, ref, protocol="alpha_theta", duration_s="2.5", baseline_s="1.5")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        events = _events(client, sid)
        if events and events[-1][0] == "ended":
            break
    assert events[-1][0] == "ended"
    ended = events[-1][1]
    assert ended["state"] == "stored" and ended["ended"] == "duration"
    assert ended["stored"]["session_number"] == 1
    page = client.get(f"/neurofeedback/live/{sid}")
    assert "The session ended (ran its planned duration)" in page.text
    assert "Stop and store" not in page.text


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"protocol": "beta"}, "protocol", "unknown protocol"),
        ({"channels": "F3,T9"}, "channels", "no channel T9"),
        ({"window_s": "1e9"}, "window_s", "10"),
        ({"window_s": "0.5", "hop_s": "1"}, "hop_s", "longer than the window"),
        ({"source": "file:/etc/passwd"}, "source", "not a source of this server"),
        ({"protocol": "ratio"}, "channels", "custom ratio needs"),
        ({"band": "13-8"}, "band", "low edge"),
        ({"band": "8-200"}, "band", "too low for this band"),
        ({"protocol": "alpha_theta", "numerator": "4-300"}, "numerator", "too low"),
        ({"window_s": "0.3"}, "window_s", "0.5"),
        ({"baseline_s": "0"}, "baseline_s", "a fixed threshold"),
        ({"target_reward_pct": "100"}, "target_reward_pct", "100"),
        ({"baseline_s": "abc"}, "baseline_s", "number"),
        ({"reference": "nose"}, "reference", "unknown reference"),
    ],
)
def test_bad_input_is_named(
    client: WebClient, changes: dict[str, str], field: str, words: str
) -> None:
    ref = add_patient(client.engine, "NF-PAGE-3")
    client.as_role("physician", via="session")
    r = client.form(f"/patients/{ref}/neurofeedback/start", {**QUICK, **changes})
    assert r.status_code == 422, r.text
    assert_plain(r.text)
    assert "None" not in r.text
    errors = field_errors(r.text)
    text = errors.get(field) or r.text
    assert words in text, (field, errors)
    # the form keeps what was typed (a choice not on the list cannot be), nothing is stored
    for name, value in changes.items():
        if name not in ("source", "protocol", "reference"):
            assert f'value="{value}"' in r.text, name
    with unit_of_work(client.engine) as db:
        assert db.scalars(select(NfSession)).all() == []
    assert "/neurofeedback/live/" not in r.headers.get("location", "")


def test_roles_and_unknown_sessions(client: WebClient) -> None:
    ref = add_patient(client.engine, "NF-PAGE-4")
    client.as_role("front_desk", via="session")
    assert client.get(f"/patients/{ref}/neurofeedback").status_code == 403
    assert client.get(f"/patients/{ref}/neurofeedback/start").status_code == 403
    client.as_role("physician", via="session")
    assert client.get("/neurofeedback/live/nosuchsession").status_code == 404
    assert client.get("/neurofeedback/stream/nosuchsession").status_code == 404
    assert client.form("/neurofeedback/live/nosuchsession/stop").status_code == 404
    # one running session per patient
    sid = _start(client, ref)
    again = client.form(f"/patients/{ref}/neurofeedback/start", QUICK)
    assert again.status_code == 422 and "already running" in again.text
    client.form(f"/neurofeedback/live/{sid}/stop")


class _Failing(Source):
    """The synthetic signal, then a driver that crashes."""

    def __init__(self, after_reads: int) -> None:
        self.gen = SyntheticEEG(spec_with())
        self.info = SourceInfo("test", "failing", self.gen.spec.channels, 250.0)
        self.after, self.reads, self.pos = after_reads, 0, 0

    def read(self, timeout_s: float = 0.0) -> np.ndarray:
        self.reads += 1
        if self.reads > self.after:
            raise RuntimeError("driver crashed")
        chunk = self.gen.generate(self.pos, 25)
        self.pos += 25
        return chunk


def test_a_source_that_fails_keeps_the_recording_and_the_summary(
    client: WebClient, tmp_path: Path
) -> None:
    ref = add_patient(client.engine, "NF-PAGE-5")
    with unit_of_work(client.engine) as db:
        patient = db.scalars(select(Patient).where(Patient.ref == ref)).one()
        settings, used = config.pipeline_settings({}, None)
        protocol = config.protocol_from("faa", None, None, None, None, None)
        prepared = prepare(_Failing(200), protocol, settings, used, SessionInput(baseline_s=5.0))
        registry = LiveSessions(client.engine)
        live = registry.start(
            prepared,
            patient=patient,
            actor=SETUP,
            started_at=datetime.now(UTC),
            recording=tmp_path / "failed.edf",
            duration_s=None,
        )
    assert live.wait(30)
    assert live.state == "stored" and live.ended == "source stopped"
    assert "RuntimeError" in live.message
    assert (tmp_path / "failed.edf").is_file()
    with unit_of_work(client.engine) as db:
        (row,) = db.scalars(select(NfSession)).all()
        assert row.ended == "source stopped" and row.recording.endswith("failed.edf")
        assert row.duration_s > 15


def test_the_server_stopping_stops_records_and_stores_a_running_session(
    web_app: FastAPI,
) -> None:
    ref = add_patient(web_app.state.engine, "NF-PAGE-6")
    with WebClient(web_app, base_url="http://testserver") as c:
        c.engine = web_app.state.engine
        c.as_role("physician", via="session")
        sid = _start(c, ref)
        time.sleep(1.5)
    # the app's lifespan has ended: the session was stopped, recorded and stored
    live = web_app.state.nf_live.get(sid)
    assert live is not None and not live.running and live.state == "stored"
    with unit_of_work(web_app.state.engine) as db:
        (row,) = db.scalars(select(NfSession)).all()
        assert row.ended == "server stopped" and Path(row.recording).is_file()
