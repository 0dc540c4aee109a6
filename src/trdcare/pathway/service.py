"""Pathway use cases: ask each therapy room for its verdict, then combine them.

The therapy rooms decide their own criteria (reused, never copied): the history room's TRD
status and staging, the TMS safety screen, the esketamine label eligibility, VNS and DBS
candidacy, the psilocybin exclusion screen, PGx results. This module translates each room's
verdict into the core vocabulary (:class:`~trdcare.pathway.domain.facts.RoomVerdict`) and
hands them to the pure engine (:func:`~trdcare.pathway.domain.options.evaluate_options`).

Two paths feed the same rooms:

* :func:`options_from_files`: no database; the history file (docs/history-file.md) and the
  optional facts file (docs/pathway.md) are fed to the rooms' pure functions.
* :func:`options_for_patient`: the record; each room's service or stored verdict (the latest
  TMS screen, esketamine eligibility, VNS/DBS candidacy, psilocybin screen), audited.

The integrated care plan (issue 13 item 2; section "Care plan" below): read a patient's plan
(therapies on one timeline, the measurement schedule with what is due, scores attributed to
the therapies active when they were taken, the outcome of each therapy by the one outcome
rule), change it (every change a new version with who, when and why; the earlier ones
kept), send the self-report link of a patient-completed measure, and the caseload's overdue
measures. Flushes, never commits; every read and write of a plan is audited. A change is a
check-then-write (the plan's version shown, then the write): it takes the patient's row lock
first and is made against the version the user was shown (refused, 409, when the plan
changed since), so of two simultaneous changes one wins and the other is told who changed it
(docs/architecture.md, "Check-then-write"). Its clock is this module's ``utc_today`` (the
browser test patches that one name).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import date
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from trdcare.accounts import service as account_service
from trdcare.adapters.db.locking import lock_patient, unique_insert
from trdcare.adapters.db.models import CarePlanRow, Patient, SelfReportLink
from trdcare.adapters.db.stamping import claim_next_version, stamp_new
from trdcare.assessments import service as assessment_service
from trdcare.assessments.domain.scoring import SCALE_IDS, get_scale
from trdcare.audit import service as audit
from trdcare.core.actor import Actor
from trdcare.core.clock import not_before_birth, utc_today, within_planning_horizon
from trdcare.core.errors import Conflict, InvalidInput, NotFound
from trdcare.core.provenance import Reason, Source, base_status, weakest
from trdcare.courses import service as course_service
from trdcare.dbs import service as dbs_service
from trdcare.dbs.domain.candidacy import DbsAnswers, DbsFacts
from trdcare.dbs.domain.candidacy import evaluate_candidacy as dbs_candidacy
from trdcare.esketamine import service as esketamine_service
from trdcare.esketamine.domain.catalogue import load as esketamine_catalogue
from trdcare.esketamine.domain.catalogue import sources_of as esketamine_sources
from trdcare.esketamine.domain.eligibility import assess_eligibility
from trdcare.esketamine.domain.eligibility import question_ids as esketamine_questions
from trdcare.history import service as history_service
from trdcare.history.domain.catalogue import load_catalogue
from trdcare.history.domain.sources import SOURCES as HISTORY_SOURCES
from trdcare.history.domain.staging import StagingReport
from trdcare.history.domain.types import TreatmentHistory
from trdcare.labs import service as labs_service
from trdcare.pathway.domain import care_plan as rules
from trdcare.pathway.domain.care_plan import (
    COMPLETED_BY_LABELS,
    CarePlan,
    MeasureStatus,
    Vocabulary,
)
from trdcare.pathway.domain.facts import (
    ClinicianFinding,
    EctIndications,
    HistorySummary,
    PatientFacts,
    PgxSummary,
    Preferences,
    RoomOutcome,
    RoomVerdict,
)
from trdcare.pathway.domain.options import OptionsReport, check_therapy_ids, evaluate_options
from trdcare.pathway.repository import CarePlanRepository
from trdcare.pathway.schemas import FactsFile
from trdcare.pgx import service as pgx_service
from trdcare.psilocybin import service as psilocybin_service
from trdcare.psilocybin.domain.protocol import exclusion_questions
from trdcare.psilocybin.domain.protocol import screen as psilocybin_screen
from trdcare.tms import service as tms_service
from trdcare.tms.domain.screening import RecordedFinding, evaluate_screen
from trdcare.vns import service as vns_service
from trdcare.vns.domain.candidacy import CandidacyAnswers, CandidacyFacts, ScaleVisit
from trdcare.vns.domain.candidacy import evaluate_candidacy as vns_candidacy

T = TypeVar("T")

__all__ = [
    "EctIndications",
    "Preferences",
    "add_measure",
    "add_therapy",
    "care_plan_preferences",
    "change_measure",
    "change_therapy",
    "check_therapy_ids",
    "options_for_patient",
    "options_from_files",
    "overdue_measures",
    "parse_facts",
    "plan_versions",
    "plan_view",
    "remove_measure",
    "remove_therapy",
    "select",
    "send_measure_link",
    "set_preferences",
]

_STRENGTH: dict[RoomOutcome, int] = {
    "contraindicated": 4,
    "not_met": 3,
    "incomplete": 2,
    "caution": 1,
    "clear": 0,
}


# -- the history room ---------------------------------------------------------------------
def _history_sources(tags: str, status: str) -> tuple[Source, ...]:
    word = base_status(status)
    out = []
    # A fact cites the room's rule sources or the antidepressant catalogue's dose sources
    # (the proxy minimum doses), as the staging report's own source list does.
    catalogue = load_catalogue().sources
    for tag in (t.strip() for t in tags.split(",") if t.strip()):
        known = HISTORY_SOURCES.get(tag) or catalogue.get(tag)
        out.append(
            Source(
                citation=known.citation if known else tag,
                status=word,  # type: ignore[arg-type]
                where=known.reference if known else "",
                tag=tag,
            )
        )
    return tuple(out)


def history_summary(
    history: TreatmentHistory | None, report: StagingReport | None
) -> HistorySummary:
    """The history room's verdicts as the engine reads them (``no_history`` without one)."""
    if history is None or report is None:
        return HistorySummary("no_history")
    trd = report.trd
    as_of = history.episode.as_of
    msm = report.maudsley
    parts = []
    if msm.stageable:
        parts.append(f"Maudsley Staging Method {msm.total} ({msm.band})")
    if report.thase_rush.stage:
        parts.append(f"Thase-Rush stage {report.thase_rush.stage}")
    parts.append(f"MGH-S {report.mgh_s.total:g}")
    # One source per tag, with the weakest status the facts give it (a tag cited by several
    # facts was listed once per fact).
    by_tag: dict[str, Source] = {}
    for fact in trd.facts:
        for src in _history_sources(fact.source, fact.status):
            known = by_tag.get(src.tag)
            if known is None or weakest([known.status, src.status]) != known.status:
                by_tag[src.tag] = src
    sources = tuple(by_tag.values())
    return HistorySummary(
        trd_status=trd.status,
        failed_adequate_trials=trd.failed_adequate_trials,
        intolerance_trials=sum(
            1 for t in history.antidepressant_trials if t.outcome == "intolerance"
        ),
        count_text=f"{trd.count_text}; adequacy by {report.criteria.label}",
        stage_text="; ".join(parts),
        episode_severity=history.episode.severity,
        psychotherapy_courses=len(history.psychotherapy_courses),
        ect_courses=len(history.ect_courses),
        on_antidepressant=any(
            t.end is None or t.end >= as_of for t in history.antidepressant_trials
        ),
        trd_reasons=(Reason(trd.rule, trd.count_text, {"status": trd.status}, sources),),
    )


def current_medications(history: TreatmentHistory | None) -> list[str]:
    if history is None:
        return []
    on = history.episode.as_of
    names = [t.drug for t in history.antidepressant_trials if t.end is None or t.end >= on]
    names += [t.agent for t in history.augmentation_trials if t.end is None or t.end >= on]
    return names


# -- translating a room's verdict ---------------------------------------------------------
def reason_from(data: Mapping[str, Any]) -> Reason:
    """A core :class:`Reason` from its ``to_dict`` form (as rooms store and return it)."""
    return Reason(
        rule=str(data.get("rule", "")),
        finding=str(data.get("finding", "")),
        inputs=dict(data.get("inputs") or {}),
        sources=tuple(Source.from_dict(s) for s in data.get("sources") or ()),
    )


_IDENTIFIER = re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b")


def plain_words(text: str) -> str:
    """A room's finding as the clinic reads it: scale keys by their names (``qids_sr16`` ->
    ``QIDS-SR16``), other keys (a severity band ``moderately_severe``) in words."""

    def word(match: re.Match[str]) -> str:
        key = match.group(0)
        if key in SCALE_IDS:
            return get_scale(key).short_name
        return key.replace("_", " ")

    return _IDENTIFIER.sub(word, text)


def _criterion_reason(room: str, c: Mapping[str, Any]) -> Reason:
    return Reason(
        rule=f"{room}_{c['id']}",
        finding=plain_words(f"{c['label']}: {c['finding']}"),
        inputs={"verdict": c["verdict"], "data_source": c.get("data_source", "")},
        sources=tuple(Source.from_dict(s) for s in c.get("sources") or ()),
    )


def _strongest(outcomes: Iterable[RoomOutcome]) -> RoomOutcome:
    return max(outcomes, key=lambda o: _STRENGTH[o], default="clear")


def tms_verdict(screen: Mapping[str, Any], *, on: date | None = None) -> RoomVerdict:
    """The TMS room's safety screen (``ScreenResult.to_dict`` form)."""
    verdict = str(screen["verdict"])
    outcome: RoomOutcome = {"contraindicated": "contraindicated", "caution": "caution"}.get(
        verdict, "clear"
    )  # type: ignore[assignment]
    reasons = tuple(
        reason_from(r)
        for r in screen.get("reasons") or ()
        if (r.get("inputs") or {}).get("class") == verdict
    )
    when = f" of {on.isoformat()}" if on else ""
    words = {
        "contraindicated": "contraindicated (blocks a course)",
        "caution": "caution (a physician acknowledges it before a course)",
        "clear": "clear",
    }
    return RoomVerdict(
        "tms",
        outcome,
        f"TMS safety screen ({screen.get('instrument', '')}){when}: {words.get(verdict, verdict)}.",
        reasons,
    )


def esketamine_verdict(eligibility: Mapping[str, Any]) -> RoomVerdict:
    """The esketamine room's label eligibility (``Eligibility.to_dict`` form).

    The room treats an unmet indication as a warning the prescriber signs off; for the options
    view an indication not met (TRD not established on a complete history, age under 18) is
    ``not_met`` and a TRD status the history cannot yet establish is ``incomplete``.
    """
    items: list[tuple[RoomOutcome, Reason]] = []
    for block in eligibility.get("blocks") or ():
        items.append(("contraindicated", reason_from(block["reason"])))
    trd = str(eligibility.get("trd_status", ""))
    for warning in eligibility.get("warnings") or ():
        r = replace(reason_from(warning["reason"]), finding=str(warning["text"]))
        if warning["id"] == "trd_not_established":
            items.append(("not_met" if trd == "not_resistant" else "incomplete", r))
        elif warning["id"] == "not_adult":
            items.append(("not_met", r))
        else:
            items.append(("caution", r))
    outcome = _strongest(o for o, _ in items)
    verdict = str(eligibility.get("verdict", ""))
    words = {
        "contraindicated": "contraindicated by the label",
        "needs_signoff": "warnings the prescriber signs off",
        "eligible": "eligible",
    }
    return RoomVerdict(
        "esketamine",
        outcome,
        f"Esketamine eligibility screen: {words.get(verdict, verdict)}.",
        tuple(r for o, r in items if o == outcome) if outcome != "clear" else (),
    )


def esketamine_unscreened(
    trd_status: str, age_years: int | None, *, where: str = "the facts file"
) -> RoomVerdict:
    """No esketamine screen answered: the label's indication (the room's own data) can still
    be judged, and the screen's questions are what is missing."""
    ind = esketamine_catalogue().eligibility.indication
    sources = esketamine_sources(ind.sources, ind.status, where=ind.where, tag=ind.tag)
    if trd_status == "not_resistant":
        return RoomVerdict(
            "esketamine",
            "not_met",
            "Esketamine label indication: treatment-resistant depression in adults.",
            (
                Reason(
                    "esketamine_indication_trd",
                    f"{ind.text} The history does not meet the TRD definition.",
                    {"trd_status": trd_status},
                    sources,
                ),
            ),
        )
    if age_years is not None and age_years < ind.minimum_age_years:
        return RoomVerdict(
            "esketamine",
            "not_met",
            "Esketamine label indication: adults.",
            (
                Reason(
                    "esketamine_indication_adults",
                    f"The patient is {age_years}; the label's indication is adults "
                    f"({ind.minimum_age_years} or over).",
                    {"age_years": age_years},
                    sources,
                ),
            ),
        )
    return RoomVerdict(
        "esketamine",
        "incomplete",
        "No esketamine eligibility screen is recorded.",
        (
            Reason(
                "esketamine_screen_missing",
                (
                    "Answer the esketamine eligibility screen (esketamine_screen in the facts "
                    f"file): {', '.join(esketamine_questions())}."
                )
                if where == "the facts file"
                else "Answer the esketamine eligibility screen (the label's contraindications "
                f"and warnings, {len(esketamine_questions())} questions) on the esketamine "
                "page.",
                {"questions": list(esketamine_questions())},
                sources,
            ),
        ),
    )


def candidacy_verdict(room: str, candidacy: Mapping[str, Any], *, title: str) -> RoomVerdict:
    """A VNS or DBS candidacy (``Candidacy.to_dict`` form): an exclusion present (VNS
    ``exclusion_*``, DBS ``non_psychotic``) is ``contraindicated``; another unmet criterion
    ``not_met``; an unknown one ``incomplete``. DBS's research-protocol criterion is the
    investigational status itself, shown as context."""
    items: list[tuple[RoomOutcome, Reason]] = []
    for c in candidacy.get("criteria") or ():
        cid = str(c["id"])
        if room == "dbs" and cid == "research_protocol":
            continue
        excluding = cid.startswith("exclusion_") or (room == "dbs" and cid == "non_psychotic")
        if c["verdict"] == "unmet":
            items.append(
                ("contraindicated" if excluding else "not_met", _criterion_reason(room, c))
            )
        elif c["verdict"] == "unknown":
            items.append(("incomplete", _criterion_reason(room, c)))
    outcome = _strongest(o for o, _ in items)
    as_of = candidacy.get("as_of", "")
    overall = str(candidacy.get("overall", "")).replace("_", " ")
    return RoomVerdict(
        room,
        outcome,
        f"{title} as of {as_of}: {overall}.",
        tuple(r for o, r in items if o == outcome) if outcome != "clear" else (),
    )


def psilocybin_verdict(screen: Mapping[str, Any], *, on: date | None = None) -> RoomVerdict:
    """The psilocybin room's exclusion screen (``ScreenResult.to_dict`` form): an exclusion
    answered yes is ``contraindicated``; the programme's minimum age unmet ``not_met``; a
    review item ``caution``."""
    items: list[tuple[RoomOutcome, Reason]] = []
    reasons = {r["rule"]: reason_from(r) for r in screen.get("reasons") or ()}
    programme = reasons.get("programme")
    for f in screen.get("findings") or ():
        fid = str(f["id"])
        if fid == "age":
            r = Reason("psilocybin_age", str(f["text"]), {}, programme.sources if programme else ())
            items.append(("not_met", r))
            continue
        base = reasons.get(fid)
        r = Reason(
            f"psilocybin_{fid}",
            f"{f['question']} Yes: {f['text']}",
            {"effect": f["effect"]},
            base.sources if base else (),
        )
        items.append(("contraindicated" if f["effect"] == "exclude" else "caution", r))
    outcome = _strongest(o for o, _ in items)
    when = f" of {on.isoformat()}" if on else ""
    verdict = str(screen.get("verdict", "")).replace("_", " ")
    return RoomVerdict(
        "psilocybin",
        outcome,
        f"Psilocybin exclusion screen{when} ({str(screen.get('programme', '')).replace('_', ' ')}): {verdict}.",
        tuple(r for o, r in items if o == outcome) if outcome != "clear" else (),
    )


def missing(room: str, summary: str, what: str, **inputs: object) -> RoomVerdict:
    return RoomVerdict(room, "incomplete", summary, (Reason(f"{room}_missing", what, inputs),))


def _prefixed(prefix: str, call: Callable[[], T]) -> T:
    """Run a room's check; name its issues under the facts file's field."""
    try:
        return call()
    except InvalidInput as exc:
        issues = [replace(i, path=f"{prefix}.{i.path}" if i.path else prefix) for i in exc.issues]
        raise InvalidInput(issues[0].render() if issues else exc.message, issues=issues) from None


# -- the file path ------------------------------------------------------------------------
def parse_facts(document: object) -> FactsFile:
    """Validate the ``--facts`` document (unknown keys and wrong types name the field)."""
    if document is None:
        return FactsFile()
    return FactsFile.model_validate(document)


def options_from_files(
    history: TreatmentHistory, report: StagingReport, facts: FactsFile
) -> OptionsReport:
    """Options from a history file and an optional facts file, no database.

    The rooms' pure rules are fed from the files: the TMS screen (with the history's current
    medications), the esketamine eligibility (with the history's TRD status), VNS and DBS
    candidacy (episode, trials, the facts' answers), the psilocybin exclusion screen.
    """
    as_of = history.episode.as_of
    summary = history_summary(history, report)
    age = facts.age_years
    rooms: dict[str, RoomVerdict] = {}
    no_age = "Give age_years in the facts file (the file path has no date of birth)."

    if facts.tms_screen is not None:
        s = facts.tms_screen
        result = _prefixed(
            "tms_screen",
            lambda: evaluate_screen(
                s.instrument,
                s.answers,
                findings=[RecordedFinding(f.finding_id, f.detail) for f in s.findings],
                medications=current_medications(history),
            ),
        )
        rooms["tms"] = tms_verdict(result.to_dict())
    else:
        rooms["tms"] = missing(
            "tms",
            "No TMS safety screen is recorded.",
            "Answer the TMS safety screen (tms_screen in the facts file; Rossi 2011 or TASS).",
        )

    if facts.esketamine_screen is not None and age is not None:
        e = facts.esketamine_screen
        result_e = _prefixed(
            "esketamine_screen",
            lambda: assess_eligibility(
                e.answers,
                population=e.population,
                trd_status=summary.trd_status,
                age_years=age,
                on_oral_antidepressant=summary.on_antidepressant,
            ),
        )
        rooms["esketamine"] = esketamine_verdict(result_e.to_dict())
    else:
        verdict = esketamine_unscreened(summary.trd_status, age)
        if verdict.outcome == "incomplete" and facts.esketamine_screen is not None:
            verdict = missing("esketamine", "The esketamine screen needs the age.", no_age)
        rooms["esketamine"] = verdict

    if age is None:
        for room, title in (("vns", "VNS candidacy"), ("dbs", "DBS candidacy")):
            rooms[room] = missing(room, f"{title} needs the age.", no_age)
    else:
        trd = report.trd
        periods = [(t.start, t.end) for t in history.antidepressant_trials] + [
            (t.start, t.end) for t in history.augmentation_trials
        ]
        changes = tuple(d for start, end in periods for d in (start, end) if d is not None)
        v = facts.vns
        vns = _prefixed(
            "vns",
            lambda: vns_candidacy(
                CandidacyFacts(
                    as_of=as_of,
                    age_years=age,
                    episode_onset=history.episode.onset,
                    failed_adequate_treatments=trd.failed_adequate_trials,
                    undetermined_treatments=trd.could_count,
                    other_treatments=len(history.ect_courses)
                    + len(history.augmentation_trials)
                    + len(history.psychotherapy_courses),
                    history_criteria=report.criteria.label,
                    medication_changes=changes,
                    scale_visits=tuple(ScaleVisit(x.on, x.scale, x.total) for x in v.scale_visits),
                    episode_with_psychosis=history.episode.severity == "severe_with_psychosis",
                ),
                CandidacyAnswers(
                    lifetime_episodes=v.lifetime_episodes,
                    medication_stable=v.medication_stable,
                    exclusions=dict(v.exclusions),
                ),
            ),
        )
        rooms["vns"] = candidacy_verdict("vns", vns.to_dict(), title="VNS candidacy")
        d = facts.dbs
        dbs = _prefixed(
            "dbs",
            lambda: dbs_candidacy(
                DbsFacts(
                    as_of=as_of,
                    age_years=age,
                    episode_onset=history.episode.onset,
                    episode_severity=history.episode.severity,
                    failed_adequate_treatments=trd.failed_adequate_trials,
                    undetermined_treatments=trd.could_count,
                    latest_hamd17=(d.latest_hamd17.on, d.latest_hamd17.total)
                    if d.latest_hamd17
                    else None,
                ),
                DbsAnswers(
                    diagnosis=d.diagnosis,
                    psychotic_features=d.psychotic_features,
                    research_protocol=d.research_protocol,
                    protocol_ref=d.protocol_ref,
                ),
            ),
        )
        rooms["dbs"] = candidacy_verdict("dbs", dbs.to_dict(), title="DBS candidacy")

    if facts.psilocybin_screen is not None and age is not None:
        p = facts.psilocybin_screen
        result_p = _prefixed(
            "psilocybin_screen",
            lambda: psilocybin_screen(p.answers, programme_id=p.programme, age_years=age),
        )
        rooms["psilocybin"] = psilocybin_verdict(result_p.to_dict())
    elif facts.psilocybin_screen is not None:
        rooms["psilocybin"] = missing("psilocybin", "The psilocybin screen needs the age.", no_age)
    else:
        rooms["psilocybin"] = missing(
            "psilocybin",
            "No psilocybin exclusion screen is recorded.",
            "Answer the psilocybin exclusion screen (psilocybin_screen in the facts file): "
            + ", ".join(q[0] for q in exclusion_questions())
            + ".",
        )

    return evaluate_options(
        PatientFacts(
            as_of=as_of,
            history=summary,
            rooms=rooms,
            pgx=PgxSummary(tuple((r.gene, r.phenotype) for r in facts.pgx)) if facts.pgx else None,
            preferences=Preferences(
                facts.preferences.drug_free, facts.preferences.cannot_attend_daily
            ),
            ect=EctIndications(**facts.ect.model_dump()),
            clinician_findings=tuple(
                ClinicianFinding(c.therapy, c.finding) for c in facts.contraindications
            ),
        )
    )


def select(report: OptionsReport, therapies: list[str] | None) -> dict[str, Any]:
    """The report as JSON, limited to ``therapies`` when given (unknown ids refused)."""
    doc = report.to_dict()
    if therapies:
        check_therapy_ids(therapies, "therapy")
        options = doc["options"]
        assert isinstance(options, list)
        doc["options"] = [o for o in options if isinstance(o, dict) and o["therapy"] in therapies]
    return doc


# -- the record ---------------------------------------------------------------------------
def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _pgx(session: Session, actor: Actor, patient: Patient) -> PgxSummary | None:
    doc = pgx_service.overview(session, actor, patient)
    genes = doc.get("genes") or {}
    if not genes:
        return None
    results = tuple((g, str(r.get("phenotype", ""))) for g, r in genes.items())
    advice = []
    for rec in doc.get("recommendations") or ():
        if not rec.get("changes_prescribing"):
            continue
        guideline = rec.get("guideline") or {}
        sources = (
            Source(
                citation=f"CPIC guideline ({guideline.get('year', '')}), {guideline.get('url', '')}",
                status="SECONDARY",
                where="pgx.md; modalities.md §6.3",
                tag=str(rec.get("classification") or ""),
            ),
        )
        advice.append(
            Reason(
                "pgx_advice",
                f"PGx advice for {rec.get('drug', '')} ({rec.get('gene', '')}): "
                f"{rec.get('recommendation', '')}",
                {"drug": rec.get("drug", ""), "gene": rec.get("gene", "")},
                sources,
            )
        )
    return PgxSummary(results, tuple(advice[:6]))


def _lab_notes(session: Session, actor: Actor, patient: Patient) -> tuple[Reason, ...]:
    """Lab results outside the laboratory's own range (labs room), cited on the medication
    option; the labs room gives them no depression-specific interpretation, nor does this."""
    doc = labs_service.overview(session, actor, patient)
    notes = []
    for r in doc.get("results") or ():
        if not r.get("abnormal"):
            continue
        lab = r.get("lab") or "the laboratory"
        notes.append(
            Reason(
                "lab_outside_range",
                f"Lab result {r['name']} {r['value']:g} {r['unit']} on "
                f"{r['collected_on'].isoformat()}: {r['flag_words']}. {doc['interpretation']}",
                {"analyte": r["analyte"], "flag": r["flag"]},
                (
                    Source(
                        citation=f"reference range reported by {lab}",
                        status="VERIFIED",
                        where="labs room (docs/labs.md)",
                        tag="lab report",
                    ),
                ),
            )
        )
    return tuple(notes)


def options_for_patient(
    session: Session,
    actor: Actor,
    patient: Patient,
    *,
    preferences: Preferences | None = None,
    ect: EctIndications | None = None,
    as_of: date | None = None,
) -> OptionsReport:
    """Every therapy's option for a patient on record: each room is asked through its service
    (its own reads audited), the options read is audited here."""
    on = as_of or utc_today()
    age = _age(patient.birth_date, on)
    try:
        history: TreatmentHistory | None = history_service.load_history(
            session, actor, patient, as_of=on
        )
    except (NotFound, InvalidInput):
        history = None
    report = history_service.stage(history) if history is not None else None
    summary = history_summary(history, report)
    rooms: dict[str, RoomVerdict] = {}

    screen = tms_service.latest_screen(session, actor, patient)
    rooms["tms"] = (
        tms_verdict(screen, on=date.fromisoformat(screen["screened_on"]))
        if screen
        else missing(
            "tms",
            "No TMS safety screen is recorded.",
            "Record a TMS safety screen (Rossi 2011 or TASS) on the TMS page.",
        )
    )

    try:
        course = esketamine_service.status(session, actor, patient)
    except NotFound:
        course = None
    if course and course.get("eligibility"):
        verdict = esketamine_verdict(course["eligibility"])
        rooms["esketamine"] = replace(
            verdict,
            summary=verdict.summary.rstrip(".")
            + f" (screened for the course from {course['start_date']}).",
        )
    else:
        rooms["esketamine"] = esketamine_unscreened(summary.trd_status, age, where="the record")

    vns_doc = vns_service.overview(session, actor, patient, as_of=on)
    if vns_doc.get("candidacy"):
        rooms["vns"] = candidacy_verdict("vns", vns_doc["candidacy"], title="VNS candidacy")
    else:
        facts_v = vns_service.candidacy_facts(session, actor, patient, as_of=on)
        live = vns_candidacy(facts_v, CandidacyAnswers()).to_dict()
        rooms["vns"] = candidacy_verdict(
            "vns", live, title="VNS candidacy (from the record; no candidacy form answered)"
        )

    dbs_doc = dbs_service.overview(session, actor, patient)
    if dbs_doc.get("candidacy"):
        rooms["dbs"] = candidacy_verdict("dbs", dbs_doc["candidacy"], title="DBS candidacy")
    else:
        facts_d = dbs_service.candidacy_facts(session, actor, patient, as_of=on)
        live_d = dbs_candidacy(facts_d, DbsAnswers()).to_dict()
        rooms["dbs"] = candidacy_verdict(
            "dbs", live_d, title="DBS candidacy (from the record; no candidacy form answered)"
        )

    try:
        enrolment = psilocybin_service.status(session, actor, patient)
    except NotFound:
        enrolment = None
    if enrolment and enrolment.get("screen"):
        rooms["psilocybin"] = psilocybin_verdict(
            enrolment["screen"], on=date.fromisoformat(enrolment["screened_on"])
        )
    else:
        rooms["psilocybin"] = missing(
            "psilocybin",
            "No psilocybin exclusion screen is recorded.",
            "Screen the patient for a psilocybin protocol on the psilocybin page.",
        )

    result = evaluate_options(
        PatientFacts(
            as_of=on,
            history=summary,
            rooms=rooms,
            pgx=_pgx(session, actor, patient),
            preferences=preferences or care_plan_preferences(session, actor, patient),
            ect=ect or EctIndications(),
            lab_notes=_lab_notes(session, actor, patient),
        )
    )
    audit.record(
        session,
        actor,
        "read",
        "treatment_options",
        patient_ref=patient.ref,
        detail={"options": len(result.options)},
    )
    return result


# -- the integrated care plan ------------------------------------------------------------------
WHAT = "the care plan"

#: Therapies without a catalogue entry of their own in the courses room, named as the
#: clinic writes them.
_OTHER_LABELS = {
    "tms": "TMS",
    "ect": "ECT",
    "medication": "Medication",
    "psychotherapy": "Psychotherapy",
}

ATTRIBUTION_NOTE = (
    "A score taken while several therapies ran together is counted for each of them: the plan "
    "cannot separate their effects."
)
SCHEDULE_NOTE = (
    "How often each scale is repeated is the clinician's choice: the reference notes give no "
    "sourced interval for a combined plan, so none is suggested. A measure is due that many "
    "days after the scale was last completed (by anyone), and overdue after that."
)


def vocabulary() -> Vocabulary:
    """What a plan may hold: the history room's course modalities, the assessments room's
    scales, and the scales a self-report link can carry (the accounts room's)."""
    return Vocabulary(
        therapies=history_service.MODALITIES,
        scales=SCALE_IDS,
        self_report_scales=account_service.SELF_REPORT_SCALES,
    )


def therapy_labels() -> dict[str, str]:
    labels = {**_OTHER_LABELS, **course_service.modality_labels()}
    return {m: labels.get(m, m.replace("_", " ").capitalize()) for m in history_service.MODALITIES}


def scale_labels() -> dict[str, str]:
    return {s: get_scale(s).short_name for s in SCALE_IDS}


def _plan_of(row: CarePlanRow | None) -> CarePlan:
    if row is None:
        return CarePlan()
    return CarePlan.from_parts(row.therapies, row.measures, row.preferences)


def _load(session: Session, patient: Patient) -> tuple[CarePlanRow | None, CarePlan]:
    row = CarePlanRepository(session).plan(patient.id)
    return row, _plan_of(row)


# -- reading -----------------------------------------------------------------------------------
def plan_view(session: Session, actor: Actor, patient: Patient) -> dict[str, Any]:
    """The patient's care plan as the API and the pages show it (audited)."""
    row, plan = _load(session, patient)
    today = utc_today()
    t_labels, s_labels = therapy_labels(), scale_labels()
    measured = {m.scale_id for m in plan.current_measures}
    last = {
        scale: on
        for (_, scale), on in assessment_service.last_administered(
            session, [patient.id], measured
        ).items()
    }
    statuses = rules.schedule(plan, last, today)
    points = assessment_service.scored_points(session, actor, patient, measured) if measured else []
    attributed = rules.attribute(plan, points)
    outcomes = []
    for t in sorted(plan.current_therapies, key=lambda t: (t.start_date, t.key)):
        for scale in sorted(measured):
            verdict = assessment_service.period_verdict(
                scale,
                [(on, total) for on, s, total in points if s == scale],
                start=t.start_date,
                end=t.end_date,
            )
            if verdict is not None:
                outcomes.append(
                    {
                        "therapy_key": t.key,
                        "therapy_label": t_labels.get(t.therapy, t.therapy),
                        "scale_id": scale,
                        "scale_name": s_labels[scale],
                        **course_service.verdict_to_dict(verdict),
                    }
                )
    audit.record(
        session,
        actor,
        "read",
        "care_plan",
        entity_id=row.id if row else None,
        patient_ref=patient.ref,
        detail={"version": row.version if row else 0},
    )
    return {
        "patient": patient.ref,
        "exists": row is not None,
        "version": row.version if row else 0,
        "updated_at": row.updated_at if row else None,
        "updated_by": row.updated_by if row else None,
        "change_reason": row.change_reason if row else None,
        "today": today,
        "therapies": [
            _therapy_doc(t, t_labels, today)
            for t in sorted(plan.therapies, key=lambda t: (t.start_date, t.key))
        ],
        "measures": [_measure_doc(s, s_labels) for s in statuses],
        "removed_measures": [
            {**_dated(m.to_dict()), "scale_name": s_labels.get(m.scale_id, m.scale_id)}
            for m in plan.measures
            if not m.current
        ],
        "preferences": {
            "drug_free": plan.preferences.drug_free,
            "cannot_attend_daily": plan.preferences.cannot_attend_daily,
            "note": plan.preference_note,
            "stated": list(plan.stated_preferences),
        },
        "attributed_scores": [
            {
                **_dated(a.to_dict()),
                "scale_name": s_labels.get(a.scale_id, a.scale_id),
                "therapy_labels": [
                    f"{t_labels.get(plan.therapy(k).therapy, k)} ({k})" for k in a.therapies
                ],
            }
            for a in attributed
        ],
        "outcomes": outcomes,
        "attribution_note": ATTRIBUTION_NOTE,
        "schedule_note": SCHEDULE_NOTE,
    }


_DATE_KEYS = ("start_date", "end_date", "last_on", "due_on", "on")


def _dated(doc: dict[str, Any]) -> dict[str, Any]:
    """A stored document's days as dates again (the pages format them; the API as ISO)."""
    return {
        k: date.fromisoformat(v) if k in _DATE_KEYS and isinstance(v, str) else v
        for k, v in doc.items()
    }


def _therapy_doc(t: rules.PlannedTherapy, labels: dict[str, str], today: date) -> dict[str, Any]:
    return {
        **_dated(t.to_dict()),
        "label": labels.get(t.therapy, t.therapy),
        "current": t.current,
        "active_today": t.active_on(today),
    }


def _measure_doc(s: MeasureStatus, labels: dict[str, str]) -> dict[str, Any]:
    return {
        **_dated(s.to_dict()),
        "scale_name": labels.get(s.measure.scale_id, s.measure.scale_id),
        "completed_by_label": COMPLETED_BY_LABELS[s.measure.completed_by],
    }


def care_plan_preferences(session: Session, actor: Actor, patient: Patient) -> Preferences:
    """The preferences the patient stated, kept with the care plan (the treatment-options
    engine reads them when none are given); audited."""
    row, plan = _load(session, patient)
    audit.record(
        session,
        actor,
        "read",
        "care_plan_preferences",
        entity_id=row.id if row else None,
        patient_ref=patient.ref,
    )
    return plan.preferences


def plan_versions(session: Session, actor: Actor, patient: Patient) -> list[dict[str, Any]]:
    """Every version of the plan, newest first: who made it, when, why, what it changed."""
    repo = CarePlanRepository(session)
    row = repo.plan(patient.id)
    audit.record(
        session,
        actor,
        "read",
        "care_plan_versions",
        entity_id=row.id if row else None,
        patient_ref=patient.ref,
    )
    if row is None:
        return []
    snapshots: list[dict[str, Any]] = [k.data for k in repo.kept_versions(row)]
    snapshots.append(
        {
            "version": row.version,
            "therapies": row.therapies,
            "measures": row.measures,
            "preferences": row.preferences,
            "updated_by": row.updated_by,
            "updated_at": row.updated_at.isoformat(),
            "change_reason": row.change_reason,
        }
    )
    t_labels, s_labels = therapy_labels(), scale_labels()
    out = []
    before = CarePlan()
    for data in snapshots:
        plan = CarePlan.from_parts(data["therapies"], data["measures"], data["preferences"])
        out.append(
            {
                "version": int(data["version"]),
                "changed_by": str(data["updated_by"]),
                "changed_at": str(data["updated_at"]),
                "reason": str(data.get("change_reason") or ""),
                "changes": rules.describe_change(before, plan, t_labels, s_labels),
            }
        )
        before = plan
    return list(reversed(out))


# -- changing ----------------------------------------------------------------------------------
def _change(
    session: Session,
    actor: Actor,
    patient: Patient,
    *,
    reason: str,
    expected_version: int,
    apply: Callable[[CarePlan], CarePlan],
    detail: dict[str, Any],
) -> CarePlanRow:
    """Apply one change to the plan as a new version (the first change creates the plan)."""
    reason = rules.checked_reason(reason)
    lock_patient(session, patient.id)  # check-then-write: one change at a time per patient
    repo = CarePlanRepository(session)
    row = repo.plan(patient.id)
    new = apply(_plan_of(row))
    doc = new.to_dict()
    if row is None:
        if expected_version != 0:
            raise Conflict(
                f"version: {WHAT} does not exist yet (version 0), version {expected_version} "
                "was given: look at it again before changing it"
            )
        row = CarePlanRow(
            patient_id=patient.id,
            therapies=doc["therapies"],
            measures=doc["measures"],
            preferences=doc["preferences"],
            change_reason=reason,
        )
        stamp_new(row, actor)
        with unique_insert(
            session,
            Conflict(f"{WHAT} was created by someone else at the same time: look at it again"),
        ):
            session.add(row)
        action = "create"
    else:
        if expected_version == 0:
            raise Conflict(
                f"version: {WHAT} was created by {row.created_by} since it was shown "
                f"(it is now version {row.version}): look at it again before changing it"
            )
        claim_next_version(
            session, row, actor, reason, what=WHAT, expected_version=expected_version
        )
        row.therapies = doc["therapies"]
        row.measures = doc["measures"]
        row.preferences = doc["preferences"]
        row.change_reason = reason
        session.flush()
        action = "update"
    audit.record(
        session,
        actor,
        action,
        "care_plan",
        entity_id=row.id,
        patient_ref=patient.ref,
        detail={"version": row.version, **detail},
    )
    return row


def _check_dates(patient: Patient, start_date: date, end_date: date | None) -> None:
    """Not before the patient's birth, not beyond the planning horizon (a typing error)."""
    for name, day in (("start_date", start_date), ("end_date", end_date)):
        if day is None:
            continue
        if patient.birth_date is not None:
            not_before_birth(day, field=name, born_on=patient.birth_date)
        within_planning_horizon(day, field=name, today=utc_today())


def _check_course(session: Session, patient: Patient, therapy: str, course_ref: str | None) -> None:
    """A linked course must be the patient's own course of the same therapy."""
    if not course_ref:
        return
    try:
        course = history_service.find_course(session, patient, course_ref)
    except NotFound:
        raise InvalidInput.single(
            "course_ref", "is not a course of this patient", given=course_ref
        ) from None
    if course is None or course.modality != therapy:
        raise InvalidInput.single(
            "course_ref",
            f"is a {therapy_labels().get(course.modality if course else '', '')} course, "
            f"not {therapy_labels().get(therapy, therapy)}",
            given=course_ref,
        )


def add_therapy(
    session: Session,
    actor: Actor,
    patient: Patient,
    *,
    therapy: str,
    start_date: date,
    end_date: date | None,
    detail: str,
    course_ref: str | None,
    reason: str,
    version: int,
) -> tuple[CarePlanRow, str]:
    """Put one more therapy on the plan; returns the plan and the therapy's key."""
    _check_dates(patient, start_date, end_date)
    added: list[str] = []

    def apply(plan: CarePlan) -> CarePlan:
        new, t = rules.add_therapy(
            plan,
            vocabulary(),
            therapy=therapy,
            start_date=start_date,
            end_date=end_date,
            detail=detail,
            course_ref=course_ref or None,
        )
        added.append(t.key)
        return new

    rules.add_therapy(
        CarePlan(), vocabulary(), therapy=therapy, start_date=start_date, end_date=end_date
    )  # the therapy id is checked before the course is looked up
    _check_course(session, patient, therapy, course_ref)
    row = _change(
        session, actor, patient, reason=reason, expected_version=version, apply=apply,
        detail={"therapy": therapy, "change": "add_therapy"},
    )  # fmt: skip
    return row, added[0]


def change_therapy(
    session: Session,
    actor: Actor,
    patient: Patient,
    key: str,
    *,
    start_date: date,
    end_date: date | None,
    detail: str,
    course_ref: str | None,
    reason: str,
    version: int,
) -> CarePlanRow:
    """Correct a therapy's dates, details or course, or end it (an end date)."""
    _check_dates(patient, start_date, end_date)
    _, current = _load(session, patient)
    _check_course(session, patient, current.therapy(key).therapy, course_ref)

    def apply(plan: CarePlan) -> CarePlan:
        return rules.change_therapy(
            plan, vocabulary(), key, start_date=start_date, end_date=end_date, detail=detail,
            course_ref=course_ref or None,
        )  # fmt: skip

    return _change(
        session, actor, patient, reason=reason, expected_version=version, apply=apply,
        detail={"therapy_key": key, "change": "change_therapy"},
    )  # fmt: skip


def remove_therapy(
    session: Session, actor: Actor, patient: Patient, key: str, *, reason: str, version: int
) -> CarePlanRow:
    """Mark a therapy entered in error (kept in the plan with the reason; no longer counts)."""
    return _change(
        session, actor, patient, reason=reason, expected_version=version,
        apply=lambda plan: rules.remove_therapy(plan, key, rules.checked_reason(reason)),
        detail={"therapy_key": key, "change": "remove_therapy"},
    )  # fmt: skip


def add_measure(
    session: Session,
    actor: Actor,
    patient: Patient,
    *,
    scale: str,
    completed_by: str,
    every_days: int,
    start_date: date,
    reason: str,
    version: int,
) -> tuple[CarePlanRow, str]:
    _check_dates(patient, start_date, None)
    added: list[str] = []

    def apply(plan: CarePlan) -> CarePlan:
        new, m = rules.add_measure(
            plan, vocabulary(), scale_id=scale, completed_by=completed_by,
            every_days=every_days, start_date=start_date,
        )  # fmt: skip
        added.append(m.key)
        return new

    row = _change(
        session, actor, patient, reason=reason, expected_version=version, apply=apply,
        detail={"scale": scale, "change": "add_measure"},
    )  # fmt: skip
    return row, added[0]


def change_measure(
    session: Session,
    actor: Actor,
    patient: Patient,
    key: str,
    *,
    completed_by: str,
    every_days: int,
    start_date: date,
    reason: str,
    version: int,
) -> CarePlanRow:
    _check_dates(patient, start_date, None)
    return _change(
        session, actor, patient, reason=reason, expected_version=version,
        apply=lambda plan: rules.change_measure(
            plan, vocabulary(), key, completed_by=completed_by, every_days=every_days,
            start_date=start_date,
        ),
        detail={"measure_key": key, "change": "change_measure"},
    )  # fmt: skip


def remove_measure(
    session: Session, actor: Actor, patient: Patient, key: str, *, reason: str, version: int
) -> CarePlanRow:
    return _change(
        session, actor, patient, reason=reason, expected_version=version,
        apply=lambda plan: rules.remove_measure(plan, key, rules.checked_reason(reason)),
        detail={"measure_key": key, "change": "remove_measure"},
    )  # fmt: skip


def set_preferences(
    session: Session,
    actor: Actor,
    patient: Patient,
    preferences: Preferences,
    note: str = "",
    *,
    reason: str,
    version: int,
) -> CarePlanRow:
    return _change(
        session, actor, patient, reason=reason, expected_version=version,
        apply=lambda plan: rules.set_preferences(plan, preferences, note),
        detail={"change": "preferences"},
    )  # fmt: skip


def send_measure_link(
    session: Session, actor: Actor, patient: Patient, key: str, *, expires_in_hours: int
) -> tuple[SelfReportLink, str]:
    """The self-report link of a patient-completed measure, issued by the accounts room
    (single use, audited there); returns the link and its secret token."""
    _, plan = _load(session, patient)
    measure = plan.measure(key)
    if measure.completed_by != "patient":
        raise InvalidInput.single(
            "measure",
            "is completed by a clinician: no self-report link is sent for it",
            allowed="a measure the patient completes",
            given=key,
        )
    return account_service.create_link(
        session, actor, patient, measure.scale_id, expires_in_hours=expires_in_hours
    )


# -- the caseload ------------------------------------------------------------------------------
def overdue_measures(
    session: Session, today: date | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Per active patient with a care plan: its overdue measures (scale, due day, days late).

    Read for the caseload dashboard, which audits the patients it shows.
    """
    today = today or utc_today()
    plans = CarePlanRepository(session).active_plans()
    parsed = [(ref, pid, _plan_of(row)) for ref, pid, row in plans]
    scales = {m.scale_id for _, _, plan in parsed for m in plan.current_measures}
    last = assessment_service.last_administered(session, [pid for _, pid, _ in parsed], scales)
    labels = scale_labels()
    out: dict[str, list[dict[str, Any]]] = {}
    for ref, pid, plan in parsed:
        late = [
            s
            for s in rules.schedule(
                plan,
                {m.scale_id: last.get((pid, m.scale_id)) for m in plan.current_measures},
                today,
            )
            if s.overdue
        ]
        if late:
            out[ref] = [_measure_doc(s, labels) for s in late]
    return out
