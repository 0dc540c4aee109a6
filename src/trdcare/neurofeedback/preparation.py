"""Everything a live session needs before its first sample, shared by ``nf run`` and the
clinician's page: the source opened, the pipeline and the session rules built, the header
(source, protocol, settings, session rules, defaults used) and the recorder.

A refusal (unknown source, a channel the source does not have, a band the sampling rate
cannot give) comes before anything runs, and the source is closed again.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from trdcare.neurofeedback.domain import catalogue, config
from trdcare.neurofeedback.domain.engine import Pipeline, PipelineSettings
from trdcare.neurofeedback.domain.protocols import Protocol
from trdcare.neurofeedback.domain.session import FeedbackSession
from trdcare.neurofeedback.recording import Recorder
from trdcare.neurofeedback.schemas import SessionInput
from trdcare.neurofeedback.sources.base import Source


@dataclass
class Prepared:
    source: Source
    pipeline: Pipeline
    session: FeedbackSession
    recorder: Recorder
    header: dict[str, Any]


def session_values(given: SessionInput, used: list[str]) -> dict[str, float]:
    """Baseline, block and target reward rate: as given, else the packaged default (named
    in ``used``). A fixed threshold needs no baseline."""
    values: dict[str, float] = {}
    for name in config.SESSION_DEFAULTS:
        v = getattr(given, name)
        if v is None and not (name == "baseline_s" and given.threshold is not None):
            used.append(name)
            v = catalogue.default(name)
        values[name] = 0.0 if v is None else float(v)
    return values


def prepare(
    source_text: str | Source,
    protocol: Protocol,
    settings: PipelineSettings,
    used: list[str],
    given: SessionInput,
    *,
    realtime: bool = True,
) -> Prepared:
    """Open ``source_text`` (or take an open source) and build the session; the source is
    closed on a refusal."""
    from trdcare.neurofeedback.sources.open import open_source

    values = session_values(given, used)
    if isinstance(source_text, Source):
        src = source_text
    else:
        src = open_source(
            source_text, realtime=realtime, duration_s=None if realtime else given.duration_s
        )
    try:
        pipeline = Pipeline(src.info.labels, src.info.sfreq_hz, protocol, settings)
        session = FeedbackSession(pipeline, threshold=given.threshold, **values)
    except Exception:
        src.close()
        raise
    header: dict[str, Any] = {
        "source": f"{src.info.kind}:{src.info.name}",
        "protocol": protocol.describe(),
        "settings": {**settings.describe(), **pipeline.plan.describe()},
        "session": values | {"threshold": given.threshold},
        "defaults_used": sorted(config.defaults_block(used, protocol)),
    }
    if getattr(src, "assumed_units", False):
        header["units"] = "not stated by the stream; taken as microvolts"
    recorder = Recorder(src.info.labels, src.info.sfreq_hz, pipeline.plan.hop_n, header)
    return Prepared(src, pipeline, session, recorder, header)


def default_recording(data_dir: Path, started_at: datetime) -> Path:
    """An opaque file name in the data folder: never a patient identifier."""
    stamp = started_at.strftime("%Y%m%dT%H%M%SZ")
    return data_dir / "neurofeedback" / f"session-{stamp}-{uuid.uuid4().hex[:6]}.edf"
