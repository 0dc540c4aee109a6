"""Esketamine eligibility: label contraindications block, warnings need a prescriber's sign-off.

The reference's marks decide the kind of each item (modalities.md §1.3): the US label's
contraindications (aneurysmal vascular disease or AVM, intracerebral haemorrhage,
hypersensitivity) are **hard blocks**; third-party "contraindications" (uncontrolled
hypertension, active substance use disorder, pregnancy, psychosis...), the EU-only recent
myocardial infarction and the label's precautions are **warnings** the prescriber signs off.
The indication (TRD in adults, with an oral antidepressant) is checked against what the
caller read from the treatment history: TRD status not met or unknown, age under 18 and no
current oral antidepressant are warnings too (the prescriber decides; monotherapy is
UNVERIFIED).

Every item is data (``eligibility`` in ``data/esketamine.json``) with its sources and status.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from trdcare.core.errors import IssueCollector
from trdcare.core.provenance import JSONDict, Reason, Status, reasons_status
from trdcare.esketamine.domain.catalogue import label_dict, load, sources_of
from trdcare.esketamine.domain.data_schema import EligibilityItem

TrdFinding = Literal["resistant", "not_resistant", "insufficient_information", "no_history"]
TRD_FINDINGS: tuple[TrdFinding, ...] = (
    "resistant",
    "not_resistant",
    "insufficient_information",
    "no_history",
)
EligibilityVerdict = Literal["eligible", "needs_signoff", "contraindicated"]

_TRD_WORDS: Mapping[str, str] = {
    "not_resistant": "The treatment history does not meet the TRD definition.",
    "insufficient_information": "The treatment history cannot yet establish TRD.",
    "no_history": "No treatment history is recorded, so TRD status is unknown.",
}


def contraindication_items() -> tuple[EligibilityItem, ...]:
    return load().eligibility.contraindications


def warning_items() -> tuple[EligibilityItem, ...]:
    return load().eligibility.warnings


def question_ids() -> tuple[str, ...]:
    """Every screening question's id, contraindications first."""
    return tuple(i.id for i in (*contraindication_items(), *warning_items()))


@dataclass(frozen=True, slots=True)
class EligibilityFinding:
    """One finding: a block, or a warning the prescriber must sign off."""

    id: str
    kind: Literal["contraindication", "warning"]
    text: str
    reason: Reason

    def to_dict(self) -> JSONDict:
        return {
            "id": self.id,
            "kind": self.kind,
            "text": self.text,
            "status": self.reason.status,
            "reason": self.reason.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class Eligibility:
    """The verdict: ``contraindicated`` (blocks), ``needs_signoff`` or ``eligible``."""

    verdict: EligibilityVerdict
    blocks: tuple[EligibilityFinding, ...]
    warnings: tuple[EligibilityFinding, ...]
    answers: Mapping[str, bool]
    trd_status: TrdFinding
    population: str

    @property
    def needs_signoff(self) -> bool:
        return self.verdict == "needs_signoff"

    @property
    def status(self) -> Status:
        return reasons_status([f.reason for f in (*self.blocks, *self.warnings)])

    def to_dict(self) -> JSONDict:
        return {
            "verdict": self.verdict,
            "needs_signoff": self.needs_signoff,
            "blocks": [f.to_dict() for f in self.blocks],
            "warnings": [f.to_dict() for f in self.warnings],
            "answers": dict(self.answers),
            "trd_status": self.trd_status,
            "population": self.population,
            "label": dict(label_dict()),
            "status": self.status,
        }


def _finding(
    item: EligibilityItem, kind: Literal["contraindication", "warning"]
) -> EligibilityFinding:
    reason = Reason(
        rule=f"eligibility_{item.id}",
        finding=item.text,
        inputs={"answer": True},
        sources=sources_of(item.sources, item.status, where=item.where, tag=item.tag),
    )
    return EligibilityFinding(item.id, kind, item.text, reason)


def assess_eligibility(
    answers: Mapping[str, bool | None],
    *,
    population: str,
    trd_status: str,
    age_years: int,
    on_oral_antidepressant: bool,
) -> Eligibility:
    """Screen a patient for an esketamine course.

    Parameters
    ----------
    answers : mapping of str to bool
        Every question of :func:`question_ids` answered yes (``True``) or no (``False``).
    population : {"trd", "mdd_suicidal"}
        The indication the course is for.
    trd_status : {"resistant", "not_resistant", "insufficient_information", "no_history"}
        The history room's TRD verdict (``no_history`` when none is recorded); only the
        ``trd`` population needs ``resistant``.
    age_years : int
        The patient's age on the course start; the label's indication is adults.
    on_oral_antidepressant : bool
        Whether the record shows a current oral antidepressant (the label gives esketamine
        with one; monotherapy is UNVERIFIED).

    Returns
    -------
    Eligibility
        ``contraindicated`` when any label contraindication is answered yes (every one is
        listed); otherwise ``needs_signoff`` when any warning applies, else ``eligible``.

    Raises
    ------
    InvalidInput
        A question not answered (named by its id), an unknown question, an unknown
        population or TRD status.

    References
    ----------
    .. [1] modalities.md §1.3 Contraindications and the note below it (third-party lists are
       warnings); §1.1 Indications, Monotherapy, Pregnancy, Hepatic impairment; §1.2
       Psychosis, Do-not-administer.
    """
    issues = IssueCollector()
    if population not in ("trd", "mdd_suicidal"):
        issues.add("population", "unknown value", allowed="trd, mdd_suicidal", given=population)
    if trd_status not in TRD_FINDINGS:
        issues.add("trd_status", "unknown value", allowed=", ".join(TRD_FINDINGS), given=trd_status)
    known = question_ids()
    for key in answers:
        if key not in known:
            issues.add(f"answers.{key}", "unknown question", allowed=", ".join(known), given=key)
    for key in known:
        if answers.get(key) is None:
            issues.add(f"answers.{key}", "is not answered", allowed="yes or no")
    issues.raise_if_any()
    data = load().eligibility
    blocks = tuple(_finding(i, "contraindication") for i in data.contraindications if answers[i.id])
    warnings = [_finding(i, "warning") for i in data.warnings if answers[i.id]]
    indication = data.indication
    indication_sources = sources_of(
        indication.sources, indication.status, where=indication.where, tag=indication.tag
    )
    if population == "trd" and trd_status != "resistant":
        warnings.append(
            EligibilityFinding(
                "trd_not_established",
                "warning",
                _TRD_WORDS[trd_status] + " The label's indication is treatment-resistant "
                "depression: the prescriber confirms it.",
                Reason(
                    rule="indication_trd",
                    finding=indication.text,
                    inputs={"trd_status": trd_status},
                    sources=indication_sources,
                ),
            )
        )
    if age_years < indication.minimum_age_years:
        warnings.append(
            EligibilityFinding(
                "not_adult",
                "warning",
                f"The patient is {age_years}; the label's indication is adults "
                f"({indication.minimum_age_years} or over).",
                Reason(
                    rule="indication_adults",
                    finding=indication.text,
                    inputs={"age_years": age_years},
                    sources=indication_sources,
                ),
            )
        )
    if not on_oral_antidepressant:
        mono = data.monotherapy
        warnings.append(
            EligibilityFinding(
                "no_oral_antidepressant",
                "warning",
                "No current oral antidepressant on the record; the label gives esketamine "
                "with one (monotherapy is UNVERIFIED).",
                Reason(
                    rule="indication_with_oral_antidepressant",
                    finding=mono.text,
                    inputs={"on_oral_antidepressant": False},
                    sources=indication_sources
                    + sources_of(mono.sources, mono.status, where=mono.where, tag=mono.tag),
                ),
            )
        )
    verdict: EligibilityVerdict = (
        "contraindicated" if blocks else "needs_signoff" if warnings else "eligible"
    )
    return Eligibility(
        verdict=verdict,
        blocks=blocks,
        warnings=tuple(warnings),
        answers={k: bool(answers[k]) for k in known},
        trd_status=trd_status,  # type: ignore[arg-type]
        population=population,
    )
