"""pgx: gene results on the patient's record (VCF calls and outside calls)

Revision ID: 0027_pgx
Revises: 0011_assessment_alert_ack
Create Date: 2026-12-05 13:00:00

A room of its own (issue 12), branching off the revision it needs: patients
(0001_foundation), reached through 0011_assessment_alert_ack.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0027_pgx"
down_revision = "0011_assessment_alert_ack"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "pgx_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=20), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("gene", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("diplotypes", JSON, nullable=False),
        sa.Column("phenotype", sa.String(length=80), nullable=False),
        sa.Column("activity_score", sa.String(length=20), nullable=True),
        sa.Column("result", JSON, nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("sample", sa.String(length=120), nullable=False),
        sa.Column("lab", sa.String(length=200), nullable=False),
        sa.Column("reported_on", sa.Date(), nullable=True),
        sa.Column("data_versions", JSON, nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=120), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retired_by", sa.String(length=120), nullable=True),
        sa.Column("retired_reason", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_pgx_results_patient_id_patients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pgx_results")),
        sa.UniqueConstraint("ref", name=op.f("uq_pgx_results_ref")),
    )
    op.create_index(op.f("ix_pgx_results_patient_id"), "pgx_results", ["patient_id"], unique=False)


def downgrade() -> None:
    op.drop_table("pgx_results")
