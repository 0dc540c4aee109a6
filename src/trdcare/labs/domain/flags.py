"""The abnormal flag of one result against its laboratory's reference range (HL7 v2
observation interpretation codes L / N / H: below, within, above the range).

A range is required only for a flag: without one the result is stored unflagged and says
so. Bounds are inclusive (a value equal to a bound is within the range: the usual printed
"low - high" reading; DESIGN).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from trdcare.core.errors import InvalidInput

FlagCode = Literal["L", "N", "H", "?"]
WORDS: dict[str, str] = {
    "L": "below the reference range",
    "N": "within the reference range",
    "H": "above the reference range",
    "?": "no reference range given",
}


@dataclass(frozen=True, slots=True)
class Flag:
    code: FlagCode

    @property
    def words(self) -> str:
        return WORDS[self.code]

    @property
    def abnormal(self) -> bool:
        return self.code in ("L", "H")


def _finite(name: str, value: float | None) -> None:
    if value is not None and not math.isfinite(value):
        raise InvalidInput.single(name, "must be a finite number", given=value)


def flag_result(value: float, low: float | None, high: float | None) -> Flag:
    """The flag of ``value`` against ``[low, high]`` (either bound may be absent).

    Examples
    --------
    >>> flag_result(5.2, 0.4, 4.0).code
    'H'
    >>> flag_result(2.0, None, 5.0).code
    'N'
    >>> flag_result(2.0, None, None).code
    '?'
    """
    _finite("value", value)
    _finite("reference_low", low)
    _finite("reference_high", high)
    if low is not None and high is not None and low > high:
        raise InvalidInput.single(
            "reference_high",
            "is below the low bound",
            allowed=f"at least {low:g}",
            given=high,
        )
    if low is None and high is None:
        return Flag("?")
    if low is not None and value < low:
        return Flag("L")
    if high is not None and value > high:
        return Flag("H")
    return Flag("N")
