"""Band power by the incremental Welch estimator equals scipy.signal.welch on identical
windows to 1e-6 relative (issue 11, item 7): on random data, through the whole pipeline,
and on real EEG."""

from __future__ import annotations

import numpy as np
import pytest
from nf_recordings import REST, recording
from scipy import signal

from trdcare.core.errors import InvalidInput
from trdcare.neurofeedback.domain import spectrum
from trdcare.neurofeedback.domain.engine import Pipeline, PipelineSettings
from trdcare.neurofeedback.domain.filters import CausalFilter, FilterSpec
from trdcare.neurofeedback.domain.protocols import make_protocol
from trdcare.neurofeedback.domain.spectrum import Band, IncrementalWelch

BANDS = (Band("theta", 4, 8), Band("alpha", 8, 13), Band("muscle", 30, 45))


def scipy_band_power(
    window: np.ndarray, p: spectrum.WelchPlan, bands: tuple[Band, ...]
) -> np.ndarray:
    """Written out from scipy's output directly (not via the module under test)."""
    f, psd = signal.welch(
        window, fs=p.sfreq_hz, window="hann", nperseg=p.segment_n, noverlap=p.noverlap, axis=0
    )
    df = f[1] - f[0]
    return np.array([psd[(f >= b.low_hz) & (f <= b.high_hz)].sum(axis=0) * df for b in bands])


@pytest.mark.parametrize(
    ("sfreq", "window_s", "hop_s", "segment_s"),
    [
        (250, 1.0, 0.1, 0.5),
        (160, 1.0, 0.1, 0.5),
        (500, 2.0, 0.25, 1.0),
        (256, 1.0, 0.1, 0.5),
        (1000, 1.0, 0.1, 0.25),
    ],
)
def test_incremental_welch_equals_scipy_on_each_window(sfreq, window_s, hop_s, segment_s) -> None:
    p = spectrum.plan(sfreq, window_s, hop_s, segment_s)
    rng = np.random.default_rng(7)
    x = rng.standard_normal((p.window_n + 20 * p.hop_n, 5)) * 1e-5
    welch = IncrementalWelch(p, BANDS)
    for end in range(p.window_n, x.shape[0] + 1, p.hop_n):
        for seg_end in welch.missing(end):
            welch.add_segment(seg_end, x[seg_end - p.segment_n : seg_end])
        ours = welch.window(end)
        ref = scipy_band_power(x[end - p.window_n : end], p, BANDS)
        np.testing.assert_allclose(ours, ref, rtol=1e-6, atol=0)


def test_each_update_adds_one_segment_with_the_default_plan() -> None:
    p = spectrum.plan(250, 1.0, 0.1, 0.5)
    assert (p.segment_n, p.step_n, p.n_segments) == (125, 25, 6)
    welch = IncrementalWelch(p, BANDS)
    x = np.zeros((400, 1))
    for seg_end in welch.missing(250):
        welch.add_segment(seg_end, x[seg_end - 125 : seg_end])
    assert welch.missing(275) == [275]


def test_pipeline_band_power_equals_scipy_on_the_filtered_window() -> None:
    sfreq = 250.0
    rng = np.random.default_rng(3)
    x = rng.standard_normal((sfreq.__int__() * 6, 4)) * 2e-5
    names = ["F3", "F4", "Cz", "Pz"]
    settings = PipelineSettings.defaults()
    pipe = Pipeline(names, sfreq, make_protocol("faa"), settings)
    windows = []
    for start in range(0, x.shape[0], 37):  # odd chunking on purpose
        windows.extend(pipe.push(x[start : start + 37]))
    filtered = CausalFilter(FilterSpec(sfreq, settings.highpass_hz), 4).apply(x)
    p = pipe.plan
    for w in windows:
        win = filtered[w.end_sample - p.window_n : w.end_sample, :2]
        ref = scipy_band_power(win, p, (Band("alpha", 8, 13),))
        np.testing.assert_allclose(w.band_power_v2, ref, rtol=1e-6)
        assert w.feature == pytest.approx(np.log(ref[0, 1]) - np.log(ref[0, 0]), rel=1e-6)


def test_real_eeg_windows_match_scipy() -> None:
    rec = recording(REST)
    settings = PipelineSettings.defaults()
    pipe = Pipeline(rec.labels, rec.sfreq_hz, make_protocol("faa"), settings)
    data = rec.data[: int(rec.sfreq_hz * 20)]
    windows = pipe.push(data)
    filtered = CausalFilter(FilterSpec(rec.sfreq_hz, settings.highpass_hz), data.shape[1]).apply(
        data
    )
    idx = [pipe.names.index("F3"), pipe.names.index("F4")]
    p = pipe.plan
    assert len(windows) == (data.shape[0] - p.window_n) // p.hop_n + 1
    for w in windows[::7]:
        win = filtered[w.end_sample - p.window_n : w.end_sample][:, idx]
        ref = scipy_band_power(win, p, (Band("alpha", 8, 13),))
        np.testing.assert_allclose(w.band_power_v2, ref, rtol=1e-6)


def test_a_band_above_nyquist_is_refused_naming_the_rate() -> None:
    with pytest.raises(InvalidInput, match="too low for this band"):
        Pipeline(
            ["Cz"],
            60.0,
            make_protocol("ratio", channels=["Cz"], numerator="35-40", denominator="4-8"),
            PipelineSettings.defaults(),
        )


def test_a_segment_too_short_is_refused() -> None:
    with pytest.raises(InvalidInput, match="segment_s"):
        spectrum.plan(100, 1.0, 0.1, 0.02)
