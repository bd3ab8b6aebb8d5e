"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "buurten",
        sa.Column("code", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("wijk_code", sa.String(length=10), nullable=False),
        sa.Column("wijk_name", sa.String(length=200), nullable=False),
        sa.Column("stadsdeel_code", sa.String(length=10), nullable=False),
        sa.Column("stadsdeel_name", sa.String(length=200), nullable=False),
        sa.Column("centroid_lat", sa.Float(), nullable=False),
        sa.Column("centroid_lon", sa.Float(), nullable=False),
        sa.Column("population", sa.Integer(), nullable=True),
        sa.Column("geometry", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_buurten")),
    )
    with op.batch_alter_table("buurten", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_buurten_wijk_code"), ["wijk_code"], unique=False)

    op.create_table(
        "component_heartbeats",
        sa.Column("component", sa.String(length=50), nullable=False),
        sa.Column("instance", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("detail", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("component", "instance", name=op.f("pk_component_heartbeats")),
    )
    op.create_table(
        "escalations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dedup_key", sa.String(length=400), nullable=False),
        sa.Column("rule", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("buurt", sa.String(length=10), nullable=False),
        sa.Column("subject", sa.String(length=140), nullable=False),
        sa.Column("organisations", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("policies", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalations")),
        sa.UniqueConstraint("dedup_key", name=op.f("uq_escalations_dedup_key")),
    )
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.create_index("ix_escalations_buurt_status", ["buurt", "status"], unique=False)
        batch_op.create_index("ix_escalations_rule_status", ["rule", "status"], unique=False)
        batch_op.create_index("ix_escalations_status_opened", ["status", "opened_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_escalations_subject"), ["subject"], unique=False)

    op.create_table(
        "ingest_journal",
        sa.Column(
            "seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("event_id", sa.String(length=256), nullable=False),
        sa.Column("org_slug", sa.String(length=63), nullable=False),
        sa.Column("type", sa.String(length=200), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("topic", sa.String(length=300), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("record", sa.Text(), nullable=False),
        sa.Column("traceparent", sa.String(length=60), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_ingest_journal")),
        sa.UniqueConstraint("source", "event_id", name="uq_ingest_journal_source_event"),
    )
    op.create_table(
        "organisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=63), nullable=False),
        sa.Column("domain", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
        sa.UniqueConstraint("slug", name=op.f("uq_organisations_slug")),
    )
    op.create_table(
        "escalation_evidence",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("escalation_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=256), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("org", sa.String(length=63), nullable=False),
        sa.Column("type", sa.String(length=200), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["escalation_id"],
            ["escalations.id"],
            name=op.f("fk_escalation_evidence_escalation_id_escalations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation_evidence")),
        sa.UniqueConstraint("escalation_id", "source", "event_id", name="uq_escalation_evidence_event"),
    )
    with op.batch_alter_table("escalation_evidence", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_escalation_evidence_escalation_id"), ["escalation_id"], unique=False
        )

    op.create_table(
        "org_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_org_tokens_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_org_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_org_tokens_token_hash")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("password_hash", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_users_org_id_organisations"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("name", name=op.f("uq_users_name")),
    )
    op.create_table(
        "user_buurten",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("buurt_code", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_buurten_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "buurt_code", name=op.f("pk_user_buurten")),
    )
    op.create_table(
        "user_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_user_tokens_token_hash")),
    )


def downgrade() -> None:
    op.drop_table("user_tokens")
    op.drop_table("user_buurten")
    op.drop_table("users")
    op.drop_table("org_tokens")
    with op.batch_alter_table("escalation_evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_escalation_evidence_escalation_id"))

    op.drop_table("escalation_evidence")
    op.drop_table("organisations")
    op.drop_table("ingest_journal")
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_escalations_subject"))
        batch_op.drop_index("ix_escalations_status_opened")
        batch_op.drop_index("ix_escalations_rule_status")
        batch_op.drop_index("ix_escalations_buurt_status")

    op.drop_table("escalations")
    op.drop_table("component_heartbeats")
    with op.batch_alter_table("buurten", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_buurten_wijk_code"))

    op.drop_table("buurten")
