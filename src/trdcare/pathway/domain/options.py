"""The treatment-options engine: every therapy trdcare knows, with a status for one patient.

Statuses (``docs/pathway.md``):

``contraindicated``
    A finding excludes the therapy (a therapy room's screen, or a contraindication the
    clinician recorded). Outranks every other status.
``not_indicated``
    A criterion of the therapy's indication or candidacy is unmet (e.g. fewer failed adequate
    trials than the indication needs).
``needs_information``
    What the decision needs is not recorded; the option says exactly what.
``investigational_only``
    Nothing above applies, and the therapy is given only in a research protocol or a
    regulated programme (DBS, psilocybin, neurofeedback).
``available``
    Nothing above applies.

When several apply, the first in that order wins and every reason is kept. Stated preferences
(a drug-free option; cannot attend daily) never change a status: they are shown beside it as
conflicts, because the clinician and patient weigh them.

The criteria are data with sources: the therapy rooms' own verdicts arrive as
:class:`~trdcare.pathway.domain.facts.RoomVerdict` (their rules, reused), and the pathway's own
few criteria (TMS and PGx after at least 1 failure, TRD for IV ketamine, ECT and psilocybin)
sit in ``data/options.json`` with the guideline position, evidence headline and expected time
to response of each therapy.

Order: by the working sequencing model's step, then the evidence level, then catalogue
order (the ``ordering`` entry of the data file, DESIGN). No score is computed.

References
----------
.. [1] modalities.md §7 (guideline sequencing; working model, DESIGN ASSUMPTION).
.. [2] modalities.md §1-§6 and tms.md §1.2, §6 for each therapy's entries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from trdcare.core.errors import IssueCollector
from trdcare.core.provenance import JSONDict, Reason, Source, Status, reasons_status
from trdcare.pathway.domain.catalogue import entry_dict, load, reason, sources_of
from trdcare.pathway.domain.data_schema import THERAPY_IDS, Criterion, Therapy
from trdcare.pathway.domain.facts import PatientFacts, RoomVerdict

OptionStatus = Literal[
    "contraindicated", "not_indicated", "needs_information", "investigational_only", "available"
]
#: Precedence, strongest first: the first that applies is the option's status.
PRECEDENCE: tuple[OptionStatus, ...] = (
    "contraindicated",
    "not_indicated",
    "needs_information",
    "investigational_only",
    "available",
)
STATUS_WORDS: dict[str, str] = {
    "contraindicated": "Contraindicated",
    "not_indicated": "Not indicated",
    "needs_information": "Needs information",
    "investigational_only": "Investigational only",
    "available": "Available",
}
#: Therapies whose room gives its own verdict (screen or candidacy).
ROOM_OF: dict[str, str] = {
    "tms": "TMS safety screen",
    "esketamine": "esketamine eligibility screen",
    "vns": "VNS candidacy",
    "dbs": "DBS candidacy",
    "psilocybin": "psilocybin exclusion screen",
}
_ROOM_STATUS: dict[str, OptionStatus | None] = {
    "contraindicated": "contraindicated",
    "not_met": "not_indicated",
    "incomplete": "needs_information",
    "caution": None,
    "clear": None,
}
_CLINICIAN = Source(
    citation="the clinician's recorded finding", status="VERIFIED", where="", tag="clinician"
)
# A finding read off the patient's own record (a count, a screen not yet answered, a stated
# preference) cites no publication; it cites the record, and the record is not a verified
# clinical source, so such a reason is DERIVED rather than VERIFIED by default.
RECORD_SOURCE = Source(
    citation="the patient's record in trdcare (what was entered, counted here)",
    status="DERIVED",
    where="",
    tag="record",
)


def _cited(why: Reason) -> Reason:
    """``why`` itself, or with the record as its source when it cites none."""
    if why.sources:
        return why
    return Reason(why.rule, why.finding, why.inputs, (RECORD_SOURCE,))


@dataclass(frozen=True, slots=True)
class Option:
    """One therapy's option for the patient.

    ``decisive`` are the reasons that set the status (each unmet criterion, missing datum or
    excluding finding); ``context`` the others (TRD status and stage, cautions, PGx, labs);
    ``preference_conflicts`` the stated preferences the therapy does not meet.
    """

    therapy: Therapy
    status: OptionStatus
    decisive: tuple[Reason, ...]
    context: tuple[Reason, ...]
    preference_conflicts: tuple[Reason, ...]
    rank: int = 0

    @property
    def reasons(self) -> tuple[Reason, ...]:
        return (*self.decisive, *self.preference_conflicts, *self.context)

    @property
    def provenance_status(self) -> Status:
        t = self.therapy
        entries = [t.guideline, t.evidence, t.time_to_response]
        return reasons_status(
            [*self.reasons, *(Reason(e.text, e.text, {}, sources_of(e)) for e in entries)]
        )

    def to_dict(self) -> JSONDict:
        t = self.therapy
        levels = {lv.id: lv.label for lv in load().evidence_levels}
        return {
            "rank": self.rank,
            "therapy": t.id,
            "label": t.label,
            "status": self.status,
            "status_text": STATUS_WORDS[self.status],
            "reasons": [
                {**r.to_dict(), "kind": kind}
                for kind, group in (
                    ("decisive", self.decisive),
                    ("preference", self.preference_conflicts),
                    ("context", self.context),
                )
                for r in group
            ],
            "expected_time_to_response": entry_dict(t.time_to_response),
            "evidence": {
                **entry_dict(t.evidence),
                "level": t.evidence.level,
                "level_text": levels[t.evidence.level],
            },
            "guideline": {**entry_dict(t.guideline), "step": t.guideline.step},
            "schedule": entry_dict(t.schedule) if t.schedule else None,
            "drug_free": t.drug_free,
            "preference_conflicts": [r.finding for r in self.preference_conflicts],
            "provenance_status": self.provenance_status,
        }


@dataclass(frozen=True, slots=True)
class OptionsReport:
    """Every therapy's option, in the stated order."""

    as_of: str
    options: tuple[Option, ...]
    context: tuple[Reason, ...]

    def unverified(self) -> list[str]:
        """Each UNVERIFIED fact the options use, once, in order."""
        seen: list[str] = [
            f"Treatment history: {r.finding}" for r in self.context if r.status == "UNVERIFIED"
        ]
        for option in self.options:
            t = option.therapy
            entries = [(t.guideline, "guideline"), (t.evidence, "evidence")]
            entries.append((t.time_to_response, "expected time to response"))
            for entry, what in entries:
                if entry.status == "UNVERIFIED":
                    line = f"{t.label}: {what}: {entry.text}"
                    if line not in seen:
                        seen.append(line)
            for r in option.reasons:
                if r.status == "UNVERIFIED" and r.rule != "history_trd_status":
                    line = f"{t.label}: {r.finding}"
                    if line not in seen:
                        seen.append(line)
        return seen

    def to_dict(self) -> JSONDict:
        data = load()
        return {
            "as_of": self.as_of,
            "options": [o.to_dict() for o in self.options],
            "ordering_rule": entry_dict(data.ordering),
            "status_precedence": list(PRECEDENCE),
            "context": [r.to_dict() for r in self.context],
            "unverified": list(self.unverified()),
            "catalogue_version": data.version,
        }


def check_therapy_ids(ids: Sequence[str], field: str = "therapy") -> None:
    """Refuse an unknown therapy id, naming the field, the allowed ids and what was given."""
    issues = IssueCollector()
    for i, value in enumerate(ids):
        if value not in THERAPY_IDS:
            path = field if len(ids) == 1 else f"{field}.{i}"
            issues.add(path, "unknown therapy", allowed=", ".join(THERAPY_IDS), given=value)
    issues.raise_if_any()


class _Collect:
    """The (status, reason) items one therapy's rules produce."""

    def __init__(self) -> None:
        self.items: list[tuple[OptionStatus, Reason]] = []
        self.context: list[Reason] = []
        self.conflicts: list[Reason] = []

    def decide(self, status: OptionStatus, why: Reason) -> None:
        self.items.append((status, _cited(why)))

    def status(self, base: OptionStatus) -> tuple[OptionStatus, tuple[Reason, ...]]:
        found = {s for s, _ in self.items}
        for s in PRECEDENCE:
            if s in found:
                return s, tuple(r for st, r in self.items if st == s)
        return base, ()

    def rest(self, status: OptionStatus) -> list[Reason]:
        """Reasons of the weaker statuses (still shown: e.g. what is missing besides an
        unmet criterion)."""
        return [r for s, r in self.items if s != status]


def _history_reason(facts: PatientFacts) -> Reason | None:
    h = facts.history
    if h.trd_status == "no_history":
        return None
    words = h.trd_status.replace("_", " ")
    finding = f"TRD status: {words} ({h.count_text})." if h.count_text else f"TRD status: {words}."
    if h.stage_text:
        finding += f" {h.stage_text}."
    sources = tuple(s for r in h.trd_reasons for s in r.sources)
    return Reason(
        "history_trd_status",
        finding,
        {"trd_status": h.trd_status, "failed_adequate_trials": h.failed_adequate_trials},
        sources,
    )


def _no_history(t: Therapy) -> Reason:
    return Reason(
        "needs_history",
        "No treatment history is recorded: import the current episode and its trials "
        "(docs/history-file.md) to judge this option.",
        {"therapy": t.id},
    )


def _failures(c: _Collect, facts: PatientFacts, t: Therapy, crit: Criterion) -> None:
    """At least ``crit.value`` failed adequate trials, intolerance counted."""
    h = facts.history
    if h.failed_adequate_trials is None:
        return
    n = h.failed_adequate_trials + h.intolerance_trials
    inputs = {
        "failed_adequate_trials": h.failed_adequate_trials,
        "intolerance_trials": h.intolerance_trials,
        "required": crit.value,
    }
    if n >= crit.value:
        c.context.append(
            reason(
                f"{t.id}_min_failed_trials",
                crit,
                f"{crit.text} Met: {h.failed_adequate_trials} failed adequate and "
                f"{h.intolerance_trials} intolerance trial(s) recorded.",
                **inputs,
            )
        )
        return
    status: OptionStatus = (
        "needs_information" if h.trd_status == "insufficient_information" else "not_indicated"
    )
    tail = (
        " Trials whose adequacy cannot yet be judged could count: complete their dose, "
        "duration and adherence."
        if status == "needs_information"
        else ""
    )
    c.decide(
        status,
        reason(
            f"{t.id}_min_failed_trials",
            crit,
            f"{crit.text} Unmet: {h.failed_adequate_trials} failed adequate and "
            f"{h.intolerance_trials} intolerance trial(s) recorded, {crit.value} needed.{tail}",
            **inputs,
        ),
    )


def _requires_trd(c: _Collect, facts: PatientFacts, t: Therapy, crit: Criterion) -> None:
    h = facts.history
    inputs = {"trd_status": h.trd_status, "failed_adequate_trials": h.failed_adequate_trials}
    if h.trd_status == "resistant":
        c.context.append(reason(f"{t.id}_requires_trd", crit, f"{crit.text} Met.", **inputs))
    elif h.trd_status == "not_resistant":
        c.decide(
            "not_indicated",
            reason(
                f"{t.id}_requires_trd",
                crit,
                f"{crit.text} Unmet: the history's TRD status is not resistant ({h.count_text}).",
                **inputs,
            ),
        )
    elif h.trd_status == "insufficient_information":
        c.decide(
            "needs_information",
            reason(
                f"{t.id}_requires_trd",
                crit,
                f"{crit.text} The history cannot yet establish TRD ({h.count_text}): complete "
                "the dose, duration and adherence of the undetermined trials.",
                **inputs,
            ),
        )


def _room(c: _Collect, facts: PatientFacts, t: Therapy) -> None:
    verdict: RoomVerdict | None = facts.rooms.get(t.id)
    if verdict is None:
        c.decide(
            "needs_information",
            Reason(
                f"{t.id}_room_verdict_missing",
                f"No {ROOM_OF[t.id]} is recorded: complete it to judge this option.",
                {"therapy": t.id},
            ),
        )
        return
    status = _ROOM_STATUS[verdict.outcome]
    # The room's summary line stands on the same sources as the room's own reasons.
    behind = tuple(dict.fromkeys(s for r in verdict.reasons for s in r.sources))
    head = Reason(f"{t.id}_room_verdict", verdict.summary, {"outcome": verdict.outcome}, behind)
    if status is None:
        c.context.append(head)
        c.context.extend(verdict.reasons)
        return
    c.decide(status, head)
    for r in verdict.reasons:
        c.decide(status, r)


def _ect(c: _Collect, facts: PatientFacts, t: Therapy) -> None:
    indications = list(facts.ect.present())
    if facts.history.episode_severity == "severe_with_psychosis":
        indications.insert(0, "a current episode with psychotic features (history)")
    entry = t.first_line_indications
    crit = t.criteria.requires_trd
    if indications and entry is not None:
        c.context.append(
            reason(
                "ect_first_line_indication",
                entry,
                f"First-line indication present: {', '.join(indications)}. {entry.text}",
                indications=indications,
            )
        )
        return
    if crit is not None:
        _requires_trd(c, facts, t, crit)


def _preferences(c: _Collect, facts: PatientFacts, t: Therapy) -> None:
    p = facts.preferences
    if p.drug_free and not t.drug_free:
        c.conflicts.append(
            Reason(
                "preference_drug_free",
                "The patient wants a drug-free option; this therapy gives a drug.",
                {"drug_free": True},
            )
        )
    if p.cannot_attend_daily and t.daily_attendance and t.schedule is not None:
        c.conflicts.append(
            reason(
                "preference_cannot_attend_daily",
                t.schedule,
                f"The patient cannot attend daily; the course needs it: {t.schedule.text}",
                cannot_attend_daily=True,
            )
        )


def _option(facts: PatientFacts, t: Therapy) -> Option:
    c = _Collect()
    for finding in facts.clinician_findings:
        if finding.therapy == t.id:
            c.decide(
                "contraindicated",
                Reason(
                    f"{t.id}_clinician_contraindication",
                    f"Contraindication recorded by {finding.recorded_by}: {finding.finding}",
                    {"therapy": t.id},
                    (_CLINICIAN,),
                ),
            )
    if t.needs_history and facts.history.trd_status == "no_history":
        c.decide("needs_information", _no_history(t))
    history = _history_reason(facts)
    if history is not None and t.needs_history:
        c.context.append(history)
    crit = t.criteria
    if crit.min_failed_trials is not None:
        _failures(c, facts, t, crit.min_failed_trials)
    if t.id == "ect":
        _ect(c, facts, t)
    elif crit.requires_trd is not None:
        _requires_trd(c, facts, t, crit.requires_trd)
    if t.id in ROOM_OF:
        _room(c, facts, t)
    if t.id == "psychotherapy" and facts.history.trd_status != "no_history":
        c.context.append(
            Reason(
                "psychotherapy_courses",
                f"{facts.history.psychotherapy_courses} psychotherapy course(s) in the history "
                "of the current episode.",
                {"psychotherapy_courses": facts.history.psychotherapy_courses},
            )
        )
    if t.id in ("medication", "pgx_testing") and facts.pgx is not None:
        if facts.pgx.results:
            listed = ", ".join(f"{g} {p}" for g, p in facts.pgx.results)
            c.context.append(
                Reason(
                    "pgx_results",
                    f"Pharmacogenomic results on record: {listed}.",
                    {"results": [list(x) for x in facts.pgx.results]},
                )
            )
        if t.id == "medication":
            c.context.extend(facts.pgx.advice)
    if t.id == "medication":
        c.context.extend(facts.lab_notes)
    _preferences(c, facts, t)
    status, decisive = c.status(t.base_status)
    return Option(
        therapy=t,
        status=status,
        decisive=decisive,
        context=(*c.rest(status), *(_cited(r) for r in c.context)),  # decide() cited the rest
        preference_conflicts=tuple(_cited(r) for r in c.conflicts),
    )


def evaluate_options(facts: PatientFacts) -> OptionsReport:
    """Every therapy's option for the patient, ordered by guideline step and evidence.

    Parameters
    ----------
    facts : PatientFacts
        The history summary, each therapy room's verdict, PGx, preferences, ECT indications
        and the clinician's recorded contraindications.

    Returns
    -------
    OptionsReport

    Raises
    ------
    InvalidInput
        A clinician finding names an unknown therapy.

    Examples
    --------
    >>> from datetime import date
    >>> from trdcare.pathway.domain.facts import HistorySummary, PatientFacts
    >>> report = evaluate_options(PatientFacts(date(2026, 1, 5), HistorySummary("no_history")))
    >>> [(o.therapy.id, o.status) for o in report.options][:2]
    [('medication', 'needs_information'), ('pgx_testing', 'needs_information')]
    """
    check_therapy_ids([f.therapy for f in facts.clinician_findings], "contraindications")
    data = load()
    level_order = {lv.id: i for i, lv in enumerate(data.evidence_levels)}
    catalogue_order = {t.id: i for i, t in enumerate(data.therapies)}
    options = [_option(facts, t) for t in data.therapies]
    options.sort(
        key=lambda o: (
            o.therapy.guideline.step,
            level_order[o.therapy.evidence.level],
            catalogue_order[o.therapy.id],
        )
    )
    ranked = tuple(
        Option(o.therapy, o.status, o.decisive, o.context, o.preference_conflicts, rank=i + 1)
        for i, o in enumerate(options)
    )
    history = _history_reason(facts)
    return OptionsReport(
        as_of=facts.as_of.isoformat(),
        options=ranked,
        context=(history,) if history is not None else (),
    )
