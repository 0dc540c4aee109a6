"""The pure VNS domain: candidacy per the coverage criteria, titration checks and flags, the
duty cycle, side effects and the expected-response timeline.

No database, web, CLI or file-system imports: the versioned catalogue ``data/vns.json`` is read
with :mod:`importlib.resources`. Every verdict carries its reasons (rule, inputs, sources,
status); a result that uses an UNVERIFIED fact says so.
"""

from trdcare.core.criteria import ANSWERS, Criterion
from trdcare.vns.domain.candidacy import (
    Candidacy,
    CandidacyAnswers,
    CandidacyFacts,
    ScaleVisit,
    check_answers,
    evaluate_candidacy,
)
from trdcare.vns.domain.catalogue import catalogue_version, load
from trdcare.vns.domain.titration import (
    INPUT_BOUNDS,
    PreviousVisit,
    ResponseTimeline,
    TitrationSettings,
    check_titration,
    current_bound,
    months_between,
    response_timeline,
    side_effect_catalogue,
    titration_flags,
)

__all__ = [
    "ANSWERS",
    "INPUT_BOUNDS",
    "Candidacy",
    "CandidacyAnswers",
    "CandidacyFacts",
    "Criterion",
    "PreviousVisit",
    "ResponseTimeline",
    "ScaleVisit",
    "TitrationSettings",
    "catalogue_version",
    "check_answers",
    "check_titration",
    "current_bound",
    "evaluate_candidacy",
    "load",
    "months_between",
    "response_timeline",
    "side_effect_catalogue",
    "titration_flags",
]
