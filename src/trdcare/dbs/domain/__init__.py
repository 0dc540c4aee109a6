"""The pure DBS domain (deep brain stimulation for depression is investigational): the
charge, charge-density and Shannon-k calculator checked against the Shannon limit and the
lead's rated density, candidacy per the trial criteria, and a lead's programming setting
checked per active contact (a breach refused unless a physician overrides).

No database, web, CLI or file-system imports: the versioned catalogue ``data/dbs.json`` is
read with :mod:`importlib.resources`. Every verdict carries its reasons (rule, inputs,
sources, status); a result that uses an UNVERIFIED fact says so.
"""

from trdcare.dbs.domain.candidacy import (
    DIAGNOSES,
    DbsAnswers,
    DbsCandidacy,
    DbsFacts,
    evaluate_candidacy,
)
from trdcare.dbs.domain.charge import (
    INPUT_BOUNDS,
    Limit,
    StimulationCheck,
    StimulationLimits,
    charge_density_uc_per_cm2,
    charge_per_phase_uc,
    check_inputs,
    check_stimulation,
    default_limits,
    shannon_k,
    stimulation_current_ma,
)
from trdcare.dbs.domain.programming import (
    ProgrammingCheck,
    check_programming,
    lead_contacts,
    refuse_breaches,
    target_catalogue,
)

__all__ = [
    "DIAGNOSES",
    "INPUT_BOUNDS",
    "DbsAnswers",
    "DbsCandidacy",
    "DbsFacts",
    "Limit",
    "ProgrammingCheck",
    "StimulationCheck",
    "StimulationLimits",
    "charge_density_uc_per_cm2",
    "charge_per_phase_uc",
    "check_inputs",
    "check_programming",
    "check_stimulation",
    "default_limits",
    "evaluate_candidacy",
    "lead_contacts",
    "refuse_breaches",
    "shannon_k",
    "stimulation_current_ma",
    "target_catalogue",
]
