"""C-SSRS screener: Columbia-Suicide Severity Rating Scale, screening version.

Six yes/no questions ("past month" ideation; behaviour lifetime) plus ``6_recent``: was
the behaviour of question 6 within the past 3 months (asked only when 6 is yes). There is
no total. Answers are stored as 1 = yes, 0 = no.

Skip logic [S20]: ask 1 and 2; if 2 is yes ask 3, 4, 5 and 6; if 2 is no go to 6. So
3-5 may be missing when 2 is no, and ``6_recent`` may be missing when 6 is no.

Triage (highest positive answer wins) [S21][S22][S48]:

=========  ==================================================================
low        yes to 1 and/or 2 only
moderate   yes to 3; or behaviour (6) more than 3 months ago (6_recent = no)
high       yes to 4 or 5; or behaviour within the past 3 months (6_recent = yes)
none       every asked question answered no
=========  ==================================================================

Safety choices (DERIVED, conservative, so that no positive answer is ever lost):

* every yes raises a :class:`~trdcare.assessments.domain.model.SafetyFlag` (code
  ``suicidal_ideation``, category ``ideation`` or, for question 6, ``behaviour``) carrying
  its triage level, also on incomplete forms and also when a question was answered although
  the skip logic would not have asked it (the answer is kept and a note explains it);
* behaviour (6 = yes) with its timing not recorded is triaged ``high``: a recent attempt
  cannot be ruled out;
* ``6_recent`` = yes with 6 not yes is contradictory; it is triaged ``high`` and explained;
* a form with no yes but an unanswered required question has triage None (undetermined);
  with a yes and unanswered questions, the triage is "at least" that level.

References
----------
.. [S20] C-SSRS Screening Version (questions and skip logic). VERIFIED.
.. [S21] Blueprint summary of the scoring guide (low / moderate / high). VERIFIED.
.. [S22] Screener pages; "freely available for community use". VERIFIED.
.. [S48] Columbia triage guidelines: yes to 4 or 5 in the past month, or any behaviour in
   the past 3 months, is the most emergent situation. VERIFIED.
.. [S23] Copyright The Research Foundation for Mental Hygiene, Inc. VERIFIED.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from trdcare.assessments.domain.model import (
    TRIAGE_LEVELS,
    AnswerOption,
    Item,
    LoincCodes,
    SafetyFlag,
    Scale,
    TriageRule,
)
from trdcare.assessments.domain.sources import Provenance

SCALE_ID = "cssrs_screener"
CONVENTION_ID = "columbia_screener_triage"

YES_NO: tuple[AnswerOption, ...] = (AnswerOption(0, "no"), AnswerOption(1, "yes"))

ITEMS: tuple[Item, ...] = (
    Item("1", "Wish to be dead", YES_NO),
    Item("2", "Non-specific active suicidal thoughts", YES_NO),
    Item("3", "Suicidal thoughts with method (no plan or intent)", YES_NO, asked_when="2 = yes"),
    Item("4", "Suicidal intent without specific plan", YES_NO, asked_when="2 = yes"),
    Item("5", "Suicidal intent with specific plan", YES_NO, asked_when="2 = yes"),
    Item("6", "Suicidal behaviour (lifetime)", YES_NO),
    Item("6_recent", "Suicidal behaviour within the past 3 months", YES_NO, asked_when="6 = yes"),
)

_TRIAGE = Provenance(("S21", "S22"), "VERIFIED")
_TRIAGE_HIGH = Provenance(("S21", "S48"), "VERIFIED")

TRIAGE_RULES: tuple[TriageRule, ...] = (
    TriageRule("1", "low", "ideation", "yes to question 1 (wish to be dead)", _TRIAGE),
    TriageRule("2", "low", "ideation", "yes to question 2 (suicidal thoughts)", _TRIAGE),
    TriageRule("3", "moderate", "ideation", "yes to question 3 (thoughts with method)", _TRIAGE),
    TriageRule("4", "high", "ideation", "yes to question 4 (intent)", _TRIAGE_HIGH),
    TriageRule("5", "high", "ideation", "yes to question 5 (intent with plan)", _TRIAGE_HIGH),
    TriageRule(
        "6",
        "moderate",
        "behaviour",
        "yes to question 6, behaviour more than 3 months ago (6_recent = no)",
        Provenance(("S21",), "VERIFIED"),
    ),
    TriageRule(
        "6_recent",
        "high",
        "behaviour",
        "yes to question 6 with behaviour within the past 3 months (6_recent = yes)",
        _TRIAGE_HIGH,
    ),
)

BEHAVIOUR_TIMING_UNKNOWN = TriageRule(
    "6",
    "high",
    "behaviour",
    "yes to question 6 with the timing not recorded (6_recent missing): treated as within "
    "the past 3 months",
    Provenance(("S21", "S48"), "DERIVED", "conservative choice: recent behaviour not ruled out"),
)

RECENT_WITHOUT_BEHAVIOUR = TriageRule(
    "6_recent",
    "high",
    "behaviour",
    "6_recent = yes although question 6 is not yes (contradictory): treated as behaviour "
    "within the past 3 months",
    Provenance(("S21", "S48"), "DERIVED", "conservative choice: a reported recent act is kept"),
)

_RULE_BY_ITEM: Mapping[str, TriageRule] = {rule.item: rule for rule in TRIAGE_RULES}

SCALE = Scale(
    id=SCALE_ID,
    name="Columbia-Suicide Severity Rating Scale, screener (C-SSRS screener)",
    items=ITEMS,
    total_min=None,
    total_max=None,
    domains=(),
    conventions=(),
    default_convention=CONVENTION_ID,
    loinc=LoincCodes(None, None, Provenance((), "UNVERIFIED", "LOINC codes not found")),
    licence=(
        "Copyright The Research Foundation for Mental Hygiene, Inc.; freely available for "
        "community use (royalties exist for the electronic e-CSSRS)"
    ),
    licence_provenance=Provenance(("S23", "S22", "S21"), "VERIFIED"),
    missing_rule=(
        "skip logic: 3-5 asked only when 2 is yes, 6_recent only when 6 is yes; a required "
        "question left unanswered makes the form incomplete; no total in any case"
    ),
    missing_rule_provenance=Provenance(("S20",), "VERIFIED"),
    scoring_provenance=Provenance(
        ("S21", "S22", "S48"), "VERIFIED", "no total; triage by the highest positive answer"
    ),
    triage_rules=TRIAGE_RULES,
)


@dataclass(frozen=True, slots=True)
class ScreenerEvaluation:
    """Flags, triage, missing questions and reasons of one screener form."""

    flags: tuple[SafetyFlag, ...]
    triage: str | None
    missing: tuple[str, ...]
    explanation: tuple[str, ...]


def _flag(rule: TriageRule, item: str) -> SafetyFlag:
    return SafetyFlag(
        code=rule.code,
        scale=SCALE_ID,
        item=item,
        value=1,
        rule=rule.rule,
        source=rule.provenance.cite(),
        triage=rule.level,
        status=rule.provenance.status,
        category=rule.category,
    )


def _rank(level: str) -> int:
    return TRIAGE_LEVELS.index(level)


def evaluate(answers: Mapping[str, int]) -> ScreenerEvaluation:
    """Triage a validated screener form (values 0/1, keys among the items).

    Parameters
    ----------
    answers : mapping of str to int
        Answered questions, 1 = yes, 0 = no; unasked questions are absent.

    Returns
    -------
    ScreenerEvaluation
        One flag per positive answer (behaviour: one flag for 6 and its timing), the
        highest triage level, the required questions left unanswered and the reasons.

    References
    ----------
    .. [S20] skip logic; [S21][S22][S48] triage table (module docstring).
    """
    flags: list[SafetyFlag] = []
    notes: list[str] = []
    q2 = answers.get("2")
    q6 = answers.get("6")
    recent = answers.get("6_recent")

    for key in ("1", "2", "3", "4", "5"):
        if answers.get(key) == 1:
            flags.append(_flag(_RULE_BY_ITEM[key], key))
    if q6 == 1:
        if recent == 1:
            flags.append(_flag(_RULE_BY_ITEM["6_recent"], "6"))
        elif recent == 0:
            flags.append(_flag(_RULE_BY_ITEM["6"], "6"))
        else:
            flags.append(_flag(BEHAVIOUR_TIMING_UNKNOWN, "6"))
    elif recent == 1:
        flags.append(_flag(RECENT_WITHOUT_BEHAVIOUR, "6_recent"))
        notes.append("6_recent is yes but question 6 is not yes: contradictory, kept as high")

    if q2 == 0:
        asked_anyway = [key for key in ("3", "4", "5") if key in answers]
        if asked_anyway:
            notes.append(
                f"questions {', '.join(asked_anyway)} answered although not asked when 2 is "
                "no; answers kept and evaluated"
            )
    if q6 == 0 and recent == 0:
        notes.append("6_recent answered although not asked when 6 is no; ignored (no)")

    required = ["1", "2"]
    if q2 == 1:
        required += ["3", "4", "5"]
    required.append("6")
    if q6 == 1:
        required.append("6_recent")
    missing = tuple(key for key in required if key not in answers)

    explanation = [
        "C-SSRS screener: no total; triage by the highest positive answer "
        f"{_TRIAGE.cite()} (high: {_TRIAGE_HIGH.cite()})"
    ]
    triage: str | None
    if flags:
        top = max(flags, key=lambda flag: _rank(flag.triage or "none"))
        triage = top.triage
        for flag in flags:
            explanation.append(f"{flag.rule} -> {flag.triage} {flag.source}")
        if missing and triage != "high":
            explanation.append(
                f"triage is at least {triage}: unanswered {', '.join(missing)} could raise it"
            )
    elif missing:
        triage = None
        explanation.append(
            f"triage undetermined: required questions unanswered ({', '.join(missing)})"
        )
    else:
        triage = "none"
        explanation.append("every asked question answered no -> none")
    explanation.extend(notes)
    return ScreenerEvaluation(tuple(flags), triage, missing, tuple(explanation))
