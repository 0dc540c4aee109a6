"""The TMS protocol library and custom protocols.

A protocol is one or more stimulation blocks (rTMS or theta burst) plus a course schedule.
Derived values (pulses per train, per session and per course; session time under each
convention) are computed here; the library's stated numbers are tested against them.
Custom protocols are validated against the declared :class:`~trdcare.core.checks.Interval`
tables below, which also drive the docs and the hypothesis strategies.

Declared limits
---------------
=========================  ==================  ==========================================
parameter                  allowed             why
=========================  ==================  ==========================================
frequency_hz (rTMS)        (0, 25] Hz          rows of the maximum-safe-train table
intensity_pct_mt           (0, 130] %MT        columns of the maximum-safe-train table
train_duration_s (rTMS)    (0, 1800] s         longest train in that table (1 Hz)
inter_train_interval_s     [0, 3600] s         a duration; input bound (DESIGN)
trains                     1-1000              a count; input bound (DESIGN)
pulses_per_burst           1-10                a count (theta burst); input bound (DESIGN)
bursts_per_train           1-1000              a count (theta burst); input bound (DESIGN)
intra-burst Hz             (0, 100] Hz         a frequency (theta burst); input bound
burst Hz                   (0, 25] Hz          a frequency (theta burst); input bound
sessions_per_day           1-24                a count; input bound (DESIGN)
gap_between_sessions_min   [0, 1440] min       a duration; input bound (DESIGN)
acute sessions, cap, DP    1-200               a count; input bound (DESIGN)
continuation_weeks         1-104               a count; input bound (DESIGN)
taper / continuation       1-5 a week          a weekday calendar has 5 days a week
=========================  ==================  ==========================================

Parameters outside the table's rows and columns are refused as input because no safety
table in the reference covers them (the table itself is UNVERIFIED: see
:mod:`trdcare.tms.domain.limits`).

References
----------
.. [1] tms.md §1.1 (parameter table, statuses per field in ``data/protocols.json``).
.. [2] Wassermann 1998 Table 4 / Rossi 2009 (recalled, UNVERIFIED): the table whose rows
   and columns bound the input ranges.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal, cast

from trdcare.core.checks import Interval
from trdcare.core.errors import InvalidInput, IssueCollector
from trdcare.core.provenance import JSONDict, Source, to_json, weakest
from trdcare.core.text import SINGLE_LINE_ALLOWED, unsafe_character
from trdcare.tms.domain.catalogue import catalogue_version, load, source, source_from_entry

TimingConvention = Literal["nominal", "slot", "pulse_span"]
TIMING_CONVENTIONS: tuple[TimingConvention, ...] = ("nominal", "slot", "pulse_span")
TreatmentDays = Literal["weekdays", "consecutive"]
MtBasis = Literal["rmt", "depth_adjusted_rmt"]
Origin = Literal["library", "custom"]

INPUT_BOUNDS: Mapping[str, float] = {
    "inter_train_interval_s": 3600,
    "trains": 1000,
    "pulses_per_burst": 10,
    "intra_burst_frequency_hz": 100,
    "burst_frequency_hz": 25,
    "bursts_per_train": 1000,
    "sessions_per_day": 24,
    "gap_between_sessions_min": 1440,
    "course_sessions": 200,
    "continuation_weeks": 104,
}
"""Upper bounds of what can be entered at all: DESIGN choices, not safety limits.

Each is far above every protocol in the library and in tms.md (the most trains: 75,
NeuroStar-style 10 Hz; bursts: 3 pulses at 50 Hz repeated at 5 Hz; the most sessions a day:
10, SAINT; the longest course: 36 sessions with taper), so no real protocol meets one; they
exist so that a mistyped or hostile number (``--trains 1e23``) is refused naming the field,
instead of being computed into a 25-digit pulse count and reported "within limits". The
safety verdicts (maximum safe train, inter-train interval) are judged only inside them.
"""

RTMS_BLOCK_LIMITS: Mapping[str, Interval] = {
    "frequency_hz": Interval(0, 25, closed="right", unit="Hz"),
    "intensity_pct_mt": Interval(0, 130, closed="right", unit="%MT"),
    "train_duration_s": Interval(0, 1800, closed="right", unit="s"),
    "inter_train_interval_s": Interval(0, INPUT_BOUNDS["inter_train_interval_s"], unit="s"),
    "trains": Interval(1, INPUT_BOUNDS["trains"], integer=True),
}
"""Declared limits of an rTMS block (see the module docstring)."""

THETA_BURST_LIMITS: Mapping[str, Interval] = {
    "pulses_per_burst": Interval(1, INPUT_BOUNDS["pulses_per_burst"], integer=True),
    "intra_burst_frequency_hz": Interval(
        0, INPUT_BOUNDS["intra_burst_frequency_hz"], closed="right", unit="Hz"
    ),
    "burst_frequency_hz": Interval(
        0, INPUT_BOUNDS["burst_frequency_hz"], closed="right", unit="Hz"
    ),
    "bursts_per_train": Interval(1, INPUT_BOUNDS["bursts_per_train"], integer=True),
    "intensity_pct_mt": Interval(0, 130, closed="right", unit="%MT"),
    "train_duration_s": Interval(0, 1800, closed="right", unit="s"),
    "inter_train_interval_s": Interval(0, INPUT_BOUNDS["inter_train_interval_s"], unit="s"),
    "trains": Interval(1, INPUT_BOUNDS["trains"], integer=True),
}
"""Declared limits of a theta-burst block."""

SCHEDULE_LIMITS: Mapping[str, Interval] = {
    "sessions_per_day": Interval(1, INPUT_BOUNDS["sessions_per_day"], integer=True),
    "gap_between_sessions_min": Interval(0, INPUT_BOUNDS["gap_between_sessions_min"], unit="min"),
    "acute_sessions_min": Interval(1, INPUT_BOUNDS["course_sessions"], integer=True),
    "acute_sessions_max": Interval(1, INPUT_BOUNDS["course_sessions"], integer=True),
    "taper_sessions_per_week": Interval(1, 5, integer=True),
    "continuation_sessions_per_week": Interval(1, 5, integer=True),
    "continuation_weeks": Interval(1, INPUT_BOUNDS["continuation_weeks"], integer=True),
    "decision_point": Interval(1, INPUT_BOUNDS["course_sessions"], integer=True),
    "session_cap": Interval(1, INPUT_BOUNDS["course_sessions"], integer=True),
}
"""Declared limits of a course schedule."""

LIMIT_SOURCES: Mapping[str, str] = {
    "frequency_hz": "rows of the maximum-safe-train table (Wassermann 1998, UNVERIFIED)",
    "intensity_pct_mt": "columns of the maximum-safe-train table (Wassermann 1998, UNVERIFIED)",
    "train_duration_s": "longest train in the maximum-safe-train table (1 Hz, UNVERIFIED)",
    "taper_sessions_per_week": "a weekday calendar has 5 treatment days a week (DERIVED)",
    "continuation_sessions_per_week": "a weekday calendar has 5 treatment days a week (DERIVED)",
    **dict.fromkeys(
        (
            "inter_train_interval_s",
            "trains",
            "pulses_per_burst",
            "intra_burst_frequency_hz",
            "burst_frequency_hz",
            "bursts_per_train",
            "sessions_per_day",
            "gap_between_sessions_min",
            "acute_sessions_min",
            "acute_sessions_max",
            "continuation_weeks",
            "decision_point",
            "session_cap",
        ),
        "input bound, far above every protocol in the library (DESIGN, see INPUT_BOUNDS)",
    ),
}
"""Why the non-trivial bounds are what they are."""

_WHOLE_TOL = 1e-9


@dataclass(frozen=True, slots=True)
class RtmsPattern:
    """Conventional rTMS: single pulses at ``frequency_hz``."""

    frequency_hz: float
    kind: Literal["rtms"] = "rtms"

    def to_dict(self) -> JSONDict:
        return {"kind": self.kind, "frequency_hz": self.frequency_hz}


@dataclass(frozen=True, slots=True)
class ThetaBurstPattern:
    """Theta burst: bursts of ``pulses_per_burst`` at ``intra_burst_frequency_hz``, repeated
    at ``burst_frequency_hz``, ``bursts_per_train`` bursts a train (Huang 2005 [R])."""

    pulses_per_burst: int
    intra_burst_frequency_hz: float
    burst_frequency_hz: float
    bursts_per_train: int
    kind: Literal["theta_burst"] = "theta_burst"

    @property
    def pulses_per_train(self) -> int:
        return self.pulses_per_burst * self.bursts_per_train

    @property
    def nominal_train_duration_s(self) -> float:
        """Bursts a train / burst frequency (10 bursts at 5 Hz = 2 s)."""
        return self.bursts_per_train / self.burst_frequency_hz

    @property
    def train_pulse_span_s(self) -> float:
        """First to last pulse of one train: 1.8 s + 0.04 s = 1.84 s for standard iTBS."""
        return (self.bursts_per_train - 1) / self.burst_frequency_hz + (
            self.pulses_per_burst - 1
        ) / self.intra_burst_frequency_hz

    def to_dict(self) -> JSONDict:
        return {
            "kind": self.kind,
            "pulses_per_burst": self.pulses_per_burst,
            "intra_burst_frequency_hz": self.intra_burst_frequency_hz,
            "burst_frequency_hz": self.burst_frequency_hz,
            "bursts_per_train": self.bursts_per_train,
        }


Pattern = RtmsPattern | ThetaBurstPattern


@dataclass(frozen=True, slots=True)
class SessionTiming:
    """Session time under the three conventions (seconds).

    ``nominal``: trains x train + (trains - 1) x ITI (tms.md §1.1 developer note).
    ``slot``: trains x (train + ITI), the final pause included ("75 x 30 s = 37.5 min").
    ``pulse_span``: first to last pulse, the ITI counted from a train's last pulse.
    """

    nominal_s: float
    slot_s: float
    pulse_span_s: float

    def get(self, convention: TimingConvention) -> float:
        return {"nominal": self.nominal_s, "slot": self.slot_s, "pulse_span": self.pulse_span_s}[
            convention
        ]

    def __add__(self, other: SessionTiming) -> SessionTiming:
        return SessionTiming(
            self.nominal_s + other.nominal_s,
            self.slot_s + other.slot_s,
            self.pulse_span_s + other.pulse_span_s,
        )

    def to_dict(self) -> JSONDict:
        return {
            "nominal_s": round(self.nominal_s, 3),
            "slot_s": round(self.slot_s, 3),
            "pulse_span_s": round(self.pulse_span_s, 3),
            "nominal_min": round(self.nominal_s / 60, 2),
        }


@dataclass(frozen=True, slots=True)
class StimulationBlock:
    """One stimulation block of a session (a target, a pattern and its trains)."""

    label: str
    target: str
    pattern: Pattern
    intensity_pct_mt: float
    train_duration_s: float | None
    inter_train_interval_s: float | None
    trains: int | None
    stated_pulses: int | None = None
    stated_pulses_per_train: int | None = None

    @property
    def complete(self) -> bool:
        """Whether the train structure is known (train duration, trains, and an ITI when
        there is more than one train)."""
        if self.train_duration_s is None or self.trains is None:
            return False
        return self.trains == 1 or self.inter_train_interval_s is not None

    @property
    def frequency_hz(self) -> float:
        """The pulse frequency: rTMS frequency, or the intra-burst frequency for TBS."""
        if isinstance(self.pattern, RtmsPattern):
            return self.pattern.frequency_hz
        return self.pattern.intra_burst_frequency_hz

    @property
    def pulses_per_train(self) -> float | None:
        """rTMS: frequency x train duration; TBS: pulses per burst x bursts per train."""
        if isinstance(self.pattern, ThetaBurstPattern):
            return float(self.pattern.pulses_per_train)
        if self.train_duration_s is None:
            return None
        return self.pattern.frequency_hz * self.train_duration_s

    @property
    def pulses(self) -> int | None:
        """Derived pulses of the block (``None`` when the train structure is unknown)."""
        ppt = self.pulses_per_train
        if not self.complete or ppt is None or self.trains is None:
            return None
        return round(ppt * self.trains)

    @property
    def train_pulse_span_s(self) -> float | None:
        if isinstance(self.pattern, ThetaBurstPattern):
            return self.pattern.train_pulse_span_s
        ppt = self.pulses_per_train
        if ppt is None:
            return None
        return (ppt - 1) / self.pattern.frequency_hz

    def timing(self) -> SessionTiming | None:
        """Block time under each convention; ``None`` when the structure is unknown."""
        if not self.complete or self.train_duration_s is None or self.trains is None:
            return None
        iti = self.inter_train_interval_s or 0.0
        n = self.trains
        span = self.train_pulse_span_s
        assert span is not None
        return SessionTiming(
            nominal_s=n * self.train_duration_s + (n - 1) * iti,
            slot_s=n * (self.train_duration_s + iti),
            pulse_span_s=n * span + (n - 1) * iti,
        )

    def to_dict(self) -> JSONDict:
        timing = self.timing()
        return {
            "label": self.label,
            "target": self.target,
            "pattern": self.pattern.to_dict(),
            "intensity_pct_mt": self.intensity_pct_mt,
            "train_duration_s": self.train_duration_s,
            "inter_train_interval_s": self.inter_train_interval_s,
            "trains": self.trains,
            "stated_pulses": self.stated_pulses,
            "stated_pulses_per_train": self.stated_pulses_per_train,
            "complete": self.complete,
            "derived": {
                "pulses_per_train": self.pulses_per_train,
                "pulses": self.pulses,
                "timing": None if timing is None else timing.to_dict(),
            },
        }


@dataclass(frozen=True, slots=True)
class Continuation:
    """A maintenance phase after the acute course: ``sessions_per_week`` for ``weeks``."""

    sessions_per_week: int
    weeks: int

    def to_dict(self) -> JSONDict:
        return {"sessions_per_week": self.sessions_per_week, "weeks": self.weeks}


@dataclass(frozen=True, slots=True)
class CourseSchedule:
    """How sessions are spread over the course."""

    treatment_days: TreatmentDays
    sessions_per_day: int
    gap_between_sessions_min: float | None
    acute_sessions_min: int
    acute_sessions_max: int
    taper_sessions_per_week: tuple[int, ...] = ()
    continuation: Continuation | None = None
    decision_points: tuple[int, ...] = ()
    session_cap: int | None = None

    @property
    def taper_sessions(self) -> int:
        return sum(self.taper_sessions_per_week)

    def to_dict(self) -> JSONDict:
        return {
            "treatment_days": self.treatment_days,
            "sessions_per_day": self.sessions_per_day,
            "gap_between_sessions_min": self.gap_between_sessions_min,
            "acute_sessions_min": self.acute_sessions_min,
            "acute_sessions_max": self.acute_sessions_max,
            "taper_sessions_per_week": list(self.taper_sessions_per_week),
            "taper_sessions": self.taper_sessions,
            "continuation": None if self.continuation is None else self.continuation.to_dict(),
            "decision_points": list(self.decision_points),
            "session_cap": self.session_cap,
        }


@dataclass(frozen=True, slots=True)
class StatedDuration:
    """A published session time and the convention it follows."""

    seconds: float
    convention: TimingConvention
    precision_s: float
    text: str

    def to_dict(self) -> JSONDict:
        return {
            "seconds": self.seconds,
            "convention": self.convention,
            "precision_s": self.precision_s,
            "text": self.text,
        }


@dataclass(frozen=True, slots=True)
class StatedValues:
    """Numbers as published, kept to be tested against the derived ones."""

    pulses_per_session: int | None = None
    session_duration: StatedDuration | None = None
    pulses_per_course: int | None = None
    sessions_per_course: int | None = None

    def to_dict(self) -> JSONDict:
        return {
            "pulses_per_session": self.pulses_per_session,
            "session_duration": None
            if self.session_duration is None
            else self.session_duration.to_dict(),
            "pulses_per_course": self.pulses_per_course,
            "sessions_per_course": self.sessions_per_course,
        }


@dataclass(frozen=True, slots=True)
class Clearance:
    """A regulatory clearance of a library protocol."""

    body: str
    device: str
    year: int
    source: Source
    note: str = ""

    def to_dict(self) -> JSONDict:
        return {
            "body": self.body,
            "device": self.device,
            "year": self.year,
            "note": self.note,
            "source": self.source.to_dict(),
            "status": self.source.status,
        }


@dataclass(frozen=True, slots=True)
class FieldProvenance:
    """The source of a group of protocol fields."""

    fields: tuple[str, ...]
    source: Source
    note: str = ""

    def covers(self, field: str) -> bool:
        return any(
            field == f or field.startswith(f + ".") or f.startswith(field + ".")
            for f in self.fields
        )

    def to_dict(self) -> JSONDict:
        return {"fields": list(self.fields), "note": self.note, **self.source.to_dict()}


@dataclass(frozen=True, slots=True)
class Discrepancy:
    """A stated number that does not equal the derived one."""

    field: str
    stated: float
    derived: float | None
    tolerance: float

    def to_dict(self) -> JSONDict:
        return {
            "field": self.field,
            "stated": self.stated,
            "derived": self.derived,
            "tolerance": self.tolerance,
        }


@dataclass(frozen=True, slots=True)
class Protocol:
    """A TMS protocol: blocks, schedule, stated values, clearance and provenance."""

    id: str
    name: str
    origin: Origin
    coil: str
    mt_basis: MtBasis
    targeting: str
    blocks: tuple[StimulationBlock, ...]
    schedule: CourseSchedule
    stated: StatedValues
    clearance: Clearance | None
    provenance: tuple[FieldProvenance, ...]
    version: str
    based_on: str | None = None

    @property
    def complete(self) -> bool:
        """Every block has a known train structure."""
        return all(b.complete for b in self.blocks)

    @property
    def missing(self) -> tuple[str, ...]:
        """Field paths that must be entered before the protocol can be checked/planned."""
        out: list[str] = []
        for i, b in enumerate(self.blocks):
            if b.train_duration_s is None:
                out.append(f"blocks.{i}.train_duration_s")
            if b.trains is None:
                out.append(f"blocks.{i}.trains")
            if (b.trains is None or b.trains > 1) and b.inter_train_interval_s is None:
                out.append(f"blocks.{i}.inter_train_interval_s")
        return tuple(out)

    @property
    def pulses_per_session(self) -> int | None:
        """Derived pulses of one session (``None`` if any block is incomplete)."""
        pulses = [b.pulses for b in self.blocks]
        if any(p is None for p in pulses):
            return None
        return sum(cast(list[int], pulses))

    def timing(self) -> SessionTiming | None:
        """Session time (blocks added; coil repositioning between blocks excluded)."""
        total = SessionTiming(0.0, 0.0, 0.0)
        for b in self.blocks:
            t = b.timing()
            if t is None:
                return None
            total = total + t
        return total

    @property
    def session_duration_s(self) -> float | None:
        """Nominal session time in seconds (tms.md §1.1 developer note)."""
        t = self.timing()
        return None if t is None else t.nominal_s

    @property
    def acute_sessions_default(self) -> int:
        return self.schedule.acute_sessions_max

    @property
    def pulses_text(self) -> str:
        """Pulses per session as a clinician reads them (never "None pulses/session").

        Examples
        --------
        >>> get_protocol("hf10-left-dlpfc").pulses_text
        '3000 pulses/session'
        >>> get_protocol("bilateral-sequential").pulses_text
        'pulses/session unknown: train parameters missing'
        """
        p = self.pulses_per_session
        if p is None:
            return "pulses/session unknown: train parameters missing"
        return f"{p} pulses/session"

    @property
    def pulses_per_course(self) -> int | None:
        """Pulses of the longest acute course (taper and continuation excluded)."""
        p = self.pulses_per_session
        return None if p is None else p * self.schedule.acute_sessions_max

    @property
    def is_theta_burst(self) -> bool:
        return any(isinstance(b.pattern, ThetaBurstPattern) for b in self.blocks)

    def sources_for(self, field: str) -> tuple[Source, ...]:
        """The sources behind a field path, e.g. ``"blocks.0.trains"``."""
        return tuple(p.source for p in self.provenance if p.covers(field))

    @property
    def status(self) -> str:
        """Weakest status over all of the protocol's field sources."""
        return weakest(p.source.status for p in self.provenance)

    def to_dict(self) -> JSONDict:
        timing = self.timing()
        return {
            "id": self.id,
            "name": self.name,
            "origin": self.origin,
            "based_on": self.based_on,
            "version": self.version,
            "coil": self.coil,
            "mt_basis": self.mt_basis,
            "targeting": self.targeting,
            "blocks": [b.to_dict() for b in self.blocks],
            "schedule": self.schedule.to_dict(),
            "stated": self.stated.to_dict(),
            "derived": {
                "pulses_per_session": self.pulses_per_session,
                "pulses_per_course": self.pulses_per_course,
                "session_timing": None if timing is None else timing.to_dict(),
                "session_duration_s": self.session_duration_s,
            },
            "complete": self.complete,
            "missing": list(self.missing),
            "clearance": None if self.clearance is None else self.clearance.to_dict(),
            "status": self.status,
            "provenance": [p.to_dict() for p in self.provenance],
        }


def stated_vs_derived(protocol: Protocol) -> tuple[Discrepancy, ...]:
    """Compare every stated number of a protocol with the derived one.

    Returns the discrepancies (empty when the library agrees with itself). Incomplete
    blocks are compared on their stated pulses only where derivable.
    """
    out: list[Discrepancy] = []
    for i, b in enumerate(protocol.blocks):
        ppt = b.pulses_per_train
        if b.stated_pulses_per_train is not None and (
            ppt is None or abs(ppt - b.stated_pulses_per_train) > _WHOLE_TOL
        ):
            out.append(
                Discrepancy(
                    f"blocks.{i}.stated_pulses_per_train", b.stated_pulses_per_train, ppt, 0
                )
            )
        if b.stated_pulses is not None and b.complete and b.pulses != b.stated_pulses:
            out.append(Discrepancy(f"blocks.{i}.stated_pulses", b.stated_pulses, b.pulses, 0))
        if isinstance(b.pattern, ThetaBurstPattern) and b.train_duration_s is not None:
            nominal = b.pattern.nominal_train_duration_s
            if abs(nominal - b.train_duration_s) > _WHOLE_TOL:
                out.append(
                    Discrepancy(f"blocks.{i}.train_duration_s", b.train_duration_s, nominal, 0)
                )
    st = protocol.stated
    stated_block_pulses = [b.pulses if b.complete else b.stated_pulses for b in protocol.blocks]
    if st.pulses_per_session is not None:
        derived: float | None
        if all(p is not None for p in stated_block_pulses):
            derived = float(sum(cast(list[int], stated_block_pulses)))
        else:
            derived = None
        if derived != st.pulses_per_session:
            out.append(Discrepancy("stated.pulses_per_session", st.pulses_per_session, derived, 0))
    if st.session_duration is not None:
        timing = protocol.timing()
        d = None if timing is None else timing.get(st.session_duration.convention)
        if d is None or abs(d - st.session_duration.seconds) > st.session_duration.precision_s:
            out.append(
                Discrepancy(
                    "stated.session_duration",
                    st.session_duration.seconds,
                    d,
                    st.session_duration.precision_s,
                )
            )
    if st.sessions_per_course is not None and (
        st.sessions_per_course != protocol.schedule.acute_sessions_max
    ):
        out.append(
            Discrepancy(
                "stated.sessions_per_course",
                st.sessions_per_course,
                protocol.schedule.acute_sessions_max,
                0,
            )
        )
    if st.pulses_per_course is not None and protocol.pulses_per_course != st.pulses_per_course:
        out.append(
            Discrepancy(
                "stated.pulses_per_course", st.pulses_per_course, protocol.pulses_per_course, 0
            )
        )
    return tuple(out)


# ---------------------------------------------------------------------------------------
# Parsing and validation


def _num(data: Mapping[str, Any], key: str) -> Any:
    return data.get(key)


def _check_number(
    issues: IssueCollector, path: str, value: Any, interval: Interval, *, required: bool = True
) -> bool:
    if value is None:
        if required:
            issues.add(path, "is required", allowed=interval.describe())
            return False
        return True
    if isinstance(value, bool) or not isinstance(value, int | float):
        issues.add(path, "must be a number", allowed=interval.describe(), given=value)
        return False
    if not interval.contains(value):
        issues.add(path, "out of range", allowed=interval.describe(), given=value)
        return False
    return True


def _parse_pattern(issues: IssueCollector, path: str, data: Any) -> Pattern | None:
    if not isinstance(data, Mapping):
        issues.add(path, "must be an object", allowed="rtms or theta_burst pattern", given=data)
        return None
    kind = data.get("kind")
    if kind == "rtms":
        f = data.get("frequency_hz")
        if f is not None and _check_number(
            issues, f"{path}.frequency_hz", f, RTMS_BLOCK_LIMITS["frequency_hz"]
        ):
            return RtmsPattern(frequency_hz=float(f))
        if f is None:
            issues.add(
                f"{path}.frequency_hz",
                "is required",
                allowed=RTMS_BLOCK_LIMITS["frequency_hz"].describe(),
            )
        return None
    if kind == "theta_burst":
        ok = True
        for key in (
            "pulses_per_burst",
            "intra_burst_frequency_hz",
            "burst_frequency_hz",
            "bursts_per_train",
        ):
            ok &= _check_number(issues, f"{path}.{key}", data.get(key), THETA_BURST_LIMITS[key])
        if not ok:
            return None
        pat = ThetaBurstPattern(
            pulses_per_burst=int(data["pulses_per_burst"]),
            intra_burst_frequency_hz=float(data["intra_burst_frequency_hz"]),
            burst_frequency_hz=float(data["burst_frequency_hz"]),
            bursts_per_train=int(data["bursts_per_train"]),
        )
        burst_s = (pat.pulses_per_burst - 1) / pat.intra_burst_frequency_hz
        if burst_s >= 1 / pat.burst_frequency_hz:
            issues.add(
                f"{path}.intra_burst_frequency_hz",
                "is too low: a burst must end before the next burst starts",
                allowed=f"> {_fmt((pat.pulses_per_burst - 1) * pat.burst_frequency_hz)} Hz "
                "for this burst frequency",
                given=pat.intra_burst_frequency_hz,
            )
            return None
        return pat
    issues.add(f"{path}.kind", "unknown pattern", allowed="rtms, theta_burst", given=kind)
    return None


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _parse_block(
    issues: IssueCollector, path: str, data: Any, *, allow_incomplete: bool
) -> StimulationBlock | None:
    if not isinstance(data, Mapping):
        issues.add(path, "must be an object", given=data)
        return None
    pattern = _parse_pattern(issues, f"{path}.pattern", data.get("pattern"))
    limits = THETA_BURST_LIMITS if isinstance(pattern, ThetaBurstPattern) else RTMS_BLOCK_LIMITS
    ok = pattern is not None
    ok &= _check_number(
        issues, f"{path}.intensity_pct_mt", data.get("intensity_pct_mt"), limits["intensity_pct_mt"]
    )
    td = data.get("train_duration_s")
    trains = data.get("trains")
    iti = data.get("inter_train_interval_s")
    ok &= _check_number(
        issues,
        f"{path}.train_duration_s",
        td,
        limits["train_duration_s"],
        required=not allow_incomplete,
    )
    ok &= _check_number(
        issues, f"{path}.trains", trains, limits["trains"], required=not allow_incomplete
    )
    needs_iti = trains is not None and not isinstance(trains, bool) and trains != 1
    ok &= _check_number(
        issues,
        f"{path}.inter_train_interval_s",
        iti,
        limits["inter_train_interval_s"],
        required=needs_iti and not allow_incomplete,
    )
    for key in ("stated_pulses", "stated_pulses_per_train"):
        if data.get(key) is not None:
            ok &= _check_number(
                issues, f"{path}.{key}", data.get(key), Interval(1, None, integer=True)
            )
    if not ok or pattern is None:
        return None
    block = StimulationBlock(
        label=str(data.get("label", "")),
        target=str(data.get("target", "")),
        pattern=pattern,
        intensity_pct_mt=float(data["intensity_pct_mt"]),
        train_duration_s=None if td is None else float(td),
        inter_train_interval_s=None if iti is None else float(iti),
        trains=None if trains is None else int(trains),
        stated_pulses=None if data.get("stated_pulses") is None else int(data["stated_pulses"]),
        stated_pulses_per_train=None
        if data.get("stated_pulses_per_train") is None
        else int(data["stated_pulses_per_train"]),
    )
    ppt = block.pulses_per_train
    if isinstance(pattern, RtmsPattern) and ppt is not None and abs(ppt - round(ppt)) > _WHOLE_TOL:
        issues.add(
            f"{path}.train_duration_s",
            "gives a fractional number of pulses per train (frequency x duration)",
            allowed="a duration that is a whole number of pulse intervals",
            given=block.train_duration_s,
        )
        return None
    if isinstance(pattern, ThetaBurstPattern) and block.train_duration_s is not None:
        nominal = pattern.nominal_train_duration_s
        if abs(nominal - block.train_duration_s) > _WHOLE_TOL:
            issues.add(
                f"{path}.train_duration_s",
                "does not match the bursts (bursts per train / burst frequency)",
                allowed=f"{_fmt(nominal)} s",
                given=block.train_duration_s,
            )
            return None
    return block


def _parse_schedule(issues: IssueCollector, path: str, data: Any) -> CourseSchedule | None:
    if not isinstance(data, Mapping):
        issues.add(path, "must be an object", given=data)
        return None
    ok = True
    days = data.get("treatment_days")
    if days not in ("weekdays", "consecutive"):
        issues.add(
            f"{path}.treatment_days", "unknown value", allowed="consecutive, weekdays", given=days
        )
        ok = False
    L = SCHEDULE_LIMITS
    ok &= _check_number(
        issues, f"{path}.sessions_per_day", data.get("sessions_per_day"), L["sessions_per_day"]
    )
    spd = data.get("sessions_per_day")
    gap = data.get("gap_between_sessions_min")
    multi = isinstance(spd, int) and not isinstance(spd, bool) and spd > 1
    ok &= _check_number(
        issues,
        f"{path}.gap_between_sessions_min",
        gap,
        L["gap_between_sessions_min"],
        required=multi,
    )
    ok &= _check_number(
        issues,
        f"{path}.acute_sessions_min",
        data.get("acute_sessions_min"),
        L["acute_sessions_min"],
    )
    ok &= _check_number(
        issues,
        f"{path}.acute_sessions_max",
        data.get("acute_sessions_max"),
        L["acute_sessions_max"],
    )
    taper_raw = data.get("taper_sessions_per_week") or []
    taper: list[int] = []
    if not isinstance(taper_raw, list | tuple):
        issues.add(
            f"{path}.taper_sessions_per_week", "must be a list of weekly counts", given=taper_raw
        )
        ok = False
    else:
        for j, v in enumerate(taper_raw):
            if _check_number(
                issues, f"{path}.taper_sessions_per_week.{j}", v, L["taper_sessions_per_week"]
            ):
                taper.append(int(v))
            else:
                ok = False
    cont_raw = data.get("continuation")
    continuation: Continuation | None = None
    if cont_raw is not None:
        if not isinstance(cont_raw, Mapping):
            issues.add(f"{path}.continuation", "must be an object", given=cont_raw)
            ok = False
        else:
            c_ok = _check_number(
                issues,
                f"{path}.continuation.sessions_per_week",
                cont_raw.get("sessions_per_week"),
                L["continuation_sessions_per_week"],
            )
            c_ok &= _check_number(
                issues, f"{path}.continuation.weeks", cont_raw.get("weeks"), L["continuation_weeks"]
            )
            if c_ok:
                continuation = Continuation(
                    int(cont_raw["sessions_per_week"]), int(cont_raw["weeks"])
                )
            ok &= c_ok
    dps_raw = data.get("decision_points") or []
    dps: list[int] = []
    for j, v in enumerate(dps_raw):
        if _check_number(issues, f"{path}.decision_points.{j}", v, L["decision_point"]):
            dps.append(int(v))
        else:
            ok = False
    cap = data.get("session_cap")
    if cap is not None:
        ok &= _check_number(issues, f"{path}.session_cap", cap, L["session_cap"])
    if not ok:
        return None
    lo, hi = int(data["acute_sessions_min"]), int(data["acute_sessions_max"])
    if hi < lo:
        issues.add(
            f"{path}.acute_sessions_max",
            "is below acute_sessions_min",
            allowed=f">= {lo}",
            given=hi,
        )
        return None
    if dps != sorted(set(dps)):
        issues.add(f"{path}.decision_points", "must be strictly increasing", given=dps)
        return None
    if dps and dps[-1] > hi:
        issues.add(
            f"{path}.decision_points",
            "lies after the last acute session",
            allowed=f"<= {hi}",
            given=dps[-1],
        )
        return None
    return CourseSchedule(
        treatment_days=cast(TreatmentDays, days),
        sessions_per_day=int(data["sessions_per_day"]),
        gap_between_sessions_min=None if gap is None else float(gap),
        acute_sessions_min=lo,
        acute_sessions_max=hi,
        taper_sessions_per_week=tuple(taper),
        continuation=continuation,
        decision_points=tuple(dps),
        session_cap=None if cap is None else int(cap),
    )


def _parse_stated(data: Mapping[str, Any] | None) -> StatedValues:
    if not data:
        return StatedValues()
    sd = data.get("session_duration")
    return StatedValues(
        pulses_per_session=data.get("pulses_per_session"),
        session_duration=None
        if sd is None
        else StatedDuration(
            seconds=float(sd["seconds"]),
            convention=cast(TimingConvention, sd["convention"]),
            precision_s=float(sd["precision_s"]),
            text=str(sd["text"]),
        ),
        pulses_per_course=data.get("pulses_per_course"),
        sessions_per_course=data.get("sessions_per_course"),
    )


def _check_day_fits(issues: IssueCollector, protocol: Protocol) -> None:
    s = protocol.schedule
    duration = protocol.session_duration_s
    if s.sessions_per_day > 1 and duration is not None:
        gap = s.gap_between_sessions_min or 0.0
        day_min = s.sessions_per_day * duration / 60 + (s.sessions_per_day - 1) * gap
        if day_min > 24 * 60:
            issues.add(
                "schedule.sessions_per_day",
                "do not fit in one day with this session time and gap",
                allowed=f"a day of at most 1440 min (needs {day_min:.0f} min)",
                given=s.sessions_per_day,
            )


def parse_protocol(
    data: Mapping[str, Any],
    *,
    origin: Origin,
    version: str,
    allow_incomplete: bool = False,
) -> Protocol:
    """Build a :class:`Protocol` from a dict, collecting every issue and raising once.

    Parameters
    ----------
    data : mapping
        The protocol as in ``data/protocols.json`` (``blocks``, ``schedule``...).
    origin : {"library", "custom"}
        Library entries keep their provenance and clearance; custom ones never carry a
        clearance.
    version : str
        The catalogue version (library) or the clinic's version label (custom).
    allow_incomplete : bool
        Allow blocks without a train structure (library entries whose structure the
        reference does not give).

    Raises
    ------
    InvalidInput
        One issue per offending field, each naming the field, what is allowed and what
        was given.
    """
    issues = IssueCollector()
    pid = data.get("id")
    if not isinstance(pid, str) or not pid.strip():
        issues.add("id", "is required", allowed="a non-empty identifier", given=pid)
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        issues.add("name", "is required", allowed="a non-empty name", given=name)
    else:
        unsafe = unsafe_character(name, multi_line=False)
        if unsafe is not None:
            issues.add(
                "name",
                f"contains a character that cannot be stored ({unsafe[1]})",
                allowed=SINGLE_LINE_ALLOWED,
            )
    mt_basis = data.get("mt_basis", "rmt")
    if mt_basis not in ("rmt", "depth_adjusted_rmt"):
        issues.add("mt_basis", "unknown value", allowed="depth_adjusted_rmt, rmt", given=mt_basis)
    blocks_raw = data.get("blocks")
    blocks: list[StimulationBlock] = []
    if not isinstance(blocks_raw, list | tuple) or not blocks_raw:
        issues.add("blocks", "at least one stimulation block is required", given=blocks_raw)
    else:
        for i, b in enumerate(blocks_raw):
            parsed = _parse_block(issues, f"blocks.{i}", b, allow_incomplete=allow_incomplete)
            if parsed is not None:
                blocks.append(parsed)
    schedule = _parse_schedule(issues, "schedule", data.get("schedule"))
    issues.raise_if_any()
    assert schedule is not None
    clearance = None
    provenance: tuple[FieldProvenance, ...]
    if origin == "library":
        c = data.get("clearance")
        if c is not None:
            clearance = Clearance(
                body=str(c["body"]),
                device=str(c["device"]),
                year=int(c["year"]),
                source=source_from_entry(c),
                note=str(c.get("note", "")),
            )
        provenance = tuple(
            FieldProvenance(tuple(p["fields"]), source_from_entry(p), str(p.get("note", "")))
            for p in data.get("provenance", [])
        )
    else:
        provenance = (
            FieldProvenance(
                ("blocks", "schedule", "coil", "mt_basis", "targeting"),
                source(
                    "trdcare_design", "DESIGN", where="custom protocol", tag="entered by the clinic"
                ),
                "custom protocol entered by the clinic; checked against the safety limits",
            ),
        )
    protocol = Protocol(
        id=str(pid),
        name=str(name),
        origin=origin,
        coil=str(data.get("coil", "figure-8")),
        mt_basis=cast(MtBasis, mt_basis),
        targeting=str(data.get("targeting", "")),
        blocks=tuple(blocks),
        schedule=schedule,
        stated=_parse_stated(data.get("stated")),
        clearance=clearance,
        provenance=provenance,
        version=version,
        based_on=cast("str | None", data.get("based_on")),
    )
    _check_day_fits(issues, protocol)
    if origin == "custom":
        for d in stated_vs_derived(protocol):
            issues.add(
                d.field,
                "does not equal the value derived from the parameters",
                allowed=str(d.derived),
                given=d.stated,
            )
    issues.raise_if_any()
    return protocol


def custom_protocol(data: Mapping[str, Any], *, version: str = "1") -> Protocol:
    """Validate and build a clinic's custom protocol.

    Every block must have a complete train structure, within the declared limits
    (:data:`RTMS_BLOCK_LIMITS`, :data:`THETA_BURST_LIMITS`, :data:`SCHEDULE_LIMITS`). A
    custom protocol never carries a clearance, even when based on a cleared one; its
    safety is judged by :func:`trdcare.tms.domain.limits.check_protocol`.

    Raises
    ------
    InvalidInput
        Listing every offending field.
    """
    return parse_protocol(data, origin="custom", version=version)


def protocol_from_dict(data: Mapping[str, Any]) -> Protocol:
    """Rebuild a protocol from :meth:`Protocol.to_dict` output (e.g. read from storage)."""
    origin = cast(Origin, data.get("origin", "custom"))
    if origin == "library":
        return get_protocol(str(data["id"]))
    return parse_protocol(data, origin="custom", version=str(data.get("version", "1")))


@cache
def library() -> tuple[Protocol, ...]:
    """Every protocol of the packaged library (``data/protocols.json``)."""
    data = load("protocols.json")
    version = catalogue_version("protocols.json")
    return tuple(
        parse_protocol(p, origin="library", version=version, allow_incomplete=True)
        for p in data["protocols"]
    )


def get_protocol(protocol_id: str) -> Protocol:
    """Return a library protocol by id.

    Raises
    ------
    InvalidInput
        If there is no such protocol (naming the ids that exist).
    """
    for p in library():
        if p.id == protocol_id:
            return p
    raise InvalidInput.single(
        "protocol",
        "unknown protocol",
        allowed=", ".join(p.id for p in library()),
        given=protocol_id,
    )


def with_blocks(
    protocol: Protocol, blocks: Sequence[Mapping[str, Any]], *, new_id: str, version: str = "1"
) -> Protocol:
    """A custom copy of ``protocol`` with its blocks replaced (e.g. to enter the train
    structure the reference does not give). The copy has no clearance."""
    data = to_json(protocol.to_dict())
    assert isinstance(data, dict)
    data["id"] = new_id
    data["blocks"] = cast(Any, [dict(b) for b in blocks])
    data["based_on"] = protocol.id
    data["stated"] = None
    return custom_protocol(cast(Mapping[str, Any], data), version=version)


def nominal_pulses(frequency_hz: float, train_duration_s: float, trains: int) -> float:
    """Pulses of a plain rTMS session: frequency x train duration x trains.

    Examples
    --------
    >>> nominal_pulses(10, 4, 75)
    3000.0
    """
    return float(frequency_hz * train_duration_s * trains)


def nominal_session_s(train_duration_s: float, inter_train_interval_s: float, trains: int) -> float:
    """trains x train duration + (trains - 1) x ITI (tms.md §1.1 developer note).

    Examples
    --------
    >>> nominal_session_s(4, 26, 75)
    2224.0
    """
    return float(trains * train_duration_s + (trains - 1) * inter_train_interval_s)


__all__ = [
    "LIMIT_SOURCES",
    "RTMS_BLOCK_LIMITS",
    "SCHEDULE_LIMITS",
    "THETA_BURST_LIMITS",
    "Clearance",
    "Continuation",
    "CourseSchedule",
    "Discrepancy",
    "FieldProvenance",
    "Protocol",
    "RtmsPattern",
    "SessionTiming",
    "StatedDuration",
    "StatedValues",
    "StimulationBlock",
    "ThetaBurstPattern",
    "custom_protocol",
    "get_protocol",
    "library",
    "nominal_pulses",
    "nominal_session_s",
    "parse_protocol",
    "protocol_from_dict",
    "stated_vs_derived",
    "with_blocks",
]
