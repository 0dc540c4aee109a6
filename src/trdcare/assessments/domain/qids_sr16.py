"""QIDS-SR16: Quick Inventory of Depressive Symptomatology, self-report, 16 items.

Sixteen items scored 0-3 map onto the nine DSM-IV criterion domains. The total is the
sum of nine domain scores, where the sleep (items 1-4), appetite/weight (items 6-9) and
psychomotor (items 15-16) domains each score the highest of their items:

    total = max(1,2,3,4) + 5 + max(6,7,8,9) + 10 + 11 + 12 + 13 + 14 + max(15,16)

Range 0-27. A naive sum of the sixteen items is wrong (it can reach 48).

Item 12 (thoughts of death or suicide) raises a suicidal-ideation flag at >= 1, the cut-off
the project's issue prescribes. Its anchors [A1]: 0 "I do not think of suicide or death";
1 "I feel that life is empty or wonder if it's worth living"; 2 "I think of suicide or
death several times a week for several minutes"; 3 "... several times a day in some detail,
or I have made specific plans for suicide or have actually tried to take my life".

References
----------
.. [S31] Millisecond QIDS-SR16 manual: the scoring formula above and the bands. VERIFIED.
.. [S44] Rivet QIDS-SR-16 template: domain mapping and item order. VERIFIED.
.. [S29] ids-qids.org: bands 0-5 none, 6-10 mild, 11-15 moderate, 16-20 severe,
   21-27 very severe (Rush 2003). VERIFIED.
.. [S32] Licensing: free for clinicians and researchers; IVR version licensed. VERIFIED.
.. [S45], [A5] Remission <= 5 (STAR*D; Trivedi 2006 and Rush 2006). VERIFIED.
.. [A5] Relapse QIDS-SR16 >= 11 in STAR*D follow-up (Rush 2006 abstract). VERIFIED.
.. [A1] Item 12 wording (IOM 2010 Box 4-1, citing Rush 2009). VERIFIED.
"""

from __future__ import annotations

from trdcare.assessments.domain.model import (
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

SCALE_ID = "qids_sr16"


# Short paraphrases of the self-report anchors (the full wording is in the QIDS-SR16 form).
ITEMS: tuple[Item, ...] = (
    Item(
        "1",
        "Falling asleep",
        options("< 30 min", ">= 30 min, < half the time", ">= 30 min, > half the time", "> 60 min"),
    ),
    Item(
        "2",
        "Sleep during the night",
        options(
            "no waking", "restless, light sleep", "wakes, back to sleep easily", "awake >= 20 min"
        ),
    ),
    Item(
        "3",
        "Waking up too early",
        options(
            "<= 30 min early",
            "> 30 min early",
            ">= 1 h early, back to sleep",
            ">= 1 h early, awake",
        ),
    ),
    Item(
        "4",
        "Sleeping too much",
        options("<= 7-8 h", "<= 10 h", "<= 12 h", "> 12 h"),
    ),
    Item(
        "5",
        "Feeling sad",
        options("not sad", "< half the time", "> half the time", "nearly all the time"),
    ),
    Item(
        "6",
        "Decreased appetite",
        options("no change", "eats somewhat less", "eats much less, with effort", "rarely eats"),
    ),
    Item(
        "7",
        "Increased appetite",
        options("no change", "eats more often", "eats more, regularly", "driven to overeat"),
    ),
    Item(
        "8",
        "Decreased weight (within the last two weeks)",
        options("no change", "slight loss", "lost >= 2 lb", "lost >= 5 lb"),
    ),
    Item(
        "9",
        "Increased weight (within the last two weeks)",
        options("no change", "slight gain", "gained >= 2 lb", "gained >= 5 lb"),
    ),
    Item(
        "10",
        "Concentration / decision making",
        options(
            "no change",
            "occasionally indecisive",
            "struggles most of the time",
            "cannot concentrate",
        ),
    ),
    Item(
        "11",
        "View of myself",
        options(
            "as worthwhile as others",
            "more self-blaming",
            "causes problems for others",
            "constant self-criticism",
        ),
    ),
    Item(
        "12",
        "Thoughts of death or suicide",
        options(
            "I do not think of suicide or death",
            "I feel that life is empty or wonder if it's worth living",
            "thinks of suicide or death several times a week for several minutes",
            "several times a day in detail, or specific plans, or has tried",
        ),
    ),
    Item(
        "13",
        "General interest",
        options(
            "no change",
            "less interested",
            "interest in only 1-2 activities",
            "virtually no interest",
        ),
    ),
    Item(
        "14",
        "Energy level",
        options(
            "no change",
            "tires more easily",
            "big effort for daily activities",
            "cannot carry out most",
        ),
    ),
    Item(
        "15",
        "Feeling slowed down",
        options(
            "usual speed", "thinking slowed, voice dull", "seconds to respond", "unable to respond"
        ),
    ),
    Item(
        "16",
        "Feeling restless",
        options(
            "not restless",
            "often fidgety",
            "impulses to move, quite restless",
            "must pace at times",
        ),
    ),
)

DOMAINS: tuple[ScoreDomain, ...] = (
    ScoreDomain("sleep", ("1", "2", "3", "4")),
    ScoreDomain("sad mood", ("5",)),
    ScoreDomain("appetite/weight", ("6", "7", "8", "9")),
    ScoreDomain("concentration", ("10",)),
    ScoreDomain("view of self", ("11",)),
    ScoreDomain("thoughts of death or suicide", ("12",)),
    ScoreDomain("general interest", ("13",)),
    ScoreDomain("energy", ("14",)),
    ScoreDomain("psychomotor slowing/agitation", ("15", "16")),
)

RUSH_2003 = BandConvention(
    id="rush_2003",
    name="Rush et al. 2003 (ids-qids.org severity table)",
    bands=(
        Band("none", 0, 5),
        Band("mild", 6, 10),
        Band("moderate", 11, 15),
        Band("severe", 16, 20),
        Band("very_severe", 21, 27),
    ),
    provenance=Provenance(("S29", "S31"), "VERIFIED"),
)

ITEM12_RULE = SafetyRule(
    item="12",
    min_value=1,
    anchor="I feel that life is empty or wonder if it's worth living",
    provenance=Provenance(
        ("A1",),
        "VERIFIED",
        "anchor text VERIFIED [A1]; the cut-off (any answer above 0) is the one the project "
        "issue prescribes",
    ),
)

SCALE = Scale(
    id=SCALE_ID,
    name="Quick Inventory of Depressive Symptomatology, Self-Report 16 (QIDS-SR16)",
    items=ITEMS,
    total_min=0,
    total_max=27,
    domains=DOMAINS,
    conventions=(RUSH_2003,),
    default_convention=RUSH_2003.id,
    loinc=LoincCodes(None, None, Provenance((), "UNVERIFIED", "LOINC codes not found")),
    licence=(
        "Available at no cost to clinicians and researchers and may be used without "
        "permission; the IVR version is exclusively licensed (Healthcare Technology Systems)"
    ),
    licence_provenance=Provenance(("S32",), "VERIFIED"),
    missing_rule="incomplete: not scored",
    missing_rule_provenance=Provenance(
        (),
        "DERIVED",
        "no missing-item rule in the reference; a missing item of a max-of-group domain "
        "could hold the domain maximum, so any missing item leaves the total unscored",
    ),
    scoring_provenance=Provenance(
        ("S31", "S44", "S29"), "VERIFIED", "sum of 9 domain scores; 3 domains score the max item"
    ),
    safety_rules=(ITEM12_RULE,),
    remission=ThresholdRule("remission", "<=", 5, Provenance(("S45", "A5", "S29"), "VERIFIED")),
    relapse=ThresholdRule(
        "relapse",
        ">=",
        11,
        Provenance(("A5",), "VERIFIED", "STAR*D follow-up definition of relapse"),
    ),
)
