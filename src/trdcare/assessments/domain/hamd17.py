"""HAM-D17: Hamilton Depression Rating Scale, 17 scored items (clinician rated).

Items 4, 5, 6, 12, 13, 14, 16 and 17 are scored 0-2; items 1, 2, 3, 7, 8, 9, 10, 11 and 15
are scored 0-4; total 0-52 (9 x 4 + 8 x 2). Item 16 (loss of weight, by history or by
measurement) is answered 0-2; its answer 3 "not assessed" is stored but not scored, so the
item then counts as missing. Items 18-21 of the long form are not part of the total.

Severity bands: three published conventions are data here; the default is
Zimmerman et al. 2013 because its empirical cut-offs (17 mild/moderate, 24
moderate/severe) are VERIFIED [S46]; its 0-7 "none" band follows the remission
convention (HRSD <= 7 [S54]) and is DERIVED.

Safety rule: item 3 (suicide) anchors [S33][A2][A3] are 0 absent; 1 "feels life is not
worth living"; 2 "wishes he/she were dead or any thoughts of possible death to self";
3 "suicidal ideas or gesture"; 4 "attempts at suicide". The flag is raised at >= 1. Anchor 1
is the same state as QIDS-SR16 item 12 anchor 1 ("wonder if it's worth living"), which the
product's specification flags (>= 1); a safety flag must not depend on which scale happened
to be used, so HAM-D17 flags the same state. This choice is DERIVED (consistency with the
specified QIDS-SR16 cut-off; errs on the side of review).

References
----------
.. [S33] CamCOPS hamd.py and extra_strings/hamd.xml: item ranges, item 16A/16B with
   "3 = not assessed", anchors (NINDS CDE wording), bands 8/14/19/23. VERIFIED.
.. [S34] Maximum total 52. VERIFIED.
.. [S46] Zimmerman M et al. J Affect Disord 2013;150:384-388: cut-offs 17 and 24. VERIFIED.
.. [S29] ids-qids.org crosswalk bands (Rush 2003). VERIFIED.
.. [S54], [S52], [A5] Remission HRSD17 <= 7. VERIFIED.
.. [A5] Relapse HRSD17 >= 14 (STAR*D, stated as the QIDS-SR16 >= 11 equivalent). VERIFIED.
.. [A2], [A3] Item 3 anchors in published tables. VERIFIED.
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
    options,
)
from trdcare.assessments.domain.sources import Provenance

SCALE_ID = "hamd17"


NOT_ASSESSED = AnswerOption(3, "not assessed")

# Short paraphrases of the anchors (NINDS CDE / CamCOPS wording [S33]).
ITEMS: tuple[Item, ...] = (
    Item(
        "1",
        "Depressed mood",
        options(
            "absent",
            "indicated only on questioning",
            "spontaneously reported verbally",
            "communicated non-verbally",
            "virtually only these feeling states",
        ),
    ),
    Item(
        "2",
        "Feelings of guilt",
        options(
            "absent",
            "self-reproach",
            "ideas of guilt or rumination",
            "illness is a punishment; delusions of guilt",
            "accusatory voices or threatening hallucinations",
        ),
    ),
    Item(
        "3",
        "Suicide",
        options(
            "absent",
            "feels life is not worth living",
            "wishes he/she were dead or any thoughts of possible death to self",
            "suicidal ideas or gesture",
            "attempts at suicide",
        ),
    ),
    Item(
        "4",
        "Insomnia: early in the night",
        options("no difficulty", "occasional difficulty falling asleep", "nightly difficulty"),
    ),
    Item(
        "5",
        "Insomnia: middle of the night",
        options("no difficulty", "restless and disturbed", "waking; getting out of bed"),
    ),
    Item(
        "6",
        "Insomnia: early hours of the morning",
        options("no difficulty", "wakes early, goes back to sleep", "unable to fall asleep again"),
    ),
    Item(
        "7",
        "Work and activities",
        options(
            "no difficulty",
            "thoughts of incapacity, fatigue",
            "loss of interest",
            "less time or productivity",
            "stopped working",
        ),
    ),
    Item(
        "8",
        "Retardation",
        options("normal", "slight", "obvious", "interview difficult", "complete stupor"),
    ),
    Item(
        "9",
        "Agitation",
        options("none", "fidgetiness", "playing with hands, hair", "moving about", "hand wringing"),
    ),
    Item(
        "10",
        "Anxiety: psychic",
        options(
            "no difficulty",
            "subjective tension",
            "worrying about minor matters",
            "apprehensive attitude",
            "fears expressed without questioning",
        ),
    ),
    Item(
        "11",
        "Anxiety: somatic",
        options("absent", "mild", "moderate", "severe", "incapacitating"),
    ),
    Item(
        "12",
        "Somatic symptoms: gastrointestinal",
        options("none", "loss of appetite", "difficulty eating without urging"),
    ),
    Item(
        "13",
        "Somatic symptoms: general",
        options("none", "heaviness, aches, loss of energy", "any clear-cut symptom"),
    ),
    Item("14", "Genital symptoms", options("absent", "mild", "severe")),
    Item(
        "15",
        "Hypochondriasis",
        options(
            "not present",
            "bodily self-absorption",
            "preoccupation with health",
            "frequent complaints",
            "hypochondriacal delusions",
        ),
    ),
    Item(
        "16",
        "Loss of weight (by history or by measurement)",
        options("no weight loss", "probable weight loss", "definite weight loss"),
        not_scored=(NOT_ASSESSED,),
    ),
    Item(
        "17",
        "Insight",
        options("acknowledges illness", "attributes cause elsewhere", "denies being ill"),
    ),
)

ZIMMERMAN_2013 = BandConvention(
    id="zimmerman_2013",
    name="Zimmerman et al. 2013 empirical cut-offs",
    bands=(
        Band("none", 0, 7),
        Band("mild", 8, 16),
        Band("moderate", 17, 23),
        Band("severe", 24, 52),
    ),
    provenance=Provenance(
        ("S46", "S54"),
        "VERIFIED",
        "cut-offs 17 and 24 VERIFIED [S46]; the 0-7 'none' band is DERIVED from the "
        "remission convention HRSD <= 7 [S54]",
    ),
)

CAMCOPS = BandConvention(
    id="camcops",
    name="CamCOPS implementation (8 / 14 / 19 / 23)",
    bands=(
        Band("none", 0, 7),
        Band("mild", 8, 13),
        Band("moderate", 14, 18),
        Band("severe", 19, 22),
        Band("very_severe", 23, 52),
    ),
    provenance=Provenance(("S33",), "VERIFIED", "read in open-source code, not a paper"),
)

RUSH_2003_CROSSWALK = BandConvention(
    id="rush_2003_crosswalk",
    name="ids-qids.org crosswalk (Rush 2003)",
    bands=(
        Band("none", 0, 7),
        Band("mild", 8, 13),
        Band("moderate", 14, 19),
        Band("severe", 20, 25),
        Band("very_severe", 26, 52),
    ),
    provenance=Provenance(("S29",), "VERIFIED"),
)

ITEM3_RULE = SafetyRule(
    item="3",
    min_value=1,
    anchor="feels life is not worth living",
    provenance=Provenance(
        ("S33", "A2", "A3"),
        "DERIVED",
        "anchor texts VERIFIED; flagging from anchor 1 is DERIVED: it matches QIDS-SR16 "
        "item 12 anchor 1 ('wonder if it's worth living'), which is flagged at >= 1",
    ),
)

SCALE = Scale(
    id=SCALE_ID,
    name="Hamilton Depression Rating Scale, 17 items (HAM-D17)",
    items=ITEMS,
    total_min=0,
    total_max=52,
    domains=tuple(ScoreDomain(item.label, (item.key,)) for item in ITEMS),
    conventions=(ZIMMERMAN_2013, CAMCOPS, RUSH_2003_CROSSWALK),
    default_convention=ZIMMERMAN_2013.id,
    loinc=LoincCodes(None, None, Provenance((), "UNVERIFIED", "LOINC codes not found")),
    licence="Widely described as public domain",
    licence_provenance=Provenance((), "UNVERIFIED", "licence status not confirmed"),
    missing_rule="incomplete: not scored",
    missing_rule_provenance=Provenance(
        ("S33",),
        "DERIVED",
        "no proration rule in the reference; item 16 'not assessed' (3) is not scored "
        "[S33], so the item counts as missing and the total is not scored",
    ),
    scoring_provenance=Provenance(("S33", "S34"), "VERIFIED", "total = sum of items 1-17"),
    safety_rules=(ITEM3_RULE,),
    remission=ThresholdRule("remission", "<=", 7, Provenance(("S54", "S52", "A5"), "VERIFIED")),
    relapse=ThresholdRule(
        "relapse",
        ">=",
        14,
        Provenance(("A5",), "VERIFIED", "STAR*D: HRSD17 >= 14, equivalent of QIDS-SR16 >= 11"),
    ),
    notes=("Items 18-21 of the long form are for subtyping and are not scored here",),
)
