"""When something happened to a patient: range, future and birth-date checks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from trdcare.core.clock import CLOCK_SKEW, past_moment
from trdcare.core.errors import InvalidInput

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def _refused(value: datetime, **kw: object) -> str:
    with pytest.raises(InvalidInput) as exc:
        past_moment(value, field="delivered_at", now=NOW, **kw)  # type: ignore[arg-type]
    (issue,) = exc.value.issues
    assert issue.path == "delivered_at"
    return issue.message


def test_default_naive_and_offsets() -> None:
    assert past_moment(None, field="x", now=NOW) == NOW
    assert past_moment(datetime(2026, 12, 1, 9), field="x", now=NOW) == datetime(
        2026, 12, 1, 9, tzinfo=UTC
    )
    east = datetime(2026, 12, 2, 9, tzinfo=timezone(timedelta(hours=10)))
    assert past_moment(east, field="x", now=NOW) == datetime(2026, 12, 1, 23, tzinfo=UTC)


def test_out_of_utc_range_is_an_input_error_not_a_crash() -> None:
    assert _refused(datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14)))) == "is out of range"
    assert (
        _refused(datetime(9999, 12, 31, 23, 59, tzinfo=timezone(timedelta(hours=-11))))
        == "is out of range"
    )


def test_future_beyond_the_clock_skew() -> None:
    assert past_moment(NOW + CLOCK_SKEW, field="x", now=NOW) == NOW + CLOCK_SKEW
    assert _refused(NOW + CLOCK_SKEW + timedelta(seconds=1)) == "is in the future"


def test_before_birth() -> None:
    born = date(1980, 5, 17)
    assert past_moment(datetime(1980, 5, 17, tzinfo=UTC), field="x", now=NOW, born_on=born)
    message = _refused(datetime(1980, 5, 16, 23, 59, tzinfo=UTC), born_on=born)
    assert message == "is before the patient's date of birth" and "1980" not in message


def test_a_future_moment_is_said_in_minutes_not_as_an_iso_timestamp() -> None:
    """'on or before 2026-12-05T09:19:06.910909+00:00' was shown beside the session form's
    field (explore session)."""
    now = datetime(2026, 12, 2, 12, 0, 6, 910909, tzinfo=UTC)
    with pytest.raises(InvalidInput) as exc:
        past_moment(datetime(2099, 1, 1, 9, tzinfo=UTC), field="delivered_at", now=now)
    (issue,) = exc.value.issues
    assert issue.allowed == "on or before 2026-12-02 12:05 UTC"
    assert issue.given == "'2099-01-01 09:00 UTC'"


def test_a_plan_beyond_about_three_years_is_refused_at_its_boundary() -> None:
    from trdcare.core.clock import PLANNING_HORIZON_DAYS, within_planning_horizon

    today = NOW.date()
    last = today + timedelta(days=PLANNING_HORIZON_DAYS)
    assert within_planning_horizon(last, field="start_date", today=today) == last
    with pytest.raises(InvalidInput) as exc:
        within_planning_horizon(last + timedelta(days=1), field="start_date", today=today)
    (issue,) = exc.value.issues
    assert issue.path == "start_date" and "too far in the future" in issue.message
    assert last.isoformat() in (issue.allowed or "")
