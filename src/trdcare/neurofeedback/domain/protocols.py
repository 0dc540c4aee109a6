"""Feedback protocols: which band powers of which channels make the feedback value.

* ``faa`` - frontal alpha asymmetry, ``ln P_alpha(right) - ln P_alpha(left)``, F4 and F3 by
  default (Allen, Coan & Nazarian 2004). Higher = relatively more left-frontal activity;
  training for depression rewards a rise (neurofeedback.md §2; investigational).
* ``alpha_theta`` - theta power over alpha power at one posterior site (Pz by default;
  Peniston & Kulkosky 1989): the ratio rises toward the theta/alpha "crossover" (> 1).
* ``ratio`` - any band's power over another's, averaged over the chosen channels.

Band powers are in V²; the feature is dimensionless. A feature is ``None`` when a power it
needs is zero (a flat channel), never ``-inf``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, get_args

import numpy as np
import numpy.typing as npt

from trdcare.core.errors import InvalidInput
from trdcare.neurofeedback.domain import catalogue
from trdcare.neurofeedback.domain.channels import normalise
from trdcare.neurofeedback.domain.spectrum import Band

FloatArray = npt.NDArray[np.float64]
Kind = Literal["faa", "alpha_theta", "ratio"]
KINDS: tuple[str, ...] = get_args(Kind)
Direction = Literal["up", "down"]


def alpha_band() -> Band:
    return Band("alpha", catalogue.default("alpha_low_hz"), catalogue.default("alpha_high_hz"))


def theta_band() -> Band:
    return Band("theta", catalogue.default("theta_low_hz"), catalogue.default("theta_high_hz"))


@dataclass(frozen=True, slots=True)
class Protocol:
    """A feedback value's recipe. Build one with :func:`make_protocol`."""

    kind: Kind
    channels: tuple[str, ...]
    numerator: Band
    denominator: Band | None = None
    direction: Direction = "up"
    defaults_used: tuple[str, ...] = field(default=())

    @property
    def bands(self) -> tuple[Band, ...]:
        return (
            (self.numerator,)
            if self.denominator is None
            else (
                self.numerator,
                self.denominator,
            )
        )

    def describe(self) -> dict[str, object]:
        out: dict[str, object] = {
            "kind": self.kind,
            "channels": list(self.channels),
            "direction": self.direction,
        }
        if self.kind == "faa":
            out["band_hz"] = [self.numerator.low_hz, self.numerator.high_hz]
            out["formula"] = (
                f"ln {self.numerator.name}({self.channels[1]}) - ln {self.numerator.name}({self.channels[0]})"
            )
        else:
            assert self.denominator is not None
            out["numerator_hz"] = [self.numerator.low_hz, self.numerator.high_hz]
            out["denominator_hz"] = [self.denominator.low_hz, self.denominator.high_hz]
            out["formula"] = (
                f"{self.numerator.name} / {self.denominator.name} power, "
                f"mean over {', '.join(self.channels)}"
            )
        return out

    def feature(
        self, powers: FloatArray, band_index: dict[Band, int], channel_index: Sequence[int]
    ) -> float | None:
        """The feedback value from ``powers`` (n_bands x n_channels, V²)."""
        num = powers[band_index[self.numerator], list(channel_index)]
        if self.kind == "faa":
            left, right = float(num[0]), float(num[1])
            if not (left > 0 and right > 0):
                return None
            return math.log(right) - math.log(left)
        assert self.denominator is not None
        den = float(np.mean(powers[band_index[self.denominator], list(channel_index)]))
        top = float(np.mean(num))
        if not (den > 0 and top >= 0):
            return None
        return top / den


def _parse_band(text: str, name: str) -> Band:
    try:
        low_text, high_text = text.split("-", 1)
        low, high = float(low_text), float(high_text)
    except ValueError:
        raise InvalidInput.single(
            name, "is not a band", allowed="LOW-HIGH in Hz, e.g. 8-13", given=text
        ) from None
    if not (math.isfinite(low) and math.isfinite(high) and 0 <= low < high):
        raise InvalidInput.single(
            name,
            "the low edge must be below the high edge",
            allowed="0 <= LOW < HIGH",
            given=text,
        )
    return Band(name.removesuffix("_hz").removesuffix("_band"), low, high)


def make_protocol(
    kind: str,
    *,
    channels: Sequence[str] | None = None,
    band: str | None = None,
    numerator: str | None = None,
    denominator: str | None = None,
    direction: str = "up",
) -> Protocol:
    """Build a protocol, filling unstated choices from the packaged defaults.

    ``band`` (``"8-13"``) is FAA's band; ``numerator``/``denominator`` a ratio's bands
    (``alpha_theta`` defaults them to theta and alpha). ``defaults_used`` names what was
    filled in, so it can be printed and stored with the session.
    """
    if kind not in KINDS:
        raise InvalidInput.single(
            "protocol", "unknown protocol", allowed=", ".join(KINDS), given=kind
        )
    if direction not in get_args(Direction):
        raise InvalidInput.single(
            "direction", "unknown direction", allowed="up, down", given=direction
        )
    used: list[str] = []
    names = tuple(normalise(c) for c in channels) if channels else None
    if kind == "faa":
        if names is None:
            names = ("F3", "F4")
            used.append("channels")
        if len(names) != 2 or names[0] == names[1]:
            raise InvalidInput.single(
                "channels",
                "frontal alpha asymmetry needs two different channels, left then right",
                allowed="e.g. F3,F4 or F7,F8",
                given=",".join(names),
            )
        if band is None:
            used.append("band")
        num = _parse_band(band, "alpha") if band else alpha_band()
        return Protocol("faa", names, num, None, direction, tuple(used))  # type: ignore[arg-type]
    if kind == "alpha_theta":
        if names is None:
            names = ("Pz",)
            used.append("channels")
        if numerator is None:
            used.append("numerator")
        if denominator is None:
            used.append("denominator")
        num = _parse_band(numerator, "theta") if numerator else theta_band()
        den = _parse_band(denominator, "alpha") if denominator else alpha_band()
        return Protocol("alpha_theta", names, num, den, direction, tuple(used))  # type: ignore[arg-type]
    if names is None or numerator is None or denominator is None:
        missing = [
            n
            for n, v in (
                ("channels", names),
                ("numerator", numerator),
                ("denominator", denominator),
            )
            if v is None
        ]
        raise InvalidInput.single(
            missing[0],
            "a custom ratio needs its channels, numerator band and denominator band",
            allowed="e.g. --channels Cz --numerator 12-15 --denominator 4-8",
            given="nothing",
        )
    return Protocol(
        "ratio",
        names,
        _parse_band(numerator, "numerator"),
        _parse_band(denominator, "denominator"),
        direction,  # type: ignore[arg-type]
        (),
    )
