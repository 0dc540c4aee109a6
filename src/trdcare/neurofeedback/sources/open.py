"""Open a source from what the clinician typed: ``synthetic``, ``lsl:NAME``,
``brainflow:BOARD``, ``file:PATH``."""

from __future__ import annotations

from pathlib import Path

from trdcare.core.errors import InvalidInput
from trdcare.neurofeedback.domain.synthetic import SyntheticSpec, spec_with
from trdcare.neurofeedback.sources.base import Source

FORMS = "synthetic, lsl:NAME, brainflow:BOARD, file:PATH"


def open_source(
    text: str,
    *,
    realtime: bool = True,
    synthetic: SyntheticSpec | None = None,
    duration_s: float | None = None,
) -> Source:
    kind, _, rest = text.partition(":")
    kind = kind.strip().lower()
    if kind == "synthetic" and not rest:
        from trdcare.neurofeedback.sources.synthetic import SyntheticSource

        return SyntheticSource(
            synthetic or spec_with(swing=0.4), realtime=realtime, duration_s=duration_s
        )
    if kind == "lsl" and rest:
        from trdcare.neurofeedback.sources.lsl import LslSource

        return LslSource(rest)
    if kind == "brainflow" and rest:
        from trdcare.neurofeedback.sources.brainflow_board import BrainFlowSource

        return BrainFlowSource(rest)
    if kind == "file" and rest:
        from trdcare.neurofeedback.sources.files import FileSource

        return FileSource(Path(rest), realtime=realtime)
    raise InvalidInput.single("source", "unknown source", allowed=FORMS, given=text)
