"""The weight-based IV ketamine dose and the infusion series calendar (OFF-LABEL).

* :func:`weight_based_dose`: mg = body weight (kg) x mg/kg, given over the infusion minutes,
  both within the catalogue's bounds (0.5 mg/kg over 40 minutes, VERIFIED, unless a clinic
  widens them; a dose other than the standard is then marked UNVERIFIED).
* :func:`series_calendar`: the dated infusions of a series (6 infusions, 2-3 a week:
  UNVERIFIED, configurable data).

References
----------
.. [1] modalities.md §1.6 Standard dose: 0.5 mg/kg IV over 40 min (VERIFIED: Spravato SmPC,
   MIMS Malaysia; Talati 2019).
.. [2] modalities.md §1.6 Repeated course: 6 infusions over ~2-3 weeks, 2-3 per week
   (UNVERIFIED: Murrough 2013, aan het Rot 2010, not retrieved).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from trdcare.core.checks import Interval, check_constraints
from trdcare.core.provenance import JSONDict, Reason, Source, Status, reasons_status
from trdcare.ketamine.domain.catalogue import load, off_label, reason


def dose_limits() -> Mapping[str, Interval]:
    """The accepted inputs of a dose, from the catalogue (so a clinic's range is the one
    checked and shown)."""
    data = load()
    return {
        "weight_kg": Interval(data.weight.min_kg, data.weight.max_kg, unit="kg"),
        "dose_mg_per_kg": Interval(data.dose.min_mg_per_kg, data.dose.max_mg_per_kg, unit="mg/kg"),
        "infusion_min": Interval(
            data.dose.min_infusion_min, data.dose.max_infusion_min, unit="min", integer=True
        ),
    }


def series_limits() -> Mapping[str, Interval]:
    series = load().series
    return {
        "infusions": Interval(
            series.min_infusions, series.max_infusions, unit="infusions", integer=True
        ),
        "infusions_per_week": Interval(
            series.min_infusions_per_week,
            series.max_infusions_per_week,
            unit="infusions a week",
            integer=True,
        ),
    }


@dataclass(frozen=True, slots=True)
class KetamineDose:
    """A weight-based dose: what to draw up and how fast to give it."""

    weight_kg: float
    dose_mg_per_kg: float
    infusion_min: int
    dose_mg: float
    rate_mg_per_min: float
    standard: bool
    reasons: tuple[Reason, ...]

    @property
    def status(self) -> Status:
        return reasons_status(self.reasons)

    def to_dict(self) -> JSONDict:
        return {
            "weight_kg": self.weight_kg,
            "dose_mg_per_kg": self.dose_mg_per_kg,
            "infusion_min": self.infusion_min,
            "dose_mg": self.dose_mg,
            "rate_mg_per_min": self.rate_mg_per_min,
            "standard": self.standard,
            "off_label": off_label(),
            "status": self.status,
            "reasons": [r.to_dict() for r in self.reasons],
        }


def weight_based_dose(
    weight_kg: float, dose_mg_per_kg: float | None = None, infusion_min: float | None = None
) -> KetamineDose:
    """Compute the IV ketamine dose for a body weight.

    Parameters
    ----------
    weight_kg : float
        Body weight on the day, kg (within the catalogue's DESIGN bounds, 30-250 kg).
    dose_mg_per_kg : float or None
        Dose per kg; ``None`` takes the standard 0.5 mg/kg. Must lie within the catalogue's
        range (0.5-0.5 mg/kg unless a clinic widens it).
    infusion_min : int or None
        Infusion time, minutes; ``None`` takes the standard 40 minutes.

    Returns
    -------
    KetamineDose
        ``dose_mg = weight_kg * dose_mg_per_kg`` rounded to 0.1 mg and the rate in mg/min
        (rounded to 0.01), with the sources; ``standard`` is True only for 0.5 mg/kg over
        40 minutes. Any other dose or time is a clinic's choice and is marked UNVERIFIED.

    Raises
    ------
    InvalidInput
        A weight, dose or time outside the catalogue's range, naming the field, the range
        and the value given.

    Examples
    --------
    >>> weight_based_dose(70).dose_mg
    35.0
    >>> weight_based_dose(70).rate_mg_per_min
    0.88
    """
    data = load()
    mg_per_kg = data.dose.standard_mg_per_kg if dose_mg_per_kg is None else dose_mg_per_kg
    minutes = data.dose.standard_infusion_min if infusion_min is None else infusion_min
    check_constraints(
        {"weight_kg": weight_kg, "dose_mg_per_kg": mg_per_kg, "infusion_min": minutes},
        dose_limits(),
    )
    dose_mg = round(float(weight_kg) * float(mg_per_kg), 1)
    minutes_int = int(minutes)
    standard = (
        float(mg_per_kg) == data.dose.standard_mg_per_kg
        and minutes_int == data.dose.standard_infusion_min
    )
    reasons = [
        reason(
            "standard_dose",
            data.dose,
            standard_mg_per_kg=data.dose.standard_mg_per_kg,
            standard_infusion_min=data.dose.standard_infusion_min,
        ),
        Reason(
            rule="weight_based_dose",
            finding=f"{weight_kg:g} kg x {mg_per_kg:g} mg/kg = {dose_mg:g} mg over "
            f"{minutes_int} min.",
            inputs={"weight_kg": weight_kg, "dose_mg_per_kg": mg_per_kg},
            sources=(Source("dose = weight x mg/kg", "DERIVED"),),
        ),
    ]
    if not standard:
        reasons.append(
            Reason(
                rule="clinic_dose",
                finding=f"{mg_per_kg:g} mg/kg over {minutes_int} min is not the standard "
                f"{data.dose.standard_mg_per_kg:g} mg/kg over "
                f"{data.dose.standard_infusion_min} min: a clinic protocol's dose, UNVERIFIED.",
                inputs={"dose_mg_per_kg": mg_per_kg, "infusion_min": minutes_int},
                sources=(Source("clinic protocol (catalogue range)", "UNVERIFIED"),),
            )
        )
    return KetamineDose(
        weight_kg=float(weight_kg),
        dose_mg_per_kg=float(mg_per_kg),
        infusion_min=minutes_int,
        dose_mg=dose_mg,
        rate_mg_per_min=round(dose_mg / minutes_int, 2),
        standard=standard,
        reasons=tuple(reasons),
    )


@dataclass(frozen=True, slots=True)
class PlannedInfusion:
    number: int
    day: date
    week: int

    def to_dict(self) -> JSONDict:
        return {"number": self.number, "day": self.day.isoformat(), "week": self.week}


@dataclass(frozen=True, slots=True)
class SeriesCalendar:
    """The dated infusions of a series, with the (UNVERIFIED) series rule they follow."""

    start: date
    infusions: int
    infusions_per_week: int
    planned: tuple[PlannedInfusion, ...]
    reasons: tuple[Reason, ...]

    @property
    def status(self) -> Status:
        return reasons_status(self.reasons)

    def to_dict(self) -> JSONDict:
        return {
            "start": self.start.isoformat(),
            "infusions": self.infusions,
            "infusions_per_week": self.infusions_per_week,
            "planned": [p.to_dict() for p in self.planned],
            "off_label": off_label(),
            "status": self.status,
            "reasons": [r.to_dict() for r in self.reasons],
        }


def series_calendar(
    start: date, infusions: float | None = None, infusions_per_week: float | None = None
) -> SeriesCalendar:
    """Date the infusions of a series.

    Parameters
    ----------
    start : date
        Day of the first infusion.
    infusions : int or None
        How many infusions; ``None`` takes the catalogue's default (6, UNVERIFIED).
    infusions_per_week : int or None
        Infusions a week; ``None`` takes the catalogue's default (2, UNVERIFIED; 2-3
        allowed).

    Returns
    -------
    SeriesCalendar
        Each week from ``start`` holds ``infusions_per_week`` infusions on the catalogue's
        day offsets (twice weekly: start day and 3 days later; three times: every other
        day), until ``infusions`` are placed. The result is UNVERIFIED (the series rule is).

    Raises
    ------
    InvalidInput
        A count outside the catalogue's range, naming the field.

    Examples
    --------
    >>> [p.day.isoformat() for p in series_calendar(date(2026, 1, 5)).planned]
    ['2026-01-05', '2026-01-08', '2026-01-12', '2026-01-15', '2026-01-19', '2026-01-22']
    """
    data = load()
    count = data.series.default_infusions if infusions is None else infusions
    per_week = (
        data.series.default_infusions_per_week if infusions_per_week is None else infusions_per_week
    )
    check_constraints({"infusions": count, "infusions_per_week": per_week}, series_limits())
    n, k = int(count), int(per_week)
    offsets = data.placement.day_offsets[str(k)]
    planned: list[PlannedInfusion] = []
    week = 0
    while len(planned) < n:
        for offset in offsets:
            if len(planned) == n:
                break
            planned.append(
                PlannedInfusion(
                    len(planned) + 1, start + timedelta(days=7 * week + offset), week + 1
                )
            )
        week += 1
    reasons = (
        reason("series", data.series, infusions=n, infusions_per_week=k),
        reason("placement", data.placement, infusions_per_week=k),
    )
    return SeriesCalendar(start, n, k, tuple(planned), reasons)
