"""Small reusable input checkers with readable messages (MNE-Python's style).

Each raises :class:`~trdcare.core.errors.InvalidInput` naming the field, what is allowed
and what was given. Numeric limits are declared as :class:`Interval` data next to the
function that uses them (scikit-learn's ``_parameter_constraints``), so one table drives
the checks, the docs and the property tests.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Literal

from trdcare.core.errors import InvalidInput, IssueCollector

Closed = Literal["both", "left", "right", "neither"]


@dataclass(frozen=True, slots=True)
class Interval:
    """A numeric range with its unit, e.g. ``Interval(0, 100, unit="%MSO")``."""

    low: float | None
    high: float | None
    closed: Closed = "both"
    unit: str = ""
    integer: bool = False

    def contains(self, value: float) -> bool:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        if math.isnan(value) or math.isinf(value):
            return False
        if self.integer and not float(value).is_integer():
            return False
        if self.low is not None:
            if self.closed in ("both", "left"):
                if value < self.low:
                    return False
            elif value <= self.low:
                return False
        if self.high is not None:
            if self.closed in ("both", "right"):
                if value > self.high:
                    return False
            elif value >= self.high:
                return False
        return True

    def describe(self) -> str:
        unit = f" {self.unit}" if self.unit else ""
        kind = "a whole number" if self.integer else "a number"
        lo_br = "[" if self.closed in ("both", "left") else "("
        hi_br = "]" if self.closed in ("both", "right") else ")"
        if self.low is not None and self.high is not None:
            return f"{kind} in {lo_br}{_fmt(self.low)}, {_fmt(self.high)}{hi_br}{unit}"
        if self.low is not None:
            op = ">=" if lo_br == "[" else ">"
            return f"{kind} {op} {_fmt(self.low)}{unit}"
        if self.high is not None:
            op = "<=" if hi_br == "]" else "<"
            return f"{kind} {op} {_fmt(self.high)}{unit}"
        return kind


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def check_interval(name: str, value: float, interval: Interval) -> float:
    """Return ``value`` if it lies in ``interval``; raise naming ``name`` otherwise."""
    if not interval.contains(value):
        raise InvalidInput.single(name, "out of range", allowed=interval.describe(), given=value)
    return value


def check_constraints(
    values: Mapping[str, float | None], constraints: Mapping[str, Interval]
) -> None:
    """Check several named numbers against their declared intervals; raise once."""
    issues = IssueCollector()
    for name, interval in constraints.items():
        value = values.get(name)
        if value is None:
            continue
        if not interval.contains(value):
            issues.add(name, "out of range", allowed=interval.describe(), given=value)
    issues.raise_if_any()


def check_option(name: str, value: object, allowed: Collection[str]) -> str:
    """Return ``value`` if it is one of ``allowed``; raise naming ``name`` otherwise."""
    if not isinstance(value, str) or value not in allowed:
        raise InvalidInput.single(
            name, "unknown value", allowed=", ".join(sorted(allowed)), given=value
        )
    return value


def check_date_not_future(name: str, value: date, today: date) -> date:
    """Clinical history cannot be dated after ``today``."""
    if value > today:
        raise InvalidInput.single(
            name, "is in the future", allowed=f"on or before {today.isoformat()}", given=value
        )
    return value


def check_date_order(start_name: str, start: date, end_name: str, end: date | None) -> None:
    """``end`` (when given) must not be before ``start``."""
    if end is not None and end < start:
        raise InvalidInput.single(
            end_name,
            f"is before {start_name}",
            allowed=f"on or after {start.isoformat()}",
            given=end,
        )


def find_nul_character(value: object, path: str = "") -> str | None:
    """Path of the first text holding a NUL character (``\\x00``), or ``None``.

    No clinical text contains one, and PostgreSQL cannot store it in a text column, so input
    carrying it is refused at the edge with the field named, instead of failing in the
    database.
    """
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            if "\x00" in str(key):
                return child
            found = find_nul_character(item, child)
            if found is not None:
                return found
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found = find_nul_character(item, f"{path}.{index}" if path else str(index))
            if found is not None:
                return found
    return None
