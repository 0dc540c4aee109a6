"""pathway: the integrated care plan (one versioned row per patient)

Revision ID: 0029_care_plan
Revises: 0028_labs
Create Date: 2026-12-05 18:40:00

Issue 13, item 2: therapies on one timeline, one measurement schedule and the patient's
stated preferences; earlier versions kept in record_versions (0001_foundation).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0029_care_plan"
down_revision = "0028_labs"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "care_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("therapies", JSON, nullable=False),
        sa.Column("measures", JSON, nullable=False),
        sa.Column("preferences", JSON, nullable=False),
        sa.Column("change_reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=120), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_care_plans_patient_id_patients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_plans")),
        sa.UniqueConstraint("patient_id", name=op.f("uq_care_plans_patient_id")),
    )


def downgrade() -> None:
    op.drop_table("care_plans")
