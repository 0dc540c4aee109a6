"""Treatment-resistant depression (TRD) status of the current episode.

Rule: the episode is **resistant** when at least ``failures_required`` (default 2) antidepressant
trials in the current episode count as failed adequate trials under the criteria set (trials of
the same drug count once when ``criteria.distinct_drugs``).

When fewer failures count, the verdict is **insufficient_information** if, and only if, the
trials whose adequacy cannot be judged -- failed trials with an unknown dose, a drug without a
catalogue minimum dose, or unknown adherence -- could bring the count to the required number
(the missing data could change the answer). Otherwise it is **not_resistant**: no missing
datum can change the verdict. Ongoing trials never count and never make the verdict
insufficient (they are the future, not missing data); nor do trials outside the current
episode. An empty treatment history is ``not_resistant`` (the reasons say that nothing was
recorded).

References
----------
.. [1] Sforzini L et al. Mol Psychiatry 2022 (EU-PEARL) [S7], recommendation 3: TRD after a
   minimum of two failed treatments with adequate dosing and duration. VERIFIED.
.. [2] Rybak YE et al. Depress Anxiety 2021 [S8]: failure of two adequately dosed trials.
   VERIFIED.
.. [3] Cardinal pythonlib [S9]: two sequential courses of different drugs. VERIFIED (code).
.. [4] The ``insufficient_information`` rule is a trdcare design choice (DERIVED).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from trdcare.core.checks import Interval, check_constraints
from trdcare.history.domain.adequacy import (
    AdequacyCriteria,
    TrialAdequacy,
    assess_history,
    default_criteria,
)
from trdcare.history.domain.catalogue import AntidepressantCatalogue, load_catalogue
from trdcare.history.domain.sources import Fact, Reason, merge_facts
from trdcare.history.domain.types import AntidepressantTrial, TreatmentHistory

TrdStatusValue = Literal["resistant", "not_resistant", "insufficient_information"]

#: Declared limits of :func:`trd_status` parameters.
TRD_CONSTRAINTS: Final[dict[str, Interval]] = {
    "failures_required": Interval(1, None, integer=True, unit="failed trials"),
}

_SOURCE: Final = "sforzini2022,rybak2021"
_INSUFFICIENT_FACT: Final = Fact(
    "trd.insufficient_information",
    "'insufficient_information' when failed trials whose adequacy cannot be judged could bring "
    "the count of failed adequate trials to the required number",
    "DERIVED",
    "trdcare_derived",
)
_TWO_FACT: Final = Fact(
    "trd.failures_required",
    "TRD = at least two failed adequate antidepressant trials (EU-PEARL and Canadian "
    "consensus agree on two)",
    "VERIFIED",
    _SOURCE,
)


@dataclass(frozen=True, slots=True)
class TrdStatus:
    """The TRD verdict with what was counted and why the rest was not.

    Parameters
    ----------
    status : {"resistant", "not_resistant", "insufficient_information"}
    failed_adequate_trials : int
        Failed adequate trials counted (distinct drugs if the criteria say so).
    failures_required : int
    counted : tuple of TrialAdequacy
        The trials counted, one per drug when ``distinct_drugs``.
    not_counted : tuple of (AntidepressantTrial, tuple of Reason)
        Every other trial with the reasons it did not count.
    could_count : int
        How many more failures the undetermined trials could add.
    criteria : str
        Criteria set name.
    rule, source : str
        The rule applied, and its source tags.
    reasons : tuple of Reason
    facts : tuple of Fact
    """

    status: TrdStatusValue
    failed_adequate_trials: int
    failures_required: int
    counted: tuple[TrialAdequacy, ...]
    not_counted: tuple[tuple[AntidepressantTrial, tuple[Reason, ...]], ...]
    could_count: int
    criteria: str
    rule: str
    source: str
    reasons: tuple[Reason, ...]
    facts: tuple[Fact, ...]

    @property
    def count_text(self) -> str:
        """The count against the criterion, in the clinic's words.

        Examples
        --------
        >>> from dataclasses import replace
        >>> blank = TrdStatus("not_resistant", 1, 2, (), (), 0, "x", "r", "s", (), ())
        >>> blank.count_text
        '1 of the 2 required failed adequate trials'
        >>> replace(blank, failed_adequate_trials=3).count_text
        '3 failed adequate trials (2 required)'
        >>> replace(blank, failed_adequate_trials=1, failures_required=1).count_text
        '1 failed adequate trial (1 required)'
        """
        n, k = self.failed_adequate_trials, self.failures_required
        if n >= k:
            return f"{n} failed adequate trial{'' if n == 1 else 's'} ({k} required)"
        return f"{n} of the {k} required failed adequate trial{'' if k == 1 else 's'}"

    def to_dict(self) -> dict[str, object]:
        return {
            "status": self.status,
            "failed_adequate_trials": self.failed_adequate_trials,
            "failures_required": self.failures_required,
            "could_count": self.could_count,
            "count_text": self.count_text,
            "criteria": self.criteria,
            "rule": self.rule,
            "source": self.source,
            "counted": [
                {"index": a.index, "drug": a.trial.drug, "drug_class": a.drug_class}
                for a in self.counted
            ],
            "not_counted": [
                {"trial": trial.to_dict(), "reasons": [r.to_dict() for r in reasons]}
                for trial, reasons in self.not_counted
            ],
            "reasons": [r.to_dict() for r in self.reasons],
        }


def trd_status(
    history: TreatmentHistory,
    *,
    criteria: AdequacyCriteria | None = None,
    catalogue: AntidepressantCatalogue | None = None,
    failures_required: int = 2,
) -> TrdStatus:
    """Decide whether the current episode is treatment-resistant.

    Parameters
    ----------
    history : TreatmentHistory
    criteria : AdequacyCriteria, optional
        Default: the ``eu_pearl_2022`` preset.
    catalogue : AntidepressantCatalogue, optional
        Default: the packaged catalogue.
    failures_required : int
        Failed adequate trials needed (a whole number >= 1; default 2 per [S7], [S8]).

    Returns
    -------
    TrdStatus

    Raises
    ------
    InvalidInput
        If ``failures_required`` is out of range or a trial's drug is not in the catalogue.

    References
    ----------
    .. [1] Sforzini 2022 [S7] rec. 3; Rybak 2021 [S8] (VERIFIED); the
       insufficient-information rule is DERIVED (see the module docstring).
    """
    crit = criteria if criteria is not None else default_criteria()
    cat = catalogue if catalogue is not None else load_catalogue()
    check_constraints({"failures_required": failures_required}, TRD_CONSTRAINTS)
    assessments = assess_history(history, crit, cat)
    return trd_status_from(assessments, crit, failures_required=failures_required)


def trd_status_from(
    assessments: tuple[TrialAdequacy, ...],
    criteria: AdequacyCriteria,
    *,
    failures_required: int = 2,
) -> TrdStatus:
    """:func:`trd_status` from trial verdicts already computed under ``criteria``."""
    check_constraints({"failures_required": failures_required}, TRD_CONSTRAINTS)
    counted: list[TrialAdequacy] = []
    not_counted: list[tuple[AntidepressantTrial, tuple[Reason, ...]]] = []
    counted_drugs: dict[str, int | None] = {}
    for a in assessments:
        if a.counts_as_failure and criteria.distinct_drugs and a.trial.drug in counted_drugs:
            first = counted_drugs[a.trial.drug]
            repeat = Reason(
                "same_drug_counted_once",
                f"{a.trial.drug} already counted (trial {first}); repeated trials of one drug "
                "count once.",
                "cardinal_pythonlib,trdcare_derived",
                "DERIVED",
            )
            not_counted.append((a.trial, (*a.reasons, repeat)))
        elif a.counts_as_failure:
            counted.append(a)
            counted_drugs[a.trial.drug] = a.index
        else:
            not_counted.append((a.trial, a.reasons))

    possible = [a for a in assessments if a.could_count]
    if criteria.distinct_drugs:
        could = len({a.trial.drug for a in possible} - set(counted_drugs))
    else:
        could = len(possible)
    failures = len(counted)
    ongoing = sum(1 for a in assessments if a.trial.outcome == "ongoing")

    status: TrdStatusValue
    if failures >= failures_required:
        status = "resistant"
    elif failures + could >= failures_required:
        status = "insufficient_information"
    else:
        status = "not_resistant"

    distinct = " of different drugs" if criteria.distinct_drugs else ""
    rule = (
        f"Resistant when >= {failures_required} failed adequate antidepressant trials{distinct} "
        f"in the current episode under {criteria.label}; insufficient information when "
        "trials whose adequacy cannot be judged could reach that number; otherwise not "
        "resistant."
    )
    reasons = [
        Reason(
            "failures_counted",
            f"{failures} failed adequate trial(s) counted; {failures_required} required.",
            _SOURCE,
            "VERIFIED" if failures_required == 2 else "DERIVED (configured count)",
        )
    ]
    if not assessments:
        reasons.append(
            Reason(
                "no_trials",
                "No antidepressant trial is recorded for this episode.",
                "trdcare_derived",
                "DERIVED",
            )
        )
    if could:
        reasons.append(
            Reason(
                "undetermined_trials",
                f"{could} more failed trial(s) could count if their missing data (dose, "
                "catalogue minimum or adherence) were known.",
                _INSUFFICIENT_FACT.source,
                _INSUFFICIENT_FACT.status,
            )
        )
    if ongoing:
        reasons.append(
            Reason(
                "ongoing_trials",
                f"{ongoing} trial(s) ongoing: not counted until an outcome is recorded.",
                "trdcare_derived",
                "DERIVED",
            )
        )

    facts = merge_facts(
        (
            _TWO_FACT
            if failures_required == 2
            else Fact(
                "trd.failures_required",
                f"TRD threshold configured to {failures_required} failed adequate trials "
                "(the sources say two)",
                "DERIVED",
                _SOURCE,
            ),
            _INSUFFICIENT_FACT,
        ),
        criteria.facts,
        *(a.facts for a in assessments),
    )
    return TrdStatus(
        status=status,
        failed_adequate_trials=failures,
        failures_required=failures_required,
        counted=tuple(counted),
        not_counted=tuple(not_counted),
        could_count=could,
        criteria=criteria.name,
        rule=rule,
        source=",".join(dict.fromkeys(t for t in f"{_SOURCE},{criteria.source}".split(",") if t)),
        reasons=tuple(reasons),
        facts=facts,
    )
