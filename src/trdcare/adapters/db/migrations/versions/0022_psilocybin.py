"""psilocybin: research-protocol / regulated-programme enrolments, preparation and
integration sessions, dosing days

Revision ID: 0022_psilocybin
Revises: 0001_foundation
Create Date: 2026-12-05 12:45:00
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0022_psilocybin"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def _json() -> Any:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _stamps() -> list[sa.Column[Any]]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=120), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retired_by", sa.String(length=120), nullable=True),
        sa.Column("retired_reason", sa.String(length=500), nullable=True),
    ]


def _patient_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["patient_id"], ["patients.id"], name=op.f(f"fk_{table}_patient_id_patients")
    )


def _enrolment_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["enrolment_id"],
        ["psilocybin_enrolments.id"],
        name=op.f(f"fk_{table}_enrolment_id_psilocybin_enrolments"),
    )


def upgrade() -> None:
    op.create_table(
        "psilocybin_enrolments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=20), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("treatment_course_id", sa.Integer(), nullable=True),
        sa.Column("programme", sa.String(length=30), nullable=False),
        sa.Column("protocol_id", sa.String(length=64), nullable=False),
        sa.Column("protocol_name", sa.String(length=200), nullable=False),
        sa.Column("screened_on", sa.Date(), nullable=False),
        sa.Column("answers", _json(), nullable=False),
        sa.Column("screen", _json(), nullable=False),
        sa.Column("verdict", sa.String(length=20), nullable=False),
        sa.Column("review_by", sa.String(length=120), nullable=True),
        sa.Column("review_note", sa.Text(), nullable=True),
        sa.Column("washout_days", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("screened_by", sa.String(length=120), nullable=False),
        sa.Column("catalogue_version", sa.String(length=40), nullable=False),
        sa.Column("stop_reason", sa.Text(), nullable=True),
        *_stamps(),
        _patient_fk("psilocybin_enrolments"),
        sa.ForeignKeyConstraint(
            ["treatment_course_id"],
            ["treatment_courses.id"],
            name=op.f("fk_psilocybin_enrolments_treatment_course_id_treatment_courses"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_psilocybin_enrolments")),
        sa.UniqueConstraint("ref", name=op.f("uq_psilocybin_enrolments_ref")),
        sa.UniqueConstraint(
            "treatment_course_id", name=op.f("uq_psilocybin_enrolments_treatment_course_id")
        ),
    )
    op.create_index(
        op.f("ix_psilocybin_enrolments_patient_id"),
        "psilocybin_enrolments",
        ["patient_id"],
        unique=False,
    )
    op.create_table(
        "psilocybin_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("held_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_min", sa.Integer(), nullable=False),
        sa.Column("facilitator", sa.String(length=120), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        *_stamps(),
        _patient_fk("psilocybin_sessions"),
        _enrolment_fk("psilocybin_sessions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_psilocybin_sessions")),
    )
    for column in ("enrolment_id", "patient_id"):
        op.create_index(
            op.f(f"ix_psilocybin_sessions_{column}"),
            "psilocybin_sessions",
            [column],
            unique=False,
        )
    op.create_table(
        "psilocybin_dosing_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("dose_mg", sa.Float(), nullable=False),
        sa.Column("administered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("administered_by", sa.String(length=120), nullable=False),
        sa.Column("monitored_by", sa.String(length=120), nullable=False),
        sa.Column("support_person", sa.String(length=120), nullable=False),
        sa.Column("predose", _json(), nullable=False),
        sa.Column("washout", _json(), nullable=False),
        sa.Column("vitals_due", _json(), nullable=False),
        sa.Column("observations", _json(), nullable=False),
        sa.Column("discharged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("discharge_signed_by", sa.String(length=120), nullable=True),
        sa.Column("discharge", _json(), nullable=False),
        sa.Column("support_person_present", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        *_stamps(),
        _patient_fk("psilocybin_dosing_days"),
        _enrolment_fk("psilocybin_dosing_days"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_psilocybin_dosing_days")),
    )
    for column in ("enrolment_id", "patient_id"):
        op.create_index(
            op.f(f"ix_psilocybin_dosing_days_{column}"),
            "psilocybin_dosing_days",
            [column],
            unique=False,
        )


def downgrade() -> None:
    for table in ("psilocybin_dosing_days", "psilocybin_sessions"):
        for column in ("patient_id", "enrolment_id"):
            op.drop_index(op.f(f"ix_{table}_{column}"), table_name=table)
        op.drop_table(table)
    op.drop_index(op.f("ix_psilocybin_enrolments_patient_id"), table_name="psilocybin_enrolments")
    op.drop_table("psilocybin_enrolments")
