"""Stamping and versioning of clinical rows: who, when, and the old version on correction."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session, class_mapper

from trdcare.adapters.db.base import Retirable, Stamped
from trdcare.adapters.db.models import RecordVersion
from trdcare.core.actor import Actor
from trdcare.core.clock import utc_now


def stamp_new(row: Stamped, actor: Actor) -> None:
    now = utc_now()
    row.created_at = now
    row.created_by = actor.username
    row.updated_at = now
    row.updated_by = actor.username
    row.version = 1


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def snapshot(session: Session, row: Stamped, actor: Actor, reason: str) -> None:
    """Keep the current version of ``row`` in ``record_versions``, then bump its version."""
    mapper = class_mapper(type(row))
    data = {col.key: _jsonable(getattr(row, col.key)) for col in mapper.column_attrs}
    session.add(
        RecordVersion(
            table_name=mapper.local_table.name,  # type: ignore[attr-defined]
            row_id=row.id,  # type: ignore[attr-defined]
            version=row.version,
            data=data,
            changed_at=utc_now(),
            changed_by=actor.username,
            reason=reason,
        )
    )
    row.version += 1
    row.updated_at = utc_now()
    row.updated_by = actor.username


def retire(session: Session, row: Retirable, actor: Actor, reason: str) -> None:
    """Retire (never delete) a clinical row, keeping its last version."""
    snapshot(session, row, actor, f"retired: {reason}")  # type: ignore[arg-type]
    row.retired_at = utc_now()
    row.retired_by = actor.username
    row.retired_reason = reason
