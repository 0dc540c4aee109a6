"""The shared base of every input model and the one length limit per kind of free text.

One model per input serves the JSON endpoint, the page form (``Annotated[Model, Form()]``) and
the CLI. :class:`InputModel` forbids unknown fields (a misspelt field is an error, not silently
dropped) except the pages' CSRF token, which is the page's machinery, checked before the form is
parsed (``adapters/web/auth.csrf_guard``), and never part of the input.

Text limits are house limits, not clinical numbers: long enough for any real entry of the kind,
short enough that a pasted document or a 20,000-character attack is refused with a message
naming the field and the limit (issue 14, finding 12). They are stated once here; a schema
declares a field with the kind, e.g. ``note: ClinicalNote``.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    StringConstraints,
    model_validator,
)

from trdcare.core.checks import Interval
from trdcare.core.clock import PLANNING_HORIZON_DAYS, utc_today
from trdcare.core.text import check_free_text, check_single_line_text
from trdcare.core.vitals import VITAL_SIGN_LIMITS

# Characters, per kind of free text.
NAME_MAX_CHARS = 120  # a person's given or family name, a display name, a token's name
CODE_MAX_CHARS = 64  # an identifier typed by staff: MRN, device serial, lot number, username
LABEL_MAX_CHARS = 200  # a short free label: a drug's or a target's name as written, a site
REASON_MAX_CHARS = 500  # why a record is corrected, paused, cancelled; a short event summary
NOTE_MAX_CHARS = 4000  # a clinical note or an event's description (about one typed page)

# Each kind: its length, then the character rule of core.text (one line, or several).
_ONE_LINE = AfterValidator(check_single_line_text)
_LINES = AfterValidator(check_free_text)
PersonName = Annotated[str, StringConstraints(min_length=1, max_length=NAME_MAX_CHARS), _ONE_LINE]
Code = Annotated[str, StringConstraints(min_length=1, max_length=CODE_MAX_CHARS), _ONE_LINE]
Label = Annotated[str, StringConstraints(min_length=1, max_length=LABEL_MAX_CHARS), _ONE_LINE]
Reason = Annotated[str, StringConstraints(min_length=3, max_length=REASON_MAX_CHARS), _LINES]
ClinicalNote = Annotated[str, StringConstraints(max_length=NOTE_MAX_CHARS), _LINES]
# A note that must say something: a physician's reasoning, a review's note.
RequiredNote = Annotated[str, StringConstraints(min_length=3, max_length=NOTE_MAX_CHARS), _LINES]

# Form fields that belong to the page, not to the input.
PAGE_FIELDS = ("csrf_token",)


class InputModel(BaseModel):
    """Base of the models that parse input: API bodies, page forms, CLI options."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="before")
    @classmethod
    def _drop_page_fields(cls, data: Any) -> Any:
        if isinstance(data, dict) and any(name in data for name in PAGE_FIELDS):
            return {k: v for k, v in data.items() if k not in PAGE_FIELDS}
        return data


def within(interval: Interval) -> AfterValidator:
    """Check a number against a domain's declared :class:`~trdcare.core.checks.Interval` with
    the input's other fields, so a form says it in the first round (not after the rest is
    fixed, when the service checks it). ``None`` (not given) passes.

    Examples
    --------
    >>> from typing import Annotated
    >>> from pydantic import TypeAdapter
    >>> TypeAdapter(Annotated[float, within(Interval(1, 100))]).validate_python(65)
    65.0
    """

    def check(value: float | None) -> float | None:
        if value is not None and not interval.contains(value):
            given = int(value) if float(value).is_integer() and abs(value) < 2**53 else value
            raise ValueError(f"is out of range (allowed: {interval.describe()}; given: {given})")
        return value

    return AfterValidator(check)


def _known_time_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"is not a known time zone (allowed: an IANA name such as Europe/Paris; given: {name})"
        ) from None
    return name


#: An IANA time zone name (``Europe/Paris``), checked against the system's zone database.
TimeZoneName = Annotated[
    str, StringConstraints(min_length=1, max_length=60), AfterValidator(_known_time_zone)
]


def _within_horizon(day: date) -> date:
    last = utc_today() + timedelta(days=PLANNING_HORIZON_DAYS)
    if day > last:
        raise ValueError(
            f"is too far in the future to plan (allowed: on or before {last.isoformat()}, "
            f"about three years ahead; given: {day.isoformat()})"
        )
    return day


#: A day care is planned for: not beyond the planning horizon (core.clock, a DESIGN guard).
PlannedDate = Annotated[date, AfterValidator(_within_horizon)]


def _blank_is_none(value: object) -> object:
    """A page form's empty input is "not given", never an empty number."""
    return None if isinstance(value, str) and not value.strip() else value


#: A form field that may be left empty.
Blank = BeforeValidator(_blank_is_none)

# Vital-sign readings bounded by the shared plausibility ranges (core.vitals), so a form
# reports a reading out of range with the rest of its problems in one round; the services
# check the same ranges again. An optional reading left empty on a page is "not measured".
Systolic = Annotated[float, within(VITAL_SIGN_LIMITS["systolic_mmhg"])]
Diastolic = Annotated[float, within(VITAL_SIGN_LIMITS["diastolic_mmhg"])]
OptionalSystolic = Annotated[float | None, Blank, within(VITAL_SIGN_LIMITS["systolic_mmhg"])]
OptionalDiastolic = Annotated[float | None, Blank, within(VITAL_SIGN_LIMITS["diastolic_mmhg"])]
OptionalPulse = Annotated[float | None, Blank, within(VITAL_SIGN_LIMITS["pulse_bpm"])]
OptionalSpo2 = Annotated[float | None, Blank, within(VITAL_SIGN_LIMITS["spo2_pct"])]
OptionalRespiratoryRate = Annotated[
    float | None, Blank, within(VITAL_SIGN_LIMITS["respiratory_rate_per_min"])
]
