"""Filters are causal (no look-ahead), tested by an impulse, keep their state across chunks,
and the whole pipeline never uses a sample after a window's end (issue 11, item 7)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from trdcare.core.errors import InvalidInput
from trdcare.neurofeedback.domain.engine import Pipeline, PipelineSettings
from trdcare.neurofeedback.domain.filters import CausalFilter, FilterSpec
from trdcare.neurofeedback.domain.protocols import make_protocol
from trdcare.neurofeedback.domain.synthetic import SyntheticEEG, spec_with

SPECS = [
    FilterSpec(250.0, 1.0),
    FilterSpec(250.0, 1.0, 40.0, 50.0),
    FilterSpec(500.0, 0.5, None, 60.0),
]


@pytest.mark.parametrize("spec", SPECS, ids=str)
def test_an_impulse_gives_nothing_before_it_arrives(spec: FilterSpec) -> None:
    x = np.zeros((1000, 2))
    x[400, 0] = 1.0
    y = CausalFilter(spec, 2).apply(x)
    assert np.all(y[:400] == 0.0)
    assert y[400, 0] != 0.0
    assert np.all(y[:, 1] == 0.0)


@pytest.mark.parametrize("spec", SPECS, ids=str)
def test_chunked_filtering_equals_one_pass(spec: FilterSpec) -> None:
    x = np.random.default_rng(1).standard_normal((2000, 3)) + 5.0  # with a DC offset
    whole = CausalFilter(spec, 3).apply(x)
    f = CausalFilter(spec, 3)
    cuts = [0, 1, 17, 250, 251, 999, 2000]
    parts = [f.apply(x[a:b]) for a, b in itertools.pairwise(cuts)]
    np.testing.assert_allclose(np.vstack(parts), whole, rtol=1e-12, atol=1e-12)


def test_a_dc_offset_does_not_ring() -> None:
    y = CausalFilter(FilterSpec(250.0, 1.0), 1).apply(np.full((500, 1), 1e-3))
    assert np.max(np.abs(y)) < 1e-12


def test_the_pipeline_never_looks_ahead() -> None:
    """Change every sample after t: the feature values of windows ending at or before t stay."""
    gen = SyntheticEEG(spec_with(sfreq_hz=250.0))
    x = gen.generate(0, 250 * 8)
    y = x.copy()
    cut = 250 * 5
    y[cut:] = np.random.default_rng(9).standard_normal(y[cut:].shape) * 1e-4
    proto = make_protocol("faa")
    a = Pipeline(gen.spec.channels, 250.0, proto, PipelineSettings.defaults()).push(x)
    b = Pipeline(gen.spec.channels, 250.0, proto, PipelineSettings.defaults()).push(y)
    before = [(wa, wb) for wa, wb in zip(a, b, strict=True) if wa.end_sample <= cut]
    after = [(wa, wb) for wa, wb in zip(a, b, strict=True) if wa.end_sample > cut]
    assert before and after
    assert all(wa.feature == wb.feature for wa, wb in before)
    assert any(wa.feature != wb.feature for wa, wb in after)


def test_a_cutoff_at_or_above_nyquist_is_refused() -> None:
    with pytest.raises(InvalidInput, match="notch_hz"):
        CausalFilter(FilterSpec(100.0, 1.0, None, 60.0), 1)
