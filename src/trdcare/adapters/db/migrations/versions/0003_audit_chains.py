"""audit: parallel hash chains (a chain number per event)

Revision ID: 0003_audit_chains
Revises: 0001_foundation
Create Date: 2026-11-22 05:30:00

Existing events keep their hashes and become chain 0, the chain they already form.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_audit_chains"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("chain", sa.SmallInteger(), server_default="0", nullable=False)
        )
        batch_op.create_index("ix_audit_events_chain_id", ["chain", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_chain_id")
        batch_op.drop_column("chain")
