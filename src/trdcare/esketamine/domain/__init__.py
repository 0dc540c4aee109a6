"""The pure esketamine domain: the US label's schedule, dose steps, pre-dose blood pressure,
discharge readiness and the REMS monitoring form's deadline.

No database, web, CLI or file-system imports: the versioned catalogue ``data/esketamine.json``
is read with :mod:`importlib.resources`. Every verdict carries its reasons (rule, inputs,
sources, status) and has ``to_dict()``.
"""

from trdcare.core.vitals import VITAL_SIGN_LIMITS, check_vital_signs
from trdcare.esketamine.domain.catalogue import label_dict, load
from trdcare.esketamine.domain.eligibility import (
    TRD_FINDINGS,
    Eligibility,
    EligibilityFinding,
    assess_eligibility,
    contraindication_items,
    question_ids,
    warning_items,
)
from trdcare.esketamine.domain.safety import (
    DOSE_LIMITS,
    DOSE_PHASES,
    POPULATIONS,
    DischargeBpCheck,
    DischargeReadiness,
    DoseCheck,
    PredoseBpCheck,
    RemsFormDeadline,
    check_discharge_bp,
    check_dose,
    check_predose_bp,
    discharge_readiness,
    rems_form_due,
)
from trdcare.esketamine.domain.schedule import (
    DEFAULT_WEEKS,
    MAINTENANCE_OPTIONS,
    SCHEDULE_LIMITS,
    EsketamineSchedule,
    ScheduledSession,
    induction_and_maintenance_schedule,
)
from trdcare.esketamine.domain.session import (
    CalendarMonth,
    ConcomitantMedication,
    concomitant_medications,
    concomitant_reason,
    course_calendar,
    device_rest_flags,
    dose_phase,
)

__all__ = [
    "DEFAULT_WEEKS",
    "DOSE_LIMITS",
    "DOSE_PHASES",
    "MAINTENANCE_OPTIONS",
    "POPULATIONS",
    "SCHEDULE_LIMITS",
    "TRD_FINDINGS",
    "VITAL_SIGN_LIMITS",
    "CalendarMonth",
    "ConcomitantMedication",
    "DischargeBpCheck",
    "DischargeReadiness",
    "DoseCheck",
    "Eligibility",
    "EligibilityFinding",
    "EsketamineSchedule",
    "PredoseBpCheck",
    "RemsFormDeadline",
    "ScheduledSession",
    "assess_eligibility",
    "check_discharge_bp",
    "check_dose",
    "check_predose_bp",
    "check_vital_signs",
    "concomitant_medications",
    "concomitant_reason",
    "contraindication_items",
    "course_calendar",
    "device_rest_flags",
    "discharge_readiness",
    "dose_phase",
    "induction_and_maintenance_schedule",
    "label_dict",
    "load",
    "question_ids",
    "rems_form_due",
    "warning_items",
]
