"""vns: candidacy assessments, implants (VNS courses) and the titration log

Revision ID: 0023_vns
Revises: 0011_assessment_alert_ack
Create Date: 2026-12-05 12:45:00

A room of its own (issue 10), branching off the revision it needs: patients and
treatment_courses (0001_foundation), reached through 0011_assessment_alert_ack.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0023_vns"
down_revision = "0011_assessment_alert_ack"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "vns_candidacies",
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
            ["patient_id"], ["patients.id"], name=op.f("fk_vns_candidacies_patient_id_patients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vns_candidacies")),
        sa.UniqueConstraint("ref", name=op.f("uq_vns_candidacies_ref")),
    )
    op.create_index(
        op.f("ix_vns_candidacies_patient_id"), "vns_candidacies", ["patient_id"], unique=False
    )
    op.create_table(
        "vns_implants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("treatment_course_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("implanted_on", sa.Date(), nullable=False),
        sa.Column("generator_model", sa.String(length=200), nullable=False),
        sa.Column("lead_model", sa.String(length=200), nullable=False),
        sa.Column("serial_number", sa.String(length=64), nullable=False),
        sa.Column("surgeon", sa.String(length=120), nullable=False),
        sa.Column("side", sa.String(length=10), nullable=False),
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
            ["patient_id"], ["patients.id"], name=op.f("fk_vns_implants_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["treatment_course_id"],
            ["treatment_courses.id"],
            name=op.f("fk_vns_implants_treatment_course_id_treatment_courses"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vns_implants")),
        sa.UniqueConstraint(
            "treatment_course_id", name=op.f("uq_vns_implants_treatment_course_id")
        ),
    )
    op.create_index(
        op.f("ix_vns_implants_patient_id"), "vns_implants", ["patient_id"], unique=False
    )
    op.create_table(
        "vns_titrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("implant_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("visit_on", sa.Date(), nullable=False),
        sa.Column("output_current_ma", sa.Float(), nullable=False),
        sa.Column("frequency_hz", sa.Float(), nullable=False),
        sa.Column("pulse_width_us", sa.Float(), nullable=False),
        sa.Column("on_time_s", sa.Float(), nullable=False),
        sa.Column("off_time_min", sa.Float(), nullable=False),
        sa.Column("duty_cycle_pct", sa.Float(), nullable=False),
        sa.Column(
            "side_effects",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "flags",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
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
            ["implant_id"],
            ["vns_implants.id"],
            name=op.f("fk_vns_titrations_implant_id_vns_implants"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_vns_titrations_patient_id_patients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vns_titrations")),
    )
    op.create_index(
        op.f("ix_vns_titrations_implant_id"), "vns_titrations", ["implant_id"], unique=False
    )
    op.create_index(
        op.f("ix_vns_titrations_patient_id"), "vns_titrations", ["patient_id"], unique=False
    )


def downgrade() -> None:
    op.drop_table("vns_titrations")
    op.drop_table("vns_implants")
    op.drop_table("vns_candidacies")
