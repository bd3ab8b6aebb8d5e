"""Indexes for the escalation queue with many escalations (issue 5: p95 < 300 ms with 10,000).

- escalations (updated_at, id): the queue's default order, newest change first with the id as
  tiebreaker, read from the index instead of sorting every matching row; also the live feed's poll of
  the escalations changed since a moment;
- escalation_evidence (org, escalation_id): the escalations that involve one organisation (a liaison's
  scope and the queue's organisation filter) without reading all evidence.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_escalations_updated_id", "escalations", ["updated_at", "id"], unique=False)
    op.create_index(
        "ix_escalation_evidence_org", "escalation_evidence", ["org", "escalation_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_escalation_evidence_org", table_name="escalation_evidence")
    op.drop_index("ix_escalations_updated_id", table_name="escalations")
