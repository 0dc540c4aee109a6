"""The course report: one treatment course for the referring clinician and the record.

Protocol, dates, sessions given against planned, adverse events, the score trajectory and
response and remission by the assessments room's one outcome rule (``course_outcome``,
applied by the service; its verdict and explanation are copied here, never re-judged).

Pure: the service gathers the facts from the rooms' services.

References
----------
.. [1] trdcare.assessments.domain.outcomes (response, remission and their sources).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from trdcare.core.provenance import JSONDict


@dataclass(frozen=True, slots=True)
class EventFact:
    """One adverse event of the course."""

    on: date | None
    session_number: int | None
    kind: str
    severity: str
    serious: bool
    description: str
    acknowledged_by: str | None

    def to_dict(self) -> JSONDict:
        return {
            "on": None if self.on is None else self.on.isoformat(),
            "session_number": self.session_number,
            "kind": self.kind,
            "severity": self.severity,
            "serious": self.serious,
            "description": self.description,
            "acknowledged_by": self.acknowledged_by,
        }


@dataclass(frozen=True, slots=True)
class OutcomeFact:
    """The outcome rule's verdict on the course's primary scale."""

    scale_name: str
    baseline_total: int
    baseline_on: date
    latest_total: int
    latest_on: date
    percent_change: float | None
    response: bool
    partial_response: bool
    remission: bool
    response_rule: str
    remission_rule: str
    explanation: tuple[str, ...]
    #: The totals at which the rule calls response and remission (the chart's lines).
    response_at: float
    remission_at: int

    def to_dict(self) -> JSONDict:
        return {
            "scale": self.scale_name,
            "baseline_total": self.baseline_total,
            "baseline_on": self.baseline_on.isoformat(),
            "latest_total": self.latest_total,
            "latest_on": self.latest_on.isoformat(),
            "percent_change": self.percent_change,
            "response": self.response,
            "partial_response": self.partial_response,
            "remission": self.remission,
            "response_rule": self.response_rule,
            "remission_rule": self.remission_rule,
            "explanation": list(self.explanation),
            "response_at": self.response_at,
            "remission_at": self.remission_at,
        }


@dataclass(frozen=True, slots=True)
class ScorePoint:
    on: date
    total: int
    severity: str | None

    def to_dict(self) -> JSONDict:
        return {"on": self.on.isoformat(), "total": self.total, "severity": self.severity}


@dataclass(frozen=True, slots=True)
class Notice:
    """A regulatory mark the course's room shows on its own pages (OFF-LABEL,
    INVESTIGATIONAL, RESEARCH PROTOCOL OR REGULATED PROGRAMME ONLY), with its words."""

    mark: str
    text: str

    def to_dict(self) -> JSONDict:
        return {"mark": self.mark, "text": self.text}


@dataclass(frozen=True, slots=True)
class SessionGroup:
    """One kind of session of the course (infusions, titration visits, dosing days...):
    how many were given, against the plan where the room records one, and on which days.

    ``planned_words`` says, in the clinic's words, why there is no planned number (for
    example "not planned: titration goes visit by visit"); ``rule`` says how "given" is
    counted where that is not obvious.
    """

    label: str
    given: int
    planned: int | None
    days: tuple[date, ...]
    planned_words: str | None = None
    rule: str | None = None

    @property
    def text(self) -> str:
        if self.planned is not None:
            return f"{self.given} of {self.planned} planned"
        return f"{self.given} given ({self.planned_words or 'no planned number recorded'})"

    def to_dict(self) -> JSONDict:
        return {
            "label": self.label,
            "given": self.given,
            "planned": self.planned,
            "text": self.text,
            "days": [d.isoformat() for d in self.days],
            "rule": self.rule,
        }


@dataclass(frozen=True, slots=True)
class CourseReport:
    """Everything the course report shows, in the clinic's words."""

    as_of: date
    patient_ref: str
    patient_name: str
    birth_date: date
    course_ref: str
    modality: str
    therapy_label: str
    status: str
    start_date: date
    end_date: date | None
    protocol_name: str | None
    protocol_details: tuple[tuple[str, str], ...]
    sessions_planned: int | None
    sessions_given: int | None
    session_days: tuple[date, ...]
    adverse_events: tuple[EventFact, ...]
    scale_id: str
    scale_name: str
    scores: tuple[ScorePoint, ...]
    outcome: OutcomeFact | None
    #: The room's regulatory marks, shown at the top.
    notices: tuple[Notice, ...] = ()
    #: Each kind of session given, with its days (one group for most rooms; psilocybin has
    #: preparation sessions, dosing days and integration sessions).
    session_groups: tuple[SessionGroup, ...] = ()
    #: What the report says in place of a planned number where the room records none.
    planned_words: str | None = None
    #: Why the sessions given are not shown, where they are not (in words).
    sessions_note: str | None = None

    @property
    def sessions_text(self) -> str:
        """Sessions given against planned, in words (what is not recorded is said so)."""
        given, planned = self.sessions_given, self.sessions_planned
        if given is None:
            why = self.sessions_note or "not recorded for this kind of course"
            if planned is None:
                return f"sessions given: {why}"
            return f"{planned} planned (sessions given: {why})"
        if planned is None:
            return f"{given} given ({self.planned_words or 'no planned number recorded'})"
        return f"{given} of {planned} planned"

    @property
    def serious_events(self) -> int:
        return sum(1 for e in self.adverse_events if e.serious)

    @property
    def outcome_text(self) -> str:
        o = self.outcome
        if o is None:
            return f"no complete {self.scale_name} score during the course: no outcome can be given"
        if o.remission:
            word = "remission"
        elif o.response:
            word = "response"
        elif o.partial_response:
            word = "partial response"
        else:
            word = "no response"
        return word

    def to_dict(self) -> JSONDict:
        return {
            "as_of": self.as_of.isoformat(),
            "patient": {
                "ref": self.patient_ref,
                "name": self.patient_name,
                "birth_date": self.birth_date.isoformat(),
            },
            "course": {
                "ref": self.course_ref,
                "modality": self.modality,
                "therapy": self.therapy_label,
                "status": self.status,
                "start_date": self.start_date.isoformat(),
                "end_date": None if self.end_date is None else self.end_date.isoformat(),
                "protocol": self.protocol_name,
                "protocol_details": dict(self.protocol_details),
                "sessions_planned": self.sessions_planned,
                "sessions_given": self.sessions_given,
                "sessions": self.sessions_text,
                "session_groups": [g.to_dict() for g in self.session_groups],
            },
            "notices": [n.to_dict() for n in self.notices],
            "adverse_events": [e.to_dict() for e in self.adverse_events],
            "scale": self.scale_id,
            "scores": [s.to_dict() for s in self.scores],
            "outcome": None if self.outcome is None else self.outcome.to_dict(),
            "outcome_text": self.outcome_text,
        }
