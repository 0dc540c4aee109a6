"""GAD-7: Generalized Anxiety Disorder 7-item scale.

Seven items scored 0-3 with the PHQ frequency answers, total 0-21.

The reference note labels the lowest band "none" (< 5); the project's issue asks for the
label ``minimal`` (as Spitzer's and the PHQ-9's "minimal" band), so ``minimal`` is used
for 0-4. The range and cut-points are unchanged.

References
----------
.. [S26] CamCOPS gad7.py, citing Spitzer et al. 2006 [A9]: >= 15 severe, >= 10 moderate,
   >= 5 mild, < 5 none; item wording and answers in CamCOPS extra_strings/gad7.xml.
   VERIFIED.
.. [S28] Total range 0-21. VERIFIED.
.. [S64] HL7 PHR-format IG ValueSet: total LOINC 70274-6; [S39] panel 69737-5. VERIFIED.
.. [A4] HL7 PHR-format IG GAD-7 QuestionnaireResponse example: item LOINC codes 69725-0,
   68509-9, 69733-4, 69734-2, 69735-9, 69689-8, 69736-7 with LA answer codes. Read in a
   FHIR example, not in LOINC itself: VERIFIED-secondary.
"""

from __future__ import annotations

from trdcare.assessments.domain.model import (
    Band,
    BandConvention,
    Item,
    LoincCodes,
    Scale,
    ScoreDomain,
    ThresholdRule,
)
from trdcare.assessments.domain.phq9 import FREQUENCY_OPTIONS
from trdcare.assessments.domain.sources import Provenance

SCALE_ID = "gad7"

_ITEMS: tuple[tuple[str, str, str], ...] = (
    ("1", "Feeling nervous, anxious or on edge", "69725-0"),
    ("2", "Not being able to stop or control worrying", "68509-9"),
    ("3", "Worrying too much about different things", "69733-4"),
    ("4", "Trouble relaxing", "69734-2"),
    ("5", "Being so restless that it is hard to sit still", "69735-9"),
    ("6", "Becoming easily annoyed or irritable", "69689-8"),
    ("7", "Feeling afraid as if something awful might happen", "69736-7"),
)

ITEMS: tuple[Item, ...] = tuple(
    Item(key=key, label=label, options=FREQUENCY_OPTIONS, loinc=loinc)
    for key, label, loinc in _ITEMS
)

SPITZER_2006 = BandConvention(
    id="spitzer_2006",
    name="Spitzer et al. 2006 (cut-points 5, 10, 15)",
    bands=(
        Band("minimal", 0, 4),
        Band("mild", 5, 9),
        Band("moderate", 10, 14),
        Band("severe", 15, 21),
    ),
    provenance=Provenance(
        ("S26", "A9"),
        "VERIFIED",
        "lowest band is 'none' in the reference; labelled 'minimal' as the issue requires",
    ),
)

SCALE = Scale(
    id=SCALE_ID,
    name="Generalized Anxiety Disorder 7-item scale (GAD-7)",
    items=ITEMS,
    total_min=0,
    total_max=21,
    domains=tuple(ScoreDomain(item.label, (item.key,)) for item in ITEMS),
    conventions=(SPITZER_2006,),
    default_convention=SPITZER_2006.id,
    loinc=LoincCodes(
        "69737-5",
        "70274-6",
        Provenance(("S64", "S39", "A4"), "VERIFIED", "item codes from [A4]: VERIFIED-secondary"),
    ),
    licence=(
        "Copyright Pfizer Inc. (PHQ screener family); no permission is required to reproduce, "
        "translate, display or distribute"
    ),
    licence_provenance=Provenance(("S30",), "VERIFIED", "same Pfizer PHQ family statement"),
    missing_rule="incomplete: not scored",
    missing_rule_provenance=Provenance(
        (), "DERIVED", "no missing-item rule for the GAD-7 in the reference"
    ),
    scoring_provenance=Provenance(("S26", "S28"), "VERIFIED", "total = sum of items 1-7"),
    remission=ThresholdRule(
        "remission",
        "<=",
        4,
        Provenance(
            ("S26",),
            "UNVERIFIED",
            "no GAD-7 remission definition in the reference; DERIVED from the upper edge of "
            "the 'minimal' band (< 5). Check before clinical use",
        ),
    ),
    relapse=None,
    notes=(
        "GAD-7 measures anxiety: depressive relapse is not evaluated on it",
        "IAPT 'recovery' uses GAD-7 < 8 together with PHQ-9 < 10 [S27] (not implemented here)",
    ),
)
