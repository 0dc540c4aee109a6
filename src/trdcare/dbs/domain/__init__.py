"""The pure DBS domain (deep brain stimulation for depression is investigational): the
charge, charge-density and Shannon-k calculator checked against the Shannon limit and the
lead's rated density.

No database, web, CLI or file-system imports: the versioned catalogue ``data/dbs.json`` is
read with :mod:`importlib.resources`. Every verdict carries its reasons (rule, inputs,
sources, status); a result that uses an UNVERIFIED fact says so.
"""

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

__all__ = [
    "INPUT_BOUNDS",
    "Limit",
    "StimulationCheck",
    "StimulationLimits",
    "charge_density_uc_per_cm2",
    "charge_per_phase_uc",
    "check_inputs",
    "check_stimulation",
    "default_limits",
    "shannon_k",
    "stimulation_current_ma",
]
