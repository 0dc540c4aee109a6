"""Biomarker labs: the analyte catalogue (LOINC code, units; source and status per entry)
and the abnormal flag of a result against the reference range its laboratory gave."""

from trdcare.labs.domain.catalogue import Analyte, LabsCatalogue, analyte, load
from trdcare.labs.domain.flags import Flag, flag_result

__all__ = ["Analyte", "Flag", "LabsCatalogue", "analyte", "flag_result", "load"]
