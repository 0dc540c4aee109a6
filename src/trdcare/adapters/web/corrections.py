"""The request and response models every room's correction routes share: the reason and
the version a change is made against, the record's state after it, and its kept versions.

A correction is a new version of a record (the old one kept with who, when and why); an
entry made in error is retired with its reason (never deleted). ``version`` is the version
the user was shown: if someone changed the record since, the change is refused (409) and
nothing is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, Field, StringConstraints

from trdcare.adapters.db.stamping import VersionEntry
from trdcare.core.corrections import REASON_MAX_CHARS, REASON_MIN_CHARS
from trdcare.core.inputs import Blank as Blank  # re-exported: the rooms import it from here
from trdcare.core.inputs import InputModel
from trdcare.core.text import check_free_text

#: Why a record is corrected, retired, cancelled or stopped (kept with the old version).
CorrectionReason = Annotated[
    str,
    StringConstraints(min_length=REASON_MIN_CHARS, max_length=REASON_MAX_CHARS),
    AfterValidator(check_free_text),
]

REASON_DESCRIPTION = "Why: kept with the old version (3 to 400 characters)"
VERSION_DESCRIPTION = (
    "The version shown when the change was decided; refused if the record changed since"
)


class RetireIn(InputModel):
    """Mark a record entered in error, cancel or stop: always with a reason."""

    reason: CorrectionReason = Field(title="Reason", description=REASON_DESCRIPTION)
    version: int = Field(ge=1, le=2**31 - 1, title="Version shown", description=VERSION_DESCRIPTION)


class FieldChangeOut(BaseModel):
    field: str
    before: Any
    after: Any


class VersionOut(BaseModel):
    """One earlier version and the change that replaced it."""

    version: int
    recorded_by: str
    recorded_at: datetime
    changed_by: str
    changed_at: datetime
    reason: str
    changes: list[FieldChangeOut]


class RecordStateOut(BaseModel):
    """A record's identity and version after a change."""

    id: int
    version: int
    retired_at: datetime | None = None
    retired_by: str | None = None
    retired_reason: str | None = None


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


def versions_out(entries: Sequence[VersionEntry]) -> list[VersionOut]:
    return [
        VersionOut(
            version=e.version,
            recorded_by=e.recorded_by,
            recorded_at=e.recorded_at,
            changed_by=e.changed_by,
            changed_at=e.changed_at,
            reason=e.reason,
            changes=[
                FieldChangeOut(field=k, before=_plain(old), after=_plain(new))
                for k, (old, new) in e.changes.items()
            ],
        )
        for e in entries
    ]


def state_out(row: Any) -> RecordStateOut:
    return RecordStateOut(
        id=row.id,
        version=row.version,
        retired_at=getattr(row, "retired_at", None),
        retired_by=getattr(row, "retired_by", None),
        retired_reason=getattr(row, "retired_reason", None),
    )
