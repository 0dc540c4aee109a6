"""neurofeedback: one row per feedback session on the patient's neurofeedback course

Revision ID: 0026_neurofeedback
Revises: 0011_assessment_alert_ack
Create Date: 2026-12-05 13:10:00

A room of its own (issue 11), branching off the revision it needs: patients and
treatment_courses (0001_foundation), reached through 0011_assessment_alert_ack.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0026_neurofeedback"
down_revision = "0011_assessment_alert_ack"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "nf_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("treatment_course_id", sa.Integer(), nullable=False),
        sa.Column("session_number", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("protocol_kind", sa.String(length=20), nullable=False),
        sa.Column("ended", sa.String(length=40), nullable=False),
        sa.Column("duration_s", sa.Float(), nullable=False),
        sa.Column("mean_feature", sa.Float(), nullable=True),
        sa.Column("pct_time_rewarded", sa.Float(), nullable=True),
        sa.Column("pct_artifact", sa.Float(), nullable=True),
        sa.Column("threshold", sa.Float(), nullable=True),
        sa.Column("recording", sa.String(length=1000), nullable=False),
        sa.Column("header", JSON, nullable=False),
        sa.Column("summary", JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=120), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retired_by", sa.String(length=120), nullable=True),
        sa.Column("retired_reason", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_nf_sessions_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["treatment_course_id"],
            ["treatment_courses.id"],
            name=op.f("fk_nf_sessions_treatment_course_id_treatment_courses"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nf_sessions")),
    )
    op.create_index(op.f("ix_nf_sessions_patient_id"), "nf_sessions", ["patient_id"], unique=False)
    op.create_index(
        op.f("ix_nf_sessions_treatment_course_id"),
        "nf_sessions",
        ["treatment_course_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_nf_sessions_treatment_course_id"), table_name="nf_sessions")
    op.drop_index(op.f("ix_nf_sessions_patient_id"), table_name="nf_sessions")
    op.drop_table("nf_sessions")
