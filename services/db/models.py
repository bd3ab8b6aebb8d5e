"""The relational model of a deployment (SQLAlchemy 2 declarative, typed)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from services.db.types import BigID, JSONDoc, UTCDateTime, utcnow

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with a stable constraint naming convention (needed by migrations)."""

    metadata = MetaData(naming_convention=NAMING)


class Organisation(Base):
    """A partner organisation that publishes events as `urn:nl:wijkbrug:org:<slug>`."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    domain: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    tokens: Mapped[list[OrgToken]] = relationship(back_populates="organisation")


class OrgToken(Base):
    """An API token of an organisation, stored only as its SHA-256 hash."""

    __tablename__ = "org_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    organisation: Mapped[Organisation] = relationship(back_populates="tokens")


class User(Base):
    """A person using the dashboard or the API, with one role."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    org_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), nullable=True
    )
    password_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    organisation: Mapped[Organisation | None] = relationship()
    buurten: Mapped[list[UserBuurt]] = relationship(cascade="all, delete-orphan")
    tokens: Mapped[list[UserToken]] = relationship(back_populates="user")


class UserBuurt(Base):
    """A buurt that a resident representative is bound to."""

    __tablename__ = "user_buurten"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    buurt_code: Mapped[str] = mapped_column(String(10), primary_key=True)


class UserToken(Base):
    """An API token of a user, stored only as its SHA-256 hash."""

    __tablename__ = "user_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    user: Mapped[User] = relationship(back_populates="tokens")


class BuurtRow(Base):
    """A CBS buurt of the deployment's municipality, with its polygon (GeoJSON, WGS84)."""

    __tablename__ = "buurten"

    code: Mapped[str] = mapped_column(String(10), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    wijk_code: Mapped[str] = mapped_column(String(10), index=True)
    wijk_name: Mapped[str] = mapped_column(String(200))
    stadsdeel_code: Mapped[str] = mapped_column(String(10))
    stadsdeel_name: Mapped[str] = mapped_column(String(200))
    centroid_lat: Mapped[float] = mapped_column(Float)
    centroid_lon: Mapped[float] = mapped_column(Float)
    population: Mapped[int | None] = mapped_column(Integer, nullable=True)
    geometry: Mapped[dict[str, Any]] = mapped_column(JSONDoc)


class JournalEntry(Base):
    """An event accepted by the hub: the idempotency record on (source, id) and the replay journal."""

    __tablename__ = "ingest_journal"
    __table_args__ = (UniqueConstraint("source", "event_id", name="uq_ingest_journal_source_event"),)

    seq: Mapped[int] = mapped_column(BigID, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(300))
    event_id: Mapped[str] = mapped_column(String(256))
    org_slug: Mapped[str] = mapped_column(String(63))
    type: Mapped[str] = mapped_column(String(200))
    content_hash: Mapped[str] = mapped_column(String(64))
    topic: Mapped[str] = mapped_column(String(300))
    key: Mapped[str] = mapped_column(String(200))
    record: Mapped[str] = mapped_column(Text)
    traceparent: Mapped[str | None] = mapped_column(String(60), nullable=True)
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Escalation(Base):
    """A clash put in front of the taskforce; one per dedup key."""

    __tablename__ = "escalations"
    __table_args__ = (
        Index("ix_escalations_status_opened", "status", "opened_at"),
        Index("ix_escalations_buurt_status", "buurt", "status"),
        Index("ix_escalations_rule_status", "rule", "status"),
        # The queue's default order (newest change first) and the live feed's poll of recent changes.
        Index("ix_escalations_updated_id", "updated_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dedup_key: Mapped[str] = mapped_column(String(400), unique=True)
    rule: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(300))
    severity: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20), default="open")
    buurt: Mapped[str] = mapped_column(String(10))
    subject: Mapped[str] = mapped_column(String(140), index=True)
    organisations: Mapped[list[str]] = mapped_column(JSONDoc)
    policies: Mapped[list[dict[str, Any]]] = mapped_column(JSONDoc)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    assignee: Mapped[str | None] = mapped_column(String(100), nullable=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    decision: Mapped[dict[str, Any] | None] = mapped_column(JSONDoc, nullable=True)
    reopened_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: W3C traceparent of the span that stored it: the dashboard links its views to the event's trace.
    traceparent: Mapped[str | None] = mapped_column(String(60), nullable=True)

    evidence: Mapped[list[EvidenceRow]] = relationship(
        order_by="(EvidenceRow.time, EvidenceRow.event_id)",
        primaryjoin="and_(Escalation.id == EvidenceRow.escalation_id, EvidenceRow.retracted_at.is_(None))",
        viewonly=True,
    )


class EvidenceRow(Base):
    """An event that is evidence of an escalation (its id, type, source and event time; no payload)."""

    __tablename__ = "escalation_evidence"
    __table_args__ = (
        UniqueConstraint("escalation_id", "source", "event_id", name="uq_escalation_evidence_event"),
        # Which escalations involve an organisation: a liaison's scope and the queue's organisation filter.
        Index("ix_escalation_evidence_org", "org", "escalation_id"),
    )

    id: Mapped[int] = mapped_column(BigID, primary_key=True, autoincrement=True)
    escalation_id: Mapped[int] = mapped_column(ForeignKey("escalations.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[str] = mapped_column(String(256))
    source: Mapped[str] = mapped_column(String(300))
    org: Mapped[str] = mapped_column(String(63))
    type: Mapped[str] = mapped_column(String(200))
    label: Mapped[str] = mapped_column(String(200))
    time: Mapped[datetime] = mapped_column(UTCDateTime)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    retracted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Heartbeat(Base):
    """The last sign of life of one instance of a background component (processor, sink, ...)."""

    __tablename__ = "component_heartbeats"

    component: Mapped[str] = mapped_column(String(50), primary_key=True)
    instance: Mapped[str] = mapped_column(String(200), primary_key=True)
    state: Mapped[str] = mapped_column(String(20))
    detail: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ConnectorStateRow(Base):
    """Where a connector is (its checkpoint), what it did, and what it was asked to do (pause)."""

    __tablename__ = "connector_states"

    name: Mapped[str] = mapped_column(String(63), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    org: Mapped[str] = mapped_column(String(63))
    state: Mapped[str] = mapped_column(String(16))
    paused: Mapped[bool] = mapped_column(default=False)
    checkpoint: Mapped[dict[str, Any] | None] = mapped_column(JSONDoc, nullable=True)
    emitted: Mapped[int] = mapped_column(BigID, default=0)
    dead_lettered: Mapped[int] = mapped_column(BigID, default=0)
    retried: Mapped[int] = mapped_column(BigID, default=0)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class HistoryRow(Base):
    """One step of an escalation's lifecycle (a transition, an assignment, a comment): who, when, what."""

    __tablename__ = "escalation_history"

    id: Mapped[int] = mapped_column(BigID, primary_key=True, autoincrement=True)
    escalation_id: Mapped[int] = mapped_column(ForeignKey("escalations.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    text: Mapped[str | None] = mapped_column(Text, nullable=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSONDoc)


class AuditRow(Base):
    """Who saw or changed what, when: every view of an escalation's detail and every change."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigID, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(100), index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSONDoc)


class SilenceRow(Base):
    """A rule muted for one subject or one buurt until `ends_at` (or until expired early), with a reason."""

    __tablename__ = "silences"
    __table_args__ = (
        CheckConstraint("(subject IS NULL) <> (buurt IS NULL)", name="subject_or_buurt"),
        Index("ix_silences_rule_ends", "rule", "ends_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule: Mapped[str] = mapped_column(String(100))
    subject: Mapped[str | None] = mapped_column(String(140), nullable=True)
    buurt: Mapped[str | None] = mapped_column(String(10), nullable=True)
    reason: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expired_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    expired_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
