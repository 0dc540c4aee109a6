"""Adequacy of antidepressant trials under a named, configurable criteria set.

A trial is judged on three dimensions, each giving a reason:

* **duration** -- days from the trial start (or the episode onset, if later) to its end (or
  ``as_of`` while still taken) must reach ``min_duration_weeks * 7``. Trial records carry only
  the maximum dose, not the date it was reached, so the whole trial duration is counted as if
  at that dose (the reason says so);
* **dose** -- the maximum daily dose must meet the drug's minimum from the catalogue (a
  labelled proxy, usually ``UNVERIFIED``; the reason names its status). No recorded dose, or
  no minimum in the catalogue, leaves dose adequacy undetermined;
* **adherence** -- must be one of ``adherence_accepted``; ``unknown`` (when not accepted)
  leaves adequacy undetermined; any other value makes the trial inadequate.

``adequate`` is ``False`` if any dimension fails, else ``None`` if any is undetermined, else
``True``. A trial **counts as a failure** only when it is adequate, its outcome is one of the
criteria's ``failure_outcomes``, it belongs to the current episode and it is not ongoing.
An early stop for intolerance is never a failed adequate trial (EU-PEARL recommendation 10),
and intolerance after an adequate duration is not a failure either: the outcome records no
lack of response.

References
----------
.. [1] Sforzini L et al. Mol Psychiatry 2022 (EU-PEARL Delphi) [S7], recommendations 3 and 10:
   failure = <25% improvement with adequate dosing and duration; discontinuation before the
   completion of week 4 without clear lack of response is not a failure. VERIFIED
   (clinical-scales.md 1a); "minimum licensed dose for >=4 weeks" SECONDARY
   (antidepressant-doses.md section 3).
.. [2] Rybak YE et al. Depress Anxiety 2021 [S8]: non-response <50%; minimal trial length
   4-6 weeks. VERIFIED.
.. [3] PLoS One 2020 [S2]: MGH-S register adaptation, adequate trial >=6 weeks at adequate
   dose. VERIFIED. ATRQ non-response <=25% after >=6 weeks: SECONDARY.
.. [4] Sackeim 2001 (ATHF long form): subtract one level for non-compliance -- only from a
   blog summary, UNVERIFIED; used only to justify treating poor adherence as inadequate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Final

from trdcare.core.checks import Interval, check_constraints
from trdcare.core.errors import IssueCollector
from trdcare.history.domain.catalogue import (
    AntidepressantCatalogue,
    DoseThreshold,
    DrugClass,
    _fmt_mg,
)
from trdcare.history.domain.sources import Fact, Reason, base_status
from trdcare.history.domain.types import (
    ADHERENCE,
    Adherence,
    AntidepressantTrial,
    Outcome,
    TreatmentHistory,
)

FAILURE_OUTCOME_CHOICES: Final[tuple[Outcome, ...]] = ("no_response", "partial_response")

#: Declared limits of the numeric criteria parameters (one table drives checks and tests).
CRITERIA_CONSTRAINTS: Final[dict[str, Interval]] = {
    "min_duration_weeks": Interval(0, None, closed="neither", unit="weeks"),
}


def _said(value: str) -> str:
    """A recorded option as a clinician reads it (``no_response`` -> ``no response``)."""
    return value.replace("_", " ")


def _said_all(values: frozenset[str]) -> str:
    return ", ".join(_said(v) for v in sorted(values))


@dataclass(frozen=True, slots=True)
class AdequacyCriteria:
    """A named set of rules for judging a trial adequate and failed.

    Parameters
    ----------
    name : str
        Stable name shown in every result, e.g. ``"eu_pearl_2022"``.
    title : str
        The name as a clinician says it, e.g. "the EU-PEARL 2022 consensus" (the name when
        none is given).
    min_duration_weeks : float
        Minimum trial duration in weeks (> 0); compared in days (``ceil(weeks * 7)``).
    require_min_dose : bool
        Whether the catalogue's minimum dose must be met.
    adherence_accepted : frozenset of str
        Adherence values that make a trial adequate on adherence.
    failure_outcomes : frozenset of str
        Outcomes that count as lack of response (subset of ``no_response``,
        ``partial_response``).
    distinct_drugs : bool
        Whether failed trials of the same drug count once for TRD status.
    preferred_dose_sources : tuple of str
        Catalogue source tags whose dose values are preferred over the catalogue's chosen
        value, in order, where a drug has one.
    description, source, status : str
        What the set is, its source tags and its overall status.
    facts : tuple of Fact
        Each parameter's source and status.
    """

    name: str
    min_duration_weeks: float
    require_min_dose: bool = True
    adherence_accepted: frozenset[Adherence] = frozenset({"good"})
    failure_outcomes: frozenset[Outcome] = frozenset({"no_response"})
    distinct_drugs: bool = True
    preferred_dose_sources: tuple[str, ...] = ()
    description: str = ""
    source: str = ""
    status: str = "DERIVED"
    facts: tuple[Fact, ...] = field(default=())
    title: str = ""

    @property
    def label(self) -> str:
        """How results name the set: its title, else its stable name."""
        return self.title or self.name

    def __post_init__(self) -> None:
        check_constraints({"min_duration_weeks": self.min_duration_weeks}, CRITERIA_CONSTRAINTS)
        issues = IssueCollector()
        if not isinstance(self.name, str) or not self.name.strip():
            issues.add("name", "must be a non-empty string", given=self.name)
        unknown = sorted(set(self.adherence_accepted) - set(ADHERENCE))
        if unknown:
            issues.add(
                "adherence_accepted", "unknown value", allowed=", ".join(ADHERENCE), given=unknown
            )
        bad = sorted(set(self.failure_outcomes) - set(FAILURE_OUTCOME_CHOICES))
        if bad or not self.failure_outcomes:
            issues.add(
                "failure_outcomes",
                "must be a non-empty subset",
                allowed=", ".join(FAILURE_OUTCOME_CHOICES),
                given=bad or "empty",
            )
        try:
            base_status(self.status)
        except ValueError:
            issues.add("status", "must be a status mark", given=self.status)
        issues.raise_if_any()

    @property
    def min_duration_days(self) -> int:
        """The minimum duration in whole days."""
        return math.ceil(self.min_duration_weeks * 7)

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "title": self.label,
            "description": self.description,
            "min_duration_weeks": self.min_duration_weeks,
            "min_duration_days": self.min_duration_days,
            "require_min_dose": self.require_min_dose,
            "adherence_accepted": sorted(self.adherence_accepted),
            "failure_outcomes": sorted(self.failure_outcomes),
            "distinct_drugs": self.distinct_drugs,
            "preferred_dose_sources": list(self.preferred_dose_sources),
            "source": self.source,
            "status": self.status,
            "facts": [f.to_dict() for f in self.facts],
        }


_ADHERENCE_FACT = Fact(
    "adequacy.adherence",
    "Only 'good' adherence makes a trial adequate; 'unknown' leaves adequacy undetermined; "
    "'partial' or 'poor' make it inadequate (the sources read give no adherence rule; the ATHF "
    "long form lowers adequacy for non-compliance, UNVERIFIED)",
    "DERIVED",
    "trdcare_derived,sackeim2001_athf",
)
_DISTINCT_FACT = Fact(
    "trd.distinct_drugs",
    "Failed adequate trials of the same drug count once towards TRD (two different drugs, as "
    "in the register algorithm; the EMA 'different antidepressants' wording is UNVERIFIED)",
    "DERIVED",
    "cardinal_pythonlib,trdcare_derived",
)
_DURATION_ASSUMPTION = Fact(
    "adequacy.duration_at_dose",
    "Trial records carry the maximum dose but not when it was reached; the whole trial "
    "duration is counted as time at that dose",
    "DERIVED",
    "trdcare_derived",
)
_PARTIAL_FACT = Fact(
    "outcome.partial_response",
    "'partial response' is read as 25-49% improvement (EU-PEARL's partially responsive "
    "depression); the exact PRD wording was not seen",
    "UNVERIFIED",
    "sforzini2022",
)
_PROXY_FACT = Fact(
    "adequacy.min_dose_proxy",
    "Minimum adequate doses are proxies (standard or usual-dose lower bounds), not instrument "
    "thresholds: the ATHF-SF/SF2, ATRQ and MTI dose tables could not be read",
    "UNVERIFIED",
    "scottish2024,portico_t2_2,uptodate53818",
)

#: Named criteria presets, each citing its source.
CRITERIA_PRESETS: Final[dict[str, AdequacyCriteria]] = {
    c.name: c
    for c in (
        AdequacyCriteria(
            name="eu_pearl_2022",
            title="the EU-PEARL 2022 consensus",
            description=(
                "EU-PEARL Delphi consensus: failure = <25% improvement ('no response') after "
                ">=4 weeks at the minimum licensed dose; stopping before week 4 without clear "
                "lack of response is not a failure."
            ),
            min_duration_weeks=4,
            require_min_dose=True,
            adherence_accepted=frozenset({"good"}),
            failure_outcomes=frozenset({"no_response"}),
            distinct_drugs=True,
            source="sforzini2022",
            status="VERIFIED (duration and failure rule, [S7] Table 1); 'minimum licensed dose' "
            "wording SECONDARY; dose values UNVERIFIED proxies",
            facts=(
                Fact(
                    "criteria.eu_pearl_2022.failure",
                    "TRD after >=2 failed treatments with <25% improvement with adequate "
                    "dosing and duration (recommendation 3)",
                    "VERIFIED",
                    "sforzini2022",
                ),
                Fact(
                    "criteria.eu_pearl_2022.duration",
                    "Discontinuation before the completion of the fourth week without clear "
                    "lack of response is not a failure (recommendation 10): minimum 4 weeks",
                    "VERIFIED",
                    "sforzini2022",
                ),
                Fact(
                    "criteria.eu_pearl_2022.dose",
                    "Adequate dose = minimum licensed dose",
                    "SECONDARY",
                    "sforzini2022",
                ),
                _PROXY_FACT,
                _ADHERENCE_FACT,
                _DISTINCT_FACT,
                _DURATION_ASSUMPTION,
            ),
        ),
        AdequacyCriteria(
            name="canadian_2021",
            title="the Canadian 2021 consensus",
            description=(
                "Canadian expert consensus: failure = <50% improvement ('no response' or "
                "'partial response') to an adequately dosed trial; minimal trial length "
                "4-6 weeks (the lower end, 4 weeks, is used)."
            ),
            min_duration_weeks=4,
            require_min_dose=True,
            adherence_accepted=frozenset({"good"}),
            failure_outcomes=frozenset({"no_response", "partial_response"}),
            distinct_drugs=True,
            source="rybak2021",
            status="VERIFIED (rule, [S8] Table 3); dose values UNVERIFIED proxies",
            facts=(
                Fact(
                    "criteria.canadian_2021.failure",
                    "Non-response = <50% symptom reduction; TRD = failure of two adequately "
                    "dosed, evidence-supported antidepressant trials",
                    "VERIFIED",
                    "rybak2021",
                ),
                Fact(
                    "criteria.canadian_2021.duration",
                    "Minimal trial length 4-6 weeks; the lower end (4 weeks) is applied",
                    "VERIFIED",
                    "rybak2021",
                ),
                _PARTIAL_FACT,
                _PROXY_FACT,
                _ADHERENCE_FACT,
                _DISTINCT_FACT,
                _DURATION_ASSUMPTION,
            ),
        ),
        AdequacyCriteria(
            name="mgh_register_2020",
            title="the MGH-S / ATRQ register 2020 rules",
            description=(
                "MGH-S / ATRQ register adaptation: adequate trial >=6 weeks at an adequate "
                "dose; non-response ('no response', ATRQ <=25% improvement). Prefers the "
                "ATRQ worked-example dose bound where one exists (venlafaxine > 75 mg/day)."
            ),
            min_duration_weeks=6,
            require_min_dose=True,
            adherence_accepted=frozenset({"good"}),
            failure_outcomes=frozenset({"no_response"}),
            distinct_drugs=True,
            preferred_dose_sources=("atrq_example2012",),
            source="plosone2020,atrq_example2012",
            status="VERIFIED (6 weeks, [S2]); ATRQ non-response SECONDARY; dose table "
            "(PLoS One S1 Table) UNVERIFIED",
            facts=(
                Fact(
                    "criteria.mgh_register_2020.duration",
                    "Adequate trial = >=6 weeks at an adequate dose (register adaptation)",
                    "VERIFIED",
                    "plosone2020",
                ),
                Fact(
                    "criteria.mgh_register_2020.failure",
                    "ATRQ non-response = <=25% improvement after >=6 weeks",
                    "SECONDARY",
                    "atrq_example2012",
                ),
                Fact(
                    "criteria.mgh_register_2020.dose_table",
                    "The register adaptation's dose table (PLoS One S1 Table) was not "
                    "retrieved; catalogue proxies are used",
                    "UNVERIFIED",
                    "plosone2020",
                ),
                _PROXY_FACT,
                _ADHERENCE_FACT,
                _DISTINCT_FACT,
                _DURATION_ASSUMPTION,
            ),
        ),
    )
}

#: The default criteria set.
DEFAULT_CRITERIA: Final = "eu_pearl_2022"


def default_criteria() -> AdequacyCriteria:
    """The :data:`DEFAULT_CRITERIA` preset."""
    return CRITERIA_PRESETS[DEFAULT_CRITERIA]


@dataclass(frozen=True, slots=True)
class TrialAdequacy:
    """The adequacy verdict on one antidepressant trial, with its reasons.

    Parameters
    ----------
    trial : AntidepressantTrial
    index : int or None
        Position of the trial in the history, when judged as part of one.
    drug_class : str
        The drug's catalogue class.
    criteria : str
        Name of the criteria set applied.
    adequate : bool or None
        ``None`` = cannot be judged (no dose, no catalogue minimum, unknown adherence).
    failed : bool
        The outcome is one of the criteria's failure outcomes.
    counts_as_failure : bool
        Adequate, failed, in the current episode and not ongoing.
    in_current_episode : bool
        The trial did not end before the episode onset.
    duration_days : int
        Days counted (from the later of trial start and episode onset, to end or as_of).
    min_dose : DoseThreshold or None
        The minimum dose applied (``None`` if not required or not known).
    dose_status : str
        Status of the dose threshold applied, or why none was.
    reasons : tuple of Reason
    facts : tuple of Fact
        Clinical facts relied on (dose threshold, criteria facts).
    """

    trial: AntidepressantTrial
    index: int | None
    drug_class: DrugClass
    criteria: str
    adequate: bool | None
    failed: bool
    counts_as_failure: bool
    in_current_episode: bool
    duration_days: int
    min_dose: DoseThreshold | None
    dose_status: str
    reasons: tuple[Reason, ...]
    facts: tuple[Fact, ...]

    @property
    def could_count(self) -> bool:
        """A failed trial whose adequacy is undetermined: more data could make it count."""
        return (
            self.failed
            and self.adequate is None
            and self.in_current_episode
            and self.trial.outcome != "ongoing"
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "index": self.index,
            "trial": self.trial.to_dict(),
            "drug_class": self.drug_class,
            "criteria": self.criteria,
            "adequate": self.adequate,
            "failed": self.failed,
            "counts_as_failure": self.counts_as_failure,
            "could_count": self.could_count,
            "in_current_episode": self.in_current_episode,
            "duration_days": self.duration_days,
            "min_dose": None if self.min_dose is None else self.min_dose.to_dict(),
            "dose_status": self.dose_status,
            "reasons": [r.to_dict() for r in self.reasons],
        }


def _and(values: tuple[bool | None, ...]) -> bool | None:
    if any(v is False for v in values):
        return False
    if any(v is None for v in values):
        return None
    return True


def assess_trial(
    trial: AntidepressantTrial,
    criteria: AdequacyCriteria,
    catalogue: AntidepressantCatalogue,
    *,
    as_of: date,
    onset: date | None = None,
    index: int | None = None,
) -> TrialAdequacy:
    """Judge one antidepressant trial under ``criteria``.

    Parameters
    ----------
    trial : AntidepressantTrial
    criteria : AdequacyCriteria
    catalogue : AntidepressantCatalogue
    as_of : date
        End of the counted period for a trial still taken (``end is None``).
    onset : date, optional
        Onset of the current episode: a trial that ended before it is not in the current
        episode; one that started before it is counted from the onset.
    index : int, optional
        Position in the history, echoed in the result.

    Returns
    -------
    TrialAdequacy

    Raises
    ------
    InvalidInput
        If the drug is not in the catalogue (field ``drug``).

    References
    ----------
    .. [1] Sforzini 2022 [S7] recommendations 3 and 10 (VERIFIED); Rybak 2021 [S8]
       (VERIFIED); PLoS One 2020 [S2] (VERIFIED); catalogue doses (UNVERIFIED proxies).
    """
    drug = catalogue.get(trial.drug, path="drug")
    reasons: list[Reason] = []
    facts: list[Fact] = list(criteria.facts)
    crit = criteria.label

    # -- period and episode ----------------------------------------------------------------
    in_episode = onset is None or trial.end is None or trial.end >= onset
    counted_start = trial.start if onset is None else max(trial.start, onset)
    counted_end = trial.end if trial.end is not None else as_of
    duration_days = max(0, (counted_end - counted_start).days)
    if not in_episode:
        reasons.append(
            Reason(
                "outside_current_episode",
                f"Ended {counted_end.isoformat()}, before the current episode's onset "
                f"({onset.isoformat() if onset else ''}): not counted for this episode.",
                "fekadu2018",
                "VERIFIED",
            )
        )
    elif onset is not None and trial.start < onset:
        reasons.append(
            Reason(
                "counted_from_onset",
                f"Started {trial.start.isoformat()}, before the episode onset; duration is "
                f"counted from the onset ({onset.isoformat()}).",
                "trdcare_derived",
                "DERIVED",
            )
        )
    if trial.end is None:
        reasons.append(
            Reason(
                "still_taking",
                f"No end date: duration is counted to {as_of.isoformat()}.",
                "trdcare_derived",
                "DERIVED",
            )
        )

    # -- duration ----------------------------------------------------------------------------
    need = criteria.min_duration_days
    duration_ok = duration_days >= need
    weeks = duration_days / 7
    reasons.append(
        Reason(
            "duration_adequate" if duration_ok else "duration_too_short",
            f"{duration_days} days ({weeks:.1f} weeks) {'>=' if duration_ok else '<'} the "
            f"{need}-day minimum of {crit} (whole trial counted as time at the maximum dose; "
            "the date the dose was reached is not recorded).",
            criteria.source,
            criteria.status,
        )
    )

    # -- dose --------------------------------------------------------------------------------
    threshold: DoseThreshold | None = None
    dose_ok: bool | None
    if not criteria.require_min_dose:
        dose_ok = True
        dose_status = "not required"
        reasons.append(
            Reason(
                "dose_not_required",
                f"{crit} does not require a minimum dose.",
                criteria.source,
                criteria.status,
            )
        )
    else:
        threshold = drug.threshold_for(criteria.preferred_dose_sources)
        facts.append(drug.fact(threshold))
        if threshold is None:
            dose_ok = None
            dose_status = drug.dose_status
            reasons.append(
                Reason(
                    "dose_threshold_unknown",
                    f"The catalogue has no minimum adequate dose for {drug.name}; dose adequacy "
                    f"cannot be judged. Status: {drug.dose_status}.",
                    "",
                    drug.dose_status,
                )
            )
        else:
            dose_status = threshold.status
            status_note = (
                f" Status of this minimum: {threshold.status}."
                if base_status(threshold.status) != "VERIFIED"
                else ""
            )
            if trial.max_daily_dose_mg is None:
                dose_ok = None
                reasons.append(
                    Reason(
                        "dose_not_recorded",
                        f"No maximum daily dose recorded; the minimum for {drug.name} is "
                        f"{threshold.describe()}, so dose adequacy cannot be judged.{status_note}",
                        threshold.source,
                        threshold.status,
                    )
                )
            else:
                dose_ok = threshold.satisfied_by(trial.max_daily_dose_mg)
                given = _fmt_mg(trial.max_daily_dose_mg)
                reasons.append(
                    Reason(
                        "dose_adequate" if dose_ok else "dose_below_minimum",
                        f"Maximum {given} mg/day "
                        f"{'meets' if dose_ok else 'does not meet'} the minimum for {drug.name} "
                        f"({threshold.describe()}).{status_note}",
                        threshold.source,
                        threshold.status,
                    )
                )

    # A dose above the drug's maximum is kept (it is given in practice) but never silently.
    maximum = drug.max_dose
    if (
        maximum is not None
        and trial.max_daily_dose_mg is not None
        and trial.max_daily_dose_mg > maximum.value_mg
    ):
        reasons.append(
            Reason(
                "dose_above_maximum",
                f"Warning: maximum {_fmt_mg(trial.max_daily_dose_mg)} mg/day is above the "
                f"highest daily dose of {drug.name} in the catalogue "
                f"({maximum.describe()}); check the record.",
                maximum.source,
                maximum.status,
            )
        )

    # -- adherence ---------------------------------------------------------------------------
    adherence_ok: bool | None
    if trial.adherence in criteria.adherence_accepted:
        adherence_ok = True
        code, text = "adherence_adequate", "is accepted"
    elif trial.adherence == "unknown":
        adherence_ok = None
        code, text = "adherence_unknown", "leaves adequacy undetermined"
    else:
        adherence_ok = False
        code, text = "adherence_inadequate", "is not accepted"
    reasons.append(
        Reason(
            code,
            f"Adherence '{_said(trial.adherence)}' {text} by {crit} "
            f"(accepted: {_said_all(criteria.adherence_accepted) or 'none'}).",
            _ADHERENCE_FACT.source,
            _ADHERENCE_FACT.status,
        )
    )

    adequate = _and((duration_ok, dose_ok, adherence_ok))

    # -- outcome -----------------------------------------------------------------------------
    failed = trial.outcome in criteria.failure_outcomes
    if trial.outcome == "partial_response":
        facts.append(_PARTIAL_FACT)
    if trial.outcome == "ongoing":
        reasons.append(
            Reason(
                "ongoing",
                "The trial is ongoing: it does not count until an outcome is recorded.",
                "trdcare_derived",
                "DERIVED",
            )
        )
    elif trial.outcome == "intolerance":
        if not duration_ok:
            reasons.append(
                Reason(
                    "early_stop_intolerance",
                    f"Stopped for intolerance after {duration_days} days, before the "
                    f"{need}-day minimum: an early stop without clear lack of response is not "
                    "a failed adequate trial.",
                    "sforzini2022",
                    "VERIFIED",
                )
            )
        else:
            reasons.append(
                Reason(
                    "intolerance_not_failure",
                    "Stopped for intolerance: the outcome records no lack of response, so the "
                    "trial is not a failure.",
                    "sforzini2022",
                    "VERIFIED",
                )
            )
    else:
        reasons.append(
            Reason(
                "outcome_failure" if failed else "outcome_not_failure",
                f"Outcome '{_said(trial.outcome)}' {'is' if failed else 'is not'} a failure under "
                f"{crit} (failure outcomes: {_said_all(criteria.failure_outcomes)}).",
                criteria.source,
                criteria.status,
            )
        )

    counts = failed and adequate is True and in_episode and trial.outcome != "ongoing"
    if counts:
        verdict = Reason(
            "counts_as_failure",
            f"Counts as a failed adequate trial of {drug.name} ({drug.drug_class}) under {crit}.",
            criteria.source,
            criteria.status,
        )
    elif failed and adequate is None and in_episode:
        verdict = Reason(
            "undetermined",
            "Failed, but adequacy cannot be judged with the data recorded; it may count once "
            "the missing data are added.",
            criteria.source,
            criteria.status,
        )
    else:
        verdict = Reason(
            "not_counted",
            "Does not count as a failed adequate trial.",
            criteria.source,
            criteria.status,
        )
    reasons.append(verdict)

    return TrialAdequacy(
        trial=trial,
        index=index,
        drug_class=drug.drug_class,
        criteria=crit,
        adequate=adequate,
        failed=failed,
        counts_as_failure=counts,
        in_current_episode=in_episode,
        duration_days=duration_days,
        min_dose=threshold,
        dose_status=dose_status,
        reasons=tuple(reasons),
        facts=tuple(facts),
    )


def assess_history(
    history: TreatmentHistory,
    criteria: AdequacyCriteria,
    catalogue: AntidepressantCatalogue,
) -> tuple[TrialAdequacy, ...]:
    """Judge every antidepressant trial of ``history`` (episode onset and as_of applied)."""
    episode = history.episode
    return tuple(
        assess_trial(
            trial,
            criteria,
            catalogue,
            as_of=episode.as_of,
            onset=episode.onset,
            index=i,
        )
        for i, trial in enumerate(history.antidepressant_trials)
    )
