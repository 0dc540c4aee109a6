"""Baseline thresholds for a target reward rate, reward, blocks and the session summary;
the ring buffer and re-referencing (issue 11, items 2-3)."""

from __future__ import annotations

import numpy as np
import pytest

from trdcare.core.errors import InvalidInput
from trdcare.neurofeedback.domain import reference
from trdcare.neurofeedback.domain.engine import Pipeline, PipelineSettings
from trdcare.neurofeedback.domain.protocols import make_protocol
from trdcare.neurofeedback.domain.ringbuffer import RingBuffer
from trdcare.neurofeedback.domain.session import FeedbackSession, threshold_for_rate
from trdcare.neurofeedback.domain.synthetic import Artifact, SyntheticEEG, spec_with


def run(
    seconds: float,
    *,
    baseline_s: float = 30,
    block_s: float = 20,
    target: float = 70,
    artifacts=(),
    threshold=None,
):  # type: ignore[no-untyped-def]
    spec = spec_with(sfreq_hz=250.0, swing=0.4, swing_period_s=7.0, artifacts=tuple(artifacts))
    gen = SyntheticEEG(spec)
    pipe = Pipeline(spec.channels, 250.0, make_protocol("faa"), PipelineSettings.defaults())
    session = FeedbackSession(
        pipe, baseline_s=baseline_s, block_s=block_s, target_reward_pct=target, threshold=threshold
    )
    out = []
    for start in range(0, int(seconds * 250), 10):  # 40 ms chunks, as a device sends
        out.extend(session.push(pipe.push(gen.generate(start, 10))))
    return session, out


def test_baseline_sets_a_threshold_that_gives_the_target_rate() -> None:
    session, feedback = run(150)
    baseline = [f for f in feedback if f.phase == "baseline"]
    assert baseline and not any(f.rewarded for f in baseline)
    values = [f.window.feature for f in baseline if f.window.accepted]
    assert session.threshold == pytest.approx(np.percentile(values, 30))
    s = session.summary()
    # a stationary signal: the feedback reward rate lands near the target
    assert 55 <= s["reward_rate_pct"] <= 85
    assert [b["index"] for b in s["blocks"]] == [1, 2, 3, 4, 5, 6]
    assert s["windows"] == sum(b["windows"] for b in s["blocks"])
    assert s["duration_s"] == pytest.approx(149.0, abs=0.11)


def test_rewarded_means_above_threshold_and_accepted() -> None:
    _, feedback = run(60, artifacts=[Artifact("blink", 45.0, 0.4)])
    for f in feedback:
        if f.phase == "feedback":
            expected = f.window.accepted and f.window.feature > f.threshold
            assert f.rewarded == expected
    assert any(not f.window.accepted for f in feedback if f.phase == "feedback")


def test_a_given_threshold_skips_the_baseline() -> None:
    session, feedback = run(10, baseline_s=0, threshold=0.0)
    assert all(f.phase == "feedback" for f in feedback)
    assert session.summary()["threshold_source"] == "given"


def test_too_many_artifacts_extend_the_baseline() -> None:
    session, _ = run(20, baseline_s=5, artifacts=[Artifact("flat", 0.0, 12.0)])
    assert session.baseline_extended
    assert session.threshold is not None  # set once enough clean windows came
    assert any("extended" in text for _, text in session.events)


def test_percentile_and_range() -> None:
    assert threshold_for_rate([1.0, 2.0, 3.0, 4.0, 5.0], 50, "down") == 3.0
    with pytest.raises(InvalidInput, match="target_reward_pct"):
        threshold_for_rate([1.0], 100, "up")


def test_ring_buffer_wraps_and_refuses_what_it_no_longer_holds() -> None:
    rb = RingBuffer(5, 2)
    for k in range(4):
        rb.write(np.full((3, 2), float(k)))
    assert rb.total == 12
    np.testing.assert_array_equal(rb.last(5)[:, 0], [2, 2, 3, 3, 3])
    with pytest.raises(IndexError):
        rb.span(6, 8)


def test_rereferencing_schemes() -> None:
    names = ["F3", "F4", "Cz", "A1", "A2", "EOG V"]
    x = np.arange(12.0).reshape(2, 6)
    np.testing.assert_array_equal(reference.apply(x, reference.matrix(names, "as_recorded")), x)
    cz = reference.apply(x, reference.matrix(names, "cz"))
    np.testing.assert_allclose(cz[:, 0], x[:, 0] - x[:, 2])
    ears = reference.apply(x, reference.matrix(names, "linked_ears"))
    np.testing.assert_allclose(ears[:, 1], x[:, 1] - (x[:, 3] + x[:, 4]) / 2)
    avg = reference.apply(x, reference.matrix(names, "average"))
    np.testing.assert_allclose(avg[:, 0], x[:, 0] - x[:, :5].mean(axis=1))
    np.testing.assert_allclose(avg[:, 5], x[:, 5])  # EOG keeps its own reference
    with pytest.raises(InvalidInput, match="reference"):
        reference.matrix(names, "mastoid")


@pytest.mark.parametrize(("sfreq", "hop_s"), [(250.0, 0.1), (256.0, 0.1), (160.0, 0.25)])
def test_quality_from_blocks_equals_the_direct_figures(sfreq: float, hop_s: float) -> None:
    from trdcare.neurofeedback.domain import artifacts
    from trdcare.neurofeedback.domain.filters import CausalFilter, FilterSpec

    spec = spec_with(sfreq_hz=sfreq, artifacts=(Artifact("blink", 3.0, 0.4),))
    x = SyntheticEEG(spec).generate(0, int(sfreq * 6))
    settings = PipelineSettings.defaults(hop_s=hop_s)
    pipe = Pipeline(spec.channels, sfreq, make_protocol("faa"), settings)
    windows = pipe.push(x)
    filtered = CausalFilter(FilterSpec(sfreq, settings.highpass_hz), x.shape[1]).apply(x)
    n = pipe.plan.window_n
    for w in windows:
        direct = artifacts.quality(
            filtered[w.end_sample - n : w.end_sample], x[w.end_sample - n : w.end_sample]
        )
        for a, b in zip(
            (w.quality.deviation_uv, w.quality.raw_deviation_uv, w.quality.ptp_raw_uv),
            (direct.deviation_uv, direct.raw_deviation_uv, direct.ptp_raw_uv),
            strict=True,
        ):
            np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9)


def test_a_second_protocol_on_the_same_windows() -> None:
    spec = spec_with(sfreq_hz=250.0)
    x = SyntheticEEG(spec).generate(0, 250 * 5)
    both = Pipeline(
        spec.channels,
        250.0,
        make_protocol("faa"),
        PipelineSettings.defaults(),
        also=(make_protocol("alpha_theta"),),
    )
    alone = Pipeline(
        spec.channels, 250.0, make_protocol("alpha_theta"), PipelineSettings.defaults()
    )
    for a, b in zip(both.push(x), alone.push(x), strict=True):
        assert a.also == (pytest.approx(b.feature, rel=1e-12),)


@pytest.mark.parametrize("baseline_s", [4.0, 4.3, 5.0, 0.7])
def test_block_edges_at_any_baseline_length(baseline_s: float) -> None:
    session, feedback = run(14, baseline_s=baseline_s, block_s=4)
    blocks = session.summary()["blocks"]
    assert blocks and all(b["windows"] > 0 for b in blocks)
    assert sum(b["windows"] for b in blocks) == sum(1 for f in feedback if f.phase == "feedback")
