"""Session-log rules and the course state machine."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from trdcare.core.errors import Conflict, Contraindicated, InvalidInput
from trdcare.tms.domain.protocols import get_protocol
from trdcare.tms.domain.sessions import (
    CourseState,
    PhysicianReview,
    adverse_event,
    adverse_event_report,
    change_planned_sessions,
    common_side_effects,
    pause_course,
    record_session,
    report_adverse_events,
    review_pause,
    session_log,
    session_timing_flags,
    start_course,
)


def _log(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "session_number": 1,
        "planned_pulses": 3000,
        "pulses_delivered": 3000,
        "intensity_pct_mso": 60,
        "mt_pct_mso": 50,
        "operator": "tech.one",
        "coil": "figure-8",
        "device": "stimulator A",
        "target": "F3",
    }
    data.update(changes)
    return data


def _active(planned: int = 30, delivered: int = 0) -> CourseState:
    return CourseState("active", planned, delivered)


def test_valid_log_and_intensity_in_percent_mt() -> None:
    log = session_log(_log(side_effects=["headache", "scalp_discomfort"]))
    assert log.intensity_pct_mt == 120.0
    assert log.pulses_shortfall == 0
    assert not log.serious


def test_more_pulses_than_planned_needs_a_reason() -> None:
    with pytest.raises(InvalidInput) as err:
        session_log(_log(pulses_delivered=3040))
    assert err.value.issues[0].path == "excess_reason"
    log = session_log(_log(pulses_delivered=3040, excess_reason="train repeated after a fault"))
    t = record_session(_active(), log)
    assert t.reasons[0].rule == "pulses_above_plan"


def test_fewer_pulses_is_recorded_as_a_shortfall() -> None:
    log = session_log(_log(pulses_delivered=2400, interruptions=["patient asked to stop"]))
    assert log.pulses_shortfall == 600
    assert log.interruptions == ("patient asked to stop",)


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"intensity_pct_mso": 101}, "intensity_pct_mso"),
        ({"mt_pct_mso": 0}, "mt_pct_mso"),
        ({"mt_pct_mso": 100.5}, "mt_pct_mso"),
        ({"pulses_delivered": -1}, "pulses_delivered"),
        ({"planned_pulses": 0}, "planned_pulses"),
        ({"session_number": 0}, "session_number"),
        ({"operator": " "}, "operator"),
        ({"side_effects": ["nausea"]}, "side_effects.0"),
        (
            {"adverse_events": [{"kind": "seizure", "severity": "severe", "serious": False}]},
            "adverse_events.0.serious",
        ),
        (
            {"adverse_events": [{"kind": "other", "severity": "mild"}]},
            "adverse_events.0.description",
        ),
        ({"adverse_events": [{"kind": "stroke", "severity": "mild"}]}, "adverse_events.0.kind"),
        ({"interruptions": [""]}, "interruptions.0"),
        # More than the record stores (found by the API fuzz run: a 500 before).
        ({"trains_delivered": 2**31}, "trains_delivered"),
        ({"pulses_delivered": 2**63, "excess_reason": "x"}, "pulses_delivered"),
    ],
)
def test_invalid_logs_name_the_field(change: dict[str, Any], path: str) -> None:
    with pytest.raises(InvalidInput) as err:
        session_log(_log(**change))
    assert path in [i.path for i in err.value.issues]


@pytest.mark.parametrize("kind", ["seizure", "syncope"])
def test_seizure_or_syncope_is_serious_and_pauses_the_course(kind: str) -> None:
    ev = adverse_event(kind, "moderate")
    assert ev.serious
    log = session_log(_log(adverse_events=[ev]))
    t = record_session(_active(), log)
    assert t.state.status == "paused"
    assert t.state.review_required
    assert kind in (t.state.pause_reason or "")
    assert t.reasons[-1].rule == "serious_adverse_event_pause"
    with pytest.raises(Conflict, match="physician review"):
        record_session(t.state, session_log(_log(session_number=2)))


def test_non_serious_events_do_not_pause_but_serious_ones_of_any_kind_do() -> None:
    mild = session_log(_log(adverse_events=[{"kind": "headache", "severity": "mild"}]))
    assert record_session(_active(), mild).state.status == "active"
    serious = session_log(
        _log(
            adverse_events=[
                {"kind": "other", "severity": "severe", "serious": True, "description": "fall"}
            ]
        )
    )
    assert record_session(_active(), serious).state.status == "paused"


def test_review_resumes_or_stops() -> None:
    paused = CourseState("paused", 30, 5, True, "seizure")
    resumed = review_pause(paused, PhysicianReview("dr.x", "resume", "EEG normal"))
    assert (resumed.state.status, resumed.state.review_required) == ("active", False)
    stopped = review_pause(paused, PhysicianReview("dr.x", "stop", "refer to neurology"))
    assert stopped.state.status == "stopped"
    with pytest.raises(InvalidInput) as err:
        review_pause(paused, PhysicianReview("", "resume", ""))
    assert [i.path for i in err.value.issues] == ["physician", "note"]
    with pytest.raises(Conflict):
        review_pause(_active(), PhysicianReview("dr.x", "resume", "ok"))


@pytest.mark.parametrize("status", ["planned", "completed", "stopped"])
def test_sessions_refused_unless_active(status: str) -> None:
    with pytest.raises(Conflict, match=status):
        record_session(CourseState(status, 30, 0), session_log(_log()))  # type: ignore[arg-type]


def test_session_numbers_follow_the_plan_and_complete_it() -> None:
    with pytest.raises(Conflict, match="next planned session is 1"):
        record_session(_active(), session_log(_log(session_number=2)))
    t = record_session(_active(planned=2, delivered=1), session_log(_log(session_number=2)))
    assert t.state.status == "completed"
    with pytest.raises(Conflict):
        record_session(CourseState("active", 2, 2), session_log(_log(session_number=3)))


def test_start_course_rules() -> None:
    planned = CourseState("planned", 30)
    with pytest.raises(Contraindicated):
        start_course(planned, screen_verdict="contraindicated")
    with pytest.raises(Conflict, match="acknowledgement"):
        start_course(planned, screen_verdict="caution")
    assert start_course(planned, screen_verdict="caution", acknowledged_by="dr.x").state.status == (
        "active"
    )
    assert start_course(planned, screen_verdict="clear").state.status == "active"
    with pytest.raises(Conflict):
        start_course(_active(), screen_verdict="clear")
    with pytest.raises(InvalidInput):
        start_course(planned, screen_verdict="fine")


def test_manual_pause_and_extension() -> None:
    t = pause_course(_active(delivered=3), "patient unwell")
    assert t.state.status == "paused"
    with pytest.raises(InvalidInput):
        pause_course(_active(), " ")
    done = CourseState("completed", 30, 30)
    ext = change_planned_sessions(done, 36, why="partial response: extend")
    assert (ext.state.status, ext.state.planned_sessions) == ("active", 36)
    early = change_planned_sessions(_active(30, 20), 20, why="remission: begin taper")
    assert early.state.status == "completed"
    with pytest.raises(InvalidInput):
        change_planned_sessions(_active(30, 20), 19, why="x")


def test_common_side_effects_list() -> None:
    assert set(common_side_effects()) == {
        "scalp_discomfort",
        "headache",
        "facial_twitching",
        "lightheadedness",
    }


TODAY = date(2026, 12, 2)


def _report(*events: dict[str, Any], on: date = TODAY) -> Any:
    return adverse_event_report({"occurred_on": on, "adverse_events": list(events)}, today=TODAY)


class TestAdverseEventsOutsideASession:
    def test_a_serious_event_pauses_an_active_course(self) -> None:
        report = _report({"kind": "syncope", "severity": "moderate"}, on=TODAY - timedelta(1))
        assert report.events[0].serious  # a syncope is always serious
        t = report_adverse_events(_active(delivered=4), report)
        assert t.state.status == "paused" and t.state.review_required
        assert t.state.delivered_sessions == 4
        assert "2026-12-01" in (t.state.pause_reason or "")
        assert [r.rule for r in t.reasons] == ["serious_adverse_event_pause"]
        assert any(s.status == "VERIFIED" for s in t.reasons[0].sources)

    def test_a_non_serious_event_changes_nothing_but_says_so(self) -> None:
        state = _active(delivered=4)
        t = report_adverse_events(
            state, _report({"kind": "other", "severity": "mild", "description": "neck stiffness"})
        )
        assert t.state == state
        assert [r.rule for r in t.reasons] == ["adverse_event_recorded"]

    def test_a_paused_course_stays_paused(self) -> None:
        paused = pause_course(_active(delivered=3), "patient unwell").state
        t = report_adverse_events(paused, _report({"kind": "seizure", "severity": "severe"}))
        assert t.state.status == "paused" and t.state.pause_reason == "patient unwell"
        assert [r.rule for r in t.reasons] == ["serious_adverse_event_while_paused"]

    @pytest.mark.parametrize("status", ["completed", "stopped"])
    def test_after_the_course_it_is_recorded_and_flagged(self, status: str) -> None:
        state = CourseState(status, 30, 30)  # type: ignore[arg-type]
        t = report_adverse_events(state, _report({"kind": "seizure", "severity": "severe"}))
        assert t.state == state
        assert t.reasons[0].rule == "serious_adverse_event_after_course"
        assert "tell the responsible physician" in t.reasons[0].finding

    def test_bad_reports_name_every_field(self) -> None:
        with pytest.raises(InvalidInput) as exc:
            adverse_event_report(
                {
                    "occurred_on": TODAY + timedelta(1),
                    "adverse_events": [
                        {"kind": "dizzy", "severity": "mild"},
                        {"kind": "syncope", "severity": "moderate", "serious": False},
                    ],
                },
                today=TODAY,
            )
        paths = {i.path for i in exc.value.issues}
        assert paths == {"occurred_on", "adverse_events.0.kind", "adverse_events.1.serious"}

    @pytest.mark.parametrize(
        "events", [[], [{"kind": "other", "severity": "mild", "description": "x"}] * 11]
    )
    def test_one_to_ten_events(self, events: list[dict[str, Any]]) -> None:
        with pytest.raises(InvalidInput) as exc:
            adverse_event_report({"occurred_on": TODAY, "adverse_events": events}, today=TODAY)
        assert [i.path for i in exc.value.issues] == ["adverse_events"]

    def test_not_before_birth(self) -> None:
        with pytest.raises(InvalidInput) as exc:
            adverse_event_report(
                {
                    "occurred_on": date(1979, 12, 31),
                    "adverse_events": [{"kind": "seizure", "severity": "severe"}],
                },
                today=TODAY,
                born_on=date(1980, 1, 1),
            )
        assert [i.path for i in exc.value.issues] == ["occurred_on"]

    def test_the_date_is_required(self) -> None:
        with pytest.raises(InvalidInput) as exc:
            adverse_event_report(
                {"adverse_events": [{"kind": "seizure", "severity": "severe"}]}, today=TODAY
            )
        assert [i.path for i in exc.value.issues] == ["occurred_on"]


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=UTC)


class TestSessionTiming:
    DAILY = get_protocol("hf10-left-dlpfc")
    ACCELERATED = get_protocol("accelerated-itbs")

    def flags(self, when: datetime, earlier: list[datetime], **kw: Any) -> tuple[str, ...]:
        values: dict[str, Any] = {
            "protocol": self.DAILY,
            "start_date": date(2026, 11, 30),
            "time_zone": UTC,
        }
        values.update(kw)
        return session_timing_flags(when, earlier, **values)

    def test_the_next_treatment_day_is_not_flagged(self) -> None:
        assert self.flags(_at(2, 9), [_at(1, 9)]) == ()

    def test_a_second_session_on_a_daily_protocol_day(self) -> None:
        (flag,) = self.flags(_at(2, 15), [_at(1, 9), _at(2, 9)])
        assert flag == "session 2 on 2026-12-02; the protocol gives 1 a day"

    def test_the_day_is_the_clinic_s(self) -> None:
        # 01:00 and 15:00 UTC on 2 December: one day in UTC, two days in New York.
        earlier, when = [_at(2, 1)], _at(2, 15)
        assert self.flags(when, earlier) != ()
        assert self.flags(when, earlier, time_zone=ZoneInfo("America/New_York")) == ()

    def test_before_the_start_and_before_a_logged_session(self) -> None:
        flags = self.flags(_at(1, 9), [_at(2, 9)], start_date=date(2026, 12, 2))
        assert flags == (
            "given on 2026-12-01, before the course's start date 2026-12-02",
            "given at 2026-12-01 09:00, before a session already logged (2026-12-02 09:00)",
        )

    def test_accelerated_gap_and_daily_count(self) -> None:
        schedule = self.ACCELERATED.schedule
        assert (schedule.sessions_per_day, schedule.gap_between_sessions_min) == (10, 50)
        ok = self.flags(_at(2, 9, 50), [_at(2, 9)], protocol=self.ACCELERATED)
        assert ok == ()
        (short,) = self.flags(_at(2, 9, 30), [_at(2, 9)], protocol=self.ACCELERATED)
        assert short == "30 min after the previous session; the protocol's gap is 50 min"
        ten = [_at(2, 1) + timedelta(minutes=50 * i) for i in range(10)]
        (eleventh,) = self.flags(ten[-1] + timedelta(minutes=50), ten, protocol=self.ACCELERATED)
        assert eleventh == "session 11 on 2026-12-02; the protocol gives 10 a day"

    def test_flags_become_a_cited_reason(self) -> None:
        flags = self.flags(_at(2, 15), [_at(2, 9)])
        t = record_session(
            _active(delivered=1),
            session_log(_log(session_number=2)),
            timing_flags=flags,
            protocol=self.DAILY,
        )
        (reason,) = [r for r in t.reasons if r.rule == "session_timing"]
        assert reason.inputs["flags"] == list(flags)
        assert len(reason.sources) == 1 and "Reardon" in reason.sources[0].citation
        assert t.state.delivered_sessions == 2  # kept, not refused
