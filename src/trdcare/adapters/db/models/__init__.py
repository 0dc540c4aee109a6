"""All ORM models, one module per table group, imported here so Alembic sees every table."""

from trdcare.adapters.db.base import Base
from trdcare.adapters.db.models.accounts import User
from trdcare.adapters.db.models.accounts_web import (
    ApiToken,
    LoginThrottle,
    SelfReportLink,
    WebSession,
)
from trdcare.adapters.db.models.assessments import (
    Assessment,
    AssessmentItem,
    CaseloadScore,
    ReadModel,
)
from trdcare.adapters.db.models.audit import AuditEvent
from trdcare.adapters.db.models.courses import CourseAdverseEvent, CoursePause
from trdcare.adapters.db.models.dbs import DbsCandidacy, DbsProgramming, DbsSurgery
from trdcare.adapters.db.models.esketamine import (
    EsketamineCourse,
    EsketamineObservation,
    EsketamineSession,
)
from trdcare.adapters.db.models.history import TreatmentCourse, TreatmentTrial
from trdcare.adapters.db.models.ketamine import KetamineInfusion, KetamineSeries
from trdcare.adapters.db.models.labs import LabResult
from trdcare.adapters.db.models.neurofeedback import NfSession
from trdcare.adapters.db.models.pathway import CarePlanRow
from trdcare.adapters.db.models.patients import Episode, Patient
from trdcare.adapters.db.models.pgx import PgxResult
from trdcare.adapters.db.models.psilocybin import (
    PsilocybinDosingDay,
    PsilocybinEnrolment,
    PsilocybinSession,
)
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
from trdcare.adapters.db.models.versions import RecordVersion
from trdcare.adapters.db.models.vns import VnsCandidacy, VnsImplant, VnsTitration

__all__ = [
    "ApiToken",
    "Assessment",
    "AssessmentItem",
    "AuditEvent",
    "Base",
    "CarePlanRow",
    "CaseloadScore",
    "CourseAdverseEvent",
    "CoursePause",
    "DbsCandidacy",
    "DbsProgramming",
    "DbsSurgery",
    "Episode",
    "EsketamineCourse",
    "EsketamineObservation",
    "EsketamineSession",
    "KetamineInfusion",
    "KetamineSeries",
    "LabResult",
    "LoginThrottle",
    "NfSession",
    "Patient",
    "PgxResult",
    "PsilocybinDosingDay",
    "PsilocybinEnrolment",
    "PsilocybinSession",
    "ReadModel",
    "RecordVersion",
    "SelfReportLink",
    "TmsAdverseEvent",
    "TmsCoursePlan",
    "TmsDecisionReview",
    "TmsMtSession",
    "TmsPlannedSession",
    "TmsProtocol",
    "TmsScreen",
    "TmsSessionLog",
    "TreatmentCourse",
    "TreatmentTrial",
    "User",
    "VnsCandidacy",
    "VnsImplant",
    "VnsTitration",
    "WebSession",
]
