"""The neurofeedback domain's docstring examples run in the suite."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["channels", "filters", "ringbuffer", "session"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(f"trdcare.neurofeedback.domain.{name}")
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0
