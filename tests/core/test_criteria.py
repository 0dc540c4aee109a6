"""The criteria checklist's overall verdict: any unmet decides, then any unknown."""

from __future__ import annotations

import pytest

from trdcare.core.criteria import Criterion, Verdict, criteria_status, overall_verdict
from trdcare.core.provenance import Reason, Source, Status


def _criterion(verdict: Verdict, status: Status = "VERIFIED") -> Criterion:
    source = Source(citation="a source", status=status)
    reason = Reason(rule="r", finding="f", inputs={}, sources=(source,))
    return Criterion("c", "C", verdict, "finding", "history", reason)


@pytest.mark.parametrize(
    ("verdicts", "overall"),
    [
        (("met", "met"), "meets_criteria"),
        (("met", "unknown"), "incomplete"),
        (("unknown", "unmet", "met"), "does_not_meet"),
        (("unmet",), "does_not_meet"),
    ],
)
def test_overall_verdict(verdicts: tuple[Verdict, ...], overall: str) -> None:
    assert overall_verdict([_criterion(v) for v in verdicts]) == overall


def test_the_weakest_status_is_the_checklist_s() -> None:
    checklist = [_criterion("met"), _criterion("met", "UNVERIFIED")]
    assert criteria_status(checklist) == "UNVERIFIED"
    assert checklist[0].to_dict()["data_source_text"].startswith("the treatment history")
