"""Criteria checklists: each criterion met, unmet or unknown, and what they add up to.

The shared vocabulary of the candidacy screens (VNS coverage criteria, DBS trial criteria)
and of whoever reads them (the pathway's treatment options): one criterion type, one rule for
the overall verdict, one wording of where a criterion's data came from.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from trdcare.core.provenance import JSONDict, Reason, Status, reasons_status, to_json

Verdict = Literal["met", "unmet", "unknown"]
Answer = Literal["yes", "no", "unknown"]
ANSWERS: tuple[Answer, ...] = ("yes", "no", "unknown")
Overall = Literal["meets_criteria", "does_not_meet", "incomplete"]

#: Where a criterion's data came from, in the clinic's words.
DATA_SOURCES = {
    "patient": "the patient record (date of birth)",
    "history": "the treatment history (history room)",
    "assessments": "the rating scales recorded (assessments room)",
    "clinician": "the clinician's answer on this candidacy form",
}


@dataclass(frozen=True, slots=True)
class Criterion:
    """One criterion's verdict, the finding in words, where its data came from and why."""

    id: str
    label: str
    verdict: Verdict
    finding: str
    data_source: str
    reason: Reason

    def to_dict(self) -> JSONDict:
        return {
            "id": self.id,
            "label": self.label,
            "verdict": self.verdict,
            "finding": self.finding,
            "data_source": self.data_source,
            "data_source_text": DATA_SOURCES[self.data_source],
            "sources": [s.to_dict() for s in self.reason.sources],
            "status": self.reason.status,
            "inputs": to_json(self.reason.inputs),
        }


def overall_verdict(criteria: Iterable[Criterion]) -> Overall:
    """Any unmet criterion decides ``does_not_meet``; else any unknown leaves the checklist
    ``incomplete``; only when every criterion is met does it ``meets_criteria``."""
    verdicts = {c.verdict for c in criteria}
    if "unmet" in verdicts:
        return "does_not_meet"
    if "unknown" in verdicts:
        return "incomplete"
    return "meets_criteria"


def criteria_status(criteria: Iterable[Criterion]) -> Status:
    """The weakest evidence status among the criteria's reasons."""
    return reasons_status([c.reason for c in criteria])
