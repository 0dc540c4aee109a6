"""EDF, EDF+ and BDF recordings read with MNE, replayed at real-time pace or as fast as read.

MNE gives the samples in volts whatever the file's physical dimension. Channels that are not
scalp EEG or EOG (ECG, EMG, respiration, trigger/status, a bipolar ear derivation such as
eegmat's ``A2-A1``, this room's own ``NF ...`` feedback channels) are left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from trdcare.core.errors import InvalidInput
from trdcare.neurofeedback.domain.channels import TEN_TEN, normalise
from trdcare.neurofeedback.sources.base import FloatArray, Paced, Source, SourceInfo, SourceStopped

_NOT_EEG = re.compile(r"ECG|EKG|EMG|RESP|STATUS|STIM|TRIG|EVENT|^NF |SPO2|PULSE|TEMP", re.I)
_TEN_TEN_UPPER = {n.upper() for n in TEN_TEN}


@dataclass(frozen=True)
class Recording:
    data: FloatArray  # samples x channels, volts
    labels: tuple[str, ...]  # as written in the file
    sfreq_hz: float
    annotations: tuple[tuple[float, float, str], ...]  # onset_s, duration_s, text
    extra: dict[str, FloatArray]  # the room's own NF channels, by label, one sample per hop


def _is_bipolar(label: str) -> bool:
    parts = normalise(label).split("-")
    return len(parts) == 2 and all(p.upper() in _TEN_TEN_UPPER for p in parts)


def is_eeg_label(label: str) -> bool:
    return not _NOT_EEG.search(label) and not _is_bipolar(label)


def _kind(path: Path) -> str:
    try:
        with path.open("rb") as handle:
            head = handle.read(8)
    except FileNotFoundError:
        raise InvalidInput.single("file", "does not exist", given=path.name) from None
    except OSError as exc:
        raise InvalidInput.single(
            "file", f"cannot be read ({exc.strerror})", given=path.name
        ) from None
    if head == b"0       ":
        return "edf"
    if head == b"\xffBIOSEMI":
        return "bdf"
    raise InvalidInput.single(
        "file",
        "is not an EDF, EDF+ or BDF recording (its header does not start as one)",
        allowed="an .edf or .bdf file",
        given=path.name,
    )


def read_recording(path: Path) -> Recording:
    """Read a whole EDF/EDF+/BDF file; refuse anything else naming the file."""
    import mne

    kind = _kind(path)
    reader = mne.io.read_raw_bdf if kind == "bdf" else mne.io.read_raw_edf
    try:
        raw = reader(str(path), preload=True, verbose="ERROR")
    except Exception as exc:  # MNE raises many kinds for a damaged file
        raise InvalidInput.single(
            "file", f"is not a readable {kind.upper()} recording ({exc})", given=path.name
        ) from None
    labels = [c for c in raw.ch_names if is_eeg_label(c)]
    if not labels:
        raise InvalidInput.single(
            "file", "holds no EEG channels", allowed="a recording with EEG", given=path.name
        )
    data = np.ascontiguousarray(raw.get_data(picks=labels).T, dtype=np.float64)
    extra: dict[str, FloatArray] = {}
    if kind == "edf" and any(c.startswith("NF ") for c in raw.ch_names):
        # this room's feedback channels run at one sample per hop; MNE would resample them
        import edfio

        edf = edfio.read_edf(path)
        extra = {
            s.label: np.asarray(s.data, dtype=np.float64)
            for s in edf.signals
            if s.label.startswith("NF ")
        }
    notes = tuple(
        (float(a["onset"]), float(a["duration"]), str(a["description"])) for a in raw.annotations
    )
    return Recording(data, tuple(labels), float(raw.info["sfreq"]), notes, extra)


class FileSource(Source):
    """Replay a recording: ``realtime=True`` paces it to the wall clock (a demo, a rehearsal),
    ``False`` gives it as fast as it is read (analysis)."""

    def __init__(self, path: Path, *, realtime: bool = True, chunk_s: float = 0.04) -> None:
        self.recording = read_recording(path)
        rec = self.recording
        self.info = SourceInfo("file", path.name, rec.labels, rec.sfreq_hz)
        self._pace = Paced(
            rec.sfreq_hz, rec.data.shape[0], realtime, max(1, round(chunk_s * rec.sfreq_hz))
        )

    def read(self, timeout_s: float = 0.0) -> FloatArray:
        start, stop = self._pace.next_span(timeout_s)
        if start == stop and start >= self.recording.data.shape[0]:
            raise SourceStopped("the recording has ended", finished=True)
        return self.recording.data[start:stop]
