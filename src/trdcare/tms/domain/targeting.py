"""Scalp targeting: Beam F3 (and its F4 mirror) and the 5 cm / 5.5 cm rule.

Beam F3 is computed with the formula the BeamF3 web calculator uses, re-derived from its
published description (degrees in every trigonometric function)::

    R2 = 0.4 TT ;  R1 = 0.4 NI
    A  = (R2 sin 324 + R1/2) / R2
    B  = R1 sin 298 / (R1 cos 298 - R2/2)
    x  = 0.5 (R1 - R2 B) / (A - B) ;  y = A x - R1/2
    r  = sqrt(x^2 + y^2) ;  theta = atan(y / x)
    Y  = 0.91 r                              (cm from the vertex, Cz, toward F3)
    X  = (CF / 4) (90 + theta in degrees) / 90   (cm along the circumference from FPz)

The printed paper formulas contain typos; only this "website" variant gives plausible
heads (X < CF/4, Y about 9-10 cm).

Declared limits
---------------
The reference gives no plausible anthropometric range, so the bounds below are a DESIGN
input-sanity envelope, deliberately wide around every head in the reference's regression
rows (TT and NI 34-38 cm, CF 55-60 cm): TT and NI in [20, 50] cm, CF in [40, 75] cm, and
each arc over the vertex shorter than the circumference (catches swapped fields). They
reject impossible or mistyped measurements; they are not clinical thresholds.

References
----------
.. [1] Beam W, Borckardt JJ, Reeves ST, George MS. Brain Stimul 2009;2(1):50-54; formula
   of the web calculator as read in a third-party MATLAB re-implementation ("webpage
   version"): [V] that the code says so, not verified against the paper (tms.md §3.1).
.. [2] Mir-Moghtadaei 2015 [V]: BeamF3 vs MRI-guided site <1.36 cm in 95% of subjects.
.. [3] 5 cm / 5.5 cm rule: George 1995; Pascual-Leone 1996 ([R]); misses the DLPFC in more
   than a third of cases (Mir-Moghtadaei 2015 [V]); Beam F3 lies 2.6 +/- 1.0 cm
   anterolateral to the 5.5 cm site and is more reliable (Trapp 2020 [V]) (tms.md §3.2).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, cast

from trdcare.core.checks import Interval, check_constraints, check_option
from trdcare.core.errors import IssueCollector
from trdcare.core.provenance import JSONDict, Reason, Status, reasons_status
from trdcare.tms.domain.catalogue import source

Side = Literal["left", "right"]

HEAD_MEASUREMENT_LIMITS: Mapping[str, Interval] = {
    "tragus_tragus_cm": Interval(20, 50, unit="cm"),
    "nasion_inion_cm": Interval(20, 50, unit="cm"),
    "circumference_cm": Interval(40, 75, unit="cm"),
}
"""DESIGN input-sanity envelope (see the module docstring), not a clinical threshold."""

RULE_DISTANCES_CM: Mapping[str, float] = {"5cm": 5.0, "5.5cm": 5.5}
"""Distance anterior to the motor hotspot along a parasagittal line ([R])."""


def _sin(deg: float) -> float:
    return math.sin(math.radians(deg))


def _cos(deg: float) -> float:
    return math.cos(math.radians(deg))


@dataclass(frozen=True, slots=True)
class BeamF3Result:
    """A Beam F3 (or mirrored F4) scalp target."""

    side: Side
    site: Literal["F3", "F4"]
    x_cm: float
    y_cm: float
    theta_deg: float
    tragus_tragus_cm: float
    nasion_inion_cm: float
    circumference_cm: float
    reasons: tuple[Reason, ...]

    @property
    def status(self) -> Status:
        return reasons_status(self.reasons)

    def to_dict(self) -> JSONDict:
        return {
            "method": "beam_f3",
            "site": self.site,
            "side": self.side,
            "x_cm": round(self.x_cm, 3),
            "y_cm": round(self.y_cm, 3),
            "theta_deg": round(self.theta_deg, 3),
            "x_meaning": "distance along the head circumference from the midline (FPz) "
            f"toward the {self.side} side",
            "y_meaning": f"distance from the vertex (Cz) to {self.site} along the scalp",
            "measurements": {
                "tragus_tragus_cm": self.tragus_tragus_cm,
                "nasion_inion_cm": self.nasion_inion_cm,
                "circumference_cm": self.circumference_cm,
            },
            "status": self.status,
            "reasons": [r.to_dict() for r in self.reasons],
        }


def check_head_measurements(
    tragus_tragus_cm: float, nasion_inion_cm: float, circumference_cm: float
) -> None:
    """Refuse impossible or mistyped head measurements, naming the plausible range.

    Raises
    ------
    InvalidInput
        Every measurement outside :data:`HEAD_MEASUREMENT_LIMITS`, and any arc over the
        vertex not shorter than the circumference.
    """
    check_constraints(
        {
            "tragus_tragus_cm": tragus_tragus_cm,
            "nasion_inion_cm": nasion_inion_cm,
            "circumference_cm": circumference_cm,
        },
        HEAD_MEASUREMENT_LIMITS,
    )
    issues = IssueCollector()
    for name, arc in (("tragus_tragus_cm", tragus_tragus_cm), ("nasion_inion_cm", nasion_inion_cm)):
        if arc >= circumference_cm:
            issues.add(
                name,
                "is not shorter than the head circumference (swapped fields?)",
                allowed=f"< circumference_cm ({circumference_cm:g} cm)",
                given=arc,
            )
    issues.raise_if_any()


def beam_f3(
    tragus_tragus_cm: float,
    nasion_inion_cm: float,
    circumference_cm: float,
    *,
    side: str = "left",
) -> BeamF3Result:
    """Locate F3 (left) or F4 (right, the mirror image) with the Beam F3 method.

    Parameters
    ----------
    tragus_tragus_cm : float
        Tragus to tragus over the vertex (cm).
    nasion_inion_cm : float
        Nasion to inion over the vertex (cm).
    circumference_cm : float
        Head circumference (cm).
    side : {"left", "right"}
        ``"left"`` gives F3 (left DLPFC protocols); ``"right"`` gives F4, the same X and Y
        measured to the right of the midline (1 Hz right protocols).

    Returns
    -------
    BeamF3Result
        X: cm along the circumference from the midline (FPz); Y: cm from the vertex.

    Raises
    ------
    InvalidInput
        Measurements outside the plausible envelope (the message names the range).

    References
    ----------
    .. [1] Beam et al. 2009, Brain Stimul 2:50-54; web-calculator ("website") variant,
       tms.md §3.1 ([V] that the re-implementation says so; not checked against the
       paper). Regression values: (36, 36, 57) -> X 6.585, Y 9.500.

    Examples
    --------
    >>> r = beam_f3(36, 36, 57)
    >>> round(r.x_cm, 3), round(r.y_cm, 3)
    (6.585, 9.5)
    """
    check_option("side", side, ("left", "right"))
    check_head_measurements(tragus_tragus_cm, nasion_inion_cm, circumference_cm)
    r2 = 0.4 * tragus_tragus_cm
    r1 = 0.4 * nasion_inion_cm
    a = (r2 * _sin(324) + r1 / 2) / r2
    b = r1 * _sin(298) / (r1 * _cos(298) - r2 / 2)
    x = 0.5 * (r1 - r2 * b) / (a - b)
    y = a * x - r1 / 2
    r = math.hypot(x, y)
    theta = math.degrees(math.atan(y / x))
    y_cm = 0.91 * r
    x_cm = (circumference_cm / 4) * (90 + theta) / 90
    site: Literal["F3", "F4"] = "F3" if side == "left" else "F4"
    reasons = [
        Reason(
            rule="beam_f3_website_formula",
            finding=f"{site}: X = {x_cm:.3f} cm from the midline along the circumference, "
            f"Y = {y_cm:.3f} cm from the vertex (theta = {theta:.2f} deg)",
            inputs={
                "tragus_tragus_cm": tragus_tragus_cm,
                "nasion_inion_cm": nasion_inion_cm,
                "circumference_cm": circumference_cm,
                "side": side,
            },
            sources=(
                source(
                    "beam2009",
                    "SECONDARY",
                    where="tms.md §3.1",
                    tag="[V] as read in the re-implementation",
                ),
            ),
        ),
        Reason(
            rule="beam_f3_accuracy",
            finding="BeamF3 vs the MRI-guided site: <0.65 cm in 50%, <0.99 cm in 75%, "
            "<1.36 cm in 95% of 100 subjects",
            inputs={},
            sources=(source("mirmoghtadaei2015", "VERIFIED", where="tms.md §3.1", tag="[V]"),),
        ),
        Reason(
            rule="head_measurement_envelope",
            finding="measurements within the input-sanity envelope (not a clinical range)",
            inputs={k: v.describe() for k, v in HEAD_MEASUREMENT_LIMITS.items()},
            sources=(source("trdcare_design", "DESIGN", where="targeting.py", tag="input sanity"),),
        ),
    ]
    if side == "right":
        reasons.append(
            Reason(
                rule="f4_mirror",
                finding="F4 is the mirror image of F3 across the midline: same X and Y, measured "
                "to the right",
                inputs={"side": side},
                sources=(source("issue3", "DESIGN", where="issue #3 item 5", tag="mirror"),),
            )
        )
    return BeamF3Result(
        cast(Side, side),
        site,
        x_cm,
        y_cm,
        theta,
        float(tragus_tragus_cm),
        float(nasion_inion_cm),
        float(circumference_cm),
        tuple(reasons),
    )


@dataclass(frozen=True, slots=True)
class RuleTarget:
    """A target placed by moving from the motor hotspot along a parasagittal line."""

    rule: str
    distance_cm: float
    side: Side
    instruction: str
    reasons: tuple[Reason, ...]

    @property
    def status(self) -> Status:
        return reasons_status(self.reasons)

    def to_dict(self) -> JSONDict:
        return {
            "method": "hotspot_rule",
            "rule": self.rule,
            "distance_cm": self.distance_cm,
            "side": self.side,
            "instruction": self.instruction,
            "status": self.status,
            "reasons": [r.to_dict() for r in self.reasons],
        }


def hotspot_rule_target(rule: str = "5.5cm", *, side: str = "left") -> RuleTarget:
    """The 5 cm / 5.5 cm rule: move anterior from the motor hotspot along a parasagittal line.

    References
    ----------
    .. [1] George 1995; Pascual-Leone 1996 ([R], tms.md §3.2).
    .. [2] Mir-Moghtadaei 2015 [V]: the 5 cm rule misses the DLPFC in more than a third of
       cases; Trapp 2020 [V]: Beam F3 is more reliable and lies 2.6 +/- 1.0 cm
       anterolateral to the 5.5 cm site.

    Examples
    --------
    >>> hotspot_rule_target().distance_cm
    5.5
    """
    check_option("rule", rule, RULE_DISTANCES_CM)
    check_option("side", side, ("left", "right"))
    d = RULE_DISTANCES_CM[rule]
    muscle = "APB/FDI"
    instruction = (
        f"find the {side} motor hotspot ({muscle}), then move the coil {d:g} cm anterior "
        "along a parasagittal line"
    )
    reasons = (
        Reason(
            rule="hotspot_rule",
            finding=instruction,
            inputs={"rule": rule, "side": side},
            sources=(source("five_cm_rule", "UNVERIFIED", where="tms.md §3.2", tag="[R]"),),
        ),
        Reason(
            rule="hotspot_rule_accuracy",
            finding="the 5 cm rule misses the DLPFC in more than a third of cases; Beam F3 "
            "is more reliable and lies 2.6 +/- 1.0 cm anterolateral to the 5.5 cm site",
            inputs={},
            sources=(
                source("mirmoghtadaei2015", "VERIFIED", where="tms.md §3.2", tag="[V]"),
                source("trapp2020", "VERIFIED", where="tms.md §3.2", tag="[V]"),
            ),
        ),
    )
    return RuleTarget(rule, d, cast(Side, side), instruction, reasons)


def target_site(target: Mapping[str, object]) -> str:
    """Where the coil goes, in the clinic's words, from a course's stored target.

    Beam F3 gives its site (``"F3"`` or ``"F4"``); the hotspot rule its distance and side
    (``"5.5 cm anterior to the left motor hotspot"``). A course planned without a target
    says so. Every page and the session log read the target through this one function.

    Examples
    --------
    >>> target_site(hotspot_rule_target().to_dict())
    '5.5 cm anterior to the left motor hotspot'
    >>> target_site({})
    'not recorded'
    """
    method = target.get("method")
    if method == "beam_f3":
        return str(target.get("site") or ("F4" if target.get("side") == "right" else "F3"))
    if method == "hotspot_rule":
        distance = target.get("distance_cm")
        side = target.get("side") or "left"
        if isinstance(distance, int | float):
            return f"{distance:g} cm anterior to the {side} motor hotspot"
        return f"anterior to the {side} motor hotspot"
    return "not recorded"


def describe_target(target: Mapping[str, object]) -> str:
    """The site of :func:`target_site` with its method and scalp coordinates.

    Examples
    --------
    >>> describe_target(beam_f3(36, 36, 57).to_dict())
    'F3 by Beam F3: X 6.585 cm, Y 9.5 cm'
    >>> describe_target(hotspot_rule_target(side="right").to_dict())
    '5.5 cm anterior to the right motor hotspot (hotspot rule)'
    """
    site = target_site(target)
    method = target.get("method")
    if method == "beam_f3":
        x_cm, y_cm = target.get("x_cm"), target.get("y_cm")
        if isinstance(x_cm, int | float) and isinstance(y_cm, int | float):
            return f"{site} by Beam F3: X {x_cm:g} cm, Y {y_cm:g} cm"
        return f"{site} by Beam F3"
    if method == "hotspot_rule":
        return f"{site} (hotspot rule)"
    return site
