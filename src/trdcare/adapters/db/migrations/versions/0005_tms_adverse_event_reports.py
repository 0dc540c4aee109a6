"""tms: adverse events reported outside a session (no session log; the date they occurred)
and a physician's acknowledgement of a serious event

Revision ID: 0005_tms_adverse_event_reports
Revises: 0002_tms
Create Date: 2026-12-02 04:00:00

Existing rows all belong to a session, so they satisfy the new check. Serious events logged
before this revision are left unacknowledged: those of ongoing courses were alerts already;
those of ended courses now show on the dashboard until a physician acknowledges them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_tms_adverse_event_reports"
down_revision = "0002_tms"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tms_adverse_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("occurred_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("acknowledged_by", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("acknowledgement_note", sa.Text(), nullable=True))
        batch_op.alter_column("session_log_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_check_constraint(
            op.f("ck_tms_adverse_events_session_or_date"),
            "session_log_id IS NOT NULL OR occurred_on IS NOT NULL",
        )


def downgrade() -> None:
    # Reports without a session cannot go back into the old table: refuse rather than lose them.
    bind = op.get_bind()
    orphans = bind.execute(
        sa.text("SELECT count(*) FROM tms_adverse_events WHERE session_log_id IS NULL")
    ).scalar_one()
    if orphans:
        raise RuntimeError(
            f"{orphans} adverse event(s) were reported outside a session; the previous "
            "schema cannot hold them, so the downgrade stops here"
        )
    with op.batch_alter_table("tms_adverse_events", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_tms_adverse_events_session_or_date"), type_="check")
        batch_op.alter_column("session_log_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("acknowledgement_note")
        batch_op.drop_column("acknowledged_by")
        batch_op.drop_column("acknowledged_at")
        batch_op.drop_column("occurred_on")
