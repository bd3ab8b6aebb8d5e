"""Silences (a rule muted for a subject or a buurt until a date), and when an escalation was reopened.

`reopened_at` restarts the acknowledge clock of the SLA (services.escalations.sla) on a reopened
escalation.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("escalations") as table:
        table.add_column(sa.Column("reopened_at", _TIME, nullable=True))
    op.create_table(
        "silences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(100), nullable=False),
        sa.Column("subject", sa.String(140), nullable=True),
        sa.Column("buurt", sa.String(10), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("ends_at", _TIME, nullable=False),
        sa.Column("expired_at", _TIME, nullable=True),
        sa.Column("expired_by", sa.String(100), nullable=True),
        sa.CheckConstraint("(subject IS NULL) <> (buurt IS NULL)", name=op.f("ck_silences_subject_or_buurt")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_silences")),
    )
    op.create_index("ix_silences_rule_ends", "silences", ["rule", "ends_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_silences_rule_ends", table_name="silences")
    op.drop_table("silences")
    with op.batch_alter_table("escalations") as table:
        table.drop_column("reopened_at")
