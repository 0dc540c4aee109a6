"""`trdcare tms ...` end to end on SQLite and PostgreSQL: a full course planned, delivered,
paused by a serious adverse event, reviewed and resumed; bad input exits 2 writing nothing."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from trdcare import cli as root_cli
from trdcare.adapters.db.models import AuditEvent, TreatmentCourse
from trdcare.adapters.db.models.tms import (
    TmsAdverseEvent,
    TmsCoursePlan,
    TmsDecisionReview,
    TmsMtSession,
    TmsPlannedSession,
    TmsProtocol,
    TmsScreen,
    TmsSessionLog,
)

runner = CliRunner()


APP = root_cli.app  # the root mounts tms (imported when a tms command runs)


def run(url: str | None, *args: str) -> Any:
    pre = ["--database-url", url] if url else []
    return runner.invoke(APP, [*pre, *args])


def ok(url: str | None, *args: str) -> Any:
    result = run(url, *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def bad(url: str | None, field: str, *args: str) -> None:
    result = run(url, *args)
    assert result.exit_code == 2, result.output
    assert field in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def count(engine: Engine, model: type) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(model)) or 0)


def add_patient(url: str, mrn: str = "MRN-TMS") -> str:
    doc = ok(
        url,
        "patient",
        "add",
        "--mrn",
        mrn,
        "--given",
        "Ada",
        "--family",
        "Byron",
        "--birth-date",
        "1975-03-02",
    )
    return str(doc["ref"])


def monday_weeks_ago(weeks: int) -> date:
    today = date.today()
    return today - timedelta(days=today.weekday()) - timedelta(weeks=weeks)


class TestWithoutDatabase:
    def test_f3_json(self) -> None:
        doc = ok(
            None,
            "tms",
            "f3",
            "--tragus-tragus",
            "36",
            "--nasion-inion",
            "36",
            "--circumference",
            "57",
        )
        assert (doc["x_cm"], doc["y_cm"]) == (6.585, 9.5)
        right = ok(
            None,
            "tms",
            "f3",
            "--tragus-tragus",
            "36",
            "--nasion-inion",
            "36",
            "--circumference",
            "57",
            "--side",
            "right",
        )
        assert right["site"] == "F4"

    def test_check_json(self) -> None:
        doc = ok(
            None,
            "tms",
            "check",
            "--frequency-hz",
            "10",
            "--intensity-pct-mt",
            "120",
            "--train-s",
            "4",
            "--iti-s",
            "26",
            "--trains",
            "75",
        )
        assert doc["within_limits"] is True
        assert (doc["max_train_s"], doc["pulses"], doc["session_s"]) == (4.2, 3000, 2224.0)
        assert doc["table_status"] == "UNVERIFIED"
        past = ok(
            None,
            "tms",
            "check",
            "--frequency-hz",
            "10",
            "--intensity-pct-mt",
            "120",
            "--train-s",
            "4.3",
            "--iti-s",
            "26",
            "--trains",
            "75",
        )
        assert past["within_limits"] is False

    def test_mt_simulate_json(self) -> None:
        doc = ok(None, "tms", "mt-simulate", "--true-mt", "55", "--seed", "1")
        assert doc["pulses"] == 20
        assert abs(doc["estimate_pct_mso"] - 55) < 5
        assert doc == ok(None, "tms", "mt-simulate", "--true-mt", "55", "--seed", "1")

    def test_rule_json(self) -> None:
        assert ok(None, "tms", "rule")["distance_cm"] == 5.5

    @pytest.mark.parametrize(
        ("args", "field"),
        [
            (
                ["f3", "--tragus-tragus", "-36", "--nasion-inion", "36", "--circumference", "57"],
                "tragus_tragus_cm",
            ),
            (
                ["f3", "--tragus-tragus", "36", "--nasion-inion", "36", "--circumference", "570"],
                "circumference_cm",
            ),
            (
                [
                    "check",
                    "--frequency-hz",
                    "60",
                    "--intensity-pct-mt",
                    "120",
                    "--train-s",
                    "1",
                    "--iti-s",
                    "26",
                    "--trains",
                    "10",
                ],
                "frequency_hz",
            ),
            (
                [
                    "check",
                    "--frequency-hz",
                    "10",
                    "--intensity-pct-mt",
                    "250",
                    "--train-s",
                    "1",
                    "--iti-s",
                    "26",
                    "--trains",
                    "10",
                ],
                "intensity_pct_mt",
            ),
            (
                [
                    "check",
                    "--frequency-hz",
                    "10",
                    "--intensity-pct-mt",
                    "120",
                    "--train-s",
                    "4",
                    "--iti-s",
                    "26",
                    "--trains",
                    "1e23",
                ],
                "trains: out of range (allowed: a whole number in [1, 1000]; given: 1e+23)",
            ),
            (
                [
                    "check",
                    "--frequency-hz",
                    "10",
                    "--intensity-pct-mt",
                    "120",
                    "--train-s",
                    "4",
                    "--iti-s",
                    "1e9",
                    "--trains",
                    "75",
                ],
                "inter_train_interval_s",
            ),
            (["mt-simulate", "--true-mt", "120"], "true_mt_pct_mso"),
            (["mt-simulate", "--true-mt", "0.5"], "true_mt_pct_mso"),
        ],
    )
    def test_bad_input_exits_2_naming_the_field(self, args: list[str], field: str) -> None:
        bad(None, field, "tms", *args)


class TestCourseOnBothDatabases:
    def test_full_course_planned_delivered_paused_reviewed_resumed(
        self, database_url: str, engine: Engine
    ) -> None:
        url = database_url
        ref = add_patient(url)
        start = monday_weeks_ago(8)

        # Safety screen: a "yes" to medications is caution and needs an acknowledgement.
        screen = ok(
            url,
            "tms",
            "screen",
            ref,
            "--yes",
            "medications",
            "--rest-no",
            "--medication",
            "bupropion XL 300 mg",
        )
        assert screen["verdict"] == "caution"
        assert screen["medication_flags"][0]["generic_name"] == "bupropion"
        bad(
            url,
            "acknowledgement",
            "tms",
            "plan",
            ref,
            "--protocol",
            "hf10-left-dlpfc",
            "--start",
            start.isoformat(),
        )
        assert count(engine, TmsCoursePlan) == 0
        assert count(engine, TreatmentCourse) == 0
        ack = ok(url, "tms", "acknowledge", ref, "--by", "dr.house", "--note", "benefit > risk")
        assert ack["acknowledged_by"] == "dr.house"

        # Session before any plan is refused.
        bad(
            url,
            "no planned TMS course",
            "tms",
            "session",
            ref,
            "--pulses",
            "3000",
            "--operator",
            "tech",
        )

        # MT hunt, then plan with Beam F3 target and intensity from the MT.
        hunt = ok(url, "tms", "mt", ref, "--start", "60", "--max-pulses", "4")
        assert hunt["next_intensity_pct_mso"] == 60
        for mep in ("present", "absent", "present", "absent"):
            hunt = ok(url, "tms", "mt", ref, "--mep", mep)
        assert hunt["stopped"] is True
        assert count(engine, TmsMtSession) == 1
        plan = ok(
            url,
            "tms",
            "plan",
            ref,
            "--protocol",
            "hf10-left-dlpfc",
            "--start",
            start.isoformat(),
            "--mt",
            "50",
            "--tragus-tragus",
            "36",
            "--nasion-inion",
            "36",
            "--circumference",
            "57",
            "--tz",
            "Europe/Paris",
        )
        assert plan["planned"] == 36
        assert plan["status"] == "active"
        assert plan["intensity"]["intensity_pct_mso"] == 60.0
        assert plan["target"]["x_cm"] == 6.585
        assert plan["approval"]["basis"] == "within"
        assert plan["decision_points"] == [10, 20, 30]
        assert count(engine, TmsPlannedSession) == 36
        bad(
            url,
            "already has a TMS course",
            "tms",
            "plan",
            ref,
            "--protocol",
            "itbs-left-dlpfc",
            "--start",
            start.isoformat(),
        )

        # Baseline rating, then ten sessions.
        ok(url, "assess", ref, "phq9", *["3"] * 6, "2", "2", "0", "--at", start.isoformat())
        for n in range(1, 11):
            doc = ok(
                url,
                "tms",
                "session",
                ref,
                "--pulses",
                "3000",
                "--operator",
                "tech.one",
                "--coil",
                "figure-8",
                "--side-effect",
                "headache",
            )
            assert doc["session_number"] == n
            assert doc["intensity_pct_mt"] == 120.0
        review = ok(url, "tms", "review", ref)
        assert (review["decision_point"], review["primary_action"]) == (10, "continue")
        decided = ok(url, "tms", "decide", ref, "--accept", "--by", "dr.house")
        assert decided["review"]["decision"] == "accept"

        # More pulses than planned without a reason: refused, nothing written.
        logs_before = count(engine, TmsSessionLog)
        audit_before = count(engine, AuditEvent)
        bad(
            url,
            "excess_reason",
            "tms",
            "session",
            ref,
            "--pulses",
            "3100",
            "--operator",
            "tech.one",
        )
        assert count(engine, TmsSessionLog) == logs_before
        assert count(engine, AuditEvent) == audit_before

        # Syncope is serious: the course pauses; the next session is refused.
        paused = ok(
            url,
            "tms",
            "session",
            ref,
            "--pulses",
            "1200",
            "--operator",
            "tech.one",
            "--adverse-event",
            "syncope:moderate::fainted after train 30",
            "--interruption",
            "syncope",
        )
        assert paused["course"]["state"]["status"] == "paused"
        assert paused["course"]["state"]["review_required"] is True
        assert count(engine, TmsAdverseEvent) == 1
        bad(
            url,
            "physician review",
            "tms",
            "session",
            ref,
            "--pulses",
            "3000",
            "--operator",
            "tech.one",
        )
        assert count(engine, TmsSessionLog) == 11
        status = ok(url, "tms", "status", ref)
        assert status["status"] == "paused"
        assert status["adverse_events"][0]["serious"] is True

        # A physician reviews the pause and resumes: the rest is re-planned.
        bad(url, "note", "tms", "review", ref, "--resume", "--by", "dr.house")
        resume_on = date.today() - timedelta(days=date.today().weekday()) - timedelta(weeks=5)
        resumed = ok(
            url,
            "tms",
            "review",
            ref,
            "--resume",
            "--by",
            "dr.house",
            "--note",
            "ECG and orthostatics normal",
            "--resume-on",
            resume_on.isoformat(),
        )
        assert resumed["course"]["state"]["status"] == "active"
        status = ok(url, "tms", "status", ref)
        assert status["planned"] == 36
        assert status["sessions"][11]["day"] == resume_on.isoformat()
        assert count(engine, TmsPlannedSession) == 36 + 25  # 25 undelivered rows superseded

        # Sessions 12-20, a remission-level rating, and the session-20 decision: taper.
        for _ in range(12, 21):
            ok(url, "tms", "session", ref, "--pulses", "3000", "--operator", "tech.one")
        ok(url, "assess", ref, "phq9", "1", "1", "0", "0", "0", "0", "0", "0", "0")
        review = ok(url, "tms", "review", ref)
        assert review["decision_point"] == 20
        assert review["outcome"]["category"] == "remission"
        assert review["primary_action"] == "begin_taper"
        assert {s["action"] for s in review["suggestions"]} == {"begin_taper", "continue"}
        decided = ok(
            url, "tms", "decide", ref, "--accept", "--by", "dr.house", "--note", "remitted"
        )
        assert decided["course"]["planned"] == 26  # 20 delivered + 6 taper
        status = ok(url, "tms", "status", ref)
        assert [s["phase"] for s in status["sessions"][20:]] == ["taper"] * 6
        for _ in range(21, 27):
            last = ok(url, "tms", "session", ref, "--pulses", "3000", "--operator", "tech.one")
        assert last["course"]["state"]["status"] == "completed"
        bad(url, "completed", "tms", "session", ref, "--pulses", "3000", "--operator", "t")
        # A seizure reported after the course: recorded against it, the course stays completed.
        events_before = count(engine, TmsAdverseEvent)
        # "today" by the plan's calendar (Europe/Paris): from 23:00 UTC, UTC's tomorrow is
        # already today there, and this check failed an hour a day
        paris_today = datetime.now(ZoneInfo("Europe/Paris")).date()
        today = paris_today.isoformat()
        tomorrow = (paris_today + timedelta(days=1)).isoformat()
        bad(
            url,
            "occurred_on",
            "tms",
            "adverse-event",
            ref,
            "--on",
            tomorrow,
            "--event",
            "seizure:severe",
        )
        bad(
            url,
            "on",
            "tms",
            "adverse-event",
            ref,
            "--on",
            "last night",
            "--event",
            "seizure:severe",
        )
        assert count(engine, TmsAdverseEvent) == events_before
        after = ok(url, "tms", "adverse-event", ref, "--on", today, "--event", "seizure:severe")
        assert after["course"]["state"]["status"] == "completed"
        assert after["course"]["reasons"][0]["rule"] == "serious_adverse_event_after_course"
        assert after["adverse_events"][0]["occurred_on"] == today
        assert count(engine, TmsAdverseEvent) == events_before + 1
        assert count(engine, TmsDecisionReview) == 3
        assert ok(url, "audit", "verify")["intact"] is True

    def test_contraindicated_screen_blocks_the_plan(
        self, database_url: str, engine: Engine
    ) -> None:
        ref = add_patient(database_url, "MRN-CI")
        doc = ok(database_url, "tms", "screen", ref, "--yes", "cochlear_implant", "--rest-no")
        assert doc["verdict"] == "contraindicated"
        bad(
            database_url,
            "contraindicated",
            "tms",
            "plan",
            ref,
            "--protocol",
            "itbs-left-dlpfc",
            "--start",
            monday_weeks_ago(0).isoformat(),
        )
        assert count(engine, TmsCoursePlan) == 0
        assert count(engine, TmsScreen) == 1

    def test_screen_input_errors_write_nothing(self, database_url: str, engine: Engine) -> None:
        ref = add_patient(database_url, "MRN-SC")
        bad(database_url, "answers", "tms", "screen", ref, "--yes", "pregnancy")
        bad(database_url, "answers.tattoos", "tms", "screen", ref, "--yes", "tattoos", "--rest-no")
        bad(
            database_url,
            "findings.0.finding_id",
            "tms",
            "screen",
            ref,
            "--rest-no",
            "--finding",
            "unicorn",
        )
        assert count(engine, TmsScreen) == 0

    def test_medications_from_the_record_are_flagged(
        self, database_url: str, engine: Engine, tmp_path: Path
    ) -> None:
        ref = add_patient(database_url, "MRN-MED")
        history = {
            "episode": {
                "onset": "2024-01-01",
                "as_of": date.today().isoformat(),
                "severity": "moderate",
            },
            "antidepressant_trials": [
                {
                    "drug": "bupropion",
                    "max_daily_dose_mg": 300,
                    "start": "2024-03-01",
                    "end": None,
                    "adherence": "good",
                    "outcome": "ongoing",
                }
            ],
        }
        path = tmp_path / "h.json"
        path.write_text(json.dumps(history), encoding="utf-8")
        ok(database_url, "history", "import", ref, "--file", str(path))
        doc = ok(database_url, "tms", "screen", ref, "--rest-no")
        assert doc["verdict"] == "caution"
        assert [m["medication"] for m in doc["medication_flags"]] == ["bupropion"]

    def test_protocols_custom_with_override_and_planning_past_the_limits(
        self, database_url: str, engine: Engine, tmp_path: Path
    ) -> None:
        lib = ok(database_url, "tms", "protocols")
        assert {p["id"] for p in lib["protocols"]} >= {"hf10-left-dlpfc", "deep-tms-h1"}
        custom = {
            "id": "clinic-20hz",
            "name": "20 Hz 2 s trains",
            "blocks": [
                {
                    "pattern": {"kind": "rtms", "frequency_hz": 20},
                    "intensity_pct_mt": 110,
                    "train_duration_s": 2,
                    "inter_train_interval_s": 28,
                    "trains": 40,
                }
            ],
            "schedule": {
                "treatment_days": "weekdays",
                "sessions_per_day": 1,
                "acute_sessions_min": 20,
                "acute_sessions_max": 30,
                "decision_points": [10, 20, 30],
            },
        }
        path = tmp_path / "p.json"
        path.write_text(json.dumps(custom), encoding="utf-8")
        bad(database_url, "train_duration_s", "tms", "protocol-add", "--file", str(path))
        assert count(engine, TmsProtocol) == 0
        saved = ok(
            database_url,
            "tms",
            "protocol-add",
            "--file",
            str(path),
            "--override-by",
            "dr.house",
            "--override-reason",
            "published 20 Hz protocol, reviewed",
        )
        assert saved["basis"] == "override"
        assert saved["safety"]["table_status"] == "UNVERIFIED"
        assert "clinic-20hz" in {p["id"] for p in ok(database_url, "tms", "protocols")["protocols"]}
        listed = run(database_url, "tms", "protocols")
        assert listed.exit_code == 0, listed.output
        # Issue 14 #14: an incomplete protocol read "None pulses/session".
        assert "None" not in listed.stdout
        assert "pulses/session unknown: train parameters missing" in listed.stdout
        assert "clinic-20hz: 20 Hz 2 s trains (custom; 1600 pulses/session" in listed.stdout
        ref = add_patient(database_url, "MRN-OV")
        ok(database_url, "tms", "screen", ref, "--rest-no")
        bad(
            database_url,
            "override",
            "tms",
            "plan",
            ref,
            "--protocol",
            "lf1-right-dlpfc",
            "--start",
            monday_weeks_ago(0).isoformat(),
        )
        bad(
            database_url,
            "blocks.1.train_duration_s",
            "tms",
            "plan",
            ref,
            "--protocol",
            "bilateral-sequential",
            "--start",
            monday_weeks_ago(0).isoformat(),
        )
        h1 = ok(
            database_url,
            "tms",
            "plan",
            ref,
            "--protocol",
            "deep-tms-h1",
            "--start",
            monday_weeks_ago(0).isoformat(),
            "--mt",
            "90",
        )
        assert h1["approval"]["basis"] == "cleared"
        assert h1["planned"] == 44
        assert h1["intensity"]["intensity_pct_mso"] == 100.0
        assert h1["intensity"]["warnings"]

    def test_bad_plan_inputs_write_nothing(self, database_url: str, engine: Engine) -> None:
        ref = add_patient(database_url, "MRN-BP")
        ok(database_url, "tms", "screen", ref, "--rest-no")
        start = monday_weeks_ago(0).isoformat()
        for args, field in [
            (["--protocol", "hf5"], "protocol"),
            (["--protocol", "hf10-left-dlpfc", "--acute-sessions", "40"], "acute_sessions"),
            (["--protocol", "hf10-left-dlpfc", "--mt", "120"], "mt_pct_mso"),
            (["--protocol", "hf10-left-dlpfc", "--tz", "Mars/Olympus"], "time_zone"),
            (["--protocol", "hf10-left-dlpfc", "--tragus-tragus", "36"], "circumference"),
            (["--protocol", "accelerated-itbs", "--time", "16:00"], "first_session_at"),
        ]:
            bad(database_url, field, "tms", "plan", ref, "--start", start, *args)
        bad(
            database_url,
            "start",
            "tms",
            "plan",
            ref,
            "--protocol",
            "hf10-left-dlpfc",
            "--start",
            "2025-13-01",
        )
        assert count(engine, TmsCoursePlan) == 0
        assert count(engine, TreatmentCourse) == 0


def test_right_sided_protocol_targets_f4_and_records_the_override(
    database_url: str, engine: Engine
) -> None:
    ref = add_patient(database_url, "MRN-F4")
    ok(database_url, "tms", "screen", ref, "--rest-no")
    doc = ok(
        database_url,
        "tms",
        "plan",
        ref,
        "--protocol",
        "lf1-right-dlpfc",
        "--start",
        monday_weeks_ago(0).isoformat(),
        "--tragus-tragus",
        "35",
        "--nasion-inion",
        "36",
        "--circumference",
        "56",
        "--override-by",
        "dr.house",
        "--override-reason",
        "Blumberger 2016 right-sided dose",
    )
    assert doc["target"]["site"] == "F4"
    assert doc["approval"]["basis"] == "override"
    assert doc["approval"]["override"]["physician"] == "dr.house"
    assert doc["approval"]["safety"]["table_status"] == "UNVERIFIED"


def test_human_output_of_a_course_never_says_none(database_url: str, engine: Engine) -> None:
    """Issue 14 #14: every command of a course in its readable (not --json) form, including
    a review before the first decision point (was "decision point None") and a declined
    suggestion (was "decline: None")."""
    url = database_url
    ref = add_patient(url, "MRN-WORDS")
    today = date.today()
    start = today - timedelta(days=today.weekday())
    steps = [
        ("tms", "screen", ref, "--yes", "medications", "--rest-no", "--medication", "bupropion"),
        ("tms", "acknowledge", ref, "--by", "dr.house", "--note", "benefit outweighs risk"),
        ("tms", "mt", ref, "--start", "60", "--max-pulses", "2"),
        ("tms", "mt", ref, "--mep", "present"),
        ("tms", "mt", ref, "--mep", "absent"),
        ("tms", "protocols"),
        ("tms", "plan", ref, "--protocol", "itbs-left-dlpfc", "--start", start.isoformat()),
        ("assess", ref, "phq9", *["2"] * 9, "--at", start.isoformat()),
        ("tms", "session", ref, "--pulses", "600", "--operator", "tech.one"),
        ("tms", "status", ref),
        ("tms", "review", ref),
        ("tms", "decide", ref, "--decline", "--by", "dr.house", "--note", "too early"),
        ("tms", "adverse-event", ref, "--on", today.isoformat(), "--event", "syncope:moderate"),
        ("tms", "status", ref),
        ("tms", "review", ref, "--resume", "--by", "dr.house", "--note", "recovered"),
    ]
    for args in steps:
        result = run(url, *args)
        assert result.exit_code == 0, (args, result.output)
        assert "None" not in result.stdout, (args, result.stdout)
        if args[:2] == ("tms", "review") and len(args) == 3:
            assert "before the first decision point" in result.stdout
