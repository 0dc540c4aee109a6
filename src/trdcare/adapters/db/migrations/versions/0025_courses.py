"""courses: adverse events of non-TMS treatment courses and the pauses a serious one causes

Revision ID: 0025_courses
Revises: 0001_foundation
Create Date: 2026-12-05 12:40:00

The tables refer to ``patients`` and ``treatment_courses`` (0001_foundation) only. A course's
status gains the value ``paused`` (a string column: no schema change).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0025_courses"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _stamps(retirable: bool) -> list[sa.Column[Any]]:
    cols: list[sa.Column[Any]] = [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=120), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    ]
    if retirable:
        cols += [
            sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("retired_by", sa.String(length=120), nullable=True),
            sa.Column("retired_reason", sa.String(length=500), nullable=True),
        ]
    return cols


def upgrade() -> None:
    op.create_table(
        "course_adverse_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("severity", sa.String(length=20), nullable=False),
        sa.Column("serious", sa.Boolean(), nullable=False),
        sa.Column("serious_criteria", _JSON, nullable=False),
        sa.Column("criteria_added", _JSON, nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("delivery_ref", sa.String(length=80), nullable=True),
        sa.Column("catalogue_version", sa.String(length=40), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=120), nullable=True),
        sa.Column("acknowledgement_note", sa.Text(), nullable=True),
        *_stamps(retirable=True),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["treatment_courses.id"],
            name=op.f("fk_course_adverse_events_course_id_treatment_courses"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_course_adverse_events_patient_id_patients"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course_adverse_events")),
    )
    with op.batch_alter_table("course_adverse_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_course_adverse_events_course_id"), ["course_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_course_adverse_events_patient_id"), ["patient_id"], unique=False
        )
    op.create_table(
        "course_pauses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("paused_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decision", sa.String(length=20), nullable=True),
        sa.Column("reviewed_by", sa.String(length=120), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("review_note", sa.Text(), nullable=True),
        *_stamps(retirable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["treatment_courses.id"],
            name=op.f("fk_course_pauses_course_id_treatment_courses"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_course_pauses_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["course_adverse_events.id"],
            name=op.f("fk_course_pauses_event_id_course_adverse_events"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course_pauses")),
    )
    with op.batch_alter_table("course_pauses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_course_pauses_course_id"), ["course_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_course_pauses_patient_id"), ["patient_id"], unique=False
        )


def downgrade() -> None:
    # A paused course cannot be told from an active one without these tables: say so.
    bind = op.get_bind()
    paused = bind.execute(
        sa.text("SELECT count(*) FROM treatment_courses WHERE status = 'paused'")
    ).scalar_one()
    if paused:
        raise RuntimeError(
            f"{paused} treatment course(s) are paused after a serious adverse event; review "
            "them (resume or stop) before downgrading, so no pause is lost"
        )
    op.drop_table("course_pauses")
    op.drop_table("course_adverse_events")
