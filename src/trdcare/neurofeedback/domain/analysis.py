"""Offline analysis of a whole recording with the live pipeline (``trdcare nf analyze``).

The samples go through the same :class:`~trdcare.neurofeedback.domain.engine.Pipeline` a
live session uses, so the feature values are the ones the patient would have seen. With no
live baseline to calibrate it, the muscle rule's limit comes from the recording itself: the
mean + ``muscle_sd`` SD of the log10 muscle power of the windows the other rules accept.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from trdcare.neurofeedback.domain import artifacts, catalogue
from trdcare.neurofeedback.domain.engine import Pipeline, PipelineSettings, WindowResult
from trdcare.neurofeedback.domain.protocols import Protocol

FloatArray = npt.NDArray[np.float64]
DEFAULT_CHUNK_S = 1.0


@dataclass(frozen=True, slots=True)
class Analysis:
    windows: tuple[WindowResult, ...]
    reasons: tuple[tuple[str, ...], ...]  # after the muscle rule
    pipeline: Pipeline
    muscle_limit: artifacts.MuscleLimit | None

    def accepted_features(self) -> list[float]:
        return [
            w.feature
            for w, r in zip(self.windows, self.reasons, strict=True)
            if not r and w.feature is not None
        ]

    def summary(self) -> dict[str, object]:
        accepted = self.accepted_features()
        counts: Counter[str] = Counter()
        for r in self.reasons:
            counts.update(r)
        hop = self.pipeline.plan.hop_n / self.pipeline.sfreq_hz
        rejected = sum(
            1 for r, w in zip(self.reasons, self.windows, strict=True) if r or w.feature is None
        )
        return {
            "windows": len(self.windows),
            "rejected_windows": rejected,
            "accepted_windows": len(accepted),
            "mean_feature": float(np.mean(accepted)) if accepted else None,
            "sd_feature": float(np.std(accepted, ddof=1)) if len(accepted) > 1 else None,
            "pct_artifact": round(100.0 * rejected / len(self.windows), 3)
            if self.windows
            else None,
            "rejected_s": round(rejected * hop, 6),
            "rejected_by": {r: counts[r] for r in artifacts.REASONS if counts[r]},
            "missing_samples": self.pipeline.missing_samples,
        }


def analyze(
    data: FloatArray,
    labels: Sequence[str],
    sfreq_hz: float,
    protocol: Protocol,
    settings: PipelineSettings,
    *,
    chunk_s: float = DEFAULT_CHUNK_S,
) -> Analysis:
    """Run the pipeline over ``data`` (samples x channels, volts) in chunks of ``chunk_s``."""
    pipeline = Pipeline(labels, sfreq_hz, protocol, settings)
    step = max(1, round(chunk_s * sfreq_hz))
    windows: list[WindowResult] = []
    for start in range(0, data.shape[0], step):
        windows.extend(pipeline.push(data[start : start + step]))
    limit = None
    if pipeline.muscle_enabled:
        clean = [w.muscle_log10 for w in windows if not w.reasons and w.feature is not None]
        if clean:
            limit = artifacts.muscle_limit(np.vstack(clean), settings.gate.muscle_sd)
    reasons = []
    for w in windows:
        found = w.reasons
        if limit is not None and artifacts.is_muscle(w.muscle_log10, limit):
            found = tuple(r for r in artifacts.REASONS if r in (*found, "muscle"))
        reasons.append(found)
    return Analysis(tuple(windows), tuple(reasons), pipeline, limit)


def defaults_provenance(names: Sequence[str]) -> dict[str, object]:
    """The packaged defaults named in ``names``, each with its unit, status and source."""
    return {name: catalogue.provenance(name) for name in names}
