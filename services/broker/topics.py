"""Topic names and partition counts of a deployment (PRODUCT.md's pipeline), optionally namespaced."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from services.config import Settings

INBOUND_PREFIX = "wijkbrug.inbound."
RULE_STATE_TABLE = "subject-state"


@dataclass(frozen=True)
class TopicSpec:
    """A topic to create before any client touches it."""

    name: str
    partitions: int


@dataclass(frozen=True)
class Topology:
    """Every topic and consumer group name of one deployment.

    `prefix` namespaces all of them, so that several deployments (or test runs) share one cluster.
    """

    prefix: str
    partitions_inbound: int
    partitions_events: int
    partitions_escalations: int
    partitions_decisions: int
    partitions_deadletter: int

    @classmethod
    def from_settings(cls, settings: Settings) -> Topology:
        return cls(
            prefix=settings.topic_prefix,
            partitions_inbound=settings.partitions_inbound,
            partitions_events=settings.partitions_events,
            partitions_escalations=settings.partitions_escalations,
            partitions_decisions=settings.partitions_decisions,
            partitions_deadletter=settings.partitions_deadletter,
        )

    def inbound(self, org_slug: str) -> str:
        return f"{self.prefix}{INBOUND_PREFIX}{org_slug}"

    @property
    def inbound_pattern(self) -> str:
        return f"^{re.escape(self.prefix + INBOUND_PREFIX)}[a-z0-9][a-z0-9-]*$"

    @property
    def events(self) -> str:
        return f"{self.prefix}buurt.events"

    @property
    def escalations(self) -> str:
        return f"{self.prefix}buurt.escalations"

    @property
    def decisions(self) -> str:
        return f"{self.prefix}buurt.decisions"

    @property
    def deadletter(self) -> str:
        return f"{self.prefix}wijkbrug.deadletter"

    @property
    def processor_app_id(self) -> str:
        return f"{self.prefix}wijkbrug-processor"

    @property
    def router_group(self) -> str:
        return f"{self.prefix}wijkbrug-router"

    @property
    def sink_group(self) -> str:
        return f"{self.prefix}wijkbrug-sink"

    @property
    def rule_state_changelog(self) -> str:
        # faust names a table's changelog "<app id>-<table name>-changelog".
        return f"{self.processor_app_id}-{RULE_STATE_TABLE}-changelog"

    def inbound_spec(self, org_slug: str) -> TopicSpec:
        return TopicSpec(self.inbound(org_slug), self.partitions_inbound)

    def core_specs(self) -> list[TopicSpec]:
        """The topics that exist in every deployment, whatever its organisations."""
        return [
            TopicSpec(self.events, self.partitions_events),
            TopicSpec(self.escalations, self.partitions_escalations),
            TopicSpec(self.decisions, self.partitions_decisions),
            TopicSpec(self.deadletter, self.partitions_deadletter),
            # Co-partitioned with buurt.events: faust writes a table's changelog to the partition of the
            # event being processed.
            TopicSpec(self.rule_state_changelog, self.partitions_events),
        ]

    def all_specs(self, org_slugs: Iterable[str]) -> list[TopicSpec]:
        return [*self.core_specs(), *(self.inbound_spec(slug) for slug in sorted(org_slugs))]
