"""Session recording to EDF+ (edfio): the raw signal as received, the feedback values, and
the session's events as annotations.

* One signal per source channel, in µV, exactly as the source gave it (before
  re-referencing and filtering), so ``nf analyze`` recomputes the session's values.
* ``NF feature`` (the feedback value, held per hop) and ``NF state`` (0 no value yet,
  1 accepted, 2 accepted and rewarded, -1 withheld as artifact), one sample per hop.
* Annotations: the settings and protocol (JSON, at 0 s), baseline and block starts, the
  threshold, every artifact stretch with its reasons, and a source that stopped.

EDF stores 16-bit samples: each channel's physical range is its own minimum to maximum, so
the quantisation step is range / 65535 (about 0.01 µV for ±300 µV).
Data records last one hop; the last one is completed by repeating the last sample, which
an annotation states. The file is written when the session ends for any reason.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from trdcare.neurofeedback.domain.session import Feedback

UV = 1e-6


@dataclass
class Recorder:
    labels: tuple[str, ...]
    sfreq_hz: float
    hop_n: int
    header: dict[str, object]
    _chunks: list[np.ndarray] = field(default_factory=list)
    _feedback: list[tuple[int, float | None, int]] = field(default_factory=list)
    events: list[tuple[float, float, str]] = field(default_factory=list)
    samples: int = 0
    _artifact_start: float | None = None
    _artifact_reasons: set[str] = field(default_factory=set)

    def add_samples(self, chunk: np.ndarray) -> None:
        if chunk.shape[0]:
            self._chunks.append(np.array(chunk, dtype=np.float64, copy=True))
            self.samples += chunk.shape[0]

    def add_feedback(self, items: list[Feedback]) -> None:
        hop_s = self.hop_n / self.sfreq_hz
        for f in items:
            w = f.window
            state = (2 if f.rewarded else 1) if w.accepted else -1
            self._feedback.append((w.end_sample, w.feature, state))
            if not w.accepted:
                if self._artifact_start is None:
                    self._artifact_start = w.time_s - hop_s
                self._artifact_reasons.update(w.reasons)
            elif self._artifact_start is not None:
                self._close_artifact(w.time_s - hop_s)

    def _close_artifact(self, end_s: float) -> None:
        assert self._artifact_start is not None
        text = "artifact: " + ", ".join(sorted(self._artifact_reasons))
        self.events.append((self._artifact_start, end_s - self._artifact_start, text))
        self._artifact_start = None
        self._artifact_reasons = set()

    def release(self) -> None:
        """Drop the samples once the file is written (a server keeps finished sessions'
        pages a while; their signal is in the recording)."""
        self._chunks = []
        self._feedback = []

    def note(self, t_s: float, text: str) -> None:
        self.events.append((t_s, 0.0, text))

    def write(self, path: Path) -> Path:
        """Write the EDF+ file (also when nothing but the header was received)."""
        from edfio import Edf, EdfAnnotation, EdfSignal

        if self._artifact_start is not None:
            self._close_artifact(self.samples / self.sfreq_hz)
        data = np.vstack(self._chunks) if self._chunks else np.zeros((0, len(self.labels)))
        n = data.shape[0]
        record_n = self.hop_n
        padded = max(record_n, -(-n // record_n) * record_n)
        notes = list(self.events)
        if padded != n:
            last = data[-1:] if n else np.zeros((1, len(self.labels)))
            data = np.vstack([data, np.repeat(last, padded - n, axis=0)])
            notes.append(
                (
                    n / self.sfreq_hz,
                    (padded - n) / self.sfreq_hz,
                    "padding: last sample repeated to complete the data record",
                )
            )
        signals = [
            EdfSignal(
                data[:, i] / UV,
                self.sfreq_hz,
                label=label[:16],
                physical_dimension="uV",
                physical_range=_range(data[:, i] / UV),
            )
            for i, label in enumerate(self.labels)
        ]
        n_records = padded // record_n
        feature = np.zeros(n_records)
        state = np.zeros(n_records)
        held = 0.0
        by_record = {end // record_n - 1: (v, s) for end, v, s in self._feedback}
        for k in range(n_records):
            if k in by_record:
                v, s = by_record[k]
                held = v if v is not None else held
                feature[k], state[k] = held, s
            else:
                feature[k] = held
        rate = self.sfreq_hz / record_n
        signals.append(EdfSignal(feature, rate, label="NF feature", physical_range=_range(feature)))
        signals.append(EdfSignal(state, rate, label="NF state", physical_range=(-1.0, 2.0)))
        header = json.dumps(self.header, separators=(",", ":"), default=str)
        annotations = [EdfAnnotation(0.0, None, "trdcare session " + header)]
        annotations += [
            EdfAnnotation(max(0.0, onset), duration or None, text[:200])
            for onset, duration, text in sorted(notes)
        ]
        edf = Edf(signals, data_record_duration=record_n / self.sfreq_hz, annotations=annotations)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".part")
        edf.write(tmp)
        tmp.replace(path)
        return path


def _range(values: np.ndarray) -> tuple[float, float]:
    if values.size == 0:
        return (-1.0, 1.0)
    low, high = float(np.min(values)), float(np.max(values))
    if high - low < 1e-9:
        return (low - 1.0, high + 1.0)
    return (low, high)
