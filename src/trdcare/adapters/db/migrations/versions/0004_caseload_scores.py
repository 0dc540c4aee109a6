"""assessments: the caseload read model (one row per patient and scale) and its version

Revision ID: 0004_caseload_scores
Revises: 0001_foundation
Create Date: 2026-11-22 07:20:00

The table starts empty; `trdcare db upgrade` (and `trdcare serve` on SQLite) fill it from the
assessments with the code's current rules (``read_models`` records which version).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_caseload_scores"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "caseload_scores",
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("scale_id", sa.String(length=20), nullable=False),
        sa.Column("assessments", sa.Integer(), nullable=False),
        sa.Column("baseline_total", sa.Integer(), nullable=True),
        sa.Column("latest_total", sa.Integer(), nullable=True),
        sa.Column("latest_severity", sa.String(length=30), nullable=True),
        sa.Column("latest_on", sa.Date(), nullable=True),
        sa.Column("percent_change", sa.Float(), nullable=True),
        sa.Column("response", sa.Boolean(), nullable=False),
        sa.Column("remission", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_caseload_scores_patient_id_patients"),
        ),
        sa.PrimaryKeyConstraint("patient_id", "scale_id", name=op.f("pk_caseload_scores")),
    )
    with op.batch_alter_table("caseload_scores", schema=None) as batch_op:
        batch_op.create_index("ix_caseload_scores_scale", ["scale_id"], unique=False)
    op.create_table(
        "read_models",
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("rebuilt_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_read_models")),
    )
    flagged = sa.text("suicidal_ideation IS true")
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_assessments_suicidal_ideation_on",
            ["administered_on"],
            unique=False,
            postgresql_where=flagged,
            sqlite_where=flagged,
        )


def downgrade() -> None:
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.drop_index("ix_assessments_suicidal_ideation_on")
    op.drop_table("read_models")
    with op.batch_alter_table("caseload_scores", schema=None) as batch_op:
        batch_op.drop_index("ix_caseload_scores_scale")
    op.drop_table("caseload_scores")
