"""esketamine: courses (eligibility, sign-off, label calendar), sessions (check-in to
discharge, sign-off, REMS form submission) and timed observations

Revision ID: 0020_esketamine
Revises: 0011_assessment_alert_ack
Create Date: 2026-12-05 12:18:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0020_esketamine"
down_revision = "0011_assessment_alert_ack"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "esketamine_courses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("treatment_course_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("population", sa.String(length=20), nullable=False),
        sa.Column("maintenance", sa.String(length=20), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("weeks", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column(
            "eligibility",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("eligibility_verdict", sa.String(length=20), nullable=False),
        sa.Column("signed_off_by", sa.String(length=120), nullable=True),
        sa.Column("signed_off_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("signoff_note", sa.Text(), nullable=True),
        sa.Column(
            "schedule",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "label",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=120), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retired_by", sa.String(length=120), nullable=True),
        sa.Column("retired_reason", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_esketamine_courses_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["treatment_course_id"],
            ["treatment_courses.id"],
            name=op.f("fk_esketamine_courses_treatment_course_id_treatment_courses"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_esketamine_courses")),
        sa.UniqueConstraint(
            "treatment_course_id", name=op.f("uq_esketamine_courses_treatment_course_id")
        ),
    )
    with op.batch_alter_table("esketamine_courses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_esketamine_courses_patient_id"), ["patient_id"], unique=False
        )

    op.create_table(
        "esketamine_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=20), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("phase", sa.String(length=30), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("predose_systolic_mmhg", sa.Integer(), nullable=False),
        sa.Column("predose_diastolic_mmhg", sa.Integer(), nullable=False),
        sa.Column("predose_pulse_bpm", sa.Integer(), nullable=True),
        sa.Column("predose_spo2_pct", sa.Integer(), nullable=True),
        sa.Column(
            "bp_check",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("bp_signoff_by", sa.String(length=120), nullable=True),
        sa.Column("bp_signoff_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("bp_signoff_note", sa.Text(), nullable=True),
        sa.Column(
            "medications",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "concomitant",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("first_treatment", sa.Boolean(), nullable=False),
        sa.Column("dose_mg", sa.Integer(), nullable=True),
        sa.Column("devices", sa.Integer(), nullable=True),
        sa.Column("lot", sa.String(length=64), nullable=True),
        sa.Column(
            "device_times",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "device_flags",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("administered_by", sa.String(length=120), nullable=True),
        sa.Column("monitoring_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("monitoring_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("discharge_systolic_mmhg", sa.Integer(), nullable=True),
        sa.Column("discharge_diastolic_mmhg", sa.Integer(), nullable=True),
        sa.Column("discharge_pulse_bpm", sa.Integer(), nullable=True),
        sa.Column("discharge_spo2_pct", sa.Integer(), nullable=True),
        sa.Column("sedation_resolved", sa.Boolean(), nullable=True),
        sa.Column("dissociation_resolved", sa.Boolean(), nullable=True),
        sa.Column("respiratory_depression_resolved", sa.Boolean(), nullable=True),
        sa.Column("safe_transport", sa.Boolean(), nullable=True),
        sa.Column("discharged_by", sa.String(length=120), nullable=True),
        sa.Column("discharge_note", sa.Text(), nullable=True),
        sa.Column("signed_by", sa.String(length=120), nullable=True),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rems_due", sa.Date(), nullable=True),
        sa.Column("rems_submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rems_submitted_by", sa.String(length=120), nullable=True),
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
            ["course_id"],
            ["esketamine_courses.id"],
            name=op.f("fk_esketamine_sessions_course_id_esketamine_courses"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_esketamine_sessions_patient_id_patients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_esketamine_sessions")),
        sa.UniqueConstraint("ref", name=op.f("uq_esketamine_sessions_ref")),
    )
    with op.batch_alter_table("esketamine_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_esketamine_sessions_course_id"), ["course_id"], unique=False
        )
        batch_op.create_index(
            "ix_esketamine_sessions_course_number", ["course_id", "number"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_esketamine_sessions_patient_id"), ["patient_id"], unique=False
        )

    op.create_table(
        "esketamine_observations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("observed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("purpose", sa.String(length=30), nullable=False),
        sa.Column("sedation", sa.Boolean(), nullable=False),
        sa.Column("dissociation", sa.Boolean(), nullable=False),
        sa.Column("respiratory_depression", sa.Boolean(), nullable=False),
        sa.Column("systolic_mmhg", sa.Integer(), nullable=True),
        sa.Column("diastolic_mmhg", sa.Integer(), nullable=True),
        sa.Column("pulse_bpm", sa.Integer(), nullable=True),
        sa.Column("spo2_pct", sa.Integer(), nullable=True),
        sa.Column("respiratory_rate_per_min", sa.Integer(), nullable=True),
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
            ["session_id"],
            ["esketamine_sessions.id"],
            name=op.f("fk_esketamine_observations_session_id_esketamine_sessions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_esketamine_observations")),
    )
    with op.batch_alter_table("esketamine_observations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_esketamine_observations_session_id"), ["session_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("esketamine_observations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_esketamine_observations_session_id"))

    op.drop_table("esketamine_observations")
    with op.batch_alter_table("esketamine_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_esketamine_sessions_patient_id"))
        batch_op.drop_index("ix_esketamine_sessions_course_number")
        batch_op.drop_index(batch_op.f("ix_esketamine_sessions_course_id"))

    op.drop_table("esketamine_sessions")
    with op.batch_alter_table("esketamine_courses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_esketamine_courses_patient_id"))

    op.drop_table("esketamine_courses")
