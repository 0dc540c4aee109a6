"""The one interface every signal source offers the runtime.

A source gives its channel labels (10-10 names after :func:`channels.normalise`), its
sampling rate, and chunks of ``(n_samples, n_channels)`` float64 **volts**. ``read`` returns
the samples that arrived since the last call (possibly none) and raises
:class:`SourceStopped` when the source has ended or failed; the runtime then keeps what was
recorded and reports the stop.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


class SourceStopped(Exception):
    """The source ended (a file's last sample) or failed (a stream that stopped)."""

    def __init__(self, message: str, *, finished: bool = False) -> None:
        super().__init__(message)
        self.finished = finished


@dataclass(frozen=True, slots=True)
class SourceInfo:
    kind: str  # "file", "synthetic", "lsl", "brainflow"
    name: str  # what the clinician chose (file name, stream name, board)
    labels: tuple[str, ...]
    sfreq_hz: float


class Source(ABC):
    info: SourceInfo

    @abstractmethod
    def read(self, timeout_s: float = 0.0) -> FloatArray:
        """New samples (maybe zero rows); waits up to ``timeout_s`` for the first."""

    def close(self) -> None:  # noqa: B027 - optional for sources holding nothing
        """Release the device, stream or file."""


class Paced:
    """Releases samples of an array-like producer at wall-clock pace (or all at once).

    ``realtime=False`` gives everything available at each read, chunked, as fast as the
    consumer reads: the analysis mode.
    """

    def __init__(self, sfreq_hz: float, total: int | None, realtime: bool, chunk_n: int) -> None:
        self.sfreq_hz = sfreq_hz
        self.total = total
        self.realtime = realtime
        self.chunk_n = chunk_n
        self.position = 0
        self._t0: float | None = None

    def next_span(self, timeout_s: float) -> tuple[int, int]:
        if self.total is not None and self.position >= self.total:
            return self.position, self.position
        if not self.realtime:
            stop = self.position + self.chunk_n
        else:
            now = time.monotonic()
            if self._t0 is None:
                self._t0 = now
            due = int((now - self._t0) * self.sfreq_hz)
            if due <= self.position and timeout_s > 0:
                wait = (self.position + 1) / self.sfreq_hz - (now - self._t0)
                time.sleep(max(0.0, min(timeout_s, wait)))
                due = int((time.monotonic() - self._t0) * self.sfreq_hz)
            stop = due
        if self.total is not None:
            stop = min(stop, self.total)
        start, self.position = self.position, max(self.position, stop)
        return start, self.position
