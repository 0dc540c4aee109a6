"""The pure psilocybin protocol domain (RESEARCH PROTOCOL OR REGULATED PROGRAMME ONLY):
exclusion screening, washout, dose, preparation, vitals schedule, observations, discharge.

No database, web, CLI or file-system imports: the versioned catalogue
``data/psilocybin.json`` is read with :mod:`importlib.resources`.
"""

from trdcare.psilocybin.domain.catalogue import (
    PROGRAMMES,
    catalogue_version,
    load,
    restriction,
)
from trdcare.psilocybin.domain.protocol import (
    DosingDischarge,
    DosingObservation,
    Medication,
    ScreenResult,
    WashoutCheck,
    check_dose,
    check_dosing_count,
    check_dosing_discharge,
    check_observation,
    check_preparation,
    exclusion_questions,
    screen,
    vitals_schedule,
    washout_check,
    washout_limits,
)

__all__ = [
    "PROGRAMMES",
    "DosingDischarge",
    "DosingObservation",
    "Medication",
    "ScreenResult",
    "WashoutCheck",
    "catalogue_version",
    "check_dose",
    "check_dosing_count",
    "check_dosing_discharge",
    "check_observation",
    "check_preparation",
    "exclusion_questions",
    "load",
    "restriction",
    "screen",
    "vitals_schedule",
    "washout_check",
    "washout_limits",
]
