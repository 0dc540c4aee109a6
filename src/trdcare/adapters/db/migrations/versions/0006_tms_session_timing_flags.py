"""tms: a session log keeps where its time departs from the course (timing flags)

Revision ID: 0006_tms_session_timing_flags
Revises: 0005_tms_adverse_event_reports
Create Date: 2026-12-02 05:00:00

Sessions logged before this revision get an empty list (they were not checked).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006_tms_session_timing_flags"
down_revision = "0005_tms_adverse_event_reports"
branch_labels = None
depends_on = None

JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("tms_session_logs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("timing_flags", JSON_TYPE, nullable=False, server_default=sa.text("'[]'"))
        )
    # The default only filled the existing rows: new rows get theirs from the application.
    with op.batch_alter_table("tms_session_logs", schema=None) as batch_op:
        batch_op.alter_column(
            "timing_flags", existing_type=JSON_TYPE, existing_nullable=False, server_default=None
        )


def downgrade() -> None:
    with op.batch_alter_table("tms_session_logs", schema=None) as batch_op:
        batch_op.drop_column("timing_flags")
