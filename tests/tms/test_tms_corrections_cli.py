"""`trdcare tms cancel|stop|session-correct|session-retire|event-correct|event-retire|
versions` on SQLite and PostgreSQL (issue #14 finding 10): bad input exits 2 naming the
field and writes nothing."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Engine

from tms.test_tms_cli import add_patient, bad, count, monday_weeks_ago, ok
from trdcare.adapters.db.models import RecordVersion
from trdcare.adapters.db.models.tms import TmsSessionLog
from trdcare.core.clock import utc_today

# A course typed a year ahead in error (a 2099 start is now refused outright).
_AHEAD = utc_today() + timedelta(days=400)
NEXT_YEAR = _AHEAD - timedelta(days=_AHEAD.weekday())  # a Monday


def _course(url: str, mrn: str, start: date) -> str:
    ref = add_patient(url, mrn)
    ok(url, "tms", "screen", ref, "--rest-no")
    ok(url, "tms", "plan", ref, "--protocol", "hf10-left-dlpfc", "--start", start.isoformat())
    return ref


def test_cancel_a_course_not_begun_and_stop_one_that_began(
    database_url: str, engine: Engine
) -> None:
    url = database_url
    ref = _course(url, "MRN-CLI-C", NEXT_YEAR)
    kept = count(engine, RecordVersion)
    bad(url, "reason", "tms", "cancel", ref, "--reason", " ")
    bad(url, "version", "tms", "cancel", ref, "--reason", "wrong year", "--version", "9")
    assert count(engine, RecordVersion) == kept
    doc = ok(url, "tms", "cancel", ref, "--reason", "wrong year")
    assert (doc["status"], doc["reason"]) == ("cancelled", "cancelled: wrong year")
    bad(url, "no planned TMS course", "tms", "cancel", ref, "--reason", "again")

    began = _course(url, "MRN-CLI-S", monday_weeks_ago(3))
    ok(
        url,
        "tms",
        "session",
        began,
        "--pulses",
        "3000",
        "--operator",
        "tech",
        "--mt",
        "55",
        "--intensity-pct-mso",
        "66",
    )
    bad(url, "stopped, not cancelled", "tms", "cancel", began, "--reason", "changed mind")
    stopped = ok(url, "tms", "stop", began, "--reason", "patient moved away")
    assert (stopped["status"], stopped["planned_sessions"]) == ("stopped", 1)


def test_correct_and_retire_sessions_and_events(database_url: str, engine: Engine) -> None:
    url = database_url
    ref = _course(url, "MRN-CLI-E", monday_weeks_ago(3))
    for _ in range(2):
        ok(
            url,
            "tms",
            "session",
            ref,
            "--pulses",
            "3000",
            "--operator",
            "tech",
            "--mt",
            "55",
            "--intensity-pct-mso",
            "66",
        )
    bad(
        url,
        "excess_reason",
        "tms",
        "session-correct",
        ref,
        "2",
        "--reason",
        "typo",
        "--pulses",
        "3300",
    )
    bad(url, "not the latest", "tms", "session-retire", ref, "1", "--reason", "wrong patient")
    bad(url, "no session 5", "tms", "session-retire", ref, "5", "--reason", "wrong patient")
    fixed = ok(
        url,
        "tms",
        "session-correct",
        ref,
        "2",
        "--reason",
        "headache",
        "--pulses",
        "2400",
        "--version",
        "1",
    )
    assert fixed["changed"] == {"pulses_delivered": [3000, 2400]}
    versions = ok(url, "tms", "versions", ref, "--session", "2")
    assert versions[0]["reason"] == "corrected: headache"
    gone = ok(url, "tms", "session-retire", ref, "2", "--reason", "wrong patient")
    assert gone["course"]["state"]["delivered_sessions"] == 1
    assert count(engine, TmsSessionLog) == 2  # kept, not deleted

    reported = ok(
        url,
        "tms",
        "adverse-event",
        ref,
        "--on",
        date.today().isoformat(),
        "--event",
        "seizure:severe:serious:arm jerking",
    )
    event_id = str(reported["adverse_events"][0]["id"])
    bad(url, "physician", "tms", "event-retire", ref, event_id, "--reason", "other patient")
    bad(
        url,
        "physician",
        "tms",
        "event-correct",
        ref,
        event_id,
        "--reason",
        "was a faint",
        "--kind",
        "other",
        "--not-serious",
    )
    retired = ok(
        url,
        "tms",
        "event-retire",
        ref,
        event_id,
        "--reason",
        "other patient",
        "--physician",
        "Dr House",
    )
    assert retired["record"]["retired_reason"].endswith("(decided by Dr House)")
    bad(
        url,
        "already marked entered in error",
        "tms",
        "event-retire",
        ref,
        event_id,
        "--reason",
        "again",
        "--physician",
        "Dr House",
    )
