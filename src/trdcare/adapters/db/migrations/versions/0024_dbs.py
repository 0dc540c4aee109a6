"""dbs: candidacy assessments, surgeries (DBS courses) and programming sessions with charge, limits verdict and physician override

Revision ID: 0024_dbs
Revises: 0011_assessment_alert_ack
Create Date: 2026-12-05 12:45:00

A room of its own (issue 10), branching off the revision it needs: patients and
treatment_courses (0001_foundation), reached through 0011_assessment_alert_ack.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0024_dbs"
down_revision = "0011_assessment_alert_ack"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dbs_candidacies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=20), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("assessed_for", sa.Date(), nullable=False),
        sa.Column(
            "answers",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("overall", sa.String(length=20), nullable=False),
        sa.Column(
            "result",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
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
            ["patient_id"], ["patients.id"], name=op.f("fk_dbs_candidacies_patient_id_patients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dbs_candidacies")),
        sa.UniqueConstraint("ref", name=op.f("uq_dbs_candidacies_ref")),
    )
    op.create_index(
        op.f("ix_dbs_candidacies_patient_id"), "dbs_candidacies", ["patient_id"], unique=False
    )
    op.create_table(
        "dbs_surgeries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("treatment_course_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("operated_on", sa.Date(), nullable=False),
        sa.Column("target", sa.String(length=40), nullable=False),
        sa.Column("protocol_ref", sa.String(length=64), nullable=False),
        sa.Column("lead_model", sa.String(length=60), nullable=False),
        sa.Column(
            "sides",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("surgeon", sa.String(length=120), nullable=False),
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
            ["patient_id"], ["patients.id"], name=op.f("fk_dbs_surgeries_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["treatment_course_id"],
            ["treatment_courses.id"],
            name=op.f("fk_dbs_surgeries_treatment_course_id_treatment_courses"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dbs_surgeries")),
        sa.UniqueConstraint(
            "treatment_course_id", name=op.f("uq_dbs_surgeries_treatment_course_id")
        ),
    )
    op.create_index(
        op.f("ix_dbs_surgeries_patient_id"), "dbs_surgeries", ["patient_id"], unique=False
    )
    op.create_table(
        "dbs_programmings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("surgery_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("programmed_on", sa.Date(), nullable=False),
        sa.Column("side", sa.String(length=10), nullable=False),
        sa.Column(
            "contacts",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("amplitude_ma", sa.Float(), nullable=True),
        sa.Column("amplitude_v", sa.Float(), nullable=True),
        sa.Column("impedance_ohm", sa.Float(), nullable=True),
        sa.Column("pulse_width_us", sa.Float(), nullable=False),
        sa.Column("frequency_hz", sa.Float(), nullable=False),
        sa.Column("current_ma", sa.Float(), nullable=False),
        sa.Column("current_is_estimate", sa.Boolean(), nullable=False),
        sa.Column("contact_area_cm2", sa.Float(), nullable=False),
        sa.Column("charge_per_phase_uc", sa.Float(), nullable=False),
        sa.Column("charge_density_uc_per_cm2", sa.Float(), nullable=False),
        sa.Column("shannon_k", sa.Float(), nullable=False),
        sa.Column("within_limits", sa.Boolean(), nullable=False),
        sa.Column(
            "result",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("override_by", sa.String(length=120), nullable=True),
        sa.Column("override_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=120), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retired_by", sa.String(length=120), nullable=True),
        sa.Column("retired_reason", sa.String(length=500), nullable=True),
        sa.CheckConstraint(
            "amplitude_ma IS NOT NULL OR (amplitude_v IS NOT NULL AND impedance_ohm IS NOT NULL)",
            name=op.f("ck_dbs_programmings_amplitude_mode"),
        ),
        sa.CheckConstraint(
            "within_limits OR (override_by IS NOT NULL AND override_reason IS NOT NULL)",
            name=op.f("ck_dbs_programmings_beyond_limits_needs_override"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_dbs_programmings_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["surgery_id"],
            ["dbs_surgeries.id"],
            name=op.f("fk_dbs_programmings_surgery_id_dbs_surgeries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dbs_programmings")),
    )
    op.create_index(
        op.f("ix_dbs_programmings_patient_id"), "dbs_programmings", ["patient_id"], unique=False
    )
    op.create_index(
        op.f("ix_dbs_programmings_surgery_id"), "dbs_programmings", ["surgery_id"], unique=False
    )


def downgrade() -> None:
    op.drop_table("dbs_programmings")
    op.drop_table("dbs_surgeries")
    op.drop_table("dbs_candidacies")
