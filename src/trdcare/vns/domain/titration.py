"""The VNS titration log: one visit's stimulation settings checked against the device and
the published settings, the duty cycle computed, side effects named from the catalogue, and
the expected-response timeline.

Refused (nothing written): an output current above the device maximum, and any value outside
the design input bounds below. Flagged for the physician (stored with the entry, never
refused): a step larger than the published titration step, a visit sooner than the usual
interval, output on before post-operative healing, a current above the usual therapeutic
range, a frequency or pulse width other than the published depression settings, and an OFF
time not longer than the ON time.

References
----------
.. [1] Labiner & Ahern, Acta Psychiatr Scand 2007 (device maximum 3.5 mA, start 0.25 mA,
   1.0-1.5 mA typical, 20 Hz, 250/500 µs, 30 s ON / 5 min OFF, OFF > ON); modalities.md §2.2.
.. [2] RECOVER primary endpoint at 12 months (Conway et al. 2024); CMS NCD 160.18 (at least
   1 year of follow-up); modalities.md §2.1, §2.3.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from trdcare.core.checks import Interval
from trdcare.core.errors import IssueCollector
from trdcare.core.provenance import JSONDict, Reason, Source, Status, reasons_status
from trdcare.vns.domain.catalogue import load, sources_of

#: What a titration entry may hold at all (DESIGN input bounds, wide around the published
#: settings; not clinical limits). The output current's upper bound is the device maximum
#: from the catalogue (VERIFIED), checked by :func:`check_titration`.
INPUT_BOUNDS: Mapping[str, Interval] = {
    "frequency_hz": Interval(0, 50, closed="right", unit="Hz"),
    "pulse_width_us": Interval(100, 1000, unit="µs"),
    "on_time_s": Interval(0, 300, closed="right", unit="s"),
    "off_time_min": Interval(0, 180, closed="right", unit="min"),
}

DESIGN_SOURCE = Source(
    citation="trdcare input bounds for a titration entry (wide around the published settings)",
    status="DESIGN",
    where="vns/domain/titration.py INPUT_BOUNDS",
)
DERIVED_DUTY = Source(
    citation="duty cycle = ON / (ON + OFF) x 100, ON and OFF in seconds (ramp-up and "
    "ramp-down times not included)",
    status="DERIVED",
    where="vns/domain/titration.py",
)


def current_bound() -> Interval:
    """Output current: 0 (output off) to the device maximum, mA."""
    return Interval(0, load().stimulation.device_max_current_ma.value, unit="mA")


def side_effect_catalogue() -> dict[str, str]:
    """Side-effect id -> label, in catalogue order."""
    return {e.id: e.label for e in load().side_effects}


@dataclass(frozen=True, slots=True)
class TitrationSettings:
    """One visit's programmed settings."""

    output_current_ma: float
    frequency_hz: float
    pulse_width_us: float
    on_time_s: float
    off_time_min: float

    @property
    def duty_cycle_pct(self) -> float:
        """ON / (ON + OFF) x 100 (the 30 s / 5 min start is 9.1 %).

        Examples
        --------
        >>> round(TitrationSettings(0.25, 20, 250, 30, 5).duty_cycle_pct, 2)
        9.09
        """
        on = self.on_time_s
        off = self.off_time_min * 60
        return on / (on + off) * 100


def check_titration(
    values: Mapping[str, float | None], *, side_effects: Sequence[str] = ()
) -> TitrationSettings:
    """Parse one visit's settings; refuse every problem at once, naming field, allowed, given.

    Raises
    ------
    InvalidInput
        A missing setting, a current above the device maximum (or below 0), any other value
        outside :data:`INPUT_BOUNDS`, or an unknown side effect.
    """
    issues = IssueCollector()
    bounds = {"output_current_ma": current_bound(), **INPUT_BOUNDS}
    for name, interval in bounds.items():
        value = values.get(name)
        if value is None:
            issues.add(name, "is required", allowed=interval.describe())
        elif not interval.contains(value):
            message = (
                "is above the device maximum"
                if name == "output_current_ma" and value == value and value > (interval.high or 0)
                else "out of range"
            )
            issues.add(name, message, allowed=interval.describe(), given=value)
    known = side_effect_catalogue()
    for i, effect in enumerate(side_effects):
        if effect not in known:
            issues.add(
                f"side_effects.{i}", "unknown side effect", allowed=", ".join(known), given=effect
            )
    issues.raise_if_any()
    return TitrationSettings(
        output_current_ma=float(values["output_current_ma"] or 0),
        frequency_hz=float(values["frequency_hz"] or 0),
        pulse_width_us=float(values["pulse_width_us"] or 0),
        on_time_s=float(values["on_time_s"] or 0),
        off_time_min=float(values["off_time_min"] or 0),
    )


@dataclass(frozen=True, slots=True)
class PreviousVisit:
    on: date
    output_current_ma: float


def titration_flags(
    settings: TitrationSettings,
    *,
    visit_on: date,
    implant_on: date,
    previous: PreviousVisit | None = None,
) -> tuple[Reason, ...]:
    """The flags a physician should see on this visit (never a refusal).

    Examples
    --------
    >>> s = TitrationSettings(0.75, 20, 250, 30, 5)
    >>> [r.rule for r in titration_flags(s, visit_on=date(2026, 3, 3), implant_on=date(2026, 1, 1),
    ...                                  previous=PreviousVisit(date(2026, 3, 1), 0.25))]
    ['step_above_usual', 'interval_below_usual']
    """
    st = load().stimulation
    cat = load()
    flags: list[Reason] = []
    current = settings.output_current_ma
    if previous is not None:
        step = round(current - previous.output_current_ma, 6)
        if step > st.titration_step_ma.value:
            flags.append(
                Reason(
                    "step_above_usual",
                    f"Current raised by {step:g} mA since the last visit "
                    f"({previous.output_current_ma:g} -> {current:g} mA); the published step is "
                    f"{st.titration_step_ma.value:g} mA ({st.titration_step_ma.status}).",
                    {"step_ma": step},
                    sources_of(st.titration_step_ma, cat),
                )
            )
        gap = (visit_on - previous.on).days
        if step > 0 and gap < st.titration_interval_days.value:
            flags.append(
                Reason(
                    "interval_below_usual",
                    f"Current raised {gap} day(s) after the last visit; visits are usually "
                    f"1 to 2 weeks apart ({st.titration_interval_days.status}).",
                    {"days": gap},
                    sources_of(st.titration_interval_days, cat),
                )
            )
    healed = (visit_on - implant_on).days
    if current > 0 and healed < st.healing_days.value:
        flags.append(
            Reason(
                "before_healing",
                f"Output on {healed} day(s) after the implant; adjustments usually begin after "
                f"about {st.healing_days.value:g} days of recovery ({st.healing_days.status}).",
                {"days_since_implant": healed},
                sources_of(st.healing_days, cat),
            )
        )
    if current > st.therapeutic_high_ma.value:
        flags.append(
            Reason(
                "above_therapeutic_range",
                f"{current:g} mA is above the typical therapeutic range "
                f"{st.therapeutic_low_ma.value:g}-{st.therapeutic_high_ma.value:g} mA; higher "
                "output brings more voice change, cough, throat tightening and dyspnoea.",
                {"output_current_ma": current},
                sources_of(st.therapeutic_high_ma, cat),
            )
        )
    if settings.frequency_hz != st.depression_frequency_hz.value:
        flags.append(
            Reason(
                "frequency_not_depression_setting",
                f"{settings.frequency_hz:g} Hz; the published depression setting is "
                f"{st.depression_frequency_hz.value:g} Hz (30 Hz is the epilepsy setting).",
                {"frequency_hz": settings.frequency_hz},
                sources_of(st.depression_frequency_hz, cat),
            )
        )
    if settings.pulse_width_us not in st.pulse_widths_us.values:
        flags.append(
            Reason(
                "pulse_width_not_published",
                f"{settings.pulse_width_us:g} µs; the published pulse widths are "
                + " or ".join(f"{v:g}" for v in st.pulse_widths_us.values)
                + " µs.",
                {"pulse_width_us": settings.pulse_width_us},
                sources_of(st.pulse_widths_us, cat),
            )
        )
    if settings.off_time_min * 60 <= settings.on_time_s:
        flags.append(
            Reason(
                "off_not_longer_than_on",
                f"OFF {settings.off_time_min:g} min is not longer than ON "
                f"{settings.on_time_s:g} s (duty cycle {settings.duty_cycle_pct:.1f} %); OFF "
                "time should exceed ON time.",
                {"duty_cycle_pct": settings.duty_cycle_pct},
                sources_of(st.off_exceeds_on, cat),
            )
        )
    return tuple(flags)


def months_between(start: date, end: date) -> int:
    """Whole calendar months from ``start`` to ``end`` (0 when ``end`` is before).

    Examples
    --------
    >>> months_between(date(2026, 1, 31), date(2026, 2, 28)), months_between(date(2026, 1, 15),
    ...     date(2027, 1, 15))
    (0, 12)
    """
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day < start.day:
        months -= 1
    return max(months, 0)


Phase = Literal["not_started", "too_early", "assessable"]


@dataclass(frozen=True, slots=True)
class ResponseTimeline:
    """Where a course stands on the expected-response timeline."""

    phase: Phase
    months_elapsed: int | None
    assessment_month: int
    durability_month: int
    counts_from: date | None
    finding: str
    reasons: tuple[Reason, ...]

    @property
    def status(self) -> Status:
        return reasons_status(self.reasons)

    @property
    def too_early_to_call_non_response(self) -> bool:
        return self.phase != "assessable"

    def to_dict(self) -> JSONDict:
        return {
            "phase": self.phase,
            "months_elapsed": self.months_elapsed,
            "assessment_month": self.assessment_month,
            "durability_month": self.durability_month,
            "counts_from": None if self.counts_from is None else self.counts_from.isoformat(),
            "too_early_to_call_non_response": self.too_early_to_call_non_response,
            "finding": self.finding,
            "reasons": [r.to_dict() for r in self.reasons],
            "status": self.status,
        }


def response_timeline(
    *, implant_on: date, first_stimulation_on: date | None, as_of: date
) -> ResponseTimeline:
    """Months of stimulation against the month response is judged (12, RECOVER's primary
    endpoint; CMS asks at least 1 year of follow-up), so monitoring does not call
    non-response early.

    Examples
    --------
    >>> t = response_timeline(implant_on=date(2026, 1, 5), first_stimulation_on=date(2026, 1, 20),
    ...                       as_of=date(2026, 7, 20))
    >>> t.phase, t.months_elapsed, t.assessment_month
    ('too_early', 6, 12)
    """
    tl = load().response_timeline
    cat = load()
    month = int(tl.assessment_month.value)
    durable = int(tl.durability_month.value)
    start = first_stimulation_on if tl.counts_from == "first_stimulation" else implant_on
    counting = Source(
        citation=tl.counts_from_note or f"months counted from {tl.counts_from}",
        status=tl.counts_from_status,
        where="vns.json response_timeline.counts_from",
    )
    reasons = (
        Reason(
            "response_timeline",
            tl.assessment_month.note,
            {"assessment_month": month},
            (*sources_of(tl.assessment_month, cat), counting),
        ),
        Reason(
            "durability",
            tl.durability_month.note,
            {"durability_month": durable},
            sources_of(tl.durability_month, cat),
        ),
    )
    if start is None:
        return ResponseTimeline(
            "not_started",
            None,
            month,
            durable,
            None,
            "Stimulation has not started (no visit with output on): the timeline begins at the "
            "first visit with output on.",
            reasons,
        )
    elapsed = months_between(start, as_of)
    if elapsed < month:
        finding = (
            f"Month {elapsed} of stimulation (since {start.isoformat()}): too early to call "
            f"non-response; response is judged at month {month}."
        )
        phase: Phase = "too_early"
    else:
        finding = (
            f"Month {elapsed} of stimulation (since {start.isoformat()}): at or past month "
            f"{month}, when response is judged."
        )
        phase = "assessable"
    return ResponseTimeline(phase, elapsed, month, durable, start, finding, reasons)
