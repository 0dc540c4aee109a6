"""MADRS: Montgomery-Asberg Depression Rating Scale (clinician rated), 10 items.

Ten items rated 0-6, with defined anchors at 0, 2, 4 and 6 and the odd values rating
"between" the neighbouring anchors; total 0-60. Anchor labels below are short paraphrases
(the licence status of the MADRS text is UNVERIFIED, see ``licence``).

Severity bands: Snaith et al. 1986 (default, VERIFIED [S36]): 0-6 absent, 7-19 mild,
20-34 moderate, 35-60 severe. A second set "12 mild, 24 moderate, 35 severe" is quoted by
the same page [S36] without a named author: kept as an UNVERIFIED alternative (its
0-11 "absent" label is DERIVED). Müller et al. 2000/2003 [S47] give single cut-offs
(35; 31) rather than a full band set and are not implemented as conventions.

Safety rule: item 10 (suicidal thoughts) anchors [A2][A3]: 0 "enjoys life or takes it as
it comes"; 2 "weary of life; only fleeting suicidal thoughts"; 4 "probably better off dead;
suicidal thoughts are common ... without specific plans or intention"; 6 "explicit plans
for suicide when there is an opportunity; active preparations". The flag is raised at
>= 2, the lowest anchor naming suicidal thoughts; [A3] groups the rating 1 with 0
("0-1 enjoys life") and 2-3 with "only fleeting suicidal thoughts". A rating of 1 is
named in the explanation for clinician review but raises no flag.

References
----------
.. [A8] Montgomery SA, Asberg M. Br J Psychiatry 1979;134:382-389 (the instrument).
.. [S36] Snaith et al. 1986 grade scores, quoted. VERIFIED.
.. [S34] Maximum total 60. VERIFIED.
.. [S54] Remission MADRS <= 10 (Zimmerman 2004; <= 11 in the whole sample). VERIFIED.
   Alternatives: narrow <= 4 / broad <= 9 [S55]; < 10 [S56]; <= 12 [S52].
.. [A2], [A3] Item 10 anchors in published tables. VERIFIED.
.. [S35] German Psychiatric Data Set IG lists the MADRS (German) as "license required".
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

SCALE_ID = "madrs"


def _anchored(a0: str, a2: str, a4: str, a6: str) -> tuple[AnswerOption, ...]:
    """Options 0-6: anchors at 0, 2, 4, 6; odd values rate between two anchors."""
    anchors = {0: a0, 2: a2, 4: a4, 6: a6}
    return tuple(
        AnswerOption(value, anchors.get(value, f"between {value - 1} and {value + 1}"))
        for value in range(7)
    )


ITEMS: tuple[Item, ...] = (
    Item(
        "1",
        "Apparent sadness",
        _anchored(
            "no sadness",
            "looks dispirited, brightens up",
            "sad most of the time",
            "miserable all the time",
        ),
    ),
    Item(
        "2",
        "Reported sadness",
        _anchored(
            "occasional, in keeping",
            "sad but brightens up",
            "pervasive sadness",
            "continuous, unvarying",
        ),
    ),
    Item(
        "3",
        "Inner tension",
        _anchored(
            "placid, fleeting tension",
            "occasional edginess",
            "continuous tension",
            "unrelenting dread",
        ),
    ),
    Item(
        "4",
        "Reduced sleep",
        _anchored("sleeps as usual", "slight difficulty", "reduced by >= 2 h", "< 2-3 h sleep"),
    ),
    Item(
        "5",
        "Reduced appetite",
        _anchored(
            "normal or increased", "slightly reduced", "no appetite", "needs persuasion to eat"
        ),
    ),
    Item(
        "6",
        "Concentration difficulties",
        _anchored(
            "no difficulty",
            "occasional difficulty",
            "reduces reading, conversation",
            "incapacitating",
        ),
    ),
    Item(
        "7",
        "Lassitude",
        _anchored(
            "hardly any difficulty",
            "difficulty starting",
            "effort for simple routine",
            "unable to start",
        ),
    ),
    Item(
        "8",
        "Inability to feel",
        _anchored(
            "normal interest", "reduced enjoyment", "loss of interest", "emotional paralysis"
        ),
    ),
    Item(
        "9",
        "Pessimistic thoughts",
        _anchored(
            "no pessimism",
            "fluctuating self-reproach",
            "persistent self-accusation",
            "delusions of ruin",
        ),
    ),
    Item(
        "10",
        "Suicidal thoughts",
        _anchored(
            "enjoys life or takes it as it comes",
            "weary of life; only fleeting suicidal thoughts",
            "probably better off dead; suicidal thoughts common, no specific plans",
            "explicit plans for suicide; active preparations",
        ),
    ),
)

SNAITH_1986 = BandConvention(
    id="snaith_1986",
    name="Snaith et al. 1986 grade scores",
    bands=(
        Band("absent", 0, 6),
        Band("mild", 7, 19),
        Band("moderate", 20, 34),
        Band("severe", 35, 60),
    ),
    provenance=Provenance(("S36",), "VERIFIED"),
)

ALTERNATIVE_12_24_35 = BandConvention(
    id="alternative_12_24_35",
    name="Alternative cut-points 12 / 24 / 35 (quoted without author)",
    bands=(
        Band("absent", 0, 11),
        Band("mild", 12, 23),
        Band("moderate", 24, 34),
        Band("severe", 35, 60),
    ),
    provenance=Provenance(
        ("S36",),
        "UNVERIFIED",
        "quoted as 'other cut-points proposed'; author not identified; the 0-11 label is DERIVED",
    ),
)

ITEM10_RULE = SafetyRule(
    item="10",
    min_value=2,
    anchor="weary of life; only fleeting suicidal thoughts",
    provenance=Provenance(
        ("A2", "A3"),
        "VERIFIED",
        "the anchor at 2 is the lowest naming suicidal thoughts; [A3] groups 0-1 as 'enjoys life'",
    ),
)

SCALE = Scale(
    id=SCALE_ID,
    name="Montgomery-Asberg Depression Rating Scale (MADRS)",
    items=ITEMS,
    total_min=0,
    total_max=60,
    domains=tuple(ScoreDomain(item.label, (item.key,)) for item in ITEMS),
    conventions=(SNAITH_1986, ALTERNATIVE_12_24_35),
    default_convention=SNAITH_1986.id,
    loinc=LoincCodes(None, None, Provenance((), "UNVERIFIED", "LOINC codes not found")),
    licence=(
        "Licence status not established; the German Psychiatric Data Set FHIR IG lists the "
        "MADRS (German) as 'license required'. Item texts are not bundled"
    ),
    licence_provenance=Provenance(("S35",), "UNVERIFIED"),
    missing_rule="incomplete: not scored",
    missing_rule_provenance=Provenance((), "DERIVED", "no missing-item rule in the reference"),
    scoring_provenance=Provenance(("A8", "S34"), "VERIFIED", "total = sum of items 1-10"),
    safety_rules=(ITEM10_RULE,),
    remission=ThresholdRule(
        "remission",
        "<=",
        10,
        Provenance(
            ("S54",),
            "VERIFIED",
            "alternatives: <= 4 narrow / <= 9 broad [S55], < 10 [S56], <= 12 [S52]; "
            "choose another through OutcomeCriteria.remission_max_total",
        ),
    ),
    relapse=ThresholdRule(
        "relapse",
        ">=",
        20,
        Provenance(
            ("S36",),
            "DERIVED",
            "no MADRS relapse definition verified; uses the lower edge of Snaith's "
            "'moderate' band, as STAR*D's relapse cut-offs (QIDS-SR16 >= 11, HRSD17 >= 14) "
            "sit at the lower edge of 'moderate' in their crosswalk",
        ),
    ),
)
