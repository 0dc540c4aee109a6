"""The seeded synthetic generator as a source (tests, demos, the pages out of the box)."""

from __future__ import annotations

from trdcare.neurofeedback.domain.synthetic import SyntheticEEG, SyntheticSpec
from trdcare.neurofeedback.sources.base import FloatArray, Paced, Source, SourceInfo, SourceStopped


class SyntheticSource(Source):
    def __init__(
        self,
        spec: SyntheticSpec,
        *,
        realtime: bool = True,
        chunk_s: float = 0.04,
        duration_s: float | None = None,
    ) -> None:
        self.generator = SyntheticEEG(spec)
        self.info = SourceInfo(
            "synthetic", f"synthetic (seed {spec.seed})", spec.channels, spec.sfreq_hz
        )
        total = None if duration_s is None else round(duration_s * spec.sfreq_hz)
        self._pace = Paced(spec.sfreq_hz, total, realtime, max(1, round(chunk_s * spec.sfreq_hz)))

    def read(self, timeout_s: float = 0.0) -> FloatArray:
        start, stop = self._pace.next_span(timeout_s)
        if start == stop and self._pace.total is not None and start >= self._pace.total:
            raise SourceStopped("the synthetic signal has ended", finished=True)
        return self.generator.generate(start, stop - start)
