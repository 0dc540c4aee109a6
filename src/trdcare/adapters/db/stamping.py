"""Stamping and versioning of clinical rows: who, when, and the old version on correction."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, class_mapper
from sqlalchemy.orm.attributes import set_committed_value

from trdcare.adapters.db.base import Retirable, Stamped
from trdcare.adapters.db.models import RecordVersion
from trdcare.core.actor import Actor
from trdcare.core.clock import utc_now
from trdcare.core.errors import Conflict


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


# -- corrections and entered-in-error, race-free ---------------------------------------------

#: Columns that say who changed a row, not what it records (left out of a version's changes).
_STAMP_COLUMNS = frozenset(
    {"id", "version", "created_at", "created_by", "updated_at", "updated_by"}
    | {"retired_at", "retired_by", "retired_reason"}
)


def _row_data(row: object) -> dict[str, Any]:
    mapper = class_mapper(type(row))
    return {col.key: _jsonable(getattr(row, col.key)) for col in mapper.column_attrs}


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value is not None else "an unknown time"


def check_current(row: Stamped, what: str, expected_version: int | None) -> int:
    """The version a change is made against, if the row (as loaded) is still it."""
    retired_at = getattr(row, "retired_at", None)
    if retired_at is not None:
        raise Conflict(
            f"{what} was already marked entered in error by {row.retired_by} "  # type: ignore[attr-defined]
            f"on {_when(retired_at)}: it cannot be changed again"
        )
    expected = row.version if expected_version is None else expected_version
    if expected != row.version:
        raise Conflict(
            f"{what} was corrected by {row.updated_by} on {_when(row.updated_at)} since "
            f"version {expected} was shown (it is now version {row.version}): look at it "
            "again before changing it"
        )
    return expected


def claim_next_version(
    session: Session,
    row: Stamped,
    actor: Actor,
    reason: str,
    *,
    what: str,
    expected_version: int | None = None,
) -> None:
    """Keep ``row``'s current version in ``record_versions`` and take the next version
    number, only if nobody else has changed or retired the row meanwhile.

    The check and the write are one conditional UPDATE (``WHERE version = expected AND
    retired_at IS NULL``): of two concurrent corrections on PostgreSQL the second waits for
    the first's row lock, then matches no row and is refused; on SQLite the writers are
    serialised anyway. The caller then changes the row's fields through the ORM (so flush
    listeners such as the caseload refresh see them).

    Raises
    ------
    Conflict
        The row is retired (entered in error), or its version is not ``expected_version``
        (someone corrected it since it was shown), or that happened concurrently.
    """
    expected = check_current(row, what, expected_version)
    session.flush()
    model = type(row)
    conditions = [model.id == row.id, model.version == expected]  # type: ignore[attr-defined]
    if isinstance(row, Retirable):
        conditions.append(model.retired_at.is_(None))  # type: ignore[attr-defined]
    now = utc_now()
    result = session.execute(
        update(model)
        .where(*conditions)
        .values(version=expected + 1, updated_at=now, updated_by=actor.username)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(
            f"{what} was changed or marked entered in error by someone else at the same "
            "time: look at it again before changing it"
        )
    mapper = class_mapper(model)
    session.add(
        RecordVersion(
            table_name=mapper.local_table.name,  # type: ignore[attr-defined]
            row_id=row.id,  # type: ignore[attr-defined]
            version=expected,
            data=_row_data(row),
            changed_at=now,
            changed_by=actor.username,
            reason=reason,
        )
    )
    set_committed_value(row, "version", expected + 1)
    set_committed_value(row, "updated_at", now)
    set_committed_value(row, "updated_by", actor.username)


def correct_row(
    session: Session,
    row: Stamped,
    actor: Actor,
    reason: str,
    changes: Mapping[str, Any],
    *,
    what: str,
    expected_version: int | None = None,
) -> dict[str, tuple[Any, Any]]:
    """Correct ``row``: a new version with ``changes``, the old one kept with who, when
    and why. Returns the fields that changed (old, new); nothing is written when none did.
    """
    check_current(row, what, expected_version)
    changed = {
        key: (getattr(row, key), value)
        for key, value in changes.items()
        if _jsonable(getattr(row, key)) != _jsonable(value)
    }
    if not changed:
        return {}
    claim_next_version(
        session, row, actor, f"corrected: {reason}", what=what, expected_version=expected_version
    )
    for key, (_, value) in changed.items():
        setattr(row, key, value)
    session.flush()
    return changed


def keep_version(
    session: Session,
    row: Stamped,
    earlier: Stamped,
    extra: Mapping[str, Any] | None = None,
) -> None:
    """``row`` replaces ``earlier``, a record kept whole (an assessment with its item
    answers) and just retired by :func:`retire_row`: ``earlier``'s kept versions become
    ``row``'s history (the last with ``extra``, what the row held beside its columns), and
    ``row`` takes the next version number."""
    table = class_mapper(type(row)).local_table.name  # type: ignore[attr-defined]
    kept = list(
        session.scalars(
            select(RecordVersion)
            .where(
                RecordVersion.table_name == table,
                RecordVersion.row_id == earlier.id,  # type: ignore[attr-defined]
            )
            .order_by(RecordVersion.version, RecordVersion.id)
        )
    )
    for i, k in enumerate(kept):
        last = i == len(kept) - 1
        session.add(
            RecordVersion(
                table_name=table,
                row_id=row.id,  # type: ignore[attr-defined]
                version=k.version,
                data={**k.data, **(extra or {})} if last else k.data,
                changed_at=k.changed_at,
                changed_by=k.changed_by,
                reason=k.reason,
            )
        )
    row.version = earlier.version
    session.flush()


def retire_row(
    session: Session,
    row: Retirable,
    actor: Actor,
    reason: str,
    *,
    what: str,
    label: str = "entered in error",
    expected_version: int | None = None,
) -> None:
    """Mark ``row`` entered in error (or cancelled: ``label``), never deleting it; its last
    version is kept and a second, concurrent retirement is refused."""
    claim_next_version(
        session,
        row,  # type: ignore[arg-type]
        actor,
        f"{label}: {reason}",
        what=what,
        expected_version=expected_version,
    )
    row.retired_at = utc_now()
    row.retired_by = actor.username
    row.retired_reason = f"{label}: {reason}"
    session.flush()


@dataclass(frozen=True, slots=True)
class VersionEntry:
    """One earlier version of a record and the change that replaced it."""

    version: int
    recorded_by: str
    recorded_at: datetime
    changed_by: str
    changed_at: datetime
    reason: str
    #: field -> (value in this version, value in the next); stamps left out.
    changes: Mapping[str, tuple[Any, Any]]


def version_history(
    session: Session, row: Stamped, extra: Mapping[str, Any] | None = None
) -> list[VersionEntry]:
    """The earlier versions of ``row``, oldest first, each with who replaced it, when, why
    and which fields changed (``extra``: what the current version holds beside its
    columns, e.g. an assessment's answers, kept in its earlier versions' data)."""
    mapper = class_mapper(type(row))
    kept = list(
        session.scalars(
            select(RecordVersion)
            .where(
                RecordVersion.table_name == mapper.local_table.name,  # type: ignore[attr-defined]
                RecordVersion.row_id == row.id,  # type: ignore[attr-defined]
            )
            .order_by(RecordVersion.version, RecordVersion.id)
        )
    )
    snapshots = [k.data for k in kept] + [{**_row_data(row), **(extra or {})}]
    out = []
    for i, k in enumerate(kept):
        old, new = snapshots[i], snapshots[i + 1]
        changes = {
            key: (old.get(key), new.get(key))
            for key in old
            if key not in _STAMP_COLUMNS and old.get(key) != new.get(key)
        }
        out.append(
            VersionEntry(
                version=k.version,
                recorded_by=str(old.get("updated_by") or ""),
                recorded_at=datetime.fromisoformat(str(old.get("updated_at"))),
                changed_by=k.changed_by,
                changed_at=k.changed_at,
                reason=k.reason,
                changes=changes,
            )
        )
    return out
