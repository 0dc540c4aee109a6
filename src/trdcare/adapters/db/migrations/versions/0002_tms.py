"""tms: safety screens, protocols, MT sessions, course plans, sessions, adverse events, reviews

Revision ID: 0002_tms
Revises: 0001_foundation
Create Date: 2026-11-22 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002_tms"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tms_protocols",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("based_on", sa.String(length=80), nullable=True),
        sa.Column(
            "definition",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("safety_verdict", sa.String(length=20), nullable=False),
        sa.Column(
            "safety",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("approval_basis", sa.String(length=20), nullable=False),
        sa.Column("override_by", sa.String(length=120), nullable=True),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=120), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retired_by", sa.String(length=120), nullable=True),
        sa.Column("retired_reason", sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tms_protocols")),
        sa.UniqueConstraint("key", name=op.f("uq_tms_protocols_key")),
    )
    op.create_table(
        "tms_screens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=20), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("screened_on", sa.Date(), nullable=False),
        sa.Column("instrument", sa.String(length=20), nullable=False),
        sa.Column(
            "answers",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "findings",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "medications",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("verdict", sa.String(length=20), nullable=False),
        sa.Column(
            "result",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("catalogue_version", sa.String(length=40), nullable=False),
        sa.Column("acknowledged_by", sa.String(length=120), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledgement_note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=120), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retired_by", sa.String(length=120), nullable=True),
        sa.Column("retired_reason", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_tms_screens_patient_id_patients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tms_screens")),
        sa.UniqueConstraint("ref", name=op.f("uq_tms_screens_ref")),
    )
    with op.batch_alter_table("tms_screens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tms_screens_patient_id"), ["patient_id"], unique=False)

    op.create_table(
        "tms_course_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("treatment_course_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("screen_id", sa.Integer(), nullable=False),
        sa.Column("protocol_key", sa.String(length=80), nullable=False),
        sa.Column("protocol_origin", sa.String(length=20), nullable=False),
        sa.Column(
            "protocol",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("catalogue_version", sa.String(length=40), nullable=False),
        sa.Column(
            "approval",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("acute_sessions", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("planned_sessions", sa.Integer(), nullable=False),
        sa.Column("delivered_sessions", sa.Integer(), nullable=False),
        sa.Column("review_required", sa.Boolean(), nullable=False),
        sa.Column("pause_reason", sa.Text(), nullable=True),
        sa.Column("mt_pct_mso", sa.Float(), nullable=True),
        sa.Column(
            "intensity",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "target",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "closures",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "skipped_days",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("first_session_time", sa.String(length=8), nullable=False),
        sa.Column("time_zone", sa.String(length=60), nullable=False),
        sa.Column(
            "decision_points",
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
            ["patient_id"], ["patients.id"], name=op.f("fk_tms_course_plans_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["screen_id"],
            ["tms_screens.id"],
            name=op.f("fk_tms_course_plans_screen_id_tms_screens"),
        ),
        sa.ForeignKeyConstraint(
            ["treatment_course_id"],
            ["treatment_courses.id"],
            name=op.f("fk_tms_course_plans_treatment_course_id_treatment_courses"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tms_course_plans")),
        sa.UniqueConstraint(
            "treatment_course_id", name=op.f("uq_tms_course_plans_treatment_course_id")
        ),
    )
    with op.batch_alter_table("tms_course_plans", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tms_course_plans_patient_id"), ["patient_id"], unique=False
        )

    op.create_table(
        "tms_decision_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("sessions_delivered", sa.Integer(), nullable=False),
        sa.Column("decision_point", sa.Integer(), nullable=True),
        sa.Column("scale", sa.String(length=20), nullable=True),
        sa.Column("baseline_total", sa.Integer(), nullable=True),
        sa.Column("current_total", sa.Integer(), nullable=True),
        sa.Column(
            "suggestions",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("primary_action", sa.String(length=40), nullable=True),
        sa.Column("decision", sa.String(length=20), nullable=False),
        sa.Column("chosen_action", sa.String(length=40), nullable=True),
        sa.Column("decided_by", sa.String(length=120), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=120), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["tms_course_plans.id"],
            name=op.f("fk_tms_decision_reviews_plan_id_tms_course_plans"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tms_decision_reviews")),
    )
    with op.batch_alter_table("tms_decision_reviews", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tms_decision_reviews_plan_id"), ["plan_id"], unique=False
        )

    op.create_table(
        "tms_mt_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=True),
        sa.Column("method", sa.String(length=30), nullable=False),
        sa.Column("measured_on", sa.Date(), nullable=False),
        sa.Column(
            "state",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("stopped", sa.Boolean(), nullable=False),
        sa.Column("estimate_pct_mso", sa.Float(), nullable=True),
        sa.Column("pulses", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=120), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retired_by", sa.String(length=120), nullable=True),
        sa.Column("retired_reason", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_tms_mt_sessions_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["tms_course_plans.id"],
            name=op.f("fk_tms_mt_sessions_plan_id_tms_course_plans"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tms_mt_sessions")),
    )
    with op.batch_alter_table("tms_mt_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tms_mt_sessions_patient_id"), ["patient_id"], unique=False
        )

    op.create_table(
        "tms_planned_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("phase", sa.String(length=20), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("session_of_day", sa.Integer(), nullable=False),
        sa.Column("shifted_from", sa.Date(), nullable=True),
        sa.Column("shift_reason", sa.Text(), nullable=True),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=120), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["tms_course_plans.id"],
            name=op.f("fk_tms_planned_sessions_plan_id_tms_course_plans"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tms_planned_sessions")),
    )
    with op.batch_alter_table("tms_planned_sessions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_tms_planned_sessions_plan_number", ["plan_id", "number"], unique=False
        )

    op.create_table(
        "tms_session_logs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("planned_session_id", sa.Integer(), nullable=True),
        sa.Column("session_number", sa.Integer(), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("planned_pulses", sa.Integer(), nullable=False),
        sa.Column("pulses_delivered", sa.Integer(), nullable=False),
        sa.Column("excess_reason", sa.Text(), nullable=True),
        sa.Column("intensity_pct_mso", sa.Float(), nullable=False),
        sa.Column("mt_pct_mso", sa.Float(), nullable=False),
        sa.Column("intensity_pct_mt", sa.Float(), nullable=False),
        sa.Column("trains_delivered", sa.Integer(), nullable=True),
        sa.Column("coil", sa.String(length=80), nullable=False),
        sa.Column("device", sa.String(length=80), nullable=False),
        sa.Column("target", sa.String(length=80), nullable=False),
        sa.Column("operator", sa.String(length=120), nullable=False),
        sa.Column("mt_rechecked", sa.Boolean(), nullable=False),
        sa.Column(
            "interruptions",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "side_effects",
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
            ["plan_id"],
            ["tms_course_plans.id"],
            name=op.f("fk_tms_session_logs_plan_id_tms_course_plans"),
        ),
        sa.ForeignKeyConstraint(
            ["planned_session_id"],
            ["tms_planned_sessions.id"],
            name=op.f("fk_tms_session_logs_planned_session_id_tms_planned_sessions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tms_session_logs")),
    )
    with op.batch_alter_table("tms_session_logs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tms_session_logs_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "tms_adverse_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_log_id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("severity", sa.String(length=20), nullable=False),
        sa.Column("serious", sa.Boolean(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=120), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retired_by", sa.String(length=120), nullable=True),
        sa.Column("retired_reason", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["tms_course_plans.id"],
            name=op.f("fk_tms_adverse_events_plan_id_tms_course_plans"),
        ),
        sa.ForeignKeyConstraint(
            ["session_log_id"],
            ["tms_session_logs.id"],
            name=op.f("fk_tms_adverse_events_session_log_id_tms_session_logs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tms_adverse_events")),
    )
    with op.batch_alter_table("tms_adverse_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tms_adverse_events_session_log_id"), ["session_log_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("tms_adverse_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tms_adverse_events_session_log_id"))

    op.drop_table("tms_adverse_events")
    with op.batch_alter_table("tms_session_logs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tms_session_logs_plan_id"))

    op.drop_table("tms_session_logs")
    with op.batch_alter_table("tms_planned_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_tms_planned_sessions_plan_number")

    op.drop_table("tms_planned_sessions")
    with op.batch_alter_table("tms_mt_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tms_mt_sessions_patient_id"))

    op.drop_table("tms_mt_sessions")
    with op.batch_alter_table("tms_decision_reviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tms_decision_reviews_plan_id"))

    op.drop_table("tms_decision_reviews")
    with op.batch_alter_table("tms_course_plans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tms_course_plans_patient_id"))

    op.drop_table("tms_course_plans")
    with op.batch_alter_table("tms_screens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tms_screens_patient_id"))

    op.drop_table("tms_screens")
    op.drop_table("tms_protocols")
