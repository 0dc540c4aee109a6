"""What the pathway engine reads about one patient, in the core vocabulary.

The pathway service fills these from the other rooms (their services on the database path,
their pure functions fed from the history file and the facts file on the file path); this
room's domain never imports another room. Each therapy room's verdict arrives as a
:class:`RoomVerdict`: the room's own outcome translated into five words, with the room's
reasons (its rules, inputs and sources) kept as they were.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from trdcare.core.provenance import Reason

#: ``clear``: the room found nothing against the therapy; ``caution``: it found items a
#: physician weighs (warnings, a relative contraindication, a review); ``contraindicated``: a
#: finding the room treats as excluding; ``not_met``: an indication or candidacy criterion is
#: unmet; ``incomplete``: what the room needs is not recorded.
RoomOutcome = Literal["clear", "caution", "contraindicated", "not_met", "incomplete"]
ROOM_OUTCOMES: tuple[RoomOutcome, ...] = (
    "clear",
    "caution",
    "contraindicated",
    "not_met",
    "incomplete",
)
TrdFinding = Literal["resistant", "not_resistant", "insufficient_information", "no_history"]


@dataclass(frozen=True, slots=True)
class RoomVerdict:
    """A therapy room's verdict on the patient.

    Parameters
    ----------
    room : str
        The room that decided (``"tms"``, ``"esketamine"``...).
    outcome : RoomOutcome
    summary : str
        The verdict in the clinic's words (e.g. "TMS safety screen (Rossi 2011) of
        2026-11-02: caution").
    reasons : tuple of Reason
        The items behind the outcome: each block, unmet or unknown criterion, or warning.
    """

    room: str
    outcome: RoomOutcome
    summary: str
    reasons: tuple[Reason, ...] = ()


@dataclass(frozen=True, slots=True)
class HistorySummary:
    """The history room's verdicts on the current episode.

    Parameters
    ----------
    trd_status : TrdFinding
        The history room's TRD status (``no_history`` when none is recorded).
    failed_adequate_trials : int or None
        Failed adequate antidepressant trials counted by the history room's rule.
    intolerance_trials : int
        Antidepressant trials stopped for intolerance (payer TMS criteria accept intolerance).
    count_text : str
        The count against the criterion, as the history room words it.
    stage_text : str
        The staging (Maudsley, Thase-Rush, MGH-S) as one line.
    episode_severity : str or None
    psychotherapy_courses, ect_courses : int
    on_antidepressant : bool
        An antidepressant trial is ongoing on the day judged.
    trd_reasons : tuple of Reason
        The history room's TRD rule with its sources.
    """

    trd_status: TrdFinding
    failed_adequate_trials: int | None = None
    intolerance_trials: int = 0
    count_text: str = ""
    stage_text: str = ""
    episode_severity: str | None = None
    psychotherapy_courses: int = 0
    ect_courses: int = 0
    on_antidepressant: bool = False
    trd_reasons: tuple[Reason, ...] = ()


@dataclass(frozen=True, slots=True)
class PgxSummary:
    """Pharmacogenomic results on record (gene and phenotype) and the drug advice they give."""

    results: tuple[tuple[str, str], ...] = ()
    advice: tuple[Reason, ...] = ()


@dataclass(frozen=True, slots=True)
class Preferences:
    """What the patient has said: wants a drug-free option; cannot attend daily."""

    drug_free: bool = False
    cannot_attend_daily: bool = False


@dataclass(frozen=True, slots=True)
class EctIndications:
    """The first-line ECT indications the clinician has recorded (``None``: not recorded).

    The episode's psychotic features come from the history's severity, not from here.
    """

    catatonia: bool | None = None
    severe_suicidality: bool | None = None
    prior_ect_response: bool | None = None
    rapid_response_needed: bool | None = None

    def present(self) -> tuple[str, ...]:
        names = {
            "catatonia": "catatonia",
            "severe_suicidality": "severe suicidality",
            "prior_ect_response": "a prior good response to ECT",
            "rapid_response_needed": "a need for a rapid response",
        }
        return tuple(words for key, words in names.items() if getattr(self, key))


@dataclass(frozen=True, slots=True)
class ClinicianFinding:
    """A contraindication the clinician recorded against one therapy, in their words."""

    therapy: str
    finding: str
    recorded_by: str = "the clinician"


@dataclass(frozen=True, slots=True)
class PatientFacts:
    """Everything the engine reads about one patient on ``as_of``.

    ``rooms`` maps a therapy id to its room's verdict; a therapy with a room but no entry
    has no recorded screen or candidacy (the engine says what is missing).
    """

    as_of: date
    history: HistorySummary
    rooms: Mapping[str, RoomVerdict] = field(default_factory=dict)
    pgx: PgxSummary | None = None
    preferences: Preferences = Preferences()
    ect: EctIndications = EctIndications()
    clinician_findings: tuple[ClinicianFinding, ...] = ()
    lab_notes: tuple[Reason, ...] = ()
