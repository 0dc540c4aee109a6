"""Time: timezone-aware UTC in storage, dates for clinical calendars.

The domain never reads the clock itself; the edges pass ``as_of``/``today`` in.
"""

from __future__ import annotations

from datetime import UTC, date, datetime


def utc_now() -> datetime:
    """The current time as an aware UTC datetime."""
    return datetime.now(UTC)


def utc_today() -> date:
    return utc_now().date()


def ensure_utc(value: datetime) -> datetime:
    """Return an aware UTC datetime; naive values are taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
