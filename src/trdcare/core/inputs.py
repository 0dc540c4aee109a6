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

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints, model_validator

from trdcare.core.text import check_free_text, check_single_line_text

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
