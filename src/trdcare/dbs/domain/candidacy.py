"""DBS candidacy per the trial criteria (DBS for depression is INVESTIGATIONAL): each
criterion met, unmet or unknown, with the data it read and its source.

The criteria are the published trials' (Holtzheimer 2012: age 18-70, MDD or bipolar II, a
moderate-to-severe episode after at least 4 adequate antidepressant treatments; RECLAIM:
non-psychotic), the BROADEN details the reference could not confirm (current episode at least
12 months, HDRS at least 20: UNVERIFIED, labelled), and the research-protocol requirement
that follows from the investigational status. Pure: the service gathers the facts.

References
----------
.. [1] modalities.md §3.1 and §3.3.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from trdcare.core.criteria import (
    ANSWERS,
    Answer,
    Criterion,
    Overall,
    Verdict,
    criteria_status,
    overall_verdict,
)
from trdcare.core.errors import IssueCollector
from trdcare.core.provenance import JSONDict, Reason, Source, Status
from trdcare.dbs.domain.catalogue import load_pathway, pathway_sources
from trdcare.dbs.domain.data_schema import Sourced, SourcedValue

DIAGNOSES = ("mdd", "bipolar_i", "bipolar_ii", "other", "unknown")


@dataclass(frozen=True, slots=True)
class DbsFacts:
    """What the record says (``None``: the record does not say)."""

    as_of: date
    age_years: int
    episode_onset: date | None
    episode_severity: str | None
    failed_adequate_treatments: int | None
    undetermined_treatments: int = 0
    latest_hamd17: tuple[date, float] | None = None


@dataclass(frozen=True, slots=True)
class DbsAnswers:
    diagnosis: str = "unknown"
    psychotic_features: Answer = "unknown"
    research_protocol: Answer = "unknown"
    protocol_ref: str = ""


@dataclass(frozen=True, slots=True)
class DbsCandidacy:
    as_of: date
    criteria: tuple[Criterion, ...]
    investigational: str
    investigational_sources: tuple[Source, ...]
    catalogue_version: str

    @property
    def overall(self) -> Overall:
        return overall_verdict(self.criteria)

    @property
    def status(self) -> Status:
        return criteria_status(self.criteria)

    def to_dict(self) -> JSONDict:
        return {
            "as_of": self.as_of.isoformat(),
            "overall": self.overall,
            "investigational": True,
            "investigational_note": self.investigational,
            "investigational_sources": [s.to_dict() for s in self.investigational_sources],
            "criteria": [c.to_dict() for c in self.criteria],
            "catalogue_version": self.catalogue_version,
            "status": self.status,
        }


def check_answers(answers: DbsAnswers) -> None:
    issues = IssueCollector()
    if answers.diagnosis not in DIAGNOSES:
        issues.add(
            "diagnosis", "unknown value", allowed=", ".join(DIAGNOSES), given=answers.diagnosis
        )
    for name in ("psychotic_features", "research_protocol"):
        value = getattr(answers, name)
        if value not in ANSWERS:
            issues.add(name, "unknown value", allowed=", ".join(ANSWERS), given=value)
    if answers.research_protocol == "yes" and not answers.protocol_ref.strip():
        issues.add(
            "protocol_ref",
            "is required when the patient is enrolled in a research protocol",
            allowed="the protocol's reference (IRB or IDE number)",
        )
    issues.raise_if_any()


_YES_UNMET: Mapping[str, Verdict] = {"yes": "unmet", "no": "met", "unknown": "unknown"}
_YES_MET: Mapping[str, Verdict] = {"yes": "met", "no": "unmet", "unknown": "unknown"}


def _months_between(start: date, end: date) -> int:
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day < start.day:
        months -= 1
    return max(months, 0)


def evaluate_candidacy(facts: DbsFacts, answers: DbsAnswers) -> DbsCandidacy:
    """Judge each trial criterion met / unmet / unknown, with its data and source.

    Examples
    --------
    >>> f = DbsFacts(date(2026, 6, 1), 71, date(2024, 1, 1), "moderate", 4)
    >>> c = evaluate_candidacy(f, DbsAnswers())
    >>> next(x.verdict for x in c.criteria if x.id == "age"), c.overall
    ('unmet', 'does_not_meet')
    """
    check_answers(answers)
    cat = load_pathway()
    cr = cat.criteria
    out: list[Criterion] = []

    def add(
        cid: str,
        label: str,
        verdict: Verdict,
        finding: str,
        data_source: str,
        inputs: Mapping[str, object],
        *entries: Sourced | SourcedValue,
    ) -> None:
        sources: tuple[Source, ...] = ()
        for entry in entries:
            sources += pathway_sources(entry)
        reason = Reason(cid, finding, inputs, sources)
        out.append(Criterion(cid, label, verdict, finding, data_source, reason))

    low, high = int(cr.age_min_years.value), int(cr.age_max_years.value)
    add(
        "age",
        f"Age {low} to {high}",
        "met" if low <= facts.age_years <= high else "unmet",
        f"{facts.age_years} years on {facts.as_of.isoformat()} ({low} to {high} required).",
        "patient",
        {"age_years": facts.age_years},
        cr.age_min_years,
        cr.age_max_years,
    )

    diagnoses = cr.diagnoses.values
    d = answers.diagnosis
    add(
        "diagnosis",
        "Major depressive disorder or bipolar II disorder",
        "unknown" if d == "unknown" else ("met" if d in diagnoses else "unmet"),
        {
            "mdd": "Major depressive disorder.",
            "bipolar_ii": "Bipolar II disorder.",
            "bipolar_i": "Bipolar I disorder: not among the diagnoses the trials enrolled.",
            "other": "Another diagnosis: not among the diagnoses the trials enrolled.",
            "unknown": "Diagnosis not answered.",
        }[d],
        "clinician",
        {"diagnosis": d},
        cr.diagnoses,
    )

    need = int(cr.failed_treatments_min.value)
    n = facts.failed_adequate_treatments
    if n is None:
        verdict: Verdict = "unknown"
        finding = "No treatment history recorded: import the history to count failed treatments."
    elif n >= need:
        verdict, finding = "met", f"{n} failed adequate antidepressant trials ({need} required)."
    elif n + facts.undetermined_treatments >= need:
        verdict = "unknown"
        finding = (
            f"{n} failed adequate antidepressant trials ({need} required); "
            f"{facts.undetermined_treatments} more could not be judged."
        )
    else:
        verdict, finding = "unmet", f"{n} failed adequate antidepressant trials ({need} required)."
    add(
        "failed_treatments",
        f"At least {need} adequate antidepressant treatments failed",
        verdict,
        finding,
        "history",
        {"failed_adequate_treatments": n, "undetermined": facts.undetermined_treatments},
        cr.failed_treatments_min,
    )

    sev = facts.episode_severity
    if sev is None:
        sev_verdict: Verdict = "unknown"
        sev_finding = "No current episode in the history."
    elif sev in cr.severities.values:
        sev_verdict, sev_finding = "met", f"Current episode staged {sev.replace('_', ' ')}."
    elif sev == "severe_with_psychosis":
        sev_verdict = "met"
        sev_finding = "Current episode staged severe with psychosis (see the psychosis criterion)."
    else:
        sev_verdict = "unmet"
        sev_finding = f"Current episode staged {sev.replace('_', ' ')}: not moderate to severe."
    add(
        "severity",
        "A moderate-to-severe major depressive episode",
        sev_verdict,
        sev_finding,
        "history",
        {"episode_severity": sev},
        cr.severities,
    )

    if sev == "severe_with_psychosis":
        psy: Verdict = "unmet"
        psy_finding, psy_source = "The history stages the episode severe with psychosis.", "history"
    else:
        psy = _YES_UNMET[answers.psychotic_features]
        psy_source = "clinician"
        psy_finding = {
            "yes": "Psychotic features present.",
            "no": "No psychotic features.",
            "unknown": "Psychotic features not answered.",
        }[answers.psychotic_features]
    add(
        "non_psychotic",
        "Non-psychotic depression",
        psy,
        psy_finding,
        psy_source,
        {"answer": answers.psychotic_features, "episode_severity": sev},
        cr.non_psychotic,
    )

    months_needed = int(cr.episode_min_months.value)
    if facts.episode_onset is None:
        ep: Verdict = "unknown"
        ep_finding = "No current episode in the history."
    else:
        months = _months_between(facts.episode_onset, facts.as_of)
        ep = "met" if months >= months_needed else "unmet"
        ep_finding = (
            f"Current episode since {facts.episode_onset.isoformat()}: {months} months "
            f"({months_needed} required by BROADEN, {cr.episode_min_months.status})."
        )
    add(
        "episode_length",
        f"Current episode at least {months_needed} months (BROADEN)",
        ep,
        ep_finding,
        "history",
        {"episode_onset": facts.episode_onset},
        cr.episode_min_months,
    )

    hamd_min = cr.hamd17_min.value
    if facts.latest_hamd17 is None:
        hd: Verdict = "unknown"
        hd_finding = "No HAM-D17 recorded."
    else:
        on, total = facts.latest_hamd17
        hd = "met" if total >= hamd_min else "unmet"
        hd_finding = (
            f"Latest HAM-D17 {total:g} on {on.isoformat()} (at least {hamd_min:g} required by "
            f"BROADEN, {cr.hamd17_min.status})."
        )
    add(
        "hamd17",
        f"HAM-D17 at least {hamd_min:g} (BROADEN)",
        hd,
        hd_finding,
        "assessments",
        {"latest_hamd17": None if facts.latest_hamd17 is None else facts.latest_hamd17[1]},
        cr.hamd17_min,
    )

    rp = answers.research_protocol
    add(
        "research_protocol",
        "Enrolled in a research protocol (investigational use)",
        _YES_MET[rp],
        {
            "yes": f"Enrolled in protocol {answers.protocol_ref}.",
            "no": "Not enrolled in a research protocol: DBS for depression is investigational.",
            "unknown": "Research-protocol enrolment not answered.",
        }[rp],
        "clinician",
        {"answer": rp, "protocol_ref": answers.protocol_ref},
        cr.research_protocol,
    )
    return DbsCandidacy(
        as_of=facts.as_of,
        criteria=tuple(out),
        investigational=cat.status.label,
        investigational_sources=pathway_sources(cat.status),
        catalogue_version=cat.version,
    )
