"""A DBS programming setting of one lead: the active contacts, the amplitude (mA, or V with the
impedance), pulse width and frequency, with the charge per phase, the charge density and
Shannon's k computed per active contact and checked against the Shannon limit and the lead's
rated density.

A setting beyond either limit is refused (:class:`~trdcare.core.errors.SafetyLimitExceeded`,
naming the amplitude field, the largest amplitude within the limits at this pulse width, and
the value given) unless a physician records an override with a reason; the service decides
who may. DBS for depression is INVESTIGATIONAL (modalities.md §3.1).

References
----------
.. [1] modalities.md §3.5 (formulas, Shannon 1992, 30 µC/cm² rated density, the 3387/3389
   contact geometry; several cathodes sharing the current: UNVERIFIED approximation).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from trdcare.core.errors import Issue, IssueCollector, SafetyLimitExceeded
from trdcare.core.provenance import JSONDict, Reason, Status, reasons_status
from trdcare.dbs.domain.catalogue import load, load_pathway, pathway_sources
from trdcare.dbs.domain.charge import (
    INPUT_BOUNDS,
    StimulationCheck,
    _check_mode,
    check_inputs,
    check_stimulation,
)


def lead_contacts(lead_id: str | None = None) -> tuple[int, ...]:
    """The contact numbers of ``lead_id`` (default: the catalogue's default lead)."""
    lead = lead_id or load().default_lead
    for entry in load_pathway().lead_contacts:
        if entry.lead == lead:
            return entry.contacts
    raise ValueError(f"lead must be one of {[c.lead for c in load_pathway().lead_contacts]}")


def target_catalogue() -> dict[str, str]:
    """Target id -> label (VERIFIED targets of the trials, modalities.md §3.2)."""
    return {t.id: t.label for t in load_pathway().targets}


@dataclass(frozen=True, slots=True)
class ProgrammingCheck:
    """One lead's setting with the per-contact charge check and any limit it breaches."""

    contacts: tuple[int, ...]
    amplitude_ma: float | None
    amplitude_v: float | None
    impedance_ohm: float | None
    frequency_hz: float
    per_contact: StimulationCheck
    breaches: tuple[Issue, ...]
    extra_reasons: tuple[Reason, ...]

    @property
    def within_limits(self) -> bool:
        return self.per_contact.within_limits

    @property
    def reasons(self) -> tuple[Reason, ...]:
        return (*self.per_contact.reasons, *self.extra_reasons)

    @property
    def status(self) -> Status:
        return reasons_status(self.reasons)

    def to_dict(self) -> JSONDict:
        pc = self.per_contact
        return {
            "contacts": list(self.contacts),
            "active_cathodes": len(self.contacts),
            "amplitude_ma": self.amplitude_ma,
            "amplitude_v": self.amplitude_v,
            "impedance_ohm": self.impedance_ohm,
            "pulse_width_us": pc.pulse_width_us,
            "frequency_hz": self.frequency_hz,
            "current_ma_per_contact": pc.current_ma,
            "current_is_estimate": pc.current_mode == "voltage",
            "contact_area_cm2": pc.contact_area_cm2,
            "charge_per_phase_uc": pc.charge_per_phase_uc,
            "charge_density_uc_per_cm2": pc.charge_density_uc_per_cm2,
            "shannon_k": pc.shannon_k,
            "within_shannon_limit": pc.within_shannon,
            "within_rated_density": pc.within_rated_density,
            "within_limits": self.within_limits,
            "breaches": [
                {"path": i.path, "message": i.message, "allowed": i.allowed, "given": i.given}
                for i in self.breaches
            ],
            "limits": pc.limits.to_dict(),
            "reasons": [r.to_dict() for r in self.reasons],
            "status": self.status,
            "investigational": True,
        }


def _g(x: float) -> str:
    return f"{x:.3g}"


def check_programming(
    *,
    contacts: Sequence[int],
    pulse_width_us: float | None,
    frequency_hz: float | None,
    amplitude_ma: float | None = None,
    amplitude_v: float | None = None,
    impedance_ohm: float | None = None,
    lead_id: str | None = None,
) -> ProgrammingCheck:
    """Check one lead's setting; refuse bad input (InvalidInput: a voltage without impedance,
    no or unknown contacts, a value outside the design bounds), and report any limit breach.

    With several active cathodes the amplitude is shared evenly between them and the charge
    is computed per contact (UNVERIFIED approximation, labelled in the reasons).

    Examples
    --------
    >>> c = check_programming(contacts=[1], amplitude_ma=21, pulse_width_us=90, frequency_hz=130)
    >>> c.within_limits, c.breaches[0].path, c.breaches[0].allowed
    (False, 'amplitude_ma', 'at most 20 mA at 90 µs on 1 contact (rated 30 µC/cm² per phase)')
    """
    issues = IssueCollector()
    known = lead_contacts(lead_id)
    if not contacts:
        issues.add("contacts", "is required", allowed=f"one or more of {list(known)}")
    elif len(set(contacts)) != len(contacts):
        issues.add("contacts", "a contact is given twice", given=list(contacts))
    for i, contact in enumerate(contacts):
        if contact not in known:
            issues.add(
                f"contacts.{i}", "unknown contact", allowed=f"one of {list(known)}", given=contact
            )
    if pulse_width_us is None:
        issues.add(
            "pulse_width_us", "is required", allowed=INPUT_BOUNDS["pulse_width_us"].describe()
        )
    if frequency_hz is None:
        issues.add("frequency_hz", "is required", allowed=INPUT_BOUNDS["frequency_hz"].describe())
    issues.raise_if_any()
    assert pulse_width_us is not None and frequency_hz is not None
    _check_mode(amplitude_ma, amplitude_v, impedance_ohm)
    check_inputs(
        {
            "amplitude_ma": amplitude_ma,
            "amplitude_v": amplitude_v,
            "impedance_ohm": impedance_ohm,
            "pulse_width_us": pulse_width_us,
            "frequency_hz": frequency_hz,
        }
    )
    n = len(contacts)
    per = check_stimulation(
        pulse_width_us=pulse_width_us,
        amplitude_ma=None if amplitude_ma is None else amplitude_ma / n,
        amplitude_v=None if amplitude_v is None else amplitude_v / n,
        impedance_ohm=impedance_ohm,
        frequency_hz=frequency_hz,
    )
    extra: list[Reason] = []
    if n > 1:
        shared = load_pathway().multiple_cathodes
        extra.append(
            Reason(
                "multiple_cathodes",
                f"{n} active contacts share the amplitude: {_g(per.current_ma)} mA each. "
                + shared.note,
                {"active_cathodes": n},
                pathway_sources(shared),
            )
        )
    lim = per.limits
    area = per.contact_area_cm2
    pw_ms = pulse_width_us * 1e-3
    field, given = (
        ("amplitude_ma", amplitude_ma) if amplitude_ma is not None else ("amplitude_v", amplitude_v)
    )

    def as_amplitude(current_per_contact_ma: float) -> str:
        total = current_per_contact_ma * n
        if amplitude_ma is not None:
            return f"{_g(total)} mA"
        assert impedance_ohm is not None
        return f"{_g(total * impedance_ohm / 1000)} V (at {impedance_ohm:g} ohm)"

    where = f"at {pulse_width_us:g} µs on {n} contact{'s' if n > 1 else ''}"
    breaches: list[Issue] = []
    if not per.within_shannon:
        q_max = math.sqrt(10**lim.shannon_k.value * area)
        breaches.append(
            Issue(
                field,
                f"Shannon k {per.shannon_k:.2f} is at or above the limit "
                f"{lim.shannon_k.value:g} ({lim.shannon_k.status})",
                f"below {as_amplitude(q_max / pw_ms)} {where} (k < {lim.shannon_k.value:g})",
                None if given is None else f"{given:g}",
            )
        )
    if per.within_rated_density is False and lim.rated_density is not None:
        rated = lim.rated_density
        breaches.append(
            Issue(
                field,
                f"charge density {_g(per.charge_density_uc_per_cm2)} µC/cm² per phase is above "
                f"the {lim.lead_name} rated {rated.value:g} µC/cm² per phase ({rated.status})",
                f"at most {as_amplitude(rated.value * area / pw_ms)} {where} (rated "
                f"{rated.value:g} µC/cm² per phase)",
                None if given is None else f"{given:g}",
            )
        )
    if per.within_rated_density is None:
        breaches.append(
            Issue(
                field,
                f"no rated charge density is known for the {lim.lead_name}",
                "a lead with a rated density in the catalogue",
                None if given is None else f"{given:g}",
            )
        )
    return ProgrammingCheck(
        contacts=tuple(contacts),
        amplitude_ma=amplitude_ma,
        amplitude_v=amplitude_v,
        impedance_ohm=impedance_ohm,
        frequency_hz=float(frequency_hz),
        per_contact=per,
        breaches=tuple(breaches),
        extra_reasons=tuple(extra),
    )


def refuse_breaches(check: ProgrammingCheck) -> None:
    """Raise :class:`SafetyLimitExceeded` naming every breached limit (no override)."""
    if check.breaches:
        first = check.breaches[0].render()
        if len(check.breaches) > 1:
            first += f" (and {len(check.breaches) - 1} more)"
        raise SafetyLimitExceeded(
            first + "; a physician may record an override with a reason",
            issues=check.breaches,
        )
