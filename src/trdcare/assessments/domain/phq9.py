"""PHQ-9: Patient Health Questionnaire, 9 items (depression severity).

Nine items scored 0-3 ("over the last 2 weeks"), total 0-27; the unscored difficulty
question (item 10, LOINC 69722-7 UNVERIFIED) is not part of this form.

References
----------
.. [S25] Kroenke K, Spitzer RL, Williams JBW. The PHQ-9. J Gen Intern Med 2001;16:606-613.
   Bands 0-4 / 5-9 / 10-14 / 15-19 / 20-27 (cut-points 5, 10, 15, 20). VERIFIED.
.. [S30] HL7 SDC PHQ-9 example: total = sum of answer weights; licence text. VERIFIED.
.. [S38] CIRG PHQ-9 configuration: item order and LOINC item codes. VERIFIED.
.. [S39] MII PROMs module: panel 44249-1, total 44261-6. VERIFIED.
.. [S40] LOINC answer codes LA6568-5 .. LA6571-9 with ordinal values 0-3. VERIFIED.
.. [S42] Public code flagging item 9 > 0 for suicide assessment; the PHQ instruction-manual
   wording is UNVERIFIED, so the item-9 rule carries status UNVERIFIED (its cut-off, any
   answer above "Not at all", is the one the issue prescribes).
.. [S53] PHQ-9 remission <= 4 (<5), weak secondary; it follows the "minimal" band of [S25].
"""

from __future__ import annotations

from trdcare.assessments.domain.model import (
    AnswerOption,
    Band,
    BandConvention,
    Item,
    LoincCodes,
    SafetyRule,
    Scale,
    ScoreDomain,
    ThresholdRule,
)
from trdcare.assessments.domain.sources import Provenance

SCALE_ID = "phq9"

FREQUENCY_OPTIONS: tuple[AnswerOption, ...] = (
    AnswerOption(0, "Not at all", "LA6568-5"),
    AnswerOption(1, "Several days", "LA6569-3"),
    AnswerOption(2, "More than half the days", "LA6570-1"),
    AnswerOption(3, "Nearly every day", "LA6571-9"),
)
"""The PHQ family's frequency answers with LOINC answer codes [S40]."""

_ITEMS: tuple[tuple[str, str, str], ...] = (
    ("1", "Little interest or pleasure in doing things", "44250-9"),
    ("2", "Feeling down, depressed or hopeless", "44255-8"),
    ("3", "Trouble falling or staying asleep, or sleeping too much", "44259-0"),
    ("4", "Feeling tired or having little energy", "44254-1"),
    ("5", "Poor appetite or overeating", "44251-7"),
    ("6", "Feeling bad about yourself, or that you are a failure", "44258-2"),
    ("7", "Trouble concentrating on things", "44252-5"),
    ("8", "Moving or speaking slowly, or being fidgety or restless", "44253-3"),
    ("9", "Thoughts that you would be better off dead or of hurting yourself", "44260-8"),
)

ITEMS: tuple[Item, ...] = tuple(
    Item(key=key, label=label, options=FREQUENCY_OPTIONS, loinc=loinc)
    for key, label, loinc in _ITEMS
)

KROENKE_2001 = BandConvention(
    id="kroenke_2001",
    name="Kroenke, Spitzer & Williams 2001",
    bands=(
        Band("minimal", 0, 4),
        Band("mild", 5, 9),
        Band("moderate", 10, 14),
        Band("moderately_severe", 15, 19),
        Band("severe", 20, 27),
    ),
    provenance=Provenance(("S25", "S30"), "VERIFIED"),
)

ITEM9_RULE = SafetyRule(
    item="9",
    min_value=1,
    anchor="Several days",
    provenance=Provenance(
        ("S42",),
        "UNVERIFIED",
        "any item-9 answer above 'Not at all' triggers further suicide-risk assessment: "
        "common implementation and PHQ manual convention; exact manual wording not read",
    ),
)

SCALE = Scale(
    id=SCALE_ID,
    name="Patient Health Questionnaire-9 (PHQ-9)",
    items=ITEMS,
    total_min=0,
    total_max=27,
    domains=tuple(ScoreDomain(item.label, (item.key,)) for item in ITEMS),
    conventions=(KROENKE_2001,),
    default_convention=KROENKE_2001.id,
    loinc=LoincCodes("44249-1", "44261-6", Provenance(("S30", "S38", "S39"), "VERIFIED")),
    licence=(
        "Copyright Pfizer Inc.; no permission is required to reproduce, translate, display "
        "or distribute"
    ),
    licence_provenance=Provenance(("S30",), "VERIFIED"),
    missing_rule="incomplete: not scored",
    missing_rule_provenance=Provenance(
        (),
        "DERIVED",
        "no proration rule for missing PHQ-9 items is given in the reference; a form with "
        "any item missing gets no total and no severity",
    ),
    scoring_provenance=Provenance(("S25", "S30"), "VERIFIED", "total = sum of items 1-9"),
    safety_rules=(ITEM9_RULE,),
    remission=ThresholdRule(
        "remission",
        "<=",
        4,
        Provenance(("S53", "S25"), "VERIFIED-weak", "< 5, the upper edge of 'minimal'"),
    ),
    relapse=ThresholdRule(
        "relapse",
        ">=",
        10,
        Provenance(
            ("S25",),
            "DERIVED",
            "no published PHQ-9 relapse definition found; uses the >= 10 cut-off for major "
            "depression (sensitivity and specificity 88%) [S25], the lower edge of "
            "'moderate', as STAR*D's QIDS-SR16 >= 11 is the lower edge of its 'moderate'",
        ),
    ),
)
