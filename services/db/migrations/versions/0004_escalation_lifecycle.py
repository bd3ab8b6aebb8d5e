"""Escalation lifecycle (assignee, milestones, decision), its history, and the audit log.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("escalations") as table:
        table.add_column(sa.Column("assignee", sa.String(100), nullable=True))
        table.add_column(sa.Column("acknowledged_at", _TIME, nullable=True))
        table.add_column(sa.Column("decided_at", _TIME, nullable=True))
        table.add_column(sa.Column("resolved_at", _TIME, nullable=True))
        table.add_column(sa.Column("decision", _JSON, nullable=True))
    op.create_table(
        "escalation_history",
        sa.Column("id", _BIG, autoincrement=True, nullable=False),
        sa.Column("escalation_id", sa.Integer(), nullable=False),
        sa.Column("at", _TIME, nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("from_status", sa.String(20), nullable=False),
        sa.Column("to_status", sa.String(20), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("detail", _JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["escalation_id"],
            ["escalations.id"],
            name=op.f("fk_escalation_history_escalation_id_escalations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation_history")),
    )
    op.create_index(
        op.f("ix_escalation_history_escalation_id"), "escalation_history", ["escalation_id"], unique=False
    )
    op.create_table(
        "audit_log",
        sa.Column("id", _BIG, autoincrement=True, nullable=False),
        sa.Column("at", _TIME, nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(100), nullable=False),
        sa.Column("detail", _JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"], unique=False)
    op.create_index(op.f("ix_audit_log_target"), "audit_log", ["target"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_audit_log_target"), table_name="audit_log")
    op.drop_index(op.f("ix_audit_log_at"), table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_index(op.f("ix_escalation_history_escalation_id"), table_name="escalation_history")
    op.drop_table("escalation_history")
    with op.batch_alter_table("escalations") as table:
        table.drop_column("decision")
        table.drop_column("resolved_at")
        table.drop_column("decided_at")
        table.drop_column("acknowledged_at")
        table.drop_column("assignee")
