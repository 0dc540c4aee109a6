"""The pipeline on the real PhysioNet recordings in ../shared/data/eeg (issue 11, item 7).

* eegmat rest (ICA-cleaned, max about 90 µV after 1-40 Hz): the negative control - the
  amplitude and blink rules reject nothing; FAA is finite and plausible.
* eegmmidb S001R01 (eyes open, blinks of hundreds of µV at Fp1/Fp2): the positive control -
  every window holding a large frontopolar excursion (found independently with MNE's own
  zero-phase filter) is rejected as a blink.
* A flat segment written into the real rest recording is gated as flat.
"""

from __future__ import annotations

import mne
import numpy as np
import pytest
from nf_recordings import BLINKS, REST, TASK, recording

from trdcare.neurofeedback.domain.analysis import analyze
from trdcare.neurofeedback.domain.engine import PipelineSettings
from trdcare.neurofeedback.domain.protocols import make_protocol


def test_clean_rest_recording_is_not_rejected() -> None:
    rec = recording(REST)
    result = analyze(
        rec.data, rec.labels, rec.sfreq_hz, make_protocol("faa"), PipelineSettings.defaults()
    )
    by = result.summary()["rejected_by"]
    assert "amplitude" not in by and "blink" not in by and "flat" not in by
    s = result.summary()
    assert s["windows"] == (rec.data.shape[0] - 500) // 50 + 1
    assert -1.5 < s["mean_feature"] < 1.5


def test_task_recording_is_analysed_with_every_reference() -> None:
    rec = recording(TASK)
    values = {}
    for ref in ("as_recorded", "average", "cz"):
        settings = PipelineSettings.defaults(reference=ref)
        values[ref] = analyze(
            rec.data, rec.labels, rec.sfreq_hz, make_protocol("faa"), settings
        ).summary()["mean_feature"]
    assert all(v is not None and np.isfinite(v) for v in values.values())
    assert len({round(v, 6) for v in values.values()}) == 3  # the reference matters


def test_blinks_in_the_eyes_open_run_are_gated() -> None:
    rec = recording(BLINKS)
    result = analyze(
        rec.data, rec.labels, rec.sfreq_hz, make_protocol("faa"), PipelineSettings.defaults()
    )
    names = result.pipeline.names
    fp = [names.index("Fp1"), names.index("Fp2")]
    # independent: MNE's zero-phase FIR high-pass, then excursions over 150 µV
    hp = mne.filter.filter_data(rec.data[:, fp].T, rec.sfreq_hz, 1.0, None, verbose="ERROR")
    big = np.flatnonzero(np.abs(hp - hp.mean(axis=1, keepdims=True)).max(axis=0) > 150e-6)
    assert big.size > 0
    w_n = result.pipeline.plan.window_n
    checked = 0
    for w, reasons in zip(result.windows, result.reasons, strict=True):
        inside = big[(big >= w.end_sample - w_n + 16) & (big < w.end_sample - 16)]
        if inside.size:
            checked += 1
            assert "blink" in reasons, (w.time_s, reasons)
    assert checked > 20
    assert result.summary()["rejected_windows"] < result.summary()["windows"]


def test_a_flat_stretch_in_real_eeg_is_gated() -> None:
    rec = recording(REST)
    data = rec.data[: int(rec.sfreq_hz * 30)].copy()
    f3 = list(rec.labels).index("EEG F3")
    a, b = int(rec.sfreq_hz * 12), int(rec.sfreq_hz * 16)
    data[a:b, f3] = data[a, f3]
    result = analyze(
        data, rec.labels, rec.sfreq_hz, make_protocol("faa"), PipelineSettings.defaults()
    )
    inside = [
        r
        for w, r in zip(result.windows, result.reasons, strict=True)
        if w.end_sample - 500 >= a and w.end_sample <= b
    ]
    assert inside and all("flat" in r for r in inside)
    outside = [
        r
        for w, r in zip(result.windows, result.reasons, strict=True)
        if w.end_sample < a or w.end_sample - 500 > b + 500
    ]
    assert all("flat" not in r for r in outside)


@pytest.mark.parametrize("reference", ["linked_ears"])
def test_a_reference_the_recording_cannot_give_is_refused(reference: str) -> None:
    from trdcare.core.errors import InvalidInput

    rec = recording(REST)
    with pytest.raises(InvalidInput, match="A1 and A2"):
        analyze(
            rec.data,
            rec.labels,
            rec.sfreq_hz,
            make_protocol("faa"),
            PipelineSettings.defaults(reference=reference),
        )
