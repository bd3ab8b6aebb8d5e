"""What the HTTP services hold for their lifetime, built in the app's lifespan (no import-time state)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from argon2 import PasswordHasher
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from services.audit.sql import SqlAuditStore
from services.broker.discovery import resolve_bootstrap
from services.broker.publisher import KafkaPublisher
from services.broker.topics import Topology
from services.config import Settings
from services.db.engine import create_db_engine, create_session_factory
from services.db.migrate import head_revision
from services.directory.sql import SqlDirectoryStore
from services.escalations.lifecycle_sql import SqlLifecycleStore
from services.escalations.service import TaskforceService
from services.escalations.sla import SlaPolicy
from services.escalations.sql import SqlEscalationStore
from services.gateway.ingest import IngestService
from services.gateway.topics import InboundTopics
from services.geo.registry import BuurtRegistry
from services.geo.store import SqlBuurtStore
from services.geo.svgmap import BuurtMapCache
from services.health.heartbeats import SqlHeartbeatStore
from services.journal.sql import SqlJournalStore
from services.reports.sql import SqlReportStore
from services.rules.loader import load_rules
from services.rules.model import RuleSpec
from services.secrets import session_secret
from services.silences.service import SilenceService
from services.silences.sql import SqlSilenceStore

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    """The gateway's and dashboard's long-lived objects."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    directory: SqlDirectoryStore
    escalations: SqlEscalationStore
    taskforce: TaskforceService
    audit: SqlAuditStore
    reports: SqlReportStore
    buurt_maps: BuurtMapCache
    silences: SilenceService
    rules: tuple[RuleSpec, ...]
    sla: SlaPolicy
    heartbeats: SqlHeartbeatStore
    registry: BuurtRegistry
    topology: Topology
    bootstrap: str | None
    publisher: KafkaPublisher | None
    ingest: IngestService | None
    password_hasher: PasswordHasher
    session_secret: str
    schema_head: str | None

    def close(self) -> None:
        if self.publisher is not None:
            self.publisher.close()
        self.engine.dispose()


def build_runtime(settings: Settings) -> Runtime:
    """Connect to the deployment's database and broker."""
    engine = create_db_engine(settings.sqlalchemy_url())
    sessions = create_session_factory(engine)
    buurten = SqlBuurtStore(sessions).load_all()
    if not buurten:
        log.warning("no buurten in the database: every event will be refused; run `wijkbrug buurten load`")
    registry = BuurtRegistry(buurten)
    topology = Topology.from_settings(settings)
    bootstrap = resolve_bootstrap(settings)
    publisher = ingest = None
    if bootstrap is None:
        log.warning("no broker configured or running: ingest answers 503 (set WIJKBRUG_KAFKA_BOOTSTRAP)")
    else:
        publisher = KafkaPublisher(
            bootstrap, timeout_s=settings.produce_timeout_s, client_id="wijkbrug-gateway"
        )
        ingest = IngestService(
            journal=SqlJournalStore(sessions),
            publisher=publisher,
            registry=registry,
            topology=topology,
            inbound_topics=InboundTopics(bootstrap, topology, timeout_s=settings.produce_timeout_s),
        )
    directory = SqlDirectoryStore(sessions)
    rules = tuple(load_rules(settings.rules_dir))
    sla = SlaPolicy.from_settings(settings)
    taskforce = TaskforceService(
        lifecycle=SqlLifecycleStore(sessions, decisions_topic=topology.decisions),
        directory=directory,
        journal=SqlJournalStore(sessions),
        publisher=publisher,
    )
    return Runtime(
        settings=settings,
        engine=engine,
        sessions=sessions,
        directory=directory,
        escalations=SqlEscalationStore(sessions, sla=sla),
        taskforce=taskforce,
        audit=SqlAuditStore(sessions),
        reports=SqlReportStore(sessions),
        buurt_maps=BuurtMapCache(),
        silences=SilenceService(store=SqlSilenceStore(sessions), rules=rules, registry=registry),
        rules=rules,
        sla=sla,
        heartbeats=SqlHeartbeatStore(sessions),
        registry=registry,
        topology=topology,
        bootstrap=bootstrap,
        publisher=publisher,
        ingest=ingest,
        password_hasher=PasswordHasher(),
        session_secret=session_secret(settings),
        schema_head=head_revision(engine),
    )
