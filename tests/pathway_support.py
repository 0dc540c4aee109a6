"""Test patients for the options engine (tests/pathway): histories (docs/history-file.md) and facts files."""

from __future__ import annotations

import copy
from typing import Any

from trdcare.esketamine.domain.eligibility import question_ids as esketamine_questions
from trdcare.psilocybin.domain.protocol import exclusion_questions
from trdcare.tms.domain.screening import questionnaire
from trdcare.vns.domain.catalogue import load as vns_catalogue


def _trial(drug: str, dose: float, start: str, end: str | None, outcome: str) -> dict[str, Any]:
    return {
        "drug": drug,
        "max_daily_dose_mg": dose,
        "start": start,
        "end": end,
        "adherence": "good",
        "outcome": outcome,
    }


def history(
    trials: list[dict[str, Any]],
    *,
    onset: str = "2021-01-01",
    as_of: str = "2025-03-01",
    severity: str = "moderate",
    psychotherapy: int = 0,
) -> dict[str, Any]:
    return {
        "episode": {"onset": onset, "as_of": as_of, "severity": severity},
        "antidepressant_trials": trials,
        "augmentation_trials": [],
        "ect_courses": [],
        "psychotherapy_courses": [
            {
                "modality": "cbt",
                "start": "2022-01-01",
                "end": "2022-04-01",
                "outcome": "no_response",
            }
        ]
        * psychotherapy,
    }


#: Four failed adequate trials (resistant; enough for VNS and DBS), an ongoing oral AD.
RESISTANT = history(
    [
        _trial("sertraline", 200, "2021-02-01", "2021-05-30", "no_response"),
        _trial("venlafaxine", 225, "2021-06-01", "2021-10-01", "no_response"),
        _trial("mirtazapine", 45, "2021-11-01", "2022-03-01", "no_response"),
        _trial("escitalopram", 20, "2022-04-01", "2022-08-01", "no_response"),
        _trial("duloxetine", 60, "2024-10-01", None, "ongoing"),
    ],
    psychotherapy=1,
)
RESISTANT_PSYCHOSIS = copy.deepcopy(RESISTANT)
RESISTANT_PSYCHOSIS["episode"]["severity"] = "severe_with_psychosis"
#: One failed adequate trial and one stopped for intolerance: not resistant.
ONE_FAILED = history(
    [
        _trial("sertraline", 200, "2024-02-01", "2024-04-30", "no_response"),
        _trial("mirtazapine", 45, "2024-05-01", "2024-05-20", "intolerance"),
        _trial("duloxetine", 60, "2024-10-01", None, "ongoing"),
    ]
)
#: Only an ongoing trial: nothing has failed.
NONE_FAILED = history([_trial("sertraline", 100, "2025-01-01", None, "ongoing")])
#: One failed adequate trial and a failed trial of unknown adherence: TRD undetermined.
UNDETERMINED = history(
    [
        _trial("sertraline", 200, "2024-02-01", "2024-04-30", "no_response"),
        {
            **_trial("venlafaxine", 225, "2024-05-01", "2024-08-30", "no_response"),
            "adherence": "unknown",
        },
        _trial("duloxetine", 60, "2024-10-01", None, "ongoing"),
    ]
)


def tms_screen(**yes: bool) -> dict[str, Any]:
    return {
        "instrument": "rossi2011",
        "answers": {i.id: yes.get(i.id, False) for i in questionnaire("rossi2011").items},
    }


def esketamine_screen(**yes: bool) -> dict[str, Any]:
    return {"answers": {q: yes.get(q, False) for q in esketamine_questions()}}


def psilocybin_screen(**yes: bool) -> dict[str, Any]:
    return {"answers": {q[0]: yes.get(q[0], False) for q in exclusion_questions()}}


def vns_answers(**exclusions: str) -> dict[str, Any]:
    return {
        "lifetime_episodes": 4,
        "medication_stable": "yes",
        "exclusions": {e.id: exclusions.get(e.id, "no") for e in vns_catalogue().exclusions},
        "scale_visits": [
            {"on": "2025-02-01", "scale": "madrs", "total": 30},
            {"on": "2025-02-20", "scale": "madrs", "total": 31},
        ],
    }


DBS_ANSWERS = {
    "diagnosis": "mdd",
    "psychotic_features": "no",
    "research_protocol": "yes",
    "protocol_ref": "NCT-TEST",
    "latest_hamd17": {"on": "2025-02-20", "total": 24},
}


def facts(**changes: Any) -> dict[str, Any]:
    """A complete facts file (every screen answered no, age 40), with ``changes``."""
    doc: dict[str, Any] = {
        "age_years": 40,
        "tms_screen": tms_screen(),
        "esketamine_screen": esketamine_screen(),
        "vns": vns_answers(),
        "dbs": DBS_ANSWERS,
        "psilocybin_screen": psilocybin_screen(),
    }
    for key, value in changes.items():
        if value is None:
            doc.pop(key, None)
        else:
            doc[key] = value
    return doc
