"""Time: timezone-aware UTC in storage, dates for clinical calendars.

The domain never reads the clock itself; the edges pass ``as_of``/``today`` in.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from trdcare.core.errors import InvalidInput, IssueCollector


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


#: Allowed clock skew between a device that records a time and the server.
CLOCK_SKEW = timedelta(minutes=5)


def _minute(moment: datetime) -> str:
    """``2026-12-05 09:19 UTC``: a moment as a clinician reads it (no seconds, no offset)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def past_moment(
    value: datetime | None, *, field: str, now: datetime, born_on: date | None = None
) -> datetime:
    """When something happened to a patient, as an aware UTC datetime (``now`` if not given).

    Raises
    ------
    InvalidInput
        ``field`` cannot be expressed in UTC (e.g. year 1 with a +14:00 offset), is later
        than ``now`` (beyond :data:`CLOCK_SKEW`), or is before the patient was born.
    """
    if value is None:
        return now
    try:
        when = ensure_utc(value)
    except OverflowError:
        raise InvalidInput.single(
            field, "is out of range", allowed="a date and time in UTC's range", given=str(value)
        ) from None
    if when > now + CLOCK_SKEW:
        raise InvalidInput.single(
            field,
            "is in the future",
            allowed=f"on or before {_minute(now + CLOCK_SKEW)}",
            given=_minute(when),
        )
    if born_on is not None:
        not_before_birth(when.date(), field=field, born_on=born_on)
    return when


def not_before_birth(
    day: date, *, field: str, born_on: date, issues: IssueCollector | None = None
) -> None:
    """Refuse a day of the patient's care that is before their birth: raised at once, or
    added to ``issues`` when the caller collects every issue of a document.

    The birth date itself stays out of the message: it is patient data.
    """
    if day >= born_on:
        return
    message = "is before the patient's date of birth"
    allowed = "on or after the patient's date of birth"
    if issues is None:
        raise InvalidInput.single(field, message, allowed=allowed, given=day.isoformat())
    issues.add(field, message, allowed=allowed, given=day.isoformat())


PLANNING_HORIZON_DAYS = 3 * 366
"""How far ahead care may be planned: a date beyond about three years from today is a typing
error (2099 for 2029), not a plan (DESIGN guard; no clinical source sets it)."""


def within_planning_horizon(day: date, *, field: str, today: date) -> date:
    """Refuse a planned day more than :data:`PLANNING_HORIZON_DAYS` after ``today``."""
    last = today + timedelta(days=PLANNING_HORIZON_DAYS)
    if day > last:
        raise InvalidInput.single(
            field,
            "is too far in the future to plan",
            allowed=f"on or before {last.isoformat()} (about three years ahead)",
            given=day.isoformat(),
        )
    return day
