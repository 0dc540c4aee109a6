"""labs: biomarker results (LOINC, unit, the laboratory's reference range, flag)

Revision ID: 0028_labs
Revises: 0011_assessment_alert_ack
Create Date: 2026-12-05 13:30:00

A room of its own (issue 12, item 5), branching off the revision it needs: patients
(0001_foundation), reached through 0011_assessment_alert_ack.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0028_labs"
down_revision = "0011_assessment_alert_ack"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lab_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("analyte", sa.String(length=40), nullable=False),
        sa.Column("loinc", sa.String(length=10), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("reference_low", sa.Float(), nullable=True),
        sa.Column("reference_high", sa.Float(), nullable=True),
        sa.Column("flag", sa.String(length=1), nullable=False),
        sa.Column("collected_on", sa.Date(), nullable=False),
        sa.Column("lab", sa.String(length=200), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("catalogue_version", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=120), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retired_by", sa.String(length=120), nullable=True),
        sa.Column("retired_reason", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_lab_results_patient_id_patients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lab_results")),
    )
    op.create_index(op.f("ix_lab_results_patient_id"), "lab_results", ["patient_id"], unique=False)


def downgrade() -> None:
    op.drop_table("lab_results")
