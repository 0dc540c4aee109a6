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
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import date
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from trdcare.adapters.db.models import Patient
from trdcare.assessments.domain.scoring import SCALE_IDS, get_scale
from trdcare.audit import service as audit
from trdcare.core.actor import Actor
from trdcare.core.clock import utc_today
from trdcare.core.errors import InvalidInput, NotFound
from trdcare.core.provenance import Reason, Source, base_status, weakest
from trdcare.dbs import service as dbs_service
from trdcare.dbs.domain.candidacy import DbsAnswers, DbsFacts
from trdcare.dbs.domain.candidacy import evaluate_candidacy as dbs_candidacy
from trdcare.esketamine import service as esketamine_service
from trdcare.esketamine.domain.catalogue import load as esketamine_catalogue
from trdcare.esketamine.domain.catalogue import sources_of as esketamine_sources
from trdcare.esketamine.domain.eligibility import assess_eligibility
from trdcare.esketamine.domain.eligibility import question_ids as esketamine_questions
from trdcare.history import service as history_service
from trdcare.history.domain.sources import SOURCES as HISTORY_SOURCES
from trdcare.history.domain.staging import StagingReport
from trdcare.history.domain.types import TreatmentHistory
from trdcare.labs import service as labs_service
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
    "check_therapy_ids",
    "options_for_patient",
    "options_from_files",
    "parse_facts",
    "select",
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
    for tag in (t.strip() for t in tags.split(",") if t.strip()):
        known = HISTORY_SOURCES.get(tag)
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
            preferences=preferences or Preferences(),
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
