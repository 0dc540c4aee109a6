"""Every query of the assessments room."""

from __future__ import annotations

import functools
from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Any, NamedTuple, cast

from sqlalchemy import (
    BindParameter,
    Boolean,
    Integer,
    Select,
    String,
    Subquery,
    Table,
    and_,
    bindparam,
    case,
    column,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from trdcare.adapters.db.memo import memoized
from trdcare.adapters.db.models import (
    Assessment,
    AssessmentItem,
    CaseloadScore,
    Patient,
    ReadModel,
    TreatmentCourse,
)

# Statements of the caseload refresh (every write to a patient's assessments) and of the chart:
# built once, so neither rebuilds them nor recomputes their cache keys per request.
_CASELOAD_SCORES = cast(Table, CaseloadScore.__table__)
_SOME_PATIENTS: BindParameter[list[int]] = bindparam("patient_ids", expanding=True)
_LOCK_PATIENTS = (
    select(Patient.id)
    .where(Patient.id.in_(_SOME_PATIENTS))
    .order_by(Patient.id)
    .with_for_update(key_share=True)
)
_PATIENT_ASSESSMENTS = (
    select(Assessment)
    .where(Assessment.patient_id == bindparam("patient_id"), Assessment.retired_at.is_(None))
    .order_by(Assessment.administered_at, Assessment.id)
)
_INSERT_CASELOAD_SCORES = insert(_CASELOAD_SCORES)
_DELETE_CASELOAD_SCORES = delete(_CASELOAD_SCORES).where(
    _CASELOAD_SCORES.c.patient_id.in_(_SOME_PATIENTS)
)


@functools.cache
def _scored_administrations(*, some: bool) -> Select[Any]:
    course_query = select(
        TreatmentCourse.patient_id.label("patient_id"),
        func.max(TreatmentCourse.start_date).label("start_date"),
    ).where(TreatmentCourse.retired_at.is_(None))
    query = select(
        Assessment.patient_id,
        Assessment.scale_id,
        Assessment.administered_on,
        Assessment.total,
        Assessment.severity,
    ).where(Assessment.complete.is_(True), Assessment.retired_at.is_(None))
    if some:
        course_query = course_query.where(TreatmentCourse.patient_id.in_(_SOME_PATIENTS))
        query = query.where(Assessment.patient_id.in_(_SOME_PATIENTS))
    course = course_query.group_by(TreatmentCourse.patient_id).subquery("course")
    return (
        query.add_columns(course.c.start_date)
        .join(course, course.c.patient_id == Assessment.patient_id, isouter=True)
        .order_by(
            Assessment.patient_id, Assessment.scale_id, Assessment.administered_at, Assessment.id
        )
    )


class ScoredAdministration(NamedTuple):
    """A complete administration, as the caseload read model is computed from."""

    patient_id: int
    scale_id: str
    administered_on: date
    total: int | None
    severity: str | None
    course_start: date | None


class CaseloadRow(NamedTuple):
    """Per active patient: the stored caseload figures of one scale, and alert inputs."""

    patient_ref: str
    given_name: str
    family_name: str
    baseline_total: int | None
    latest_total: int | None
    latest_severity: str | None
    latest_on: date | None
    assessments: int | None
    percent_change: float | None
    response: bool | None
    remission: bool | None
    recent_suicidal_ideation: bool
    assessment_overdue: bool


# The measurement schedule a modality's course sets, where it is not the course's primary
# scale: a TMS course rates the self-report PHQ-9 weekly, its clinician scale (HAM-D17 or
# MADRS) only at baseline and the decision points (trdcare.tms.domain.measurement_schedule,
# issue #3 design), so only the PHQ-9 falls due between visits.
WEEKLY_SCALE_OF_MODALITY = {"tms": "phq9"}


def _scale_scheduled() -> Any:
    """Whether the scale (bound ``scale_id``) is on the patient's measurement schedule and
    has been for longer than the overdue interval (bound ``overdue_before``).

    On the schedule: an ongoing (active or paused), current treatment course that measures
    it, which is the weekly scale of its modality (:data:`WEEKLY_SCALE_OF_MODALITY`) or, for any other
    modality, the course's primary scale (the one its outcome is judged on). A scale no
    course schedules is never overdue; a course begun within the interval is not overdue yet.
    """
    course = TreatmentCourse
    scale_id = bindparam("scale_id", type_=String)
    measures = or_(
        *(
            and_(course.modality == modality, literal(weekly, String) == scale_id)
            for modality, weekly in WEEKLY_SCALE_OF_MODALITY.items()
        ),
        and_(
            course.modality.not_in(tuple(WEEKLY_SCALE_OF_MODALITY)),
            course.primary_scale == scale_id,
        ),
    )
    return exists().where(
        course.patient_id == Patient.id,
        course.retired_at.is_(None),
        # A course paused after a serious adverse event is still measured: the patient is
        # followed more closely then, not less.
        course.status.in_(("active", "paused")),
        course.start_date < bindparam("overdue_before"),
        measures,
    )


def _caseload_base() -> Select[Any]:
    """Active patients with their stored caseload figures and their own alert flags.

    Overdue: the scale is on the patient's measurement schedule (:func:`_scale_scheduled`)
    and the patient was never assessed on it, or last before ``overdue_before``.
    Bound parameters: ``scale_id``, ``recent_since``, ``overdue_before``.
    """
    alerts = (
        select(Assessment.patient_id.label("patient_id"))
        .where(
            Assessment.suicidal_ideation.is_(True),
            Assessment.retired_at.is_(None),
            Assessment.alert_acknowledged_at.is_(None),
            Assessment.administered_on >= bindparam("recent_since"),
        )
        .group_by(Assessment.patient_id)
        .subquery("alerts")
    )
    score = CaseloadScore
    return (
        select(
            Patient.ref.label("patient_ref"),
            Patient.given_name,
            Patient.family_name,
            score.baseline_total,
            score.latest_total,
            score.latest_severity,
            score.latest_on,
            score.assessments,
            score.percent_change,
            score.response,
            score.remission,
            alerts.c.patient_id.is_not(None).label("recent_suicidal_ideation"),
            and_(
                _scale_scheduled(),
                or_(score.latest_on.is_(None), score.latest_on < bindparam("overdue_before")),
            ).label("assessment_overdue"),
        )
        .join(
            score,
            and_(score.patient_id == Patient.id, score.scale_id == bindparam("scale_id")),
            isouter=True,
        )
        .join(alerts, alerts.c.patient_id == Patient.id, isouter=True)
        .where(Patient.status == "active", Patient.retired_at.is_(None))
    )


_CASELOAD_BASE = _caseload_base()
_CASELOAD_BY_NAME = _CASELOAD_BASE.order_by(Patient.family_name, Patient.given_name, Patient.id)


def _other_alerts(dialect: str) -> Subquery:
    """The JSON list of other rooms' alerts (bound ``other_alerts``) as a table (ref, urgent,
    alerts, in_course)."""
    columns = (
        column("ref", String),
        column("urgent", Integer),
        column("alerts", Integer),
        column("in_course", Boolean),
    )
    if dialect == "postgresql":
        sql = (
            "SELECT ref, urgent, alerts, in_course FROM jsonb_to_recordset("
            "CAST(:other_alerts AS jsonb)) AS x(ref text, urgent int, alerts int, "
            "in_course boolean)"
        )
    else:
        sql = (
            "SELECT json_extract(value, '$.ref') AS ref, "
            "json_extract(value, '$.urgent') AS urgent, "
            "json_extract(value, '$.alerts') AS alerts, "
            "json_extract(value, '$.in_course') AS in_course FROM json_each(:other_alerts)"
        )
    return (
        text(sql)
        .bindparams(bindparam("other_alerts", type_=String))
        .columns(*columns)
        .subquery("other")
    )


@functools.cache
def _caseload_page_statements(
    dialect: str, show: str, sort: str, with_band: bool
) -> tuple[Select[Any], Select[Any]]:
    """The dashboard's page statement and its count-only twin, built once per variant
    (building one took 1.3 ms and its cache key 0.5 ms, most of the query's CPU).

    Bound parameters: those of the base, ``other_alerts``, ``offset``, ``limit`` and, with
    ``with_band``, ``band``.
    """
    base = _CASELOAD_BASE.subquery("base")
    other = _other_alerts(dialect)
    own_urgent = case((base.c.recent_suicidal_ideation, 1), else_=0)
    overdue = case((base.c.assessment_overdue, 1), else_=0)
    urgent = own_urgent + func.coalesce(other.c.urgent, 0)
    alert_count = own_urgent + overdue + func.coalesce(other.c.alerts, 0)
    has_alert = case((alert_count > 0, 1), else_=0)
    by_name = (
        func.lower(base.c.family_name),
        func.lower(base.c.given_name),
        base.c.patient_ref,
    )
    sorts: dict[str, tuple[Any, ...]] = {
        "name": (),
        "score": (func.coalesce(base.c.latest_total, -1).desc(),),
        "change": (func.coalesce(base.c.percent_change, 1e9),),
        # Urgent alerts (suicide items, serious adverse events) outrank any number of others.
        "alerts": (urgent.desc(), alert_count.desc()),
        "last": (base.c.latest_on.is_not(None), base.c.latest_on),
    }
    filters: dict[str, Any] = {
        "all": None,
        "alerts": alert_count > 0,
        "response": base.c.response.is_(True),
        "remission": base.c.remission.is_(True),
        "no_response": and_(
            base.c.latest_total.is_not(None), func.coalesce(base.c.response, False).is_(False)
        ),
        "in_course": other.c.in_course.is_(True),
    }
    query = (
        select(
            *(base.c[name] for name in CaseloadRow._fields),
            func.count().over().label("total"),
            func.sum(has_alert).over().label("with_alerts"),
        )
        .join(other, other.c.ref == base.c.patient_ref, isouter=True)
        .order_by(*sorts[sort], *by_name)
        .offset(bindparam("offset"))
        .limit(bindparam("limit"))
    )
    if filters[show] is not None:
        query = query.where(filters[show])
    if with_band:
        query = query.where(base.c.latest_severity == bindparam("band"))
    counted = (
        query.with_only_columns(func.count(), func.sum(has_alert))
        .order_by(None)
        .offset(None)
        .limit(None)
    )
    return query, counted


class AssessmentRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, assessment: Assessment, answers: dict[str, int]) -> Assessment:
        self.session.add(assessment)
        self.session.flush()
        self.session.add_all(
            AssessmentItem(assessment_id=assessment.id, item_key=key, value=value)
            for key, value in answers.items()
        )
        self.session.flush()
        return assessment

    def get(self, assessment_id: int) -> Assessment | None:
        return self.session.get(Assessment, assessment_id)

    def open_staff_alerts(self, recent_since: date) -> list[tuple[Assessment, str]]:
        """Current, unacknowledged suicidality flags of active patients on administrations
        not answered by the patient (staff-entered or imported) on or after ``recent_since``,
        newest first, with the patient's ref. Self-reports are the self-report links' alerts."""
        query = (
            select(Assessment, Patient.ref)
            .join(Patient, Patient.id == Assessment.patient_id)
            .where(
                Assessment.suicidal_ideation.is_(True),
                Assessment.retired_at.is_(None),
                Assessment.alert_acknowledged_at.is_(None),
                Assessment.source != "self_report",
                Assessment.administered_on >= recent_since,
                Patient.status == "active",
                Patient.retired_at.is_(None),
            )
            .order_by(Assessment.administered_at.desc(), Assessment.id.desc())
        )
        return [(row, ref) for row, ref in self.session.execute(query)]

    def claim_alert(self, assessment: Assessment, *, at: datetime, by: str, note: str) -> bool:
        """Record the acknowledgement unless one is recorded already: one conditional UPDATE,
        so of two simultaneous acknowledgements exactly one wins (PostgreSQL re-checks the
        condition after the winner commits; SQLite has one writer at a time)."""
        result = self.session.execute(
            update(Assessment)
            .where(
                Assessment.id == assessment.id,
                Assessment.suicidal_ideation.is_(True),
                Assessment.alert_acknowledged_at.is_(None),
            )
            .values(
                alert_acknowledged_at=at, alert_acknowledged_by=by, alert_acknowledgement_note=note
            )
            .execution_options(synchronize_session=False)
        )
        claimed = bool(getattr(result, "rowcount", 0) == 1)
        if claimed:
            set_committed_value(assessment, "alert_acknowledged_at", at)
            set_committed_value(assessment, "alert_acknowledged_by", by)
            set_committed_value(assessment, "alert_acknowledgement_note", note)
        return claimed

    def items(self, assessment_ids: Sequence[int]) -> dict[int, dict[str, int]]:
        out: dict[int, dict[str, int]] = {i: {} for i in assessment_ids}
        if not assessment_ids:
            return out
        rows = self.session.execute(
            select(
                AssessmentItem.assessment_id, AssessmentItem.item_key, AssessmentItem.value
            ).where(AssessmentItem.assessment_id.in_(assessment_ids))
        )
        for assessment_id, key, value in rows:
            out[assessment_id][key] = value
        return out

    def for_patient(self, patient_id: int, scale_id: str | None = None) -> list[Assessment]:
        everything = memoized(
            self.session,
            ("assessments.for_patient", patient_id),
            lambda: list(self.session.scalars(_PATIENT_ASSESSMENTS, {"patient_id": patient_id})),
        )
        return [a for a in everything if a.scale_id == scale_id] if scale_id else everything

    def scored_administrations(
        self, patient_ids: Collection[int] | None = None
    ) -> list[ScoredAdministration]:
        """Every complete, current administration with its patient's latest course start.

        ``patient_ids`` None: every patient. Ordered by patient, scale and time (then entry),
        the order :func:`trdcare.assessments.domain.caseload_figures` reads them in.
        """
        params = {} if patient_ids is None else {"patient_ids": list(patient_ids)}
        found = self.session.connection().execute(
            _scored_administrations(some=patient_ids is not None), params
        )
        return list(map(ScoredAdministration._make, found.all()))

    def lock_patients(self, patient_ids: Collection[int]) -> None:
        """Row locks on the patients (PostgreSQL; in id order, so two writers cannot deadlock).

        A writer that refreshes a patient's caseload rows holds it until commit: another
        transaction's refresh of the same patient then waits and, reading afresh, sees both.
        FOR NO KEY UPDATE, not FOR UPDATE: the key-share locks that inserting an assessment
        takes on its patient do not conflict with it (with FOR UPDATE, two transactions that
        each inserted an assessment for the patient would deadlock on each other's).
        SQLite has one writer at a time and ignores the clause.
        """
        self.session.connection().execute(_LOCK_PATIENTS, {"patient_ids": sorted(patient_ids)})

    def replace_caseload_scores(
        self, patient_ids: Collection[int] | None, rows: Sequence[dict[str, object]]
    ) -> None:
        """Replace the stored caseload rows of ``patient_ids`` (None: of everyone).

        Core statements: the ORM's per-request memo holds no caseload rows to forget.
        """
        connection = self.session.connection()
        if patient_ids is None:
            connection.execute(delete(_CASELOAD_SCORES))
        else:
            connection.execute(_DELETE_CASELOAD_SCORES, {"patient_ids": list(patient_ids)})
        if rows:
            connection.execute(_INSERT_CASELOAD_SCORES, list(rows))

    def read_model_version(self, name: str) -> int | None:
        return self.session.scalar(select(ReadModel.version).where(ReadModel.name == name))

    def set_read_model_version(self, name: str, version: int, at: datetime) -> None:
        self.session.execute(delete(ReadModel).where(ReadModel.name == name))
        self.session.execute(insert(ReadModel).values(name=name, version=version, rebuilt_at=at))

    def caseload(
        self, *, scale_id: str, recent_since: date, overdue_before: date
    ) -> list[CaseloadRow]:
        """One row per active patient (by name) from the caseload read model, one round trip."""
        params = {
            "scale_id": scale_id,
            "recent_since": recent_since,
            "overdue_before": overdue_before,
        }
        # Core, not ORM, execution: plain tuples for the 2,000-row page without ORM loading.
        found = self.session.connection().execute(_CASELOAD_BY_NAME, params).all()
        return list(map(CaseloadRow._make, found))

    def caseload_page(
        self,
        *,
        scale_id: str,
        recent_since: date,
        overdue_before: date,
        other_alerts_json: str,
        show: str,
        band: str | None,
        sort: str,
        offset: int,
        limit: int,
    ) -> tuple[list[CaseloadRow], int, int]:
        """One page of the caseload, filtered and sorted over every active patient in SQL.

        ``other_alerts_json``: other rooms' alerts as a JSON list of ``{"ref", "urgent",
        "alerts", "in_course"}`` (counts of distinct alert kinds per patient); one parameter,
        so the statement's text, and its compiled form, stay the same from view to view.
        Returns the page's rows, the number of patients that pass the filter and the number
        of those with any alert.
        """
        dialect = self.session.get_bind().dialect.name
        query, counted = _caseload_page_statements(dialect, show, sort, band is not None)
        params: dict[str, object] = {
            "scale_id": scale_id,
            "recent_since": recent_since,
            "overdue_before": overdue_before,
            "other_alerts": other_alerts_json,
            "offset": offset,
            "limit": limit,
        }
        if band is not None:
            params["band"] = band
        connection = self.session.connection()
        found = connection.execute(query, params).all()
        if not found:
            total, with_alerts = connection.execute(counted, params).one()
            return [], int(total or 0), int(with_alerts or 0)
        rows = [CaseloadRow._make(row[: len(CaseloadRow._fields)]) for row in found]
        return rows, int(found[0].total), int(found[0].with_alerts or 0)

    def last_administered(
        self, patient_ids: Collection[int], scale_ids: Collection[str]
    ) -> dict[tuple[int, str], date]:
        """The day of each patient's last complete, current administration of each scale
        (the care plan's measurement schedule reads it; dates only, no scores)."""
        if not patient_ids or not scale_ids:
            return {}
        found = self.session.execute(
            select(Assessment.patient_id, Assessment.scale_id, func.max(Assessment.administered_on))
            .where(
                Assessment.patient_id.in_(list(patient_ids)),
                Assessment.scale_id.in_(list(scale_ids)),
                Assessment.complete.is_(True),
                Assessment.retired_at.is_(None),
            )
            .group_by(Assessment.patient_id, Assessment.scale_id)
        )
        return {(pid, sid): on for pid, sid, on in found.all()}
