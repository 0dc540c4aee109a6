"""The prior-authorization packet for TMS or esketamine: the record's facts in the order an
insurer reads them, and every item an insurer commonly asks for that the record lacks,
listed as missing with what exactly is missing (never left blank).

Pure: the service gathers the facts from the other rooms' services (history, assessments,
TMS, esketamine) and hands them here; this module decides nothing clinical. Adequacy and
TRD status are the history room's verdicts under its named criteria, copied as given.

References
----------
.. [1] shared/reference/tms.md §6.2 (CMS LCD L34998, L37086; Ambetter CP.BH.200).
.. [2] shared/reference/product-anchors.md §1 (Osmind's prior-authorization documentation
   list; billing codes).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

from trdcare.core.errors import InvalidInput
from trdcare.core.provenance import JSONDict
from trdcare.reports.domain.catalogue import BillingCode, CodeSet, PacketItem, packet_items
from trdcare.reports.domain.data_schema import THERAPIES

THERAPY_LABELS: Mapping[str, str] = {
    "tms": "Transcranial magnetic stimulation (TMS)",
    "esketamine": "Esketamine nasal spray",
}
#: Scales an insurer reads as depression severity (tms.md §6.2, product-anchors.md §1).
SEVERITY_SCALES: tuple[str, ...] = ("phq9", "hamd17", "madrs")
SUICIDE_SCREEN_SCALE = "cssrs_screener"


def check_therapy(therapy: str) -> str:
    """The therapy id, or an error naming the field and the allowed ids."""
    if therapy not in THERAPIES:
        raise InvalidInput.single(
            "therapy", "is not a therapy with a packet", allowed=", ".join(THERAPIES), given=therapy
        )
    return therapy


@dataclass(frozen=True, slots=True)
class TrialFact:
    """One antidepressant trial as the history records it, with the history room's verdict."""

    number: int
    drug: str
    drug_class: str
    max_daily_dose_mg: float | None
    start: date
    end: date | None
    weeks: float
    adherence: str | None
    outcome: str
    adequate: bool | None
    counts_as_failure: bool
    could_count: bool
    in_current_episode: bool
    reasons: tuple[str, ...]

    def missing(self) -> tuple[str, ...]:
        out = []
        if self.max_daily_dose_mg is None:
            out.append("dose")
        if self.adherence is None:
            out.append("adherence")
        return tuple(out)

    def to_dict(self) -> JSONDict:
        return {
            "number": self.number,
            "drug": self.drug,
            "drug_class": self.drug_class,
            "max_daily_dose_mg": self.max_daily_dose_mg,
            "start": self.start.isoformat(),
            "end": None if self.end is None else self.end.isoformat(),
            "weeks": self.weeks,
            "adherence": self.adherence,
            "outcome": self.outcome,
            "adequate": self.adequate,
            "counts_as_failure": self.counts_as_failure,
            "in_current_episode": self.in_current_episode,
            "reasons": list(self.reasons),
            "missing": list(self.missing()),
        }


@dataclass(frozen=True, slots=True)
class OtherTreatment:
    """A psychotherapy or ECT course of the history."""

    kind: str
    name: str
    start: date
    end: date | None
    sessions: int | None
    outcome: str

    def to_dict(self) -> JSONDict:
        return {
            "kind": self.kind,
            "name": self.name,
            "start": self.start.isoformat(),
            "end": None if self.end is None else self.end.isoformat(),
            "sessions": self.sessions,
            "outcome": self.outcome,
        }


@dataclass(frozen=True, slots=True)
class ScoreFact:
    """The latest complete score of one scale."""

    scale_id: str
    scale_name: str
    total: int | None
    severity: str | None
    on: date
    finding: str = ""

    def to_dict(self) -> JSONDict:
        return {
            "scale": self.scale_id,
            "scale_name": self.scale_name,
            "total": self.total,
            "severity": self.severity,
            "on": self.on.isoformat(),
            "finding": self.finding,
        }


@dataclass(frozen=True, slots=True)
class ScreenFact:
    """The therapy's safety screen as its room recorded it."""

    name: str
    on: date | None
    verdict: str
    findings: tuple[str, ...]
    acknowledged_by: str | None

    def to_dict(self) -> JSONDict:
        return {
            "name": self.name,
            "on": None if self.on is None else self.on.isoformat(),
            "verdict": self.verdict,
            "findings": list(self.findings),
            "acknowledged_by": self.acknowledged_by,
        }


@dataclass(frozen=True, slots=True)
class ProtocolFact:
    """The planned course of the therapy."""

    name: str
    start: date
    sessions_planned: int | None
    details: tuple[tuple[str, str], ...]
    ordered_by: str | None
    course_ref: str

    def to_dict(self) -> JSONDict:
        return {
            "name": self.name,
            "start": self.start.isoformat(),
            "sessions_planned": self.sessions_planned,
            "details": dict(self.details),
            "ordered_by": self.ordered_by,
            "course_ref": self.course_ref,
        }


@dataclass(frozen=True, slots=True)
class PacketFacts:
    """Everything the record holds for a packet (gathered by the service)."""

    therapy: str
    as_of: date
    patient_ref: str
    patient_name: str
    birth_date: date
    sex: str
    episode_onset: date | None
    episode_severity: str | None
    trd_status: str | None
    trd_count: str | None
    criteria_name: str | None
    criteria_source: str | None
    trials: tuple[TrialFact, ...]
    psychotherapy: tuple[OtherTreatment, ...]
    ect: tuple[OtherTreatment, ...]
    scores: tuple[ScoreFact, ...]
    suicide_screen: ScoreFact | None
    safety_screen: ScreenFact | None
    protocol: ProtocolFact | None


@dataclass(frozen=True, slots=True)
class MissingItem:
    """An item the insurer commonly asks for that the record lacks, and what is missing."""

    item: PacketItem
    what: str

    def to_dict(self) -> JSONDict:
        return {
            "item": self.item.id,
            "label": self.item.label,
            "missing": self.what,
            "source": self.item.source.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class PriorAuthPacket:
    facts: PacketFacts
    items: tuple[PacketItem, ...]
    missing: tuple[MissingItem, ...]
    codes: tuple[BillingCode, ...]
    codes_version: str
    codes_origin: str

    @property
    def therapy_label(self) -> str:
        return THERAPY_LABELS[self.facts.therapy]

    @property
    def unverified_codes(self) -> tuple[BillingCode, ...]:
        return tuple(c for c in self.codes if c.status != "VERIFIED")

    def to_dict(self) -> JSONDict:
        f = self.facts
        return {
            "therapy": f.therapy,
            "therapy_label": self.therapy_label,
            "as_of": f.as_of.isoformat(),
            "patient": {
                "ref": f.patient_ref,
                "name": f.patient_name,
                "birth_date": f.birth_date.isoformat(),
                "sex": f.sex,
            },
            "diagnosis": {
                "episode_onset": None if f.episode_onset is None else f.episode_onset.isoformat(),
                "episode_severity": f.episode_severity,
                "trd_status": f.trd_status,
                "trd_count": f.trd_count,
                "adequacy_criteria": f.criteria_name,
                "adequacy_criteria_source": f.criteria_source,
            },
            "antidepressant_trials": [t.to_dict() for t in f.trials],
            "psychotherapy": [p.to_dict() for p in f.psychotherapy],
            "ect": [e.to_dict() for e in f.ect],
            "scores": [s.to_dict() for s in f.scores],
            "suicide_screen": None if f.suicide_screen is None else f.suicide_screen.to_dict(),
            "safety_screen": None if f.safety_screen is None else f.safety_screen.to_dict(),
            "planned_protocol": None if f.protocol is None else f.protocol.to_dict(),
            "codes": {
                "version": self.codes_version,
                "origin": self.codes_origin,
                "entries": [c.to_dict() for c in self.codes],
            },
            "missing": [m.to_dict() for m in self.missing],
        }


# -- what each item needs from the record ------------------------------------------------


def _diagnosis_code(f: PacketFacts) -> str:
    # The record keeps the episode (onset, severity), not a coded diagnosis.
    return "trdcare does not record a coded diagnosis; add the ICD-10-CM code by hand"


def _episode(f: PacketFacts) -> str:
    if f.episode_onset is None:
        return "no current episode recorded (import the treatment history)"
    return ""


def _trials(f: PacketFacts) -> str:
    if not f.trials:
        return "no antidepressant trial recorded"
    gaps = [
        f"trial {t.number} ({t.drug}): {' and '.join(t.missing())}" for t in f.trials if t.missing()
    ]
    return "; ".join(gaps)


def _adequacy(f: PacketFacts) -> str:
    if not f.trials:
        return "no antidepressant trial to judge"
    open_ = [t for t in f.trials if t.could_count]
    if open_:
        return "; ".join(
            f"trial {t.number} ({t.drug}) failed but its adequacy cannot be judged: "
            + ("; ".join(t.reasons) if t.reasons else "not enough information")
            for t in open_
        )
    return ""


def _psychotherapy(f: PacketFacts) -> str:
    return "" if f.psychotherapy else "no psychotherapy trial recorded"


def _ect(f: PacketFacts) -> str:
    return "" if f.ect else "no ECT course recorded, nor why it was not given"


def _scores(f: PacketFacts) -> str:
    if any(s.scale_id in SEVERITY_SCALES for s in f.scores):
        return ""
    return "no complete PHQ-9, HAM-D17 or MADRS score recorded"


def _suicide(f: PacketFacts) -> str:
    return "" if f.suicide_screen is not None else "no C-SSRS screen recorded"


def _safety(f: PacketFacts) -> str:
    if f.safety_screen is not None:
        return ""
    if f.therapy == "tms":
        return "no TMS safety screen recorded"
    return "no esketamine eligibility screen recorded (it is made when the course is planned)"


def _height_weight(f: PacketFacts) -> str:
    return "trdcare does not record height and weight; add them by hand"


def _protocol(f: PacketFacts) -> str:
    if f.protocol is not None:
        return ""
    return f"no {THERAPY_LABELS[f.therapy]} course planned"


def _physician(f: PacketFacts) -> str:
    if f.protocol is None:
        return "no planned course, so no ordering physician"
    if not f.protocol.ordered_by:
        return "the plan does not name the ordering physician"
    return ""


def _codes(f: PacketFacts) -> str:
    return ""  # the codes come from the room's data file; their status is shown beside them


def _insurance(f: PacketFacts) -> str:
    return "trdcare does not record insurance; add the plan and member number by hand"


#: What each item of ``prior_auth_items.json`` needs (empty answer: present).
CHECKS: Mapping[str, Callable[[PacketFacts], str]] = {
    "diagnosis_code": _diagnosis_code,
    "episode": _episode,
    "antidepressant_trials": _trials,
    "trial_adequacy": _adequacy,
    "psychotherapy": _psychotherapy,
    "ect": _ect,
    "severity_scores": _scores,
    "suicide_risk": _suicide,
    "safety_screen": _safety,
    "height_weight": _height_weight,
    "planned_protocol": _protocol,
    "ordering_physician": _physician,
    "billing_codes": _codes,
    "insurance": _insurance,
}


def assemble_packet(
    facts: PacketFacts, codes: CodeSet, items: tuple[PacketItem, ...] | None = None
) -> PriorAuthPacket:
    """The packet of ``facts.therapy``: its items, the missing ones with what is missing,
    and the therapy's codes with their status.

    Raises
    ------
    InvalidInput
        ``therapy`` is not one of :data:`THERAPIES`; an item of the data file has no check
        (a data file and this module out of step).
    """
    check_therapy(facts.therapy)
    chosen = tuple(i for i in (items or packet_items()) if facts.therapy in i.therapies)
    unknown = [i.id for i in chosen if i.id not in CHECKS]
    if unknown:
        raise InvalidInput.single(
            "items", "has no rule for this item", allowed=", ".join(CHECKS), given=unknown
        )
    missing = []
    for item in chosen:
        what = CHECKS[item.id](facts)
        if what:
            missing.append(MissingItem(item, what))
    therapy_codes = codes.for_therapy(facts.therapy)
    if not therapy_codes:
        codes_item = next((i for i in chosen if i.id == "billing_codes"), None)
        if codes_item is not None:
            missing.append(MissingItem(codes_item, "the codes file has no code for this therapy"))
    return PriorAuthPacket(
        facts=facts,
        items=chosen,
        missing=tuple(missing),
        codes=therapy_codes,
        codes_version=codes.version,
        codes_origin=codes.origin,
    )
