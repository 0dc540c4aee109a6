"""VNS candidacy per the coverage criteria (CMS NCD 160.18, mirrored in RECOVER's
eligibility): each criterion met, unmet or unknown, with the data it read and its source.

Pure: the service gathers the facts from the patient record, the history room (failed
adequate treatments, the current episode, medication changes) and the assessments room
(depression-scale visits), and the clinician's answers; this module decides.

References
----------
.. [1] CMS NCD 160.18 v3 (2019) and RECOVER NCT03887715 eligibility; modalities.md §2.1.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

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
from trdcare.vns.domain.catalogue import load, sources_of
from trdcare.vns.domain.data_schema import Sourced


@dataclass(frozen=True, slots=True)
class ScaleVisit:
    """One depression-scale administration: its date, scale, total and band."""

    on: date
    scale: str
    total: float
    band: str | None = None


@dataclass(frozen=True, slots=True)
class CandidacyFacts:
    """What the record says, gathered by the service (``None``: the record does not say).

    Parameters
    ----------
    as_of : date
        The planned implant date (or the day of the assessment).
    age_years : int
    episode_onset : date or None
        Onset of the current episode (history room).
    failed_adequate_treatments : int or None
        Failed adequate antidepressant trials counted by the history room's TRD rule.
    undetermined_treatments : int
        Trials whose adequacy could not be judged (they could add to the count).
    other_treatments : int
        ECT, augmentation and psychotherapy courses in the history, which an ATHF count
        could include but the history's antidepressant rule does not.
    history_criteria : str
        The adequacy criteria set the history room applied.
    medication_changes : tuple of date
        Start and end dates of antidepressant and augmentation trials in the history.
    scale_visits : tuple of ScaleVisit
        Depression-scale administrations.
    episode_with_psychosis : bool
        The history stages the current episode "severe with psychosis": the psychotic-features
        exclusion is then present whatever the form says.
    """

    as_of: date
    age_years: int
    episode_onset: date | None
    failed_adequate_treatments: int | None
    undetermined_treatments: int = 0
    other_treatments: int = 0
    history_criteria: str = ""
    medication_changes: tuple[date, ...] = ()
    scale_visits: tuple[ScaleVisit, ...] = ()
    episode_with_psychosis: bool = False


@dataclass(frozen=True, slots=True)
class CandidacyAnswers:
    """The clinician's answers: lifetime episodes, medication stability, each exclusion."""

    lifetime_episodes: int | None = None
    medication_stable: Answer = "unknown"
    exclusions: Mapping[str, Answer] | None = None


@dataclass(frozen=True, slots=True)
class Candidacy:
    """Every criterion with its verdict, and the overall verdict."""

    as_of: date
    criteria: tuple[Criterion, ...]
    coverage_note: str
    coverage_sources: tuple[Source, ...]
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
            "criteria": [c.to_dict() for c in self.criteria],
            "coverage": {
                "note": self.coverage_note,
                "sources": [s.to_dict() for s in self.coverage_sources],
            },
            "catalogue_version": self.catalogue_version,
            "status": self.status,
        }


def check_answers(answers: CandidacyAnswers) -> None:
    """Refuse an answer that is not one of yes / no / unknown, an unknown exclusion, or an
    impossible episode count (naming the field, what is allowed and what was given)."""
    issues = IssueCollector()
    known = {e.id for e in load().exclusions}
    if answers.lifetime_episodes is not None and not (1 <= answers.lifetime_episodes <= 200):
        issues.add(
            "lifetime_episodes",
            "out of range",
            allowed="a whole number in [1, 200] (the current episode included)",
            given=answers.lifetime_episodes,
        )
    if answers.medication_stable not in ANSWERS:
        issues.add(
            "medication_stable",
            "unknown value",
            allowed=", ".join(ANSWERS),
            given=answers.medication_stable,
        )
    for key, value in (answers.exclusions or {}).items():
        if key not in known:
            issues.add(f"exclusions.{key}", "unknown exclusion", allowed=", ".join(sorted(known)))
        elif value not in ANSWERS:
            issues.add(
                f"exclusions.{key}", "unknown value", allowed=", ".join(ANSWERS), given=value
            )
    issues.raise_if_any()


_EXCLUSION_VERDICT: Mapping[str, Verdict] = {"yes": "unmet", "no": "met", "unknown": "unknown"}


def _years_between(start: date, end: date) -> int:
    years = end.year - start.year
    if (end.month, end.day) < (start.month, start.day):
        years -= 1
    return years


def evaluate_candidacy(facts: CandidacyFacts, answers: CandidacyAnswers) -> Candidacy:
    """Judge each coverage criterion met / unmet / unknown, with its data and source.

    A criterion is ``unknown`` when the record does not hold what it needs (no history, an
    unanswered question, trials whose adequacy cannot be judged): the clinician then
    completes the record rather than the system guessing.

    Examples
    --------
    >>> f = CandidacyFacts(as_of=date(2026, 6, 1), age_years=45, episode_onset=date(2023, 1, 1),
    ...                    failed_adequate_treatments=5)
    >>> c = evaluate_candidacy(f, CandidacyAnswers())
    >>> [(x.id, x.verdict) for x in c.criteria][:3]
    [('age', 'met'), ('chronicity', 'met'), ('failed_treatments', 'met')]
    >>> c.overall  # no depression-scale visits are recorded
    'does_not_meet'
    """
    check_answers(answers)
    cat = load()
    cr = cat.criteria
    out: list[Criterion] = []

    def add(
        cid: str,
        label: str,
        verdict: Verdict,
        finding: str,
        data_source: str,
        inputs: Mapping[str, object],
        *entries: Sourced,
    ) -> None:
        sources: tuple[Source, ...] = ()
        for entry in entries:
            sources += sources_of(entry, cat)
        out.append(
            Criterion(
                cid, label, verdict, finding, data_source, Reason(cid, finding, inputs, sources)
            )
        )

    # Age
    min_age = int(cr.age_min_years.value)
    add(
        "age",
        f"Age at least {min_age}",
        "met" if facts.age_years >= min_age else "unmet",
        f"{facts.age_years} years on {facts.as_of.isoformat()} (at least {min_age} required).",
        "patient",
        {"age_years": facts.age_years},
        cr.age_min_years,
    )

    # Chronicity: episode length OR number of episodes.
    min_years = int(cr.episode_min_years.value)
    min_episodes = int(cr.episodes_min.value)
    long_episode: bool | None = None
    parts: list[str] = []
    if facts.episode_onset is not None:
        years = _years_between(facts.episode_onset, facts.as_of)
        long_episode = years >= min_years
        parts.append(
            f"current episode since {facts.episode_onset.isoformat()} ({years} full years; "
            f"at least {min_years} required)"
        )
    else:
        parts.append("no current episode in the history")
    many_episodes: bool | None = None
    if answers.lifetime_episodes is not None:
        many_episodes = answers.lifetime_episodes >= min_episodes
        parts.append(
            f"{answers.lifetime_episodes} episodes including the current one (at least "
            f"{min_episodes} required)"
        )
    else:
        parts.append("number of episodes not answered")
    if long_episode or many_episodes:
        chronic: Verdict = "met"
    elif long_episode is False and many_episodes is False:
        chronic = "unmet"
    else:
        chronic = "unknown"
    add(
        "chronicity",
        f"In the current episode at least {min_years} years, or at least {min_episodes} "
        "episodes including the current one",
        chronic,
        "; ".join(parts).capitalize() + ".",
        "history" if long_episode else ("clinician" if many_episodes else "history"),
        {
            "episode_onset": facts.episode_onset,
            "lifetime_episodes": answers.lifetime_episodes,
        },
        cr.episode_min_years,
        cr.episodes_min,
    )

    # Failed adequate treatments (history room).
    need = int(cr.failed_treatments_min.value)
    n = facts.failed_adequate_treatments
    if n is None:
        verdict: Verdict = "unknown"
        finding = "No treatment history recorded: import the history to count failed treatments."
    elif n >= need:
        verdict = "met"
        finding = f"{n} failed adequate antidepressant trials counted ({need} required)."
    elif n + facts.undetermined_treatments + facts.other_treatments >= need:
        verdict = "unknown"
        finding = (
            f"{n} failed adequate antidepressant trials counted ({need} required); "
            f"{facts.undetermined_treatments} trial(s) could not be judged and "
            f"{facts.other_treatments} ECT, augmentation or psychotherapy course(s) are not "
            "counted by the history's antidepressant rule: review them with ATHF or MGH-ATRQ."
        )
    else:
        verdict = "unmet"
        finding = f"{n} failed adequate antidepressant trials counted ({need} required)."
    if facts.history_criteria and n is not None:
        finding += f" Adequacy criteria: {facts.history_criteria}."
    add(
        "failed_treatments",
        f"At least {need} failed treatments of adequate dose and duration",
        verdict,
        finding,
        "history",
        {
            "failed_adequate_treatments": n,
            "undetermined": facts.undetermined_treatments,
            "other_treatments": facts.other_treatments,
        },
        cr.failed_treatments_min,
    )

    # Two depression-scale visits within 45 days before implantation.
    visits_needed = int(cr.scale_visits_min.value)
    window = int(cr.scale_window_days.value)
    start = facts.as_of - timedelta(days=window)
    days = sorted({v.on for v in facts.scale_visits if start <= v.on <= facts.as_of})
    in_window = [v for v in facts.scale_visits if start <= v.on <= facts.as_of]
    listed = ", ".join(
        f"{v.on.isoformat()} {v.scale} {v.total:g}" + (f" ({v.band})" if v.band else "")
        for v in sorted(in_window, key=lambda v: v.on)
    )
    add(
        "scale_visits",
        f"Depression confirmed by a rating scale on {visits_needed} visits within {window} days "
        "before implantation",
        "met" if len(days) >= visits_needed else "unmet",
        f"{len(days)} visit day(s) with a depression scale from {start.isoformat()} to "
        f"{facts.as_of.isoformat()}"
        + (f": {listed}" if listed else "")
        + f" ({visits_needed} required). Whether the scores confirm a major depressive "
        "episode is the clinician's reading; the criterion names no score threshold.",
        "assessments",
        {"visit_days": [d.isoformat() for d in days], "window_days": window},
        cr.scale_visits_min,
        cr.scale_window_days,
    )

    # Stable medication for 4 weeks.
    stable_days = int(cr.stable_medication_days.value)
    since = facts.as_of - timedelta(days=stable_days)
    changes = sorted(d for d in facts.medication_changes if since < d <= facts.as_of)
    if changes:
        med: Verdict = "unmet"
        med_finding = (
            f"The history has a medication started or stopped within {stable_days} days "
            f"before {facts.as_of.isoformat()} (on {', '.join(d.isoformat() for d in changes)})."
        )
        med_source = "history"
    elif answers.medication_stable == "yes":
        med, med_source = "met", "clinician"
        med_finding = (
            f"No start or stop in the history within {stable_days} days, and the clinician "
            "confirms no dose change."
        )
    elif answers.medication_stable == "no":
        med, med_source = "unmet", "clinician"
        med_finding = f"The clinician reports a change within {stable_days} days."
    else:
        med, med_source = "unknown", "clinician"
        med_finding = (
            f"No start or stop in the history within {stable_days} days; dose changes are not "
            "in the history: the clinician has not confirmed the regimen is stable."
        )
    add(
        "stable_medication",
        f"Stable medication regimen for at least {stable_days} days (4 weeks) before implantation",
        med,
        med_finding,
        med_source,
        {"changes": [d.isoformat() for d in changes], "answer": answers.medication_stable},
        cr.stable_medication_days,
    )

    # Exclusions, one criterion each.
    given = answers.exclusions or {}
    for ex in cat.exclusions:
        answer = given.get(ex.id, "unknown")
        from_history = ex.id == "psychotic_features" and facts.episode_with_psychosis
        ex_verdict = "unmet" if from_history else _EXCLUSION_VERDICT[answer]
        words = {
            "yes": "present: excludes coverage",
            "no": "absent",
            "unknown": "not answered",
        }[answer]
        if from_history:
            words = (
                "present: the history stages the current episode severe with psychosis "
                f"(the form said {answer})"
            )
        add(
            f"exclusion_{ex.id}",
            f"Not present: {ex.label}",
            ex_verdict,
            f"{ex.label}: {words}.",
            "history" if from_history else "clinician",
            {"answer": answer, "episode_with_psychosis": facts.episode_with_psychosis},
            ex,
        )

    return Candidacy(
        as_of=facts.as_of,
        criteria=tuple(out),
        coverage_note=cat.coverage.label,
        coverage_sources=sources_of(cat.coverage, cat),
        catalogue_version=cat.version,
    )
