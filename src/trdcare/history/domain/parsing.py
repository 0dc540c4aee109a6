"""Parse and validate a treatment-history JSON document; serialise it back.

Document format (extra fields are allowed and ignored; the four lists may be omitted, which
means "none recorded")::

    {"episode": {"onset": "2024-01-01", "as_of": "2025-03-01", "severity": "moderate"},
     "antidepressant_trials": [{"drug": "sertraline", "max_daily_dose_mg": 200,
         "start": "2024-02-01", "end": "2024-04-30", "adherence": "good",
         "outcome": "no_response", "dose_optimised": false}],
     "augmentation_trials": [{"agent": "aripiprazole", "max_daily_dose_mg": 10,
         "start": "...", "end": null, "outcome": "ongoing", "adherence": "unknown"}],
     "ect_courses": [{"start": "...", "end": "...", "sessions": 12,
         "electrode_placement": "bilateral", "outcome": "no_response"}],
     "psychotherapy_courses": [{"modality": "CBT", "start": "...", "end": null,
         "sessions": 8, "outcome": "ongoing"}]}

Required: ``episode`` (all three fields); per antidepressant trial ``drug``, ``start``,
``adherence``, ``outcome``; per augmentation ``agent``, ``start``, ``outcome``; per ECT course
``start``, ``sessions``, ``electrode_placement``, ``outcome``; per psychotherapy course
``modality``, ``start``, ``outcome``. ``end``, doses and psychotherapy ``sessions`` may be
null or omitted (unknown / still running). Dates are ``YYYY-MM-DD``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from typing import Final, ParamSpec, TypeVar, cast

from trdcare.core.errors import DomainError, InvalidInput, Issue, IssueCollector
from trdcare.core.inputs import LABEL_MAX_CHARS
from trdcare.core.text import SINGLE_LINE_ALLOWED, unsafe_character
from trdcare.history.domain.catalogue import AntidepressantCatalogue, _fmt_mg, load_catalogue
from trdcare.history.domain.types import (
    ADHERENCE,
    ELECTRODE_PLACEMENTS,
    OUTCOMES,
    SEVERITIES,
    AntidepressantTrial,
    AugmentationTrial,
    EctCourse,
    Episode,
    PsychotherapyCourse,
    TreatmentHistory,
    _is_date,
    _is_number,
)

_ISO_DATE: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_T = TypeVar("_T")
_S = TypeVar("_S", bound=str)
_P = ParamSpec("_P")


class _Record:
    """Typed reads of one JSON object, each recording an issue (with its path) on failure."""

    def __init__(self, obj: Mapping[str, object], path: str, issues: IssueCollector) -> None:
        self.obj = obj
        self.path = path
        self.issues = issues
        self.ok = True

    def _p(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def add(
        self, key: str, message: str, *, allowed: str | None = None, given: object = None
    ) -> None:
        self.ok = False
        self.issues.add(self._p(key), message, allowed=allowed, given=given)

    def read_date(self, key: str, *, required: bool) -> date | None:
        allowed = "a date YYYY-MM-DD" + ("" if required else " or null")
        value = self.obj.get(key)
        if value is None:
            if required:
                self.add(key, "is required", allowed=allowed)
            return None
        if _is_date(value):
            return value
        if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
            self.add(key, "must be a date", allowed=allowed, given=value)
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.add(key, "is not a valid calendar date", allowed=allowed, given=value)
            return None

    def option(self, key: str, allowed: tuple[_S, ...], *, default: _S | None = None) -> _S | None:
        value = self.obj.get(key)
        if value is None:
            if default is None:
                self.add(key, "is required", allowed=", ".join(allowed))
            return default
        for option in allowed:
            if value == option:
                return option
        self.add(key, "unknown value", allowed=", ".join(allowed), given=value)
        return None

    def text(self, key: str) -> str | None:
        value = self.obj.get(key)
        if value is None:
            self.add(key, "is required", allowed="a non-empty string")
            return None
        if not isinstance(value, str) or not value.strip():
            self.add(key, "must be a non-empty string", given=value)
            return None
        unsafe = unsafe_character(value, multi_line=False)
        if unsafe is not None:
            self.add(
                key,
                f"contains a character that cannot be stored ({unsafe[1]})",
                allowed=SINGLE_LINE_ALLOWED,
            )
            return None
        if len(value.strip()) > LABEL_MAX_CHARS:  # a name as written, not a document
            size = len(value.strip())
            self.add(
                key,
                f"is too long ({size} characters)",
                allowed=f"at most {LABEL_MAX_CHARS} characters",
                given=size,
            )
            return None
        return value.strip()

    def dose(self, key: str) -> float | None:
        value = self.obj.get(key)
        if value is None:
            return None
        if not _is_number(value) or value <= 0:
            self.add(
                key,
                "must be a positive number of mg/day",
                allowed="a number > 0 or null",
                given=value,
            )
            return None
        return value

    def plausible_dose(
        self, key: str, dose: float, drug: str, catalogue: AntidepressantCatalogue
    ) -> float | None:
        """``dose`` unless it is beyond the catalogue's implausible-dose rule for ``drug``."""
        ceiling = catalogue.dose_ceiling(drug)
        if ceiling is None or dose <= ceiling[0]:
            return dose
        limit, why = ceiling
        self.add(
            key,
            f"is not a plausible daily dose of {drug}",
            allowed=f"more than 0 and at most {_fmt_mg(limit)} mg/day ({why})",
            given=dose,
        )
        return None

    def count(self, key: str, *, required: bool) -> int | None:
        value = self.obj.get(key)
        allowed = "a whole number >= 1" + ("" if required else " or null")
        if value is None:
            if required:
                self.add(key, "is required", allowed=allowed)
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            self.add(key, "must be a whole number >= 1", allowed=allowed, given=value)
            return None
        return value

    def flag(self, key: str) -> bool:
        value = self.obj.get(key)
        if value is None:
            return False
        if not isinstance(value, bool):
            self.add(key, "must be true or false", allowed="true, false", given=value)
            return False
        return value

    def period(
        self, today: date, episode: Episode | None, outcome: str | None
    ) -> tuple[date | None, date | None]:
        """Read ``start``/``end``; check order, ``ongoing``, ``today`` and ``episode.as_of``."""
        start = self.read_date("start", required=True)
        end = self.read_date("end", required=False)
        for key, value in (("start", start), ("end", end)):
            if value is None:
                continue
            if value > today:
                self.add(
                    key,
                    "is in the future",
                    allowed=f"on or before {today.isoformat()}",
                    given=value,
                )
            elif episode is not None and value > episode.as_of:
                self.add(
                    key,
                    f"is after episode.as_of ({episode.as_of.isoformat()})",
                    allowed=f"on or before {episode.as_of.isoformat()}",
                    given=value,
                )
        if start is not None and end is not None and end < start:
            self.add(
                "end",
                f"is before start ({start.isoformat()})",
                allowed=f"on or after {start.isoformat()}",
                given=end,
            )
        if end is not None and outcome == "ongoing":
            self.add(
                "end",
                "must be null while the outcome is 'ongoing'",
                allowed="null, or record the outcome",
                given=end,
            )
        return start, end

    def build(self, factory: Callable[_P, _T], *args: _P.args, **kwargs: _P.kwargs) -> _T | None:
        """Construct the record if every field read cleanly; prefix any invariant issue."""
        if not self.ok:
            return None
        try:
            return factory(*args, **kwargs)
        except DomainError as exc:
            self.ok = False
            self.issues.extend(
                Issue(self._p(i.path), i.message, i.allowed, i.given) for i in exc.issues
            )
            return None


def _object(value: object, path: str, issues: IssueCollector) -> Mapping[str, object] | None:
    if not isinstance(value, Mapping):
        issues.add(path, "must be an object", allowed="a JSON object", given=type(value).__name__)
        return None
    return cast(Mapping[str, object], value)


def _records(data: Mapping[str, object], key: str, issues: IssueCollector) -> list[_Record]:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        issues.add(key, "must be a list", allowed="a JSON array", given=type(value).__name__)
        return []
    records = []
    for i, raw in enumerate(value):
        obj = _object(raw, f"{key}.{i}", issues)
        if obj is not None:
            records.append(_Record(obj, f"{key}.{i}", issues))
    return records


def _episode(data: Mapping[str, object], today: date, issues: IssueCollector) -> Episode | None:
    raw = data.get("episode")
    if raw is None:
        issues.add("episode", "is required", allowed="an object with onset, as_of and severity")
        return None
    obj = _object(raw, "episode", issues)
    if obj is None:
        return None
    rec = _Record(obj, "episode", issues)
    onset = rec.read_date("onset", required=True)
    as_of = rec.read_date("as_of", required=True)
    severity = rec.option("severity", SEVERITIES)
    for key, value in (("onset", onset), ("as_of", as_of)):
        if value is not None and value > today:
            rec.add(
                key, "is in the future", allowed=f"on or before {today.isoformat()}", given=value
            )
    if onset is not None and as_of is not None and as_of < onset:
        rec.add(
            "as_of",
            f"is before onset ({onset.isoformat()})",
            allowed=f"on or after {onset.isoformat()}",
            given=as_of,
        )
    if onset is None or as_of is None or severity is None:
        return None
    return rec.build(Episode, onset, as_of, severity)


def parse_history(
    data: Mapping[str, object],
    *,
    today: date,
    catalogue: AntidepressantCatalogue | None = None,
) -> TreatmentHistory:
    """Validate a treatment-history document and build a :class:`TreatmentHistory`.

    Every issue is collected with its dotted path (e.g.
    ``antidepressant_trials.0.end: is before start (2024-02-01)``) and raised once.

    Parameters
    ----------
    data : Mapping
        The JSON document (see the module docstring).
    today : date
        No date may lie after it.
    catalogue : AntidepressantCatalogue, optional
        For drug and agent names; the packaged catalogue by default. Names are matched
        case-insensitively (and by alias) and stored as the catalogue key.

    Returns
    -------
    TreatmentHistory

    Raises
    ------
    InvalidInput
        Listing every issue: missing required fields, wrong types, unknown option values (with
        the allowed ones), unknown drugs (with close names), non-positive doses, an end before
        its start, ``ongoing`` with an end date, dates after ``today`` or after
        ``episode.as_of``, ``as_of`` before ``onset``.
    """
    if not isinstance(data, Mapping):
        raise InvalidInput.single(
            "",
            "the history must be a JSON object",
            allowed="a JSON object",
            given=type(data).__name__,
        )
    cat = catalogue if catalogue is not None else load_catalogue()
    issues = IssueCollector()
    episode = _episode(data, today, issues)

    trials: list[AntidepressantTrial] = []
    for rec in _records(data, "antidepressant_trials", issues):
        drug = rec.text("drug")
        key = cat.resolve(drug) if drug is not None else None
        if drug is not None and key is None:
            rec.add(
                "drug",
                "unknown antidepressant",
                allowed=cat.hint(drug, cat.antidepressants),
                given=drug,
            )
        dose = rec.dose("max_daily_dose_mg")
        if key is not None and dose is not None:
            dose = rec.plausible_dose("max_daily_dose_mg", dose, key, cat)
        outcome = rec.option("outcome", OUTCOMES)
        start, end = rec.period(today, episode, outcome)
        adherence = rec.option("adherence", ADHERENCE)
        optimised = rec.flag("dose_optimised")
        if key is not None and start is not None and adherence is not None and outcome is not None:
            trial = rec.build(
                AntidepressantTrial, key, dose, start, end, adherence, outcome, optimised
            )
            if trial is not None:
                trials.append(trial)

    augmentations: list[AugmentationTrial] = []
    agent_names = {**cat.augmenting_agents, **cat.antidepressants}
    for rec in _records(data, "augmentation_trials", issues):
        agent = rec.text("agent")
        key = cat.resolve_agent(agent) if agent is not None else None
        if agent is not None and key is None:
            rec.add(
                "agent",
                "unknown augmenting agent or antidepressant",
                allowed=cat.hint(agent, agent_names),
                given=agent,
            )
        dose = rec.dose("max_daily_dose_mg")
        if key is not None and dose is not None:
            dose = rec.plausible_dose("max_daily_dose_mg", dose, key, cat)
        outcome = rec.option("outcome", OUTCOMES)
        start, end = rec.period(today, episode, outcome)
        adherence = rec.option("adherence", ADHERENCE, default="unknown")
        if key is not None and start is not None and adherence is not None and outcome is not None:
            aug = rec.build(AugmentationTrial, key, dose, start, end, outcome, adherence)
            if aug is not None:
                augmentations.append(aug)

    ect: list[EctCourse] = []
    for rec in _records(data, "ect_courses", issues):
        outcome = rec.option("outcome", OUTCOMES)
        start, end = rec.period(today, episode, outcome)
        sessions = rec.count("sessions", required=True)
        placement = rec.option("electrode_placement", ELECTRODE_PLACEMENTS)
        if (
            start is not None
            and sessions is not None
            and placement is not None
            and outcome is not None
        ):
            course = rec.build(EctCourse, start, end, sessions, placement, outcome)
            if course is not None:
                ect.append(course)

    therapy: list[PsychotherapyCourse] = []
    for rec in _records(data, "psychotherapy_courses", issues):
        modality = rec.text("modality")
        outcome = rec.option("outcome", OUTCOMES)
        start, end = rec.period(today, episode, outcome)
        sessions = rec.count("sessions", required=False)
        if modality is not None and start is not None and outcome is not None:
            psy = rec.build(PsychotherapyCourse, modality, start, end, sessions, outcome)
            if psy is not None:
                therapy.append(psy)

    issues.raise_if_any()
    assert episode is not None  # an absent or invalid episode always records an issue
    return TreatmentHistory(
        episode=episode,
        antidepressant_trials=tuple(trials),
        augmentation_trials=tuple(augmentations),
        ect_courses=tuple(ect),
        psychotherapy_courses=tuple(therapy),
    )


def history_to_dict(history: TreatmentHistory) -> dict[str, object]:
    """Serialise ``history`` to the document :func:`parse_history` reads (dates as ISO strings).

    ``parse_history(history_to_dict(h), today=t) == h`` for every valid history ``h`` whose
    dates are on or before ``t``.
    """
    return history.to_dict()
