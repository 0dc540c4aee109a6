"""The pure IV ketamine domain (OFF-LABEL): weight-based dose, the series calendar, the
pre-infusion blood pressure warning, observations and discharge readiness.

No database, web, CLI or file-system imports: the versioned catalogue ``data/ketamine.json``
is read with :mod:`importlib.resources`. Every verdict carries its reasons (rule, inputs,
sources, status) and has ``to_dict()``; every output carries the off-label notice.
"""

from trdcare.ketamine.domain.catalogue import catalogue_version, load, off_label
from trdcare.ketamine.domain.dose import (
    KetamineDose,
    PlannedInfusion,
    SeriesCalendar,
    dose_limits,
    series_calendar,
    series_limits,
    weight_based_dose,
)
from trdcare.ketamine.domain.infusion import (
    CRITERIA,
    DischargeReadiness,
    Observation,
    PreinfusionBpCheck,
    check_discharge,
    check_infusion_end,
    check_observation,
    check_preinfusion_bp,
    discharge_readiness,
)

__all__ = [
    "CRITERIA",
    "DischargeReadiness",
    "KetamineDose",
    "Observation",
    "PlannedInfusion",
    "PreinfusionBpCheck",
    "SeriesCalendar",
    "catalogue_version",
    "check_discharge",
    "check_infusion_end",
    "check_observation",
    "check_preinfusion_bp",
    "discharge_readiness",
    "dose_limits",
    "load",
    "off_label",
    "series_calendar",
    "series_limits",
    "weight_based_dose",
]
