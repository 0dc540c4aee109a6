"""The pure assessments domain: rating scales as data, scoring, safety flags, outcomes.

Scales: ``phq9``, ``gad7``, ``qids_sr16``, ``hamd17``, ``madrs``, ``cssrs_screener``.
No I/O, no framework imports; every clinical number carries its source and status
(:mod:`trdcare.assessments.domain.sources`).
"""

from trdcare.assessments.domain.model import (
    SAFETY_FLAG_CODES,
    TRIAGE_LEVELS,
    AnswerOption,
    Band,
    BandConvention,
    Item,
    LoincCodes,
    SafetyFlag,
    SafetyRule,
    Scale,
    ScaleResult,
    ScoreDomain,
    ThresholdRule,
    TriageRule,
)
from trdcare.assessments.domain.outcomes import (
    CRITERIA_LIMITS,
    CRITERIA_PROVENANCE,
    DEFAULT,
    DEFAULT_CRITERIA,
    SCORED_SCALE_IDS,
    CourseEvent,
    CourseOutcome,
    OutcomeCriteria,
    PointOutcome,
    ReliableChange,
    ScorePoint,
    course_outcome,
    percent_change,
    quick_summary,
    reliable_change_index,
)
from trdcare.assessments.domain.scoring import (
    NOT_ASKED,
    SCALE_IDS,
    get_scale,
    parse_answers,
    score,
)
from trdcare.assessments.domain.sources import SOURCES, STATUSES, Provenance, Status

__all__ = [
    "CRITERIA_LIMITS",
    "CRITERIA_PROVENANCE",
    "DEFAULT",
    "DEFAULT_CRITERIA",
    "NOT_ASKED",
    "SAFETY_FLAG_CODES",
    "SCALE_IDS",
    "SCORED_SCALE_IDS",
    "SOURCES",
    "STATUSES",
    "TRIAGE_LEVELS",
    "AnswerOption",
    "Band",
    "BandConvention",
    "CourseEvent",
    "CourseOutcome",
    "Item",
    "LoincCodes",
    "OutcomeCriteria",
    "PointOutcome",
    "Provenance",
    "ReliableChange",
    "SafetyFlag",
    "SafetyRule",
    "Scale",
    "ScaleResult",
    "ScoreDomain",
    "ScorePoint",
    "Status",
    "ThresholdRule",
    "TriageRule",
    "course_outcome",
    "get_scale",
    "parse_answers",
    "percent_change",
    "quick_summary",
    "reliable_change_index",
    "score",
]
