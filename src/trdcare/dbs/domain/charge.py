"""Charge per phase, charge density and the Shannon k of a DBS setting, checked against the
Shannon limit and the lead's rated charge density.

Formulas (modalities.md §3.5):

* current mode: ``I_mA`` is the programmed amplitude;
* voltage mode: ``I_mA = V / Z_ohm * 1000`` (Ohm's law; it ignores the electrode-tissue
  capacitance, so the current is an **estimate** and is marked so);
* charge per phase ``Q_uC = I_mA * PW_us * 1e-3``;
* charge density ``D = Q_uC / A_cm2`` (µC/cm² per phase);
* Shannon ``k = log10(D) + log10(Q)``.

A setting is within limits when ``k`` is **below** the Shannon limit in use (damage was seen
at ``k >= 1.85``) and ``D`` is **at most** the lead's rated density (the manufacturer warning
is for ``D > 30``). Charge and density are computed in exact decimal arithmetic from the
numbers as written, so 20 mA x 90 µs on 0.06 cm² is exactly 30 µC/cm², not 30.000000000000004.

Two kinds of number live here, and they are not the same:

* **safety limits** (the Shannon k, the rated density, the default contact area) come from
  ``data/dbs.json`` with their source and status; an UNVERIFIED one says so in every result;
* **design input bounds** (:data:`INPUT_BOUNDS`) only say what the calculator accepts at all
  (a positive amplitude, a pulse width a stimulator can deliver...). They are a DESIGN choice
  of trdcare, wide around the trial-reported settings (modalities.md §3.4: up to about 8 mA
  or 8 V, 60-210 µs, 100-130 Hz), and are never used as a safety threshold.

References
----------
.. [1] Shannon RV. A model of safe levels for electrical stimulation. IEEE Trans Biomed Eng
   1992;39(4):424-426 (modalities.md §3.5: VERIFIED via a secondary mirror).
.. [2] Boston Scientific Vercise programming manual p.33: 30 µC/cm² per phase (VERIFIED for
   Vercise; UNVERIFIED for Medtronic leads). modalities.md §3.5.
.. [3] Medtronic 3387/3389 contact geometry 1.27 mm x 1.5 mm, area about 0.06 cm²
   (modalities.md §3.5: UNVERIFIED).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from trdcare.core.checks import Interval
from trdcare.core.errors import InvalidInput, Issue, IssueCollector
from trdcare.core.provenance import (
    JSONDict,
    Reason,
    Source,
    Status,
    reasons_status,
)
from trdcare.dbs.domain.catalogue import load, source_of
from trdcare.dbs.domain.data_schema import DbsFile, SourcedValue

CurrentMode = Literal["current", "voltage"]

INPUT_BOUNDS: Mapping[str, Interval] = {
    "amplitude_ma": Interval(0, 30, closed="right", unit="mA"),
    "amplitude_v": Interval(0, 20, closed="right", unit="V"),
    "impedance_ohm": Interval(100, 10000, unit="ohm"),
    "pulse_width_us": Interval(10, 1000, unit="µs"),
    "contact_area_cm2": Interval(0, 1, closed="right", unit="cm²"),
    "frequency_hz": Interval(0, 1000, closed="right", unit="Hz"),
}
"""DESIGN input bounds: what the calculator accepts at all, not safety limits.

Amplitude above 0 (a zero current has no charge and no k) up to 30 mA or 20 V; impedance
100-10,000 ohm (clinical DBS impedances are usually about 500-1,500 ohm); pulse width
10-1,000 µs (long pulse widths are used in trials, modalities.md §3.4); contact area above 0
up to 1 cm² (a DBS contact is about 0.06 cm²); frequency above 0 up to 1,000 Hz (trials use
100-130 Hz). A setting inside these bounds can still be past a safety limit; that is what
:func:`check_stimulation` decides."""


@dataclass(frozen=True, slots=True)
class Limit:
    """A safety number with its sources and status, read from ``data/dbs.json``."""

    name: str
    value: float
    status: Status
    sources: tuple[Source, ...]
    note: str

    def to_dict(self) -> JSONDict:
        return {
            "name": self.name,
            "value": self.value,
            "status": self.status,
            "sources": [s.to_dict() for s in self.sources],
            "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class StimulationLimits:
    """The limits a setting is checked against (from the catalogue, or configured).

    ``rated_density`` is ``None`` when no rated charge density is known for the lead; the
    check then says so and the setting cannot be called within limits.
    """

    shannon_k: Limit
    conservative_k: Limit
    lead_name: str
    contact_area: Limit
    rated_density: Limit | None
    catalogue_version: str

    def to_dict(self) -> JSONDict:
        return {
            "shannon_k": self.shannon_k.to_dict(),
            "conservative_k": self.conservative_k.to_dict(),
            "lead": self.lead_name,
            "contact_area_cm2": self.contact_area.to_dict(),
            "rated_charge_density_uc_per_cm2": (
                None if self.rated_density is None else self.rated_density.to_dict()
            ),
            "catalogue_version": self.catalogue_version,
        }


def _limit(name: str, entry: SourcedValue, catalogue: DbsFile) -> Limit:
    return Limit(name, entry.value, entry.status, source_of(entry, catalogue), entry.note)


def default_limits(catalogue: DbsFile | None = None) -> StimulationLimits:
    """The limits of the packaged catalogue: the Shannon k in use and the default lead's
    contact area and rated density."""
    data = catalogue or load()
    shannon = data.shannon
    in_use = shannon.k_damage if shannon.k_in_use == "k_damage" else shannon.k_conservative
    lead = next(lead for lead in data.leads if lead.id == data.default_lead)
    rated = lead.rated_charge_density_uc_per_cm2
    return StimulationLimits(
        shannon_k=_limit("shannon_k", in_use, data),
        conservative_k=_limit("conservative_k", shannon.k_conservative, data),
        lead_name=lead.name,
        contact_area=_limit("contact_area_cm2", lead.contact_area_cm2, data),
        rated_density=None if rated is None else _limit("rated_density", rated, data),
        catalogue_version=data.version,
    )


def _exact(value: float) -> Fraction:
    # The number as written (repr is the shortest decimal that round-trips).
    return Fraction(repr(float(value)))


def check_inputs(values: Mapping[str, float | None]) -> None:
    """Refuse any value outside its :data:`INPUT_BOUNDS` (every problem at once)."""
    issues = IssueCollector()
    for name, interval in INPUT_BOUNDS.items():
        value = values.get(name)
        if value is not None and not interval.contains(value):
            issues.add(name, "out of range", allowed=interval.describe(), given=value)
    issues.raise_if_any()


def stimulation_current_ma(
    *,
    amplitude_ma: float | None = None,
    amplitude_v: float | None = None,
    impedance_ohm: float | None = None,
) -> tuple[float, CurrentMode]:
    """The current delivered per phase, mA, and the mode it came from.

    Parameters
    ----------
    amplitude_ma : float, optional
        Programmed current (current-controlled systems).
    amplitude_v : float, optional
        Programmed voltage (voltage-controlled systems); needs ``impedance_ohm``.
    impedance_ohm : float, optional
        Measured impedance of the active contact, ohm.

    Returns
    -------
    tuple of (float, str)
        ``(I_mA, "current")`` or ``(V / Z * 1000, "voltage")``. The voltage-mode current is an
        Ohm's-law estimate (it ignores the electrode-tissue capacitance).

    Raises
    ------
    InvalidInput
        Both or neither amplitude given, a voltage without an impedance, an impedance with a
        current, or a value outside :data:`INPUT_BOUNDS`.

    References
    ----------
    .. [1] modalities.md §3.5, "Formulas (implementable)".

    Examples
    --------
    >>> stimulation_current_ma(amplitude_v=3.5, impedance_ohm=1000)
    (3.5, 'voltage')
    """
    _check_mode(amplitude_ma, amplitude_v, impedance_ohm)
    check_inputs(
        {"amplitude_ma": amplitude_ma, "amplitude_v": amplitude_v, "impedance_ohm": impedance_ohm}
    )
    if amplitude_ma is not None:
        return float(amplitude_ma), "current"
    assert amplitude_v is not None and impedance_ohm is not None  # _check_mode
    return float(_exact(amplitude_v) / _exact(impedance_ohm) * 1000), "voltage"


def _refuse(path: str, message: str, allowed: str, given: str) -> InvalidInput:
    # ``given`` is already words ("neither"), not a value to quote.
    issue = Issue(path, message, allowed, given)
    return InvalidInput(issue.render(), issues=[issue])


def _check_mode(
    amplitude_ma: float | None, amplitude_v: float | None, impedance_ohm: float | None
) -> None:
    one_of = "exactly one of amplitude_ma (current mode) or amplitude_v with impedance_ohm"
    if amplitude_ma is not None and amplitude_v is not None:
        given = f"amplitude_ma {amplitude_ma:g} and amplitude_v {amplitude_v:g}"
        raise _refuse("amplitude", "give one amplitude, not both", one_of, given)
    if amplitude_ma is None and amplitude_v is None:
        raise _refuse("amplitude", "is required", one_of, "neither")
    if amplitude_v is not None and impedance_ohm is None:
        raise _refuse(
            "impedance_ohm",
            "is required with a voltage amplitude (the current is voltage / impedance)",
            INPUT_BOUNDS["impedance_ohm"].describe(),
            "no impedance",
        )
    if amplitude_ma is not None and impedance_ohm is not None:
        raise _refuse(
            "impedance_ohm",
            "is only used with a voltage amplitude (a current amplitude needs none)",
            "no impedance with amplitude_ma",
            f"{impedance_ohm:g}",
        )


def charge_per_phase_uc(current_ma: float, pulse_width_us: float) -> float:
    """Charge per phase, µC: ``Q = I_mA * PW_us * 1e-3``.

    Examples
    --------
    >>> charge_per_phase_uc(3.5, 90)
    0.315
    """
    return float(_exact(current_ma) * _exact(pulse_width_us) / 1000)


def charge_density_uc_per_cm2(charge_uc: float, contact_area_cm2: float) -> float:
    """Charge density per phase, µC/cm²: ``D = Q / A``.

    Examples
    --------
    >>> charge_density_uc_per_cm2(1.8, 0.06)
    30.0
    """
    return float(_exact(charge_uc) / _exact(contact_area_cm2))


def shannon_k(charge_uc: float, density_uc_per_cm2: float) -> float:
    """Shannon's ``k = log10(D) + log10(Q)`` (Shannon 1992), computed as ``log10(Q * D)``.

    Examples
    --------
    >>> shannon_k(1.0, 100.0)
    2.0
    """
    return math.log10(float(_exact(charge_uc) * _exact(density_uc_per_cm2)))


@dataclass(frozen=True, slots=True)
class StimulationCheck:
    """One DBS setting: its charge, density and k, and whether it is within both limits."""

    current_ma: float
    current_mode: CurrentMode
    pulse_width_us: float
    contact_area_cm2: float
    contact_area_is_default: bool
    charge_per_phase_uc: float
    charge_density_uc_per_cm2: float
    shannon_k: float
    within_shannon: bool
    within_rated_density: bool | None
    limits: StimulationLimits
    reasons: tuple[Reason, ...]
    frequency_hz: float | None = None

    @property
    def within_limits(self) -> bool:
        """Under the Shannon limit and at most the lead's rated density (an unknown rated
        density is not "within")."""
        return self.within_shannon and self.within_rated_density is True

    @property
    def status(self) -> Status:
        """The weakest status of the facts the verdict used."""
        return reasons_status(self.reasons)

    def defaults_used(self) -> list[JSONDict]:
        if not self.contact_area_is_default:
            return []
        area = self.limits.contact_area
        return [
            {
                "field": "contact_area_cm2",
                "value": area.value,
                "lead": self.limits.lead_name,
                "status": area.status,
                "sources": [s.to_dict() for s in area.sources],
            }
        ]

    def to_dict(self) -> JSONDict:
        return {
            "charge_per_phase_uc": self.charge_per_phase_uc,
            "charge_density_uc_per_cm2": self.charge_density_uc_per_cm2,
            "shannon_k": self.shannon_k,
            "within_limits": self.within_limits,
            "within_shannon_limit": self.within_shannon,
            "within_rated_density": self.within_rated_density,
            "current_ma": self.current_ma,
            "current_mode": self.current_mode,
            "current_is_estimate": self.current_mode == "voltage",
            "pulse_width_us": self.pulse_width_us,
            "contact_area_cm2": self.contact_area_cm2,
            "frequency_hz": self.frequency_hz,
            "defaults_used": list(self.defaults_used()),
            "limits": self.limits.to_dict(),
            "reasons": [r.to_dict() for r in self.reasons],
            "status": self.status,
        }


def _g(x: float) -> str:
    return f"{x:.4g}"


def check_stimulation(
    *,
    pulse_width_us: float,
    amplitude_ma: float | None = None,
    amplitude_v: float | None = None,
    impedance_ohm: float | None = None,
    contact_area_cm2: float | None = None,
    frequency_hz: float | None = None,
    limits: StimulationLimits | None = None,
) -> StimulationCheck:
    """Compute a setting's charge, density and Shannon k and check them against the limits.

    Parameters
    ----------
    pulse_width_us : float
        Pulse width, µs.
    amplitude_ma, amplitude_v, impedance_ohm : float, optional
        The amplitude in mA (current mode), or in V with the impedance in ohm (voltage mode);
        see :func:`stimulation_current_ma`.
    contact_area_cm2 : float, optional
        Area of the active contact; the default lead's (Medtronic 3387/3389, 0.06 cm²,
        UNVERIFIED geometry) when not given, reported in ``defaults_used``.
    frequency_hz : float, optional
        Checked against its design bound and recorded; Shannon's model does not use it.
    limits : StimulationLimits, optional
        The limits to apply; :func:`default_limits` when not given.

    Returns
    -------
    StimulationCheck
        ``within_limits`` is true when ``k`` is below the Shannon limit in use and ``D`` is at
        most the lead's rated density. Each verdict has a :class:`Reason` with the rule, the
        inputs and the sources (an UNVERIFIED fact makes the result UNVERIFIED).

    Raises
    ------
    InvalidInput
        A missing or doubled amplitude, a voltage without impedance, or any value outside
        :data:`INPUT_BOUNDS`.

    References
    ----------
    .. [1] Shannon 1992 (k >= 1.85: damage); modalities.md §3.5.
    .. [2] Vercise programming manual: 30 µC/cm² per phase; modalities.md §3.5.

    Examples
    --------
    >>> r = check_stimulation(amplitude_v=8, impedance_ohm=1000, pulse_width_us=210)
    >>> r.charge_per_phase_uc, r.charge_density_uc_per_cm2, round(r.shannon_k, 2)
    (1.68, 28.0, 1.67)
    >>> r.within_limits
    True
    """
    _check_mode(amplitude_ma, amplitude_v, impedance_ohm)
    check_inputs(
        {
            "amplitude_ma": amplitude_ma,
            "amplitude_v": amplitude_v,
            "impedance_ohm": impedance_ohm,
            "pulse_width_us": pulse_width_us,
            "contact_area_cm2": contact_area_cm2,
            "frequency_hz": frequency_hz,
        }
    )
    lim = limits or default_limits()
    current, mode = stimulation_current_ma(
        amplitude_ma=amplitude_ma, amplitude_v=amplitude_v, impedance_ohm=impedance_ohm
    )
    area_is_default = contact_area_cm2 is None
    area = lim.contact_area.value if contact_area_cm2 is None else float(contact_area_cm2)
    q = charge_per_phase_uc(current, pulse_width_us)
    d = charge_density_uc_per_cm2(q, area)
    k = shannon_k(q, d)
    within_shannon = k < lim.shannon_k.value
    rated = lim.rated_density
    within_density = None if rated is None else d <= rated.value

    computed: dict[str, object] = {
        "current_ma": current,
        "current_mode": mode,
        "pulse_width_us": float(pulse_width_us),
        "contact_area_cm2": area,
    }
    if mode == "voltage":
        computed["amplitude_v"] = float(amplitude_v or 0)
        computed["impedance_ohm"] = float(impedance_ohm or 0)
    area_sources = lim.contact_area.sources if area_is_default else ()
    derived = Source(
        citation="Q = I x PW x 1e-3; D = Q / A; I = V / Z x 1000 in voltage mode",
        status="DERIVED",
        where="modalities.md §3.5",
    )

    reasons: list[Reason] = []
    estimate = (
        " The current is an Ohm's-law estimate from voltage and impedance (it ignores the "
        "electrode-tissue capacitance)."
        if mode == "voltage"
        else ""
    )
    area_words = (
        f"the {lim.lead_name} contact area {_g(area)} cm² ({lim.contact_area.status})"
        if area_is_default
        else f"a contact area of {_g(area)} cm² (given)"
    )
    reasons.append(
        Reason(
            rule="charge",
            finding=(
                f"{_g(current)} mA x {_g(pulse_width_us)} µs = {_g(q)} µC per phase; on "
                f"{area_words}, {_g(d)} µC/cm² per phase.{estimate}"
            ),
            inputs=computed,
            sources=(derived, *area_sources),
        )
    )
    conservative = lim.conservative_k
    shannon_words = (
        f"Shannon k = log10(D) + log10(Q) = {k:.3f}, "
        + (
            f"below the limit {_g(lim.shannon_k.value)}"
            if within_shannon
            else f"at or above the limit {_g(lim.shannon_k.value)} (damage was seen at k >= "
            f"{_g(lim.shannon_k.value)})"
        )
        + f" ({lim.shannon_k.status})."
    )
    if conservative.value != lim.shannon_k.value:
        side = "below" if k < conservative.value else "at or above"
        shannon_words += (
            f" It is {side} the conservative k {_g(conservative.value)} some groups use "
            f"({conservative.status})."
        )
    shannon_words += " The model does not account for pulse rate, duty cycle or duration."
    reasons.append(
        Reason(
            rule="shannon_k",
            finding=shannon_words,
            inputs={
                "charge_per_phase_uc": q,
                "charge_density_uc_per_cm2": d,
                "shannon_k": k,
                "k_limit": lim.shannon_k.value,
                "conservative_k": conservative.value,
                "frequency_hz": frequency_hz,
            },
            sources=(*lim.shannon_k.sources, derived, *area_sources),
        )
    )
    if rated is None:
        reasons.append(
            Reason(
                rule="rated_charge_density",
                finding=(
                    f"No rated charge density is known for the {lim.lead_name}; the setting "
                    "cannot be called within limits until one is configured."
                ),
                inputs={"charge_density_uc_per_cm2": d},
                sources=(
                    Source(citation="no rated density in the catalogue", status="UNVERIFIED"),
                ),
            )
        )
    else:
        verdict = "at most" if within_density else "above"
        reasons.append(
            Reason(
                rule="rated_charge_density",
                finding=(
                    f"Charge density {_g(d)} µC/cm² per phase is {verdict} the rated "
                    f"{_g(rated.value)} µC/cm² per phase for the {lim.lead_name} "
                    f"({rated.status})."
                    + (
                        ""
                        if area_is_default
                        else " The contact area was given, not the lead's; the lead's rated "
                        "density is still the one applied."
                    )
                ),
                inputs={"charge_density_uc_per_cm2": d, "rated_density": rated.value},
                sources=(*rated.sources, derived, *area_sources),
            )
        )
    return StimulationCheck(
        current_ma=current,
        current_mode=mode,
        pulse_width_us=float(pulse_width_us),
        contact_area_cm2=area,
        contact_area_is_default=area_is_default,
        charge_per_phase_uc=q,
        charge_density_uc_per_cm2=d,
        shannon_k=k,
        within_shannon=within_shannon,
        within_rated_density=within_density,
        limits=lim,
        reasons=tuple(reasons),
        frequency_hz=None if frequency_hz is None else float(frequency_hz),
    )
