"""The pure esketamine domain: the US label's schedule, dose steps, pre-dose blood pressure,
discharge readiness and the REMS monitoring form's deadline.

No database, web, CLI or file-system imports: the versioned catalogue ``data/esketamine.json``
is read with :mod:`importlib.resources`. Every verdict carries its reasons (rule, inputs,
sources, status) and has ``to_dict()``.
"""

from trdcare.core.vitals import VITAL_SIGN_LIMITS, check_vital_signs
from trdcare.esketamine.domain.catalogue import label_dict, load
from trdcare.esketamine.domain.safety import (
    DOSE_LIMITS,
    DOSE_PHASES,
    POPULATIONS,
    DischargeReadiness,
    DoseCheck,
    PredoseBpCheck,
    RemsFormDeadline,
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

__all__ = [
    "DEFAULT_WEEKS",
    "DOSE_LIMITS",
    "DOSE_PHASES",
    "MAINTENANCE_OPTIONS",
    "POPULATIONS",
    "SCHEDULE_LIMITS",
    "VITAL_SIGN_LIMITS",
    "DischargeReadiness",
    "DoseCheck",
    "EsketamineSchedule",
    "PredoseBpCheck",
    "RemsFormDeadline",
    "ScheduledSession",
    "check_dose",
    "check_predose_bp",
    "check_vital_signs",
    "discharge_readiness",
    "induction_and_maintenance_schedule",
    "label_dict",
    "load",
    "rems_form_due",
]
