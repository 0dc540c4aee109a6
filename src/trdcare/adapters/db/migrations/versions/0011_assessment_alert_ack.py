"""assessments: a clinician's acknowledgement of the suicidality alert an administration
raised (who, when, note), for staff-entered scales as for self-reports

Revision ID: 0011_assessment_alert_ack
Revises: 0004_caseload_scores, 0002_web (it reads the self-report links' acknowledgements)
Create Date: 2026-12-05 08:00:00

Self-report alerts acknowledged before this revision (on their link, who and when, no note)
are carried over to their assessment, so they do not open again. Staff-entered alerts had no
acknowledgement: they stay open while recent, as before.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_assessment_alert_ack"
down_revision = ("0004_caseload_scores", "0002_web")
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("alert_acknowledged_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("alert_acknowledged_by", sa.String(length=120), nullable=True)
        )
        batch_op.add_column(sa.Column("alert_acknowledgement_note", sa.Text(), nullable=True))
    op.execute(
        "UPDATE assessments SET "
        "alert_acknowledged_at = (SELECT l.alert_acknowledged_at FROM self_report_links l "
        "WHERE l.assessment_id = assessments.id AND l.alert_acknowledged_at IS NOT NULL), "
        "alert_acknowledged_by = (SELECT l.alert_acknowledged_by FROM self_report_links l "
        "WHERE l.assessment_id = assessments.id AND l.alert_acknowledged_at IS NOT NULL) "
        "WHERE EXISTS (SELECT 1 FROM self_report_links l "
        "WHERE l.assessment_id = assessments.id AND l.alert_acknowledged_at IS NOT NULL)"
    )


def downgrade() -> None:
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.drop_column("alert_acknowledgement_note")
        batch_op.drop_column("alert_acknowledged_by")
        batch_op.drop_column("alert_acknowledged_at")
