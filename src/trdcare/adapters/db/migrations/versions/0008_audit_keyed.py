"""audit: entries sealed with the audit key (HMAC-SHA256), the key named per entry

Revision ID: 0008_audit_keyed
Revises: 0003_audit_chains
Create Date: 2026-12-05 08:00:00

Existing entries are kept as they are: their ``key_id`` is NULL, so `trdcare audit verify`
checks them as plain SHA-256 entries and says so. The first keyed entry of each chain seals
their last hash; nothing is rehashed or rewritten.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_audit_keyed"
down_revision = "0003_audit_chains"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("key_id", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_column("key_id")
