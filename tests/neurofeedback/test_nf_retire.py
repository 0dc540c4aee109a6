"""Marking a stored neurofeedback session entered in error, on SQLite and PostgreSQL: the
service (kept with who, when and why, its last version kept, its recording kept; no longer
in the learning curve, the session count or the session days; listed as entered in error;
audited), the next session's number, every refusal with nothing written, and
`trdcare nf retire`."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from trdcare import cli as root_cli
from trdcare.adapters.db.engine import unit_of_work
from trdcare.adapters.db.models import AuditEvent, Patient, RecordVersion, TreatmentCourse
from trdcare.adapters.db.models.neurofeedback import NfSession
from trdcare.adapters.db.stamping import claim_next_version
from trdcare.core.actor import Actor
from trdcare.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from trdcare.neurofeedback import service as nf_service
from web_support import add_patient

PHYSICIAN = Actor(username="physician.test", role="physician", source="test")
CLINICIAN = Actor(username="clinician.test", role="clinician", source="test")
OTHER = Actor(username="clinician.other", role="clinician", source="test")
START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def store(
    session: Session,
    patient: Patient,
    mean: float,
    started: datetime,
    *,
    actor: Actor = CLINICIAN,
    recording: str = "/data/neurofeedback/session-x.edf",
) -> NfSession:
    row, _ = nf_service.record_session(
        session,
        actor,
        patient,
        started_at=started,
        header={"source": "synthetic:test", "protocol": {"kind": "faa"}},
        summary={
            "duration_s": 600.0,
            "mean_feature": mean,
            "pct_time_rewarded": 60.0,
            "pct_artifact": 5.0,
            "threshold": 0.1,
        },
        ended="duration",
        recording=recording,
    )
    return row


def patient_of(session: Session, ref: str) -> Patient:
    return session.scalars(select(Patient).where(Patient.ref == ref)).one()


def three_sessions(engine: Engine, mrn: str) -> str:
    ref = add_patient(engine, mrn)
    with unit_of_work(engine) as session:
        patient = patient_of(session, ref)
        for i, mean in enumerate((0.05, 0.30, 0.12)):
            store(
                session,
                patient,
                mean,
                START + timedelta(days=i),
                recording=f"/data/neurofeedback/session-{i + 1}.edf",
            )
    return ref


def snapshot(engine: Engine) -> tuple[Any, ...]:
    """What a refused retirement must leave as it was."""
    with unit_of_work(engine) as session:
        rows = session.execute(
            select(NfSession.id, NfSession.version, NfSession.retired_at).order_by(NfSession.id)
        ).all()
        kept = session.scalar(select(func.count()).select_from(RecordVersion))
    return tuple(rows), kept


def test_a_retired_session_is_kept_listed_and_no_longer_counts(engine: Engine) -> None:
    ref = three_sessions(engine, "NF-RET-1")
    with unit_of_work(engine) as session:
        patient = patient_of(session, ref)
        row, _ = nf_service.retire_session(
            session,
            PHYSICIAN,
            patient,
            2,
            reason="  run on the wrong patient ",
            expected_version=1,
        )
        assert (row.version, row.retired_by) == (2, "physician.test")
        assert row.retired_reason == "entered in error: run on the wrong patient"
    with unit_of_work(engine) as session:
        patient = patient_of(session, ref)
        view = nf_service.course_view(session, PHYSICIAN, patient)
        (c,) = view["courses"]
        # the learning curve and the session count leave it out
        assert [s["session_number"] for s in c["sessions"]] == [1, 3]
        assert [s["mean_feature"] for s in c["sessions"]] == [0.05, 0.12]
        # the session days given to the assessments room too
        assert nf_service.session_dates(session, patient) == [
            START.date(),
            START.date() + timedelta(days=2),
        ]
        # listed as entered in error, with who, when, why, and its recording kept
        (gone,) = c["entered_in_error"]
        assert gone["session_number"] == 2 and gone["retired_by"] == "physician.test"
        assert gone["retired_reason"] == "entered in error: run on the wrong patient"
        assert gone["recording"] == "/data/neurofeedback/session-2.edf"
        assert gone["retired_at"] and gone["version"] == 2
        # the row is kept whole, its version 1 in record_versions
        kept = session.scalars(select(NfSession).where(NfSession.session_number == 2)).one()
        assert kept.mean_feature == 0.30 and kept.recording.endswith("session-2.edf")
        (version,) = session.scalars(
            select(RecordVersion).where(
                RecordVersion.table_name == "nf_sessions", RecordVersion.row_id == kept.id
            )
        ).all()
        assert version.version == 1 and version.changed_by == "physician.test"
        assert version.reason == "entered in error: run on the wrong patient"
        assert version.data["mean_feature"] == 0.30 and version.data["retired_at"] is None
        events = session.scalars(
            select(AuditEvent).where(
                AuditEvent.entity == "nf_session", AuditEvent.action == "retire"
            )
        ).all()
        assert [(e.actor, e.patient_ref, e.detail["session_number"]) for e in events] == [
            ("physician.test", ref, 2)
        ]
        assert "wrong patient" not in json.dumps([e.detail for e in events])
        # the next session follows the highest current number: no duplicate 3
        assert store(session, patient, 0.2, START + timedelta(days=3)).session_number == 4


def test_the_last_session_entered_in_error_leaves_its_number_to_the_next(engine: Engine) -> None:
    ref = three_sessions(engine, "NF-RET-2")
    with unit_of_work(engine) as session:
        patient = patient_of(session, ref)
        nf_service.retire_session(session, PHYSICIAN, patient, 3, reason="test run stored")
        assert store(session, patient, 0.2, START + timedelta(days=3)).session_number == 3
        # session 3 now names the current one; the retired one stays listed
        (c,) = nf_service.course_view(session, PHYSICIAN, patient)["courses"]
        assert [s["session_number"] for s in c["sessions"]] == [1, 2, 3]
        assert [r["session_number"] for r in c["entered_in_error"]] == [3]
        row, _ = nf_service.retire_session(session, PHYSICIAN, patient, 3, reason="again wrong")
        assert row.mean_feature == 0.2


@pytest.mark.parametrize(
    ("number", "kwargs", "error", "words"),
    [
        (2, {"reason": ""}, InvalidInput, "reason"),
        (2, {"reason": "no"}, InvalidInput, "reason"),
        (2, {"reason": "x" * 401}, InvalidInput, "reason"),
        (9, {"reason": "wrong patient"}, NotFound, "session: no neurofeedback session 9"),
        (2**40, {"reason": "wrong patient"}, NotFound, "session"),
        (2, {"reason": "wrong patient", "course_ref": "C-NOPE"}, NotFound, "on course C-NOPE"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(
    engine: Engine, number: int, kwargs: dict[str, Any], error: type, words: str
) -> None:
    ref = three_sessions(engine, "NF-RET-3")
    before = snapshot(engine)
    with pytest.raises(error) as info, unit_of_work(engine) as session:
        nf_service.retire_session(session, PHYSICIAN, patient_of(session, ref), number, **kwargs)
    assert words in info.value.render()
    assert snapshot(engine) == before


def test_already_retired_and_a_stale_version_are_conflicts_naming_who(engine: Engine) -> None:
    ref = three_sessions(engine, "NF-RET-4")
    with unit_of_work(engine) as session:
        nf_service.retire_session(
            session, PHYSICIAN, patient_of(session, ref), 1, reason="wrong patient"
        )
        # someone changed session 2 since version 1 was shown (no NF correction exists yet:
        # the shared stamping step stands in for one)
        row = session.scalars(select(NfSession).where(NfSession.session_number == 2)).one()
        claim_next_version(session, row, OTHER, "corrected: test", what="session 2")
    before = snapshot(engine)
    with pytest.raises(Conflict) as info, unit_of_work(engine) as session:
        nf_service.retire_session(session, CLINICIAN, patient_of(session, ref), 1, reason="again")
    assert "already marked entered in error by physician.test" in info.value.message
    with pytest.raises(Conflict) as info, unit_of_work(engine) as session:
        nf_service.retire_session(
            session, PHYSICIAN, patient_of(session, ref), 2, reason="wrong", expected_version=1
        )
    assert "corrected by clinician.other" in info.value.message
    assert "version 1 was shown" in info.value.message
    assert snapshot(engine) == before


def test_a_clinician_marks_only_the_sessions_they_ran(engine: Engine) -> None:
    ref = three_sessions(engine, "NF-RET-5")  # run by clinician.test
    before = snapshot(engine)
    with pytest.raises(PermissionDenied) as info, unit_of_work(engine) as session:
        nf_service.retire_session(
            session, OTHER, patient_of(session, ref), 1, reason="wrong patient", as_role="clinician"
        )
    assert "recorded by someone else" in info.value.message
    assert snapshot(engine) == before
    with unit_of_work(engine) as session:
        row, _ = nf_service.retire_session(
            session,
            CLINICIAN,
            patient_of(session, ref),
            1,
            reason="wrong patient",
            as_role="clinician",
        )
        assert row.retired_by == "clinician.test"
        # a physician marks anyone's
        nf_service.retire_session(
            session,
            PHYSICIAN,
            patient_of(session, ref),
            2,
            reason="wrong patient",
            as_role="physician",
        )


def test_a_number_on_two_courses_needs_the_course(engine: Engine) -> None:
    ref = add_patient(engine, "NF-RET-6")
    with unit_of_work(engine) as session:
        patient = patient_of(session, ref)
        store(session, patient, 0.1, START)
        first = session.scalars(select(TreatmentCourse)).one()
        first.status = "completed"
        session.flush()
        store(session, patient, 0.2, START + timedelta(days=30))
        refs = sorted(c.ref for c in session.scalars(select(TreatmentCourse)))
        first_ref = first.ref
    before = snapshot(engine)
    with pytest.raises(InvalidInput) as info, unit_of_work(engine) as session:
        nf_service.retire_session(session, PHYSICIAN, patient_of(session, ref), 1, reason="wrong")
    (issue,) = info.value.issues
    assert issue.path == "course" and issue.allowed == ", ".join(refs)
    assert snapshot(engine) == before
    with unit_of_work(engine) as session:
        row, course = nf_service.retire_session(
            session, PHYSICIAN, patient_of(session, ref), 1, reason="wrong", course_ref=first_ref
        )
        assert course.ref == first_ref and row.mean_feature == 0.1
    with unit_of_work(engine) as session:
        # one current session 1 is left: no course needed any more
        row, course = nf_service.retire_session(
            session, PHYSICIAN, patient_of(session, ref), 1, reason="wrong"
        )
        assert course.ref != first_ref and row.mean_feature == 0.2
        view = nf_service.course_view(session, PHYSICIAN, patient_of(session, ref))
        assert [len(c["entered_in_error"]) for c in view["courses"]] == [1, 1]
        assert [c["sessions"] for c in view["courses"]] == [[], []]


# -- trdcare nf retire -----------------------------------------------------------------------
runner = CliRunner()


def cli(url: str, *args: str) -> Any:
    return runner.invoke(root_cli.app, ["--database-url", url, "nf", "retire", *args])


def test_cli_retire(database_url: str, engine: Engine) -> None:
    ref = three_sessions(engine, "NF-RET-CLI")
    result = cli(database_url, ref, "2", "--reason", "run on the wrong patient", "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["patient"] == ref and doc["session_number"] == 2 and doc["version"] == 2
    assert doc["retired_reason"] == "entered in error: run on the wrong patient"
    assert doc["recording"] == "/data/neurofeedback/session-2.edf"
    text = cli(database_url, ref, "3", "--reason", "test run", "--version", "1")
    assert text.exit_code == 0, text.output
    assert "Session 3 of course" in text.stdout and "recording is kept" in text.stdout
    before = snapshot(engine)
    for args, words in [
        ((ref, "1", "--reason", ""), "reason"),
        ((ref, "7", "--reason", "wrong patient"), "session"),
        ((ref, "2", "--reason", "wrong patient"), "already marked entered in error"),
        ((ref, "1", "--reason", "wrong patient", "--version", "3"), "version 3 was shown"),
        ((ref, "1", "--reason", "wrong", "--course", "C-NOPE"), "on course C-NOPE"),
        ((ref, "x", "--reason", "wrong patient"), "x"),
        (("P-ZZZZZZZZZZ", "1", "--reason", "wrong patient"), "patient"),
    ]:
        result = cli(database_url, *args)
        assert result.exit_code == 2, (args, result.output)
        assert words in result.stderr, (args, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert snapshot(engine) == before
    course = cli(database_url, "--help")
    assert course.exit_code == 0
    shown = runner.invoke(
        root_cli.app, ["--database-url", database_url, "nf", "course", ref, "--json"]
    )
    (c,) = json.loads(shown.stdout)["courses"]
    assert [s["session_number"] for s in c["sessions"]] == [1]
    assert [r["session_number"] for r in c["entered_in_error"]] == [2, 3]


def test_the_course_report_leaves_a_retired_session_out(engine: Engine) -> None:
    from trdcare.reports import service as report_service

    ref = three_sessions(engine, "NF-RET-7")
    with unit_of_work(engine) as session:
        course_ref = session.scalars(select(TreatmentCourse.ref)).one()
        nf_service.retire_session(session, PHYSICIAN, patient_of(session, ref), 3, reason="wrong")
    with unit_of_work(engine) as session:
        report = report_service.course_report(session, PHYSICIAN, course_ref).report
        assert report.sessions_given == 2
        assert report.session_days == (START.date(), START.date() + timedelta(days=1))
        assert dict(report.protocol_details)["Last session"].startswith("session 2")
