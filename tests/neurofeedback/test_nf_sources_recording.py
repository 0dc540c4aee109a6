"""Sources behind one interface (synthetic, EDF file, LSL inlet, BrainFlow's synthetic
board), session recording to EDF+ and its re-analysis by `nf analyze` to the same feature
values, and a source that stops or fails mid-session: reported within one window, the
recording kept (issue 11, items 1, 5, 8)."""

from __future__ import annotations

import json
import threading
import time
import uuid
from pathlib import Path

import numpy as np
import pytest
from nf_recordings import REST, eeg_file
from typer.testing import CliRunner

from trdcare.cli import app
from trdcare.core.errors import InvalidInput
from trdcare.neurofeedback import runtime
from trdcare.neurofeedback.domain.engine import Pipeline, PipelineSettings
from trdcare.neurofeedback.domain.protocols import make_protocol
from trdcare.neurofeedback.domain.session import FeedbackSession
from trdcare.neurofeedback.domain.synthetic import SyntheticEEG, spec_with
from trdcare.neurofeedback.recording import Recorder
from trdcare.neurofeedback.sources.base import Source, SourceInfo, SourceStopped
from trdcare.neurofeedback.sources.files import FileSource, read_recording
from trdcare.neurofeedback.sources.open import open_source

runner = CliRunner()


def _session(source: Source, *, baseline_s: float = 5.0):  # type: ignore[no-untyped-def]
    pipe = Pipeline(
        source.info.labels, source.info.sfreq_hz, make_protocol("faa"), PipelineSettings.defaults()
    )
    session = FeedbackSession(pipe, baseline_s=baseline_s, block_s=5.0, target_reward_pct=70.0)
    recorder = Recorder(source.info.labels, source.info.sfreq_hz, pipe.plan.hop_n, {"test": True})
    return pipe, session, recorder


def test_synthetic_session_is_recorded_and_reanalysed_to_the_same_values(tmp_path: Path) -> None:
    path = tmp_path / "s.edf"
    result = runner.invoke(
        app,
        [
            "nf",
            "run",
            "--source",
            "synthetic",
            "--fast",
            "--duration-s",
            "30",
            "--baseline-s",
            "10",
            "--block-s",
            "10",
            "--record",
            str(path),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["ended"] == "duration" and Path(doc["recording"]) == path
    s = doc["summary"]
    assert s["duration_s"] == pytest.approx(29.1, abs=0.11)
    assert {"mean_feature", "pct_time_rewarded", "pct_artifact", "duration_s"} <= set(s)
    assert len(s["blocks"]) == 2
    # the recording: raw channels, the feedback channels and the annotations
    rec = read_recording(path)
    assert rec.labels[:4] == ("Fp1", "Fp2", "F7", "F3")
    assert rec.data.shape[0] == 30 * 250
    texts = [t for _, _, t in rec.annotations]
    assert texts[0].startswith("trdcare session {")
    assert any(t.startswith("baseline end; threshold") for t in texts)
    # re-analysed offline: the same feature values (EDF's 16-bit samples: within 1e-3)
    again = runner.invoke(app, ["nf", "analyze", str(path), "--json"])
    assert again.exit_code == 0, again.output
    per_window = json.loads(again.stdout)["per_window"]
    state = rec.extra["NF state"]
    recorded = rec.extra["NF feature"]
    hop_n = 25
    checked = 0
    for w in per_window:
        k = round(w["t_s"] * 250) // hop_n - 1
        if state[k] > 0:
            assert w["feature"] == pytest.approx(recorded[k], abs=1e-3)
            checked += 1
    assert checked > 250


class Failing(Source):
    """Gives the synthetic signal, then stops (``stopped``), goes quiet, or raises."""

    def __init__(self, how: str, after_reads: int) -> None:
        self.gen = SyntheticEEG(spec_with())
        self.info = SourceInfo("test", "failing", self.gen.spec.channels, 250.0)
        self.how, self.after, self.reads, self.pos = how, after_reads, 0, 0

    def read(self, timeout_s: float = 0.0) -> np.ndarray:
        self.reads += 1
        if self.reads > self.after:
            if self.how == "stopped":
                raise SourceStopped("the stream was lost")
            if self.how == "raise":
                raise RuntimeError("driver crashed")
            time.sleep(timeout_s)
            return np.zeros((0, len(self.info.labels)))
        chunk = self.gen.generate(self.pos, 25)
        self.pos += 25
        return chunk


@pytest.mark.parametrize("how", ["stopped", "quiet", "raise"])
def test_a_source_that_stops_keeps_the_recording(tmp_path: Path, how: str) -> None:
    src = Failing(how, after_reads=120)  # 12 s of signal
    pipe, session, recorder = _session(src)
    path = tmp_path / f"{how}.edf"
    started = time.monotonic()
    if how == "raise":
        with pytest.raises(RuntimeError):
            runtime.run(src, pipe, session, recorder, duration_s=60, recording_path=path)
    else:
        result = runtime.run(src, pipe, session, recorder, duration_s=60, recording_path=path)
        assert result.ended == "source stopped"
        assert result.summary["windows"] > 0
    rec = read_recording(path)
    assert rec.data.shape[0] == 120 * 25
    if how == "quiet":
        # reported within one window (1 s) of the last sample, plus the loop's 20 ms reads
        assert time.monotonic() - started < 1.0 + 0.5
        assert any("sent no samples" in t for _, _, t in rec.annotations)


def test_file_source_replays_at_real_time_pace() -> None:
    src = FileSource(eeg_file(REST), realtime=True)
    t0 = time.monotonic()
    got = 0
    while time.monotonic() - t0 < 0.5:
        got += src.read(0.02).shape[0]
    assert 0.3 * 500 < got < 0.7 * 500
    fast = FileSource(eeg_file(REST), realtime=False)
    total, reads = 0, -(-182 * 500 // fast._pace.chunk_n)
    for _ in range(reads):
        total += fast.read().shape[0]
    assert total == 182 * 500
    with pytest.raises(SourceStopped, match="ended"):
        fast.read()


def test_lsl_inlet_reads_an_outlet_in_volts() -> None:
    import pylsl

    name = f"trdcare-test-{uuid.uuid4().hex[:8]}"
    info = pylsl.StreamInfo(name, "EEG", 3, 250.0, "float32", name)
    chans = info.desc().append_child("channels")
    for label in ("F3", "F4", "Cz"):
        ch = chans.append_child("channel")
        ch.append_child_value("label", label)
        ch.append_child_value("unit", "microvolts")
    outlet = pylsl.StreamOutlet(info)
    stop = threading.Event()

    def push() -> None:
        k = 0
        while not stop.is_set():
            outlet.push_chunk([[float(k + i), 10.0, -5.0] for i in range(10)])
            k += 10
            time.sleep(0.04)

    thread = threading.Thread(target=push, daemon=True)
    thread.start()
    try:
        src = open_source(f"lsl:{name}")
        assert src.info.labels == ("F3", "F4", "Cz") and src.info.sfreq_hz == 250.0
        rows = []
        deadline = time.monotonic() + 3
        while sum(r.shape[0] for r in rows) < 50 and time.monotonic() < deadline:
            rows.append(src.read(0.1))
        data = np.vstack(rows)
        assert data.shape[0] >= 50
        np.testing.assert_allclose(data[:, 1], 10e-6, rtol=1e-6)
        assert np.all(np.diff(data[:, 0]) == pytest.approx(1e-6))
        src.close()
    finally:
        stop.set()
        thread.join()


def test_lsl_stream_that_does_not_exist() -> None:
    from trdcare.neurofeedback.sources.lsl import LslSource

    with pytest.raises(InvalidInput, match="no Lab Streaming Layer stream"):
        LslSource(f"absent-{uuid.uuid4().hex[:8]}", resolve_s=0.3)


def test_brainflow_synthetic_board() -> None:
    src = open_source("brainflow:synthetic")
    try:
        assert src.info.sfreq_hz == 250.0 and "F3" in src.info.labels
        time.sleep(0.5)
        data = src.read(0.2)
        assert data.shape[1] == len(src.info.labels) and data.shape[0] > 50
        assert np.max(np.abs(data)) < 1e-2  # volts, not µV
    finally:
        src.close()


@pytest.mark.parametrize(
    ("source", "words"),
    [
        ("webcam", "unknown source"),
        ("brainflow:toaster", "unknown BrainFlow board"),
        ("file:/nonexistent.edf", "does not exist"),
    ],
)
def test_bad_sources_exit_2(source: str, words: str) -> None:
    result = runner.invoke(app, ["nf", "run", "--source", source, "--fast", "--duration-s", "1"])
    assert result.exit_code == 2, result.output
    assert words in result.stderr
