"""Pure rules of the patient record."""

from trdcare.patients.domain.rules import PATIENT_STATUSES, SEXES, age_years, validate_birth_date

__all__ = ["PATIENT_STATUSES", "SEXES", "age_years", "validate_birth_date"]
