"""The live loop: source -> pipeline -> session rules -> recorder and listeners.

The loop reads whatever the source buffered (LSL and BrainFlow keep their own buffers, so a
slow step never loses samples), processes it, and hands each feedback value to the
listeners (the pages' event stream, the CLI's printer). A source that sends nothing for one
window, or fails, ends the session with the reason; the recording is written in every case.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from trdcare.neurofeedback.domain.engine import Pipeline
from trdcare.neurofeedback.domain.session import Feedback, FeedbackSession
from trdcare.neurofeedback.recording import Recorder
from trdcare.neurofeedback.sources.base import Source, SourceStopped

Listener = Callable[[Feedback], None]


@dataclass
class RunResult:
    ended: str  # "duration", "source ended", "source stopped", "stopped by user"
    message: str
    recording: Path | None
    summary: dict[str, object]
    feedback: list[Feedback] = field(default_factory=list)


def run(
    source: Source,
    pipeline: Pipeline,
    session: FeedbackSession,
    recorder: Recorder,
    *,
    duration_s: float | None,
    recording_path: Path | None,
    listeners: tuple[Listener, ...] = (),
    stop: threading.Event | None = None,
    stall_s: float | None = None,
    keep_feedback: bool = False,
) -> RunResult:
    """Run until ``duration_s`` of signal, the source's end or failure, or ``stop``."""
    sfreq = pipeline.sfreq_hz
    stall = stall_s if stall_s is not None else pipeline.plan.window_n / sfreq
    limit = None if duration_s is None else round(duration_s * sfreq)
    ended, message = "duration", ""
    last_data = time.monotonic()
    kept: list[Feedback] = []
    try:
        while True:
            if stop is not None and stop.is_set():
                ended, message = "stopped by user", "stopped before the planned duration"
                break
            if limit is not None and recorder.samples >= limit:
                break
            try:
                chunk = source.read(0.02)
            except SourceStopped as exc:
                ended = "source ended" if exc.finished else "source stopped"
                message = str(exc)
                break
            if limit is not None and recorder.samples + chunk.shape[0] > limit:
                chunk = chunk[: limit - recorder.samples]
            now = time.monotonic()
            if chunk.shape[0] == 0:
                if now - last_data > stall:
                    ended = "source stopped"
                    message = f"the source sent no samples for {now - last_data:.2f} s"
                    break
                continue
            last_data = now
            recorder.add_samples(chunk)
            items = session.push(pipeline.push(chunk))
            recorder.add_feedback(items)
            for f in items:
                for listener in listeners:
                    listener(f)
            if keep_feedback:
                kept.extend(items)
    except Exception as exc:  # a failing device driver must not lose the recording
        ended, message = "source stopped", f"the session failed: {type(exc).__name__}"
        raise
    finally:
        t_end = recorder.samples / sfreq
        for t, text in session.events:
            recorder.note(t, text)
        if ended != "duration":
            recorder.note(t_end, f"session ended: {ended}" + (f" ({message})" if message else ""))
        path = recorder.write(recording_path) if recording_path is not None else None
        # closing a failed device may fail too; the recording is already written
        with contextlib.suppress(Exception):
            source.close()
    return RunResult(ended, message, path, session.summary(), kept)
