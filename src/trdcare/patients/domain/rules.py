"""Patient-record rules: allowed values and date sanity."""

from __future__ import annotations

from datetime import date

from trdcare.core.checks import check_date_not_future
from trdcare.core.errors import InvalidInput

# Administrative sex as in HL7 FHIR AdministrativeGender (male | female | other | unknown).
SEXES = ("female", "male", "other", "unknown")
PATIENT_STATUSES = ("active", "discharged")
# Oldest plausible age: guards against typing errors in the birth year, not a clinical limit.
MAX_AGE_YEARS = 125


def age_years(birth_date: date, on: date) -> int:
    """Completed years of age on ``on``."""
    years = on.year - birth_date.year
    if (on.month, on.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def validate_birth_date(birth_date: date, today: date) -> date:
    check_date_not_future("birth_date", birth_date, today)
    if age_years(birth_date, today) > MAX_AGE_YEARS:
        raise InvalidInput.single(
            "birth_date",
            "implies an implausible age",
            allowed=f"an age of at most {MAX_AGE_YEARS} years",
            given=birth_date,
        )
    return birth_date
