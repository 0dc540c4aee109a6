"""Lab Streaming Layer inlets (pylsl; its wheels bundle liblsl).

Chunks are pulled into a pre-allocated numpy buffer (``dest_obj``): pylsl's default
list-of-lists pull costs milliseconds per chunk (mne-lsl's measurements, neurofeedback.md
§1). Units come from the stream's ``desc/channels/channel/unit``; a stream that does not
state them is taken as microvolts, the convention of EEG outlets, and the session says so.
"""

from __future__ import annotations

import numpy as np

from trdcare.core.errors import InvalidInput
from trdcare.neurofeedback.sources.base import FloatArray, Source, SourceInfo, SourceStopped

_UNIT_SCALE = {
    "v": 1.0,
    "volt": 1.0,
    "volts": 1.0,
    "mv": 1e-3,
    "millivolt": 1e-3,
    "millivolts": 1e-3,
    "uv": 1e-6,
    "µv": 1e-6,
    "microvolt": 1e-6,
    "microvolts": 1e-6,
}


class LslSource(Source):
    """The first LSL stream named ``name`` on the network (resolved within ``resolve_s``)."""

    def __init__(self, name: str, *, resolve_s: float = 5.0, max_chunk: int = 4096) -> None:
        import pylsl

        self._pylsl = pylsl
        found = pylsl.resolve_byprop("name", name, 1, resolve_s)
        if not found:
            raise InvalidInput.single(
                "source",
                f"no Lab Streaming Layer stream named {name!r} answered within {resolve_s:g} s",
                allowed="the name of a running LSL outlet",
                given=f"lsl:{name}",
            )
        self.inlet = pylsl.StreamInlet(found[0], max_buflen=30, recover=False)
        info = self.inlet.info()
        sfreq = float(info.nominal_srate())
        if sfreq <= 0:
            raise InvalidInput.single(
                "source", "the stream has no regular sampling rate", given=f"lsl:{name}"
            )
        n = info.channel_count()
        labels, scale = [], []
        self.assumed_units = False
        ch = info.desc().child("channels").child("channel")
        for i in range(n):
            label = ch.child_value("label") if not ch.empty() else ""
            unit = (ch.child_value("unit") if not ch.empty() else "").strip().lower()
            if unit not in _UNIT_SCALE:
                self.assumed_units = True
            labels.append(label or f"Ch{i + 1}")
            scale.append(_UNIT_SCALE.get(unit, 1e-6))
            ch = ch.next_sibling() if not ch.empty() else ch
        self._scale = np.asarray(scale)
        # the buffer must have the stream's own sample type: liblsl copies its bytes into it
        dtypes = {
            pylsl.cf_float32: np.float32,
            pylsl.cf_double64: np.float64,
            pylsl.cf_int32: np.int32,
            pylsl.cf_int16: np.int16,
            pylsl.cf_int8: np.int8,
            pylsl.cf_int64: np.int64,
        }
        fmt = info.channel_format()
        if fmt not in dtypes:
            raise InvalidInput.single(
                "source", "the stream does not carry numbers (a string stream)", given=f"lsl:{name}"
            )
        self._buffer = np.zeros((max_chunk, n), dtype=dtypes[fmt])
        self._stamps = np.zeros(max_chunk, dtype=np.float64)
        self.last_timestamp: float | None = None
        self.info = SourceInfo("lsl", name, tuple(labels), sfreq)
        self.inlet.open_stream(timeout=resolve_s)

    def read(self, timeout_s: float = 0.0) -> FloatArray:
        try:
            _, stamps = self.inlet.pull_chunk(
                timeout=timeout_s,
                max_samples=self._buffer.shape[0],
                dest_obj=self._buffer,
            )
        except self._pylsl.LostError:
            raise SourceStopped(f"the LSL stream {self.info.name!r} was lost") from None
        n = len(stamps)
        if n:
            self.last_timestamp = float(stamps[-1])
        out: FloatArray = self._buffer[:n].astype(np.float64) * self._scale[None, :]
        return out

    def close(self) -> None:
        self.inlet.close_stream()
