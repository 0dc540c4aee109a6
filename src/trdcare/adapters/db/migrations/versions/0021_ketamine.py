"""ketamine: IV ketamine (off-label) infusion series and infusion records

Revision ID: 0021_ketamine
Revises: 0001_foundation
Create Date: 2026-12-05 12:30:00
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0021_ketamine"
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


def upgrade() -> None:
    op.create_table(
        "ketamine_series",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=20), nullable=False),
        sa.Column("treatment_course_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("weight_kg", sa.Float(), nullable=False),
        sa.Column("dose_mg_per_kg", sa.Float(), nullable=False),
        sa.Column("infusion_min", sa.Integer(), nullable=False),
        sa.Column("dose_mg", sa.Float(), nullable=False),
        sa.Column("planned_infusions", sa.Integer(), nullable=False),
        sa.Column("infusions_per_week", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("planned_by", sa.String(length=120), nullable=False),
        sa.Column("calendar", _json(), nullable=False),
        sa.Column("reasons", _json(), nullable=False),
        sa.Column("rules_status", sa.String(length=20), nullable=False),
        sa.Column("catalogue_version", sa.String(length=40), nullable=False),
        sa.Column("stop_reason", sa.Text(), nullable=True),
        *_stamps(),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_ketamine_series_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["treatment_course_id"],
            ["treatment_courses.id"],
            name=op.f("fk_ketamine_series_treatment_course_id_treatment_courses"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ketamine_series")),
        sa.UniqueConstraint("ref", name=op.f("uq_ketamine_series_ref")),
        sa.UniqueConstraint(
            "treatment_course_id", name=op.f("uq_ketamine_series_treatment_course_id")
        ),
    )
    op.create_index(
        op.f("ix_ketamine_series_patient_id"), "ketamine_series", ["patient_id"], unique=False
    )
    op.create_table(
        "ketamine_infusions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("weight_kg", sa.Float(), nullable=False),
        sa.Column("dose_mg_per_kg", sa.Float(), nullable=False),
        sa.Column("infusion_min", sa.Integer(), nullable=False),
        sa.Column("dose_mg", sa.Float(), nullable=False),
        sa.Column("administered_by", sa.String(length=120), nullable=False),
        sa.Column("predose", _json(), nullable=False),
        sa.Column("bp_warning", sa.Boolean(), nullable=False),
        sa.Column("bp_signoff_by", sa.String(length=120), nullable=True),
        sa.Column("bp_signoff_reason", sa.Text(), nullable=True),
        sa.Column("observations", _json(), nullable=False),
        sa.Column("discharged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("discharge_signed_by", sa.String(length=120), nullable=True),
        sa.Column("discharge", _json(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        *_stamps(),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_ketamine_infusions_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["ketamine_series.id"],
            name=op.f("fk_ketamine_infusions_series_id_ketamine_series"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ketamine_infusions")),
    )
    op.create_index(
        op.f("ix_ketamine_infusions_patient_id"), "ketamine_infusions", ["patient_id"], unique=False
    )
    op.create_index(
        "ix_ketamine_infusions_series_number",
        "ketamine_infusions",
        ["series_id", "number"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_ketamine_infusions_series_number", table_name="ketamine_infusions")
    op.drop_index(op.f("ix_ketamine_infusions_patient_id"), table_name="ketamine_infusions")
    op.drop_table("ketamine_infusions")
    op.drop_index(op.f("ix_ketamine_series_patient_id"), table_name="ketamine_series")
    op.drop_table("ketamine_series")
