"""Escalations can be withdrawn and evidence retracted (events that arrive late can undo a clash).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("escalation_evidence", schema=None) as batch_op:
        batch_op.add_column(sa.Column("retracted_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("escalation_evidence", schema=None) as batch_op:
        batch_op.drop_column("retracted_at")
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.drop_column("withdrawn_at")
