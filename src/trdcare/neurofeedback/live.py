"""Live sessions inside the server process (the pages' adapter of :mod:`runtime`).

A clinician starts a session from the patient's page; it runs in a thread of the server
process and is addressed by an opaque random id, the only thing in the pages' addresses
(no patient ref, name or MRN). Each feedback value becomes an event (time, value, accepted
or withheld and why, reward, phase, threshold; the per-channel signal quality at most
twice a second) kept in a short history that the event stream (SSE) hands to the patient's
display and the clinician's page.

When the session ends (its planned duration, the clinician's stop, the source's end or
failure, or the server shutting down) the recording is written (:func:`runtime.run` does so
in every case) and the summary is stored on the patient's neurofeedback course through the
service, by the clinician who started it, exactly as ``nf run --patient`` does.

Sessions live in one process: with several workers (``TRDCARE_WORKERS``) a page served by
another worker does not see them, so live neurofeedback needs one worker.
"""

from __future__ import annotations

import contextlib
import json
import logging
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from trdcare.adapters.db.engine import unit_of_work
from trdcare.adapters.db.models import Patient
from trdcare.core.actor import Actor
from trdcare.core.errors import Conflict, DomainError
from trdcare.neurofeedback import runtime
from trdcare.neurofeedback.domain.session import Feedback
from trdcare.neurofeedback.preparation import Prepared

log = logging.getLogger(__name__)

#: Events kept per session for a display that (re)connects: 60 s at the default hop.
HISTORY = 600
#: At most this many sessions run at once in one server process (DESIGN: each costs a
#: thread and, at 64 channels and 1 kHz, about 1% of a core; see bench/neurofeedback.py).
MAX_LIVE = 4
#: Signal quality is sent at most this often (s): enough for a clinician to see a channel
#: go bad, without 13 numbers ten times a second.
QUALITY_EVERY_S = 0.5
#: How long a stop waits for the session thread to write the recording and store the summary.
STOP_WAIT_S = 30.0


@dataclass
class LiveSession:
    id: str
    patient_id: int
    patient_ref: str
    actor: Actor
    started_at: datetime
    prepared: Prepared
    recording: Path
    duration_s: float | None
    channels: tuple[str, ...]
    stop: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None
    state: str = "running"  # running, stored, not stored
    stopped_by_server: bool = False
    ended: str = ""
    message: str = ""
    stored: dict[str, Any] | None = None
    summary: dict[str, Any] | None = None
    _events: deque[tuple[int, str]] = field(default_factory=lambda: deque(maxlen=HISTORY))
    _seq: int = 0
    _last_quality_s: float = -1.0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _done: threading.Event = field(default_factory=threading.Event)

    @property
    def running(self) -> bool:
        return not self._done.is_set()

    def listen(self, f: Feedback) -> None:
        """The runtime's listener: one event per feedback value."""
        w = f.window
        event: dict[str, Any] = {
            "t": round(w.time_s, 3),
            "value": w.feature,
            "accepted": w.accepted,
            "reasons": list(w.reasons),
            "rewarded": f.rewarded,
            "phase": f.phase,
            "threshold": f.threshold,
        }
        if w.time_s - self._last_quality_s >= QUALITY_EVERY_S:
            self._last_quality_s = w.time_s
            q = w.quality
            event["quality"] = [
                [round(float(a), 1), round(float(b), 1)]
                for a, b in zip(q.deviation_uv, q.ptp_raw_uv, strict=True)
            ]
        self._push("window", event)

    def _push(self, kind: str, data: dict[str, Any]) -> None:
        text = json.dumps(data, separators=(",", ":"), allow_nan=False, default=_number)
        with self._lock:
            self._seq += 1
            self._events.append((self._seq, f"id: {self._seq}\nevent: {kind}\ndata: {text}\n\n"))

    def since(self, seq: int, *, first: int = 100) -> list[tuple[int, str]]:
        """The events after ``seq`` (``seq`` < 0: the last ``first`` of them)."""
        with self._lock:
            if seq < 0:
                return list(self._events)[-first:]
            return [e for e in self._events if e[0] > seq]

    def status(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "ended": self.ended,
            "message": self.message,
            "stored": self.stored,
            "summary": _brief(self.summary),
        }

    def wait(self, timeout_s: float) -> bool:
        return self._done.wait(timeout_s)


def _number(value: object) -> object:
    return float(value) if hasattr(value, "__float__") else str(value)


def _brief(summary: dict[str, Any] | None) -> dict[str, Any] | None:
    if summary is None:
        return None
    keys = ("duration_s", "mean_feature", "pct_time_rewarded", "pct_artifact", "threshold")
    return {k: summary.get(k) for k in keys}


class LiveSessions:
    """The process's running sessions by id; the server's lifespan stops them all."""

    def __init__(self, engine: Engine, *, max_live: int = MAX_LIVE) -> None:
        self.engine = engine
        self.max_live = max_live
        self._sessions: dict[str, LiveSession] = {}
        self._lock = threading.Lock()
        self._closing = False

    def get(self, sid: str) -> LiveSession | None:
        with self._lock:
            return self._sessions.get(sid)

    def running_for(self, patient_id: int) -> LiveSession | None:
        with self._lock:
            for s in self._sessions.values():
                if s.patient_id == patient_id and s.running:
                    return s
        return None

    def start(
        self,
        prepared: Prepared,
        *,
        patient: Patient,
        actor: Actor,
        started_at: datetime,
        recording: Path,
        duration_s: float | None,
    ) -> LiveSession:
        """Run ``prepared`` in a thread (its source is closed when the start is refused)."""
        try:
            with self._lock:
                if self._closing:
                    raise Conflict("session: the server is shutting down; start it again later")
                running = [s for s in self._sessions.values() if s.running]
                if len(running) >= self.max_live:
                    raise Conflict(
                        f"session: {len(running)} sessions are running on this server (at most "
                        f"{self.max_live}); stop one first"
                    )
                if any(s.patient_id == patient.id for s in running):
                    raise Conflict("session: this patient's session is already running")
                live = LiveSession(
                    id=secrets.token_urlsafe(18),
                    patient_id=patient.id,
                    patient_ref=patient.ref,
                    actor=actor,
                    started_at=started_at,
                    prepared=prepared,
                    recording=recording,
                    duration_s=duration_s,
                    channels=tuple(prepared.pipeline.names),
                )
                self._sessions[live.id] = live
                self._forget_old()
        except DomainError:
            prepared.source.close()
            raise
        live.thread = threading.Thread(
            target=self._run, args=(live,), name=f"nf-live-{live.id[:6]}", daemon=True
        )
        live.thread.start()
        return live

    def _forget_old(self) -> None:
        """Keep finished sessions for a while (their page says how they ended); drop the
        oldest finished ones beyond a few per running one."""
        done = [s for s in self._sessions.values() if not s.running]
        for s in done[: max(0, len(done) - 4 * self.max_live)]:
            del self._sessions[s.id]

    def _run(self, live: LiveSession) -> None:
        p = live.prepared
        try:
            try:
                result = runtime.run(
                    p.source,
                    p.pipeline,
                    p.session,
                    p.recorder,
                    duration_s=live.duration_s,
                    recording_path=live.recording,
                    listeners=(live.listen,),
                    stop=live.stop,
                )
                live.ended, live.message = result.ended, result.message
                if result.ended == "stopped by user" and live.stopped_by_server:
                    live.ended, live.message = "server stopped", "the server was shut down"
                recording = str(result.recording)
            except Exception as exc:  # a device driver's failure; the recording is written
                live.ended = "source stopped"
                live.message = f"the session failed: {type(exc).__name__}"
                recording = str(live.recording) if live.recording.exists() else ""
            live.summary = p.session.summary()
            p.recorder.release()
            live.stored = self._store(live, recording)
            live.state = "stored"
        except DomainError as exc:
            live.state = "not stored"
            live.message = (live.message + "; " if live.message else "") + exc.render()
        except Exception as exc:  # never lose the reason; the recording is on disk
            log.exception("neurofeedback session %s could not be stored", live.id[:6])
            live.state = "not stored"
            live.message = f"the summary could not be stored ({type(exc).__name__})"
        finally:
            live._push("ended", live.status())
            live._done.set()

    def _store(self, live: LiveSession, recording: str) -> dict[str, Any]:
        from trdcare.neurofeedback import service as nf_service

        assert live.summary is not None
        with unit_of_work(self.engine) as db:
            patient = db.get(Patient, live.patient_id)
            assert patient is not None
            row, course = nf_service.record_session(
                db,
                live.actor,
                patient,
                started_at=live.started_at,
                header=live.prepared.header,
                summary=live.summary,
                ended=live.ended,
                recording=recording,
            )
            return nf_service.session_to_dict(row, course)

    def stop(self, live: LiveSession, *, wait_s: float = STOP_WAIT_S) -> bool:
        """Ask the session to stop; wait until its recording and summary are kept."""
        live.stop.set()
        return live.wait(wait_s)

    def shutdown(self) -> None:
        """The server is stopping: every running session stops, is recorded and stored."""
        with self._lock:
            self._closing = True
            running = [s for s in self._sessions.values() if s.running]
        for s in running:
            s.stopped_by_server = True
            s.stop.set()
        deadline = time.monotonic() + STOP_WAIT_S
        for s in running:
            with contextlib.suppress(Exception):
                s.wait(max(0.0, deadline - time.monotonic()))
