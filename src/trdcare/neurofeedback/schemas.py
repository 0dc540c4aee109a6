"""The neurofeedback room's input models (CLI options now; the API and pages share them).

Numbers are parsed here (a non-number is refused in plain words naming the field); ranges
and channel/band rules are the domain's, so every edge refuses the same input the same way.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from trdcare.core.inputs import InputModel

FiniteNumber = Annotated[float, Field(allow_inf_nan=False)]
Positive = Annotated[float, Field(allow_inf_nan=False, gt=0)]

PIPELINE_LABELS = {
    "window_s": "Window (s)",
    "hop_s": "Update every (s)",
    "segment_s": "Welch segment (s)",
    "highpass_hz": "High-pass (Hz)",
    "lowpass_hz": "Low-pass (Hz)",
    "notch_hz": "Notch (Hz)",
    "amplitude_uv": "Amplitude limit (µV)",
    "flat_uv": "Flat-line limit (µV)",
    "blink_uv": "Blink limit (µV)",
    "muscle_sd": "Muscle limit (SD)",
    "baseline_s": "Baseline (s)",
    "block_s": "Block (s)",
    "target_reward_pct": "Target reward rate (%)",
    "threshold": "Threshold",
    "duration_s": "Duration (s)",
}


class PipelineInput(InputModel):
    """Optional overrides of the packaged defaults (``None``: use the default)."""

    window_s: Positive | None = None
    hop_s: Positive | None = None
    segment_s: Positive | None = None
    highpass_hz: Annotated[float, Field(allow_inf_nan=False, ge=0)] | None = None
    lowpass_hz: Positive | None = None
    notch_hz: Positive | None = None
    amplitude_uv: Positive | None = None
    flat_uv: Annotated[float, Field(allow_inf_nan=False, ge=0)] | None = None
    blink_uv: Positive | None = None
    muscle_sd: Positive | None = None


class SessionInput(InputModel):
    baseline_s: Annotated[float, Field(allow_inf_nan=False, ge=0, le=3600)] | None = None
    block_s: Annotated[float, Field(allow_inf_nan=False, gt=0, le=3600)] | None = None
    target_reward_pct: Annotated[float, Field(allow_inf_nan=False, gt=0, lt=100)] | None = None
    threshold: FiniteNumber | None = None
    duration_s: Annotated[float, Field(allow_inf_nan=False, gt=0, le=4 * 3600)] | None = None


# --- answers (the course view, GET /api/v1/patients/{ref}/neurofeedback) ---------------------

from trdcare.core.outputs import ResponseModel  # noqa: E402


class NfBlockOut(ResponseModel):
    """One feedback block's figures (the session summary's ``blocks``)."""

    index: int
    phase: str
    start_s: float
    end_s: float
    windows: int
    rejected_windows: int
    rejected_s: float
    pct_artifact: float | None
    mean_feature: float | None
    pct_time_rewarded: float | None
    reward_rate_pct: float | None
    rejected_by: dict[str, int]


class NfSessionOut(ResponseModel):
    course: str
    session_number: int
    version: int
    started_at: str
    source: str
    protocol: str
    ended: str
    duration_s: float
    mean_feature: float | None
    pct_time_rewarded: float | None
    pct_artifact: float | None
    threshold: float | None
    recording: str
    blocks: list[NfBlockOut]


class NfScoreOut(ResponseModel):
    on: str
    scale: str
    total: int | None


class NfScorePointOut(ResponseModel):
    on: str
    total: int


class NfOutcomeOut(ResponseModel):
    scale: str
    baseline: NfScorePointOut
    latest: NfScorePointOut
    change: int
    percent_change: float | None
    response: bool
    remission: bool


class NfRetiredSessionOut(ResponseModel):
    """A session marked entered in error: kept (its recording too), no longer counted."""

    course: str
    session_number: int
    version: int
    started_at: str
    recording: str
    retired_at: str | None
    retired_by: str
    retired_reason: str


class NfCourseOut(ResponseModel):
    course: str
    status: str
    start_date: str
    end_date: str | None
    primary_scale: str
    sessions: list[NfSessionOut]
    entered_in_error: list[NfRetiredSessionOut]
    scores: list[NfScoreOut]
    outcome: NfOutcomeOut | None


class NfCourseViewOut(ResponseModel):
    patient: str
    courses: list[NfCourseOut]


# --- the clinician's start form (pages) ---------------------------------------------------

from typing import Literal  # noqa: E402

from trdcare.adapters.web.corrections import Blank  # noqa: E402

#: The protocols a clinician picks, as the page names them.
PROTOCOL_LABELS = {
    "faa": "Frontal alpha asymmetry",
    "alpha_theta": "Alpha/theta",
    "ratio": "Custom band ratio",
}
#: The references, as the page names them.
REFERENCE_LABELS = {
    "as_recorded": "As recorded",
    "average": "Average of the EEG channels",
    "linked_ears": "Linked ears or mastoids",
    "cz": "Cz",
}
# The page's limits on the analysis window and update (DESIGN, not clinical numbers: a
# window holds at least one Welch segment, the packaged 0.5 s, and one longer than 10 s
# would make the display lag the brain by seconds).
WINDOW_S = (0.5, 10.0)
HOP_S = (0.02, 2.0)

_Text = Annotated[str | None, Field(max_length=120), Blank]


def _number(title: str, **limits: float) -> object:
    return Field(default=None, title=title, allow_inf_nan=False, **limits)  # type: ignore[call-overload]


class LiveStartIn(InputModel):
    """What a clinician chooses to start a live session (every number optional: the packaged
    default, named with the session, fills what is left empty)."""

    source: Annotated[str, Field(title="Source", min_length=1, max_length=300)]
    protocol: Annotated[str, Field(title="Protocol", min_length=1, max_length=20)]
    channels: Annotated[_Text, Field(title="Channels")] = None
    band: Annotated[_Text, Field(title="Alpha band (Hz)")] = None
    numerator: Annotated[_Text, Field(title="Numerator band (Hz)")] = None
    denominator: Annotated[_Text, Field(title="Denominator band (Hz)")] = None
    direction: Annotated[Literal["up", "down"], Field(title="Reward when the value")] = "up"
    reference: Annotated[str, Field(title="Reference", max_length=20)] = "as_recorded"
    baseline_s: Annotated[float | None, _number("Baseline (s)", ge=0, le=3600), Blank] = None
    block_s: Annotated[float | None, _number("Block (s)", gt=0, le=3600), Blank] = None
    target_reward_pct: Annotated[
        float | None, _number("Target reward rate (%)", gt=0, lt=100), Blank
    ] = None
    threshold: Annotated[float | None, _number("Fixed threshold"), Blank] = None
    duration_s: Annotated[float | None, _number("Duration (s)", gt=0, le=4 * 3600), Blank] = None
    window_s: Annotated[
        float | None, _number("Window (s)", ge=WINDOW_S[0], le=WINDOW_S[1]), Blank
    ] = None
    hop_s: Annotated[float | None, _number("Update every (s)", ge=HOP_S[0], le=HOP_S[1]), Blank] = (
        None
    )
    highpass_hz: Annotated[float | None, _number("High-pass (Hz)", ge=0, le=10), Blank] = None
    notch_hz: Annotated[Literal["50", "60"] | None, Field(title="Notch (Hz)"), Blank] = None


# --- marking a stored session entered in error (API body, page form, CLI options) ----------
from trdcare.adapters.web.corrections import RetireIn  # noqa: E402


class NfSessionRetireIn(RetireIn):
    """Mark a stored session entered in error: the reason, the version shown and, when the
    session number is on more than one of the patient's courses, which course."""

    course: Annotated[
        str | None,
        Field(
            title="Course",
            max_length=20,
            description="The course's ref (C-...); needed only when the session number is "
            "on more than one of the patient's neurofeedback courses",
        ),
        Blank,
    ] = None
