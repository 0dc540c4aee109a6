"""Stimulation safety limits: single-train duration, inter-train interval, theta burst.

Three checks, each returning a verdict with the rule, the table cell or published value
used, its source and its status:

* :func:`check_train`: an rTMS train against the maximum-safe-train table (Wassermann 1998
  Table 4 as reproduced in Rossi 2009, **recalled, UNVERIFIED**). No interpolation: a
  frequency or intensity between table values uses the next stricter cell (the next higher
  frequency row and the next higher intensity column). The status travels as
  ``table_status: "UNVERIFIED"`` in every result.
* :func:`check_iti`: the inter-train interval against Chen et al. 1997 (VERIFIED, abstract):
  5 s was safe for ten 20 Hz, 1.6 s trains at 110% MT; 1 s or less was unsafe above
  100% MT. The 5 s minimum is applied to every multi-train rTMS protocol (DESIGN: Chen's
  intensity-specific ITI table is UNVERIFIED).
* :func:`check_theta_burst`: no verified TBS safety table exists in the reference; a TBS
  block is "within" only if no parameter is more intense than one published library TBS
  protocol (UNVERIFIED parameters), otherwise it needs explicit clinician confirmation.

:func:`check_protocol` combines them; a library protocol with a clearance is accepted as
cleared, citing the clearance, even where the generic figure-8 table objects (H1 coil).

References
----------
.. [1] Wassermann EM. Electroencephalogr Clin Neurophysiol 1998;108:1-16, Table 4; Rossi S
   et al. Clin Neurophysiol 2009;120:2008-2039 (tms.md §2.1; tms-verification.md §1.1:
   UNVERIFIED).
.. [2] Chen R et al. Electroencephalogr Clin Neurophysiol 1997;105:415-421
   (tms-verification.md §1.2: VERIFIED, abstract).
.. [3] tms-verification.md §1.3: TBS limits not found in Rossi 2009/2021 (UNVERIFIED);
   Oberman 2011 (VERIFIED, abstract).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal, cast

from trdcare.core.checks import Interval, check_constraints
from trdcare.core.errors import InvalidInput, Issue, SafetyLimitExceeded
from trdcare.core.provenance import (
    JSONDict,
    Reason,
    Source,
    Status,
    as_status,
    reasons_status,
)
from trdcare.tms.domain.catalogue import catalogue_version, load, source
from trdcare.tms.domain.protocols import (
    RTMS_BLOCK_LIMITS,
    CourseSchedule,
    Protocol,
    StimulationBlock,
    ThetaBurstPattern,
    library,
    nominal_pulses,
    nominal_session_s,
)

CellKind = Literal["limit", "longest_tested"]
Lookup = Literal["exact", "next_stricter"]
LimitVerdict = Literal["within", "exceeds"]
ItiVerdict = Literal["within", "exceeds", "not_applicable"]
ProtocolVerdict = Literal["within", "exceeds", "cleared", "incomplete"]

CHECK_PARAMETER_LIMITS: Mapping[str, Interval] = {
    "frequency_hz": RTMS_BLOCK_LIMITS["frequency_hz"],
    "intensity_pct_mt": RTMS_BLOCK_LIMITS["intensity_pct_mt"],
    "train_duration_s": RTMS_BLOCK_LIMITS["train_duration_s"],
    "inter_train_interval_s": RTMS_BLOCK_LIMITS["inter_train_interval_s"],
    "trains": RTMS_BLOCK_LIMITS["trains"],
}
"""Inputs of :func:`check_parameters`: the table's rows (<= 25 Hz) and columns (<= 130% MT)
bound what can be checked at all."""


@dataclass(frozen=True, slots=True)
class TableCell:
    """One cell of the maximum-safe-train table."""

    frequency_hz: float
    intensity_pct_mt: float
    max_train_s: float
    kind: CellKind
    notation: str

    def to_dict(self) -> JSONDict:
        return {
            "frequency_hz": self.frequency_hz,
            "intensity_pct_mt": self.intensity_pct_mt,
            "max_train_s": self.max_train_s,
            "kind": self.kind,
            "notation": self.notation,
        }


@dataclass(frozen=True, slots=True)
class MaxSafeTrainTable:
    """The maximum-safe-train table as versioned data with its status."""

    id: str
    frequencies_hz: tuple[float, ...]
    intensities_pct_mt: tuple[float, ...]
    cells: tuple[tuple[TableCell, ...], ...]
    status: Status
    source: Source
    also: Source
    note: str
    lookup_rule: str
    version: str

    def cell(self, frequency_hz: float, intensity_pct_mt: float) -> TableCell:
        """The exact cell at a table row and column."""
        r = self.frequencies_hz.index(frequency_hz)
        c = self.intensities_pct_mt.index(intensity_pct_mt)
        return self.cells[r][c]

    def lookup(self, frequency_hz: float, intensity_pct_mt: float) -> tuple[TableCell, Lookup]:
        """The cell that governs a frequency and intensity (no interpolation).

        Between table values the next higher frequency row and the next higher intensity
        column are used: the stricter neighbour, since durations fall (or stay) as either
        rises. Below the first row or column that row or column is used.

        Raises
        ------
        InvalidInput
            Above the last row (25 Hz) or column (130% MT): no cell covers it.
        """
        row = next((i for i, f in enumerate(self.frequencies_hz) if f >= frequency_hz), None)
        col = next(
            (i for i, x in enumerate(self.intensities_pct_mt) if x >= intensity_pct_mt), None
        )
        if row is None:
            raise InvalidInput.single(
                "frequency_hz",
                "is above the maximum-safe-train table",
                allowed=f"<= {self.frequencies_hz[-1]:g} Hz",
                given=frequency_hz,
            )
        if col is None:
            raise InvalidInput.single(
                "intensity_pct_mt",
                "is above the maximum-safe-train table",
                allowed=f"<= {self.intensities_pct_mt[-1]:g} %MT",
                given=intensity_pct_mt,
            )
        cell = self.cells[row][col]
        exact = (
            self.frequencies_hz[row] == frequency_hz
            and self.intensities_pct_mt[col] == intensity_pct_mt
        )
        return cell, "exact" if exact else "next_stricter"

    def to_dict(self) -> JSONDict:
        return {
            "id": self.id,
            "version": self.version,
            "status": self.status,
            "frequencies_hz": list(self.frequencies_hz),
            "intensities_pct_mt": list(self.intensities_pct_mt),
            "cells": [[c.to_dict() for c in row] for row in self.cells],
            "source": self.source.to_dict(),
            "also": self.also.to_dict(),
            "note": self.note,
            "lookup_rule": self.lookup_rule,
        }


def _parse_cell(text: str, f: float, i: float) -> TableCell:
    if text.startswith(">"):
        return TableCell(f, i, float(text[1:]), "longest_tested", text)
    return TableCell(f, i, float(text), "limit", text)


@cache
def max_safe_train_table() -> MaxSafeTrainTable:
    """The packaged maximum-safe-train table (``data/safety_limits.json``)."""
    t = load("safety_limits.json")["max_safe_train"]
    freqs = tuple(float(x) for x in t["frequencies_hz"])
    ints = tuple(float(x) for x in t["intensities_pct_mt"])
    cells = tuple(
        tuple(_parse_cell(str(t["cells"][r][c]), freqs[r], ints[c]) for c in range(len(ints)))
        for r in range(len(freqs))
    )
    status = as_status(t["status"])
    return MaxSafeTrainTable(
        id=str(t["id"]),
        frequencies_hz=freqs,
        intensities_pct_mt=ints,
        cells=cells,
        status=status,
        source=source(str(t["source"]), status, where=str(t["where"]), tag=str(t["tag"])),
        also=source(str(t["also"]), status, where=str(t["where"]), tag=str(t["tag"])),
        note=str(t["note"]),
        lookup_rule=str(t["lookup"]),
        version=catalogue_version("safety_limits.json"),
    )


@dataclass(frozen=True, slots=True)
class TrainCheck:
    """An rTMS train against the maximum-safe-train table."""

    frequency_hz: float
    intensity_pct_mt: float
    train_duration_s: float
    verdict: LimitVerdict
    cell: TableCell
    lookup: Lookup
    table_status: Status
    reasons: tuple[Reason, ...]

    @property
    def within_limits(self) -> bool:
        return self.verdict == "within"

    @property
    def max_train_s(self) -> float:
        return self.cell.max_train_s

    def to_dict(self) -> JSONDict:
        return {
            "check": "max_safe_train",
            "frequency_hz": self.frequency_hz,
            "intensity_pct_mt": self.intensity_pct_mt,
            "train_duration_s": self.train_duration_s,
            "verdict": self.verdict,
            "within_limits": self.within_limits,
            "max_train_s": self.max_train_s,
            "cell": self.cell.to_dict(),
            "lookup": self.lookup,
            "table_id": max_safe_train_table().id,
            "table_version": max_safe_train_table().version,
            "table_status": self.table_status,
            "reasons": [r.to_dict() for r in self.reasons],
        }


def check_train(
    frequency_hz: float, intensity_pct_mt: float, train_duration_s: float
) -> TrainCheck:
    """Check one rTMS train against the maximum-safe-train table.

    Parameters
    ----------
    frequency_hz : float
        Pulse frequency, in (0, 25] Hz (the table's rows).
    intensity_pct_mt : float
        Intensity in % of motor threshold, in (0, 130] (the table's columns).
    train_duration_s : float
        Train duration in seconds, in (0, 1800].

    Returns
    -------
    TrainCheck
        ``within`` when the train is no longer than the governing cell (on the cell value
        counts as within), ``exceeds`` otherwise. For a ">x" cell x is the longest duration
        tested without an adverse effect: a longer train is outside the tested range.

    References
    ----------
    .. [1] Wassermann 1998 Table 4 / Rossi 2009 (tms.md §2.1): recalled, **UNVERIFIED**.
       Lookup: no interpolation; the next stricter cell between table values.

    Examples
    --------
    >>> check_train(10, 120, 4).verdict
    'within'
    >>> check_train(10, 120, 4.3).cell.notation
    '4.2'
    """
    check_constraints(
        {
            "frequency_hz": frequency_hz,
            "intensity_pct_mt": intensity_pct_mt,
            "train_duration_s": train_duration_s,
        },
        {
            k: CHECK_PARAMETER_LIMITS[k]
            for k in ("frequency_hz", "intensity_pct_mt", "train_duration_s")
        },
    )
    table = max_safe_train_table()
    cell, how = table.lookup(frequency_hz, intensity_pct_mt)
    verdict: LimitVerdict = "within" if train_duration_s <= cell.max_train_s else "exceeds"
    meaning = (
        "the longest duration tested without an adverse effect"
        if cell.kind == "longest_tested"
        else "the maximum safe duration"
    )
    where = (
        f"cell {cell.frequency_hz:g} Hz / {cell.intensity_pct_mt:g}% MT"
        if how == "exact"
        else f"next stricter cell {cell.frequency_hz:g} Hz / {cell.intensity_pct_mt:g}% MT "
        "(no interpolation)"
    )
    finding = (
        f"{train_duration_s:g} s train at {frequency_hz:g} Hz, {intensity_pct_mt:g}% MT "
        f"{'is within' if verdict == 'within' else 'exceeds'} {cell.notation} s, {meaning} "
        f"({where}; table {table.status})"
    )
    reason = Reason(
        rule="max_safe_train",
        finding=finding,
        inputs={
            "frequency_hz": frequency_hz,
            "intensity_pct_mt": intensity_pct_mt,
            "train_duration_s": train_duration_s,
            "cell": cell.to_dict(),
            "lookup": how,
            "lookup_rule": table.lookup_rule,
        },
        sources=(table.source, table.also),
    )
    return TrainCheck(
        frequency_hz,
        intensity_pct_mt,
        train_duration_s,
        verdict,
        cell,
        how,
        table.status,
        (reason,),
    )


@dataclass(frozen=True, slots=True)
class ItiCheck:
    """An inter-train interval against Chen et al. 1997."""

    inter_train_interval_s: float | None
    trains: int
    verdict: ItiVerdict
    minimum_s: float
    reasons: tuple[Reason, ...]

    @property
    def within_limits(self) -> bool:
        return self.verdict != "exceeds"

    @property
    def status(self) -> Status:
        return reasons_status(self.reasons)

    def to_dict(self) -> JSONDict:
        return {
            "check": "inter_train_interval",
            "inter_train_interval_s": self.inter_train_interval_s,
            "trains": self.trains,
            "verdict": self.verdict,
            "within_limits": self.within_limits,
            "minimum_s": self.minimum_s,
            "status": self.status,
            "reasons": [r.to_dict() for r in self.reasons],
        }


def _iti_facts() -> Mapping[str, Any]:
    return cast(Mapping[str, Any], load("safety_limits.json")["inter_train_interval"])


def check_iti(
    inter_train_interval_s: float | None, *, trains: int, intensity_pct_mt: float
) -> ItiCheck:
    """Check an rTMS inter-train interval against Chen et al. 1997.

    Parameters
    ----------
    inter_train_interval_s : float or None
        Pause between trains (s); ``None`` for a single continuous train.
    trains : int
        Number of trains; with one train there is no ITI to check.
    intensity_pct_mt : float
        Intensity (% MT); Chen's unsafe finding concerns intensities above 100% MT.

    Returns
    -------
    ItiCheck
        ``exceeds`` below the 5 s minimum (and, named separately, at 1 s or less above
        100% MT); ``within`` at 5 s or more; ``not_applicable`` for a single train.

    References
    ----------
    .. [1] Chen R et al. 1997 (tms-verification.md §1.2, VERIFIED abstract): ten trains of
       20 Hz, 1.6 s, 110% MT were safe with a 5 s ITI; ITIs of 1 s or less were unsafe for
       20 Hz, 1.6 s trains above 100% MT. Applying 5 s at every frequency and intensity
       is a DESIGN choice (the intensity-specific table is UNVERIFIED).

    Examples
    --------
    >>> check_iti(26, trains=75, intensity_pct_mt=120).verdict
    'within'
    >>> check_iti(4.9, trains=75, intensity_pct_mt=120).verdict
    'exceeds'
    """
    facts = _iti_facts()
    minimum = float(facts["minimum_safe_iti_s"])
    unsafe_max = float(facts["unsafe_iti_max_s"])
    unsafe_above = float(facts["unsafe_above_intensity_pct_mt"])
    chen = source("chen1997", facts["status"], where=str(facts["where"]), tag=str(facts["tag"]))
    design = source(
        "trdcare_design",
        "DESIGN",
        where="data/safety_limits.json",
        tag="applied to every multi-train rTMS protocol",
    )
    tested = facts["tested_condition"]
    if trains == 1:
        reason = Reason(
            rule="iti_single_train",
            finding="a single continuous train has no inter-train interval",
            inputs={"trains": trains},
            sources=(chen,),
        )
        return ItiCheck(inter_train_interval_s, trains, "not_applicable", minimum, (reason,))
    if inter_train_interval_s is None:
        raise InvalidInput.single(
            "inter_train_interval_s",
            "is required for more than one train",
            allowed=">= 0 s",
            given=None,
        )
    check_constraints(
        {"inter_train_interval_s": inter_train_interval_s},
        {"inter_train_interval_s": CHECK_PARAMETER_LIMITS["inter_train_interval_s"]},
    )
    inputs = {
        "inter_train_interval_s": inter_train_interval_s,
        "trains": trains,
        "intensity_pct_mt": intensity_pct_mt,
        "minimum_s": minimum,
        "chen1997_tested": dict(tested),
        "application": str(facts["application"]),
    }
    reasons: list[Reason] = []
    if inter_train_interval_s <= unsafe_max and intensity_pct_mt > unsafe_above:
        reasons.append(
            Reason(
                rule="iti_chen1997_unsafe",
                finding=f"ITI {inter_train_interval_s:g} s is <= {unsafe_max:g} s above "
                f"{unsafe_above:g}% MT: shown unsafe by Chen 1997 (20 Hz, 1.6 s trains)",
                inputs=inputs,
                sources=(chen,),
            )
        )
    if inter_train_interval_s < minimum:
        reasons.append(
            Reason(
                rule="iti_chen1997_minimum",
                finding=f"ITI {inter_train_interval_s:g} s is below {minimum:g} s, the shortest "
                "interval Chen 1997 found safe (ten 20 Hz, 1.6 s trains at 110% MT)",
                inputs=inputs,
                sources=(chen, design),
            )
        )
        return ItiCheck(inter_train_interval_s, trains, "exceeds", minimum, tuple(reasons))
    reasons.append(
        Reason(
            rule="iti_chen1997_minimum",
            finding=f"ITI {inter_train_interval_s:g} s is at least {minimum:g} s, the interval "
            "Chen 1997 found safe (ten 20 Hz, 1.6 s trains at 110% MT)",
            inputs=inputs,
            sources=(chen, design),
        )
    )
    return ItiCheck(inter_train_interval_s, trains, "within", minimum, tuple(reasons))


@dataclass(frozen=True, slots=True)
class TbsCheck:
    """A theta-burst block against the published TBS parameter space."""

    verdict: LimitVerdict
    matched_protocol: str | None
    outside: tuple[str, ...]
    reasons: tuple[Reason, ...]

    @property
    def within_limits(self) -> bool:
        return self.verdict == "within"

    @property
    def status(self) -> Status:
        return reasons_status(self.reasons)

    def to_dict(self) -> JSONDict:
        return {
            "check": "theta_burst_parameter_space",
            "verdict": self.verdict,
            "within_limits": self.within_limits,
            "matched_protocol": self.matched_protocol,
            "outside": list(self.outside),
            "status": self.status,
            "reasons": [r.to_dict() for r in self.reasons],
        }


def _tbs_space_source() -> Source:
    t = load("safety_limits.json")["theta_burst"]
    return source(
        "rossi2021", t["status"], where=str(t["where"]), tag="no verified TBS safety table"
    )


def _tbs_comparisons(
    block: StimulationBlock, schedule: CourseSchedule, ref: Protocol
) -> list[tuple[str, float, float, str]]:
    rb = ref.blocks[0]
    rp = cast(ThetaBurstPattern, rb.pattern)
    bp = cast(ThetaBurstPattern, block.pattern)
    rs = ref.schedule
    out: list[tuple[str, float, float, str]] = [
        ("intensity_pct_mt", block.intensity_pct_mt, rb.intensity_pct_mt, "<="),
        ("bursts_per_train", bp.bursts_per_train, rp.bursts_per_train, "<="),
        (
            "inter_train_interval_s",
            block.inter_train_interval_s or 0.0,
            rb.inter_train_interval_s or 0.0,
            ">=",
        ),
        ("pulses_per_session", float(block.pulses or 0), float(rb.pulses or 0), "<="),
        ("sessions_per_day", schedule.sessions_per_day, rs.sessions_per_day, "<="),
        ("acute_sessions_max", schedule.acute_sessions_max, rs.acute_sessions_max, "<="),
    ]
    if schedule.sessions_per_day > 1:
        out.append(
            (
                "gap_between_sessions_min",
                schedule.gap_between_sessions_min or 0.0,
                rs.gap_between_sessions_min or 0.0,
                ">=",
            )
        )
    return out


def check_theta_burst(block: StimulationBlock, schedule: CourseSchedule) -> TbsCheck:
    """Check a theta-burst block against the published TBS parameter space.

    The block is ``within`` when its pattern is the published one (3 pulses at 50 Hz,
    bursts at 5 Hz) and no parameter is more intense than in one published library TBS
    protocol (intensity, bursts per train, pulses per session, sessions per day and
    course length no higher; inter-train interval and gap between sessions no shorter).
    Anything else needs explicit clinician confirmation.

    References
    ----------
    .. [1] tms-verification.md §1.3: no TBS safety table found in Rossi 2009 or 2021
       (UNVERIFIED); Oberman 2011 (VERIFIED abstract): apply TBS with caution.
    .. [2] Published protocols: THREE-D iTBS and SAINT accelerated iTBS (tms.md §1.1,
       parameters [R], UNVERIFIED).
    """
    if not isinstance(block.pattern, ThetaBurstPattern):
        raise ValueError("check_theta_burst needs a theta-burst block")
    t = load("safety_limits.json")["theta_burst"]
    pub = t["published_pattern"]
    pattern_src = source(
        str(pub["source"]), pub["status"], where="tms.md §1.1", tag=str(pub["tag"])
    )
    space_src = _tbs_space_source()
    p = block.pattern
    reasons: list[Reason] = []
    pattern_ok = (
        p.pulses_per_burst == int(pub["pulses_per_burst"])
        and p.intra_burst_frequency_hz == float(pub["intra_burst_frequency_hz"])
        and p.burst_frequency_hz == float(pub["burst_frequency_hz"])
    )
    if not pattern_ok:
        reasons.append(
            Reason(
                rule="tbs_pattern",
                finding="the burst pattern is not the published one (3 pulses at 50 Hz, bursts "
                "at 5 Hz): outside the published parameter space; needs clinician confirmation",
                inputs={"pattern": p.to_dict()},
                sources=(pattern_src, space_src),
            )
        )
        return TbsCheck("exceeds", None, ("pattern",), tuple(reasons))
    refs = [x for x in library() if x.is_theta_burst and len(x.blocks) == 1 and x.complete]
    best: tuple[Protocol, list[str]] | None = None
    for ref in refs:
        failed = [
            name
            for name, value, limit, op in _tbs_comparisons(block, schedule, ref)
            if (value > limit if op == "<=" else value < limit)
        ]
        if best is None or len(failed) < len(best[1]):
            best = (ref, failed)
        if not failed:
            reasons.append(
                Reason(
                    rule="tbs_published_space",
                    finding=f"no parameter is more intense than the published protocol "
                    f"'{ref.id}' ({ref.name}); there is no verified TBS safety table",
                    inputs={
                        name: {"value": value, "published": limit, "must_be": op}
                        for name, value, limit, op in _tbs_comparisons(block, schedule, ref)
                    },
                    sources=(*ref.sources_for("blocks.0.intensity_pct_mt"), space_src),
                )
            )
            return TbsCheck("within", ref.id, (), tuple(reasons))
    assert best is not None
    ref, failed = best
    reasons.append(
        Reason(
            rule="tbs_published_space",
            finding="outside the published TBS parameter space (closest: "
            f"'{ref.id}', exceeded on {', '.join(failed)}); there is no verified TBS safety "
            "table: needs clinician confirmation",
            inputs={
                name: {"value": value, "published": limit, "must_be": op}
                for name, value, limit, op in _tbs_comparisons(block, schedule, ref)
            },
            sources=(*ref.sources_for("blocks.0.intensity_pct_mt"), space_src),
        )
    )
    return TbsCheck("exceeds", None, tuple(failed), tuple(reasons))


@dataclass(frozen=True, slots=True)
class BlockSafety:
    """All checks of one stimulation block."""

    index: int
    label: str
    train: TrainCheck | None
    iti: ItiCheck | None
    theta_burst: TbsCheck | None

    @property
    def within_limits(self) -> bool:
        return all(
            c.within_limits for c in (self.train, self.iti, self.theta_burst) if c is not None
        )

    def to_dict(self) -> JSONDict:
        return {
            "index": self.index,
            "label": self.label,
            "within_limits": self.within_limits,
            "train": None if self.train is None else self.train.to_dict(),
            "iti": None if self.iti is None else self.iti.to_dict(),
            "theta_burst": None if self.theta_burst is None else self.theta_burst.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class ProtocolSafety:
    """The safety verdict of a whole protocol.

    ``verdict`` is ``within``, ``exceeds``, ``cleared`` (a table objects but the library
    protocol is cleared as published) or ``incomplete`` (train structure missing).
    ``accepted`` is true for ``within`` and ``cleared``; ``exceeds`` needs a physician
    override with a reason before the protocol can be saved or planned.
    """

    protocol_id: str
    verdict: ProtocolVerdict
    blocks: tuple[BlockSafety, ...]
    missing: tuple[str, ...]
    reasons: tuple[Reason, ...]
    table_status: Status

    @property
    def accepted(self) -> bool:
        return self.verdict in ("within", "cleared")

    @property
    def within_limits(self) -> bool:
        """Whether every table check passed (false for a cleared H1 protocol)."""
        return self.verdict == "within"

    @property
    def requires_override(self) -> bool:
        return self.verdict == "exceeds"

    @property
    def status(self) -> Status:
        return reasons_status(self.reasons)

    def to_dict(self) -> JSONDict:
        return {
            "protocol_id": self.protocol_id,
            "verdict": self.verdict,
            "accepted": self.accepted,
            "within_limits": self.within_limits,
            "requires_override": self.requires_override,
            "missing": list(self.missing),
            "table_status": self.table_status,
            "status": self.status,
            "blocks": [b.to_dict() for b in self.blocks],
            "reasons": [r.to_dict() for r in self.reasons],
        }


def check_block(block: StimulationBlock, schedule: CourseSchedule, index: int = 0) -> BlockSafety:
    """Run every applicable check on one complete block."""
    if not block.complete or block.train_duration_s is None or block.trains is None:
        raise ValueError("check_block needs a block with a complete train structure")
    if isinstance(block.pattern, ThetaBurstPattern):
        return BlockSafety(index, block.label, None, None, check_theta_burst(block, schedule))
    train = check_train(block.pattern.frequency_hz, block.intensity_pct_mt, block.train_duration_s)
    iti = check_iti(
        block.inter_train_interval_s, trains=block.trains, intensity_pct_mt=block.intensity_pct_mt
    )
    return BlockSafety(index, block.label, train, iti, None)


def check_protocol(protocol: Protocol) -> ProtocolSafety:
    """Check every block of a protocol; accept a cleared library protocol as cleared.

    Returns
    -------
    ProtocolSafety
        With the per-block checks, the table cell and status of each, and one summary
        reason. A library protocol with a clearance whose table checks object is
        ``cleared`` (accepted, citing the clearance and its status); a custom protocol
        never is.

    Examples
    --------
    >>> from trdcare.tms.domain.protocols import get_protocol
    >>> check_protocol(get_protocol("hf10-left-dlpfc")).verdict
    'within'
    >>> check_protocol(get_protocol("deep-tms-h1")).verdict
    'cleared'
    """
    table = max_safe_train_table()
    if not protocol.complete:
        reason = Reason(
            rule="protocol_incomplete",
            finding="the train structure of a block is not known: enter "
            + ", ".join(protocol.missing)
            + " before the protocol can be checked or planned",
            inputs={"missing": list(protocol.missing)},
            sources=tuple(s for f in protocol.missing for s in protocol.sources_for(f)),
        )
        return ProtocolSafety(
            protocol.id, "incomplete", (), protocol.missing, (reason,), table.status
        )
    blocks = tuple(check_block(b, protocol.schedule, i) for i, b in enumerate(protocol.blocks))
    reasons: list[Reason] = []
    for b in blocks:
        for check in (b.train, b.iti, b.theta_burst):
            if check is not None:
                reasons.extend(check.reasons)
    within = all(b.within_limits for b in blocks)
    verdict: ProtocolVerdict = "within" if within else "exceeds"
    if not within and protocol.origin == "library" and protocol.clearance is not None:
        c = protocol.clearance
        reasons.append(
            Reason(
                rule="cleared_protocol",
                finding=f"accepted as cleared: {c.body} clearance of {c.device} ({c.year}) for "
                "this protocol as published, although the generic table objects"
                + (f"; {c.note}" if c.note else ""),
                inputs={"protocol": protocol.id, "clearance": c.to_dict()},
                sources=(c.source,),
            )
        )
        verdict = "cleared"
    elif not within and protocol.origin == "library":
        published = tuple(
            src
            for p in protocol.provenance
            for src in (p.source,)
            if any(f.startswith("blocks") for f in p.fields)
        )
        reasons.append(
            Reason(
                rule="published_protocol_not_cleared",
                finding="a published library protocol without a clearance: the table is "
                f"{table.status} and not a hard interlock, so a physician may override with a "
                "reason after weighing the published use",
                inputs={"protocol": protocol.id},
                sources=published,
            )
        )
    uses_table = any(b.train is not None for b in blocks)
    return ProtocolSafety(
        protocol.id,
        verdict,
        blocks,
        (),
        tuple(reasons),
        table.status if uses_table else reasons_status(reasons),
    )


@dataclass(frozen=True, slots=True)
class ParameterCheck:
    """The result of ``trdcare tms check``: one rTMS train/ITI/trains combination."""

    frequency_hz: float
    intensity_pct_mt: float
    train_duration_s: float
    inter_train_interval_s: float
    trains: int
    train: TrainCheck
    iti: ItiCheck

    @property
    def within_limits(self) -> bool:
        return self.train.within_limits and self.iti.within_limits

    @property
    def pulses(self) -> int:
        return round(nominal_pulses(self.frequency_hz, self.train_duration_s, self.trains))

    @property
    def session_s(self) -> float:
        return nominal_session_s(self.train_duration_s, self.inter_train_interval_s, self.trains)

    def to_dict(self) -> JSONDict:
        return {
            "within_limits": self.within_limits,
            "verdict": "within" if self.within_limits else "exceeds",
            "max_train_s": self.train.max_train_s,
            "pulses": self.pulses,
            "session_s": self.session_s,
            "table_status": self.train.table_status,
            "cell": self.train.cell.to_dict(),
            "lookup": self.train.lookup,
            "train": self.train.to_dict(),
            "iti": self.iti.to_dict(),
            "reasons": [r.to_dict() for r in (*self.train.reasons, *self.iti.reasons)],
        }


def check_parameters(
    frequency_hz: float,
    intensity_pct_mt: float,
    train_duration_s: float,
    inter_train_interval_s: float,
    trains: int,
) -> ParameterCheck:
    """Check an rTMS parameter set: train vs the table and ITI vs Chen 1997.

    Raises
    ------
    InvalidInput
        Every parameter outside :data:`CHECK_PARAMETER_LIMITS`, or a train duration that is
        not a whole number of pulse intervals, each named.

    Examples
    --------
    >>> r = check_parameters(10, 120, 4, 26, 75)
    >>> (r.within_limits, r.pulses, r.session_s)
    (True, 3000, 2224.0)
    """
    check_constraints(
        {
            "frequency_hz": frequency_hz,
            "intensity_pct_mt": intensity_pct_mt,
            "train_duration_s": train_duration_s,
            "inter_train_interval_s": inter_train_interval_s,
            "trains": trains,
        },
        CHECK_PARAMETER_LIMITS,
    )
    ppt = frequency_hz * train_duration_s
    if abs(ppt - round(ppt)) > 1e-9:
        raise InvalidInput.single(
            "train_duration_s",
            "gives a fractional number of pulses per train (frequency x duration)",
            allowed="a whole number of pulse intervals",
            given=train_duration_s,
        )
    train = check_train(frequency_hz, intensity_pct_mt, train_duration_s)
    iti = check_iti(inter_train_interval_s, trains=int(trains), intensity_pct_mt=intensity_pct_mt)
    return ParameterCheck(
        frequency_hz,
        intensity_pct_mt,
        train_duration_s,
        inter_train_interval_s,
        int(trains),
        train,
        iti,
    )


@dataclass(frozen=True, slots=True)
class PhysicianOverride:
    """A physician's recorded decision to use a protocol past the limits."""

    physician: str
    reason: str

    def to_dict(self) -> JSONDict:
        return {"physician": self.physician, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class ProtocolApproval:
    """Why a protocol may be saved or planned: within limits, cleared, or overridden."""

    protocol_id: str
    basis: Literal["within", "cleared", "override"]
    safety: ProtocolSafety
    override: PhysicianOverride | None

    def to_dict(self) -> JSONDict:
        return {
            "protocol_id": self.protocol_id,
            "basis": self.basis,
            "override": None if self.override is None else self.override.to_dict(),
            "safety": self.safety.to_dict(),
        }


def approve_protocol(
    protocol: Protocol, override: PhysicianOverride | None = None
) -> ProtocolApproval:
    """Decide whether a protocol may be saved/planned.

    Raises
    ------
    InvalidInput
        The protocol is incomplete (naming the missing fields), or the override has no
        physician or no reason.
    SafetyLimitExceeded
        The protocol exceeds a limit and there is no physician override.
    """
    safety = check_protocol(protocol)
    if safety.verdict == "incomplete":
        raise InvalidInput(
            safety.reasons[0].finding,
            issues=[
                Issue(f, "is required before the protocol can be used") for f in safety.missing
            ],
        )
    if safety.verdict in ("within", "cleared"):
        return ProtocolApproval(protocol.id, cast(Any, safety.verdict), safety, None)
    if override is None:
        issues = _exceed_issues(safety)
        raise SafetyLimitExceeded(
            issues[0].render() + " (a physician override with a reason is needed)",
            issues=issues,
        )
    if not override.physician.strip():
        raise InvalidInput.single(
            "override.physician",
            "is required",
            allowed="the overriding physician",
            given=override.physician,
        )
    if not override.reason.strip():
        raise InvalidInput.single(
            "override.reason",
            "is required",
            allowed="why the limits are overridden",
            given=override.reason,
        )
    return ProtocolApproval(protocol.id, "override", safety, override)


def _exceed_issues(safety: ProtocolSafety) -> list[Issue]:
    out: list[Issue] = []
    for b in safety.blocks:
        if b.train is not None and not b.train.within_limits:
            out.append(
                Issue(
                    f"blocks.{b.index}.train_duration_s",
                    b.train.reasons[0].finding,
                    allowed=f"<= {b.train.max_train_s:g} s, or a physician override with a reason",
                    given=f"{b.train.train_duration_s:g}",
                )
            )
        if b.iti is not None and not b.iti.within_limits:
            out.append(
                Issue(
                    f"blocks.{b.index}.inter_train_interval_s",
                    b.iti.reasons[-1].finding,
                    allowed=f">= {b.iti.minimum_s:g} s, or a physician override with a reason",
                    given=f"{b.iti.inter_train_interval_s:g}",
                )
            )
        if b.theta_burst is not None and not b.theta_burst.within_limits:
            out.append(
                Issue(
                    f"blocks.{b.index}",
                    b.theta_burst.reasons[-1].finding,
                    allowed="the published TBS parameter space, or a physician override with "
                    "a reason",
                )
            )
    return out


def table_cells() -> Sequence[TableCell]:
    """Every cell of the maximum-safe-train table, row by row."""
    return [c for row in max_safe_train_table().cells for c in row]
