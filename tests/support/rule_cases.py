"""The shipped rule pack's test cases as one live scenario, and the backtest's answer for it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from schemas.catalogue import CATALOGUE
from schemas.identifiers import Domain, slug_from_source, source_for
from services.rules.engine import RuleEngine
from services.rules.loader import default_pack_dir, load_rules
from services.rules.replay import Replay, clash_document
from services.rules.testfile import case_events, load_test_file, rule_test_files
from tests.support.hub import Hub

Normalised = tuple[Any, ...]


@dataclass
class Scenario:
    """The pack's test cases, renamed for one run (subjects, ids and organisations are unique)."""

    events: list[dict[str, Any]]
    subjects: set[str]
    tokens: dict[str, str]
    reader: str

    def post_all(self, hub: Hub) -> None:
        for event in self.events:
            response = hub.post_events(self.tokens[slug_from_source(event["source"]) or ""], event)
            assert response.status_code == 202, response.text

    def expected(self, until: datetime | None = None) -> list[Normalised]:
        """What the backtest finds for these events, the clock closing at `until` (default: now)."""
        replay = Replay(RuleEngine(load_rules()))
        for event in self.events:
            replay.feed(event)
        return sorted(normalised(clash_document(c)) for c in replay.finish(until or datetime.now(UTC)))

    def live(self, hub: Hub) -> list[Normalised]:
        """The escalations of these subjects that stand in the hub's API."""
        return sorted(
            normalised(item)
            for item in hub.escalations(self.reader)
            if item["subject"] in self.subjects and item["withdrawn_at"] is None
        )


def _publisher_domain(type_name: str) -> Domain:
    domain = CATALOGUE[type_name].domain
    # Residents' types are published by the municipality in the test files.
    return Domain.MUNICIPALITY if domain is Domain.RESIDENTS else domain


def pack_scenario(hub: Hub) -> Scenario:
    """Register the organisations and a reader on `hub`; the renamed events of every case of the pack."""
    run = uuid.uuid4().hex[:6]
    events: list[dict[str, Any]] = []
    orgs: dict[tuple[str, Domain], str] = {}
    for path in rule_test_files(default_pack_dir()):
        test = load_test_file(path)
        for number, case in enumerate(test.cases):
            for event in case_events(test, case):
                test_org = slug_from_source(event["source"]) or "org"
                domain = _publisher_domain(event["type"])
                slug = orgs.setdefault((test_org, domain), f"{test_org[:8]}-{domain.value[:5]}-{run}")
                events.append(
                    {
                        **event,
                        "id": f"{run}-{test.rule[:12]}-{number}-{event['id']}",
                        "source": source_for(slug),
                        "subject": f"{event['subject']}-{run}-{number}",
                    }
                )
    tokens = {slug: hub.add_org(slug, domain.value) for (_, domain), slug in orgs.items()}
    return Scenario(
        events=events,
        subjects={event["subject"] for event in events},
        tokens=tokens,
        reader=hub.add_user(f"rules-reader-{run}", "taskforce"),
    )


def normalised(item: dict[str, Any]) -> Normalised:
    opened = datetime.fromisoformat(item["opened_at"].replace("Z", "+00:00"))
    return (
        item["rule"],
        item["subject"],
        item["dedup_key"],
        item["buurt"],
        opened,
        tuple(sorted(evidence["id"] for evidence in item["evidence"])),
    )


def processor_idle(hub: Hub) -> bool:
    """Every processor instance reports ready with no router lag."""
    instances = hub.health()["components"]["processor"]["instances"]
    return bool(instances) and all(
        instance["state"] == "ready" and sum(instance["router_lag"].values()) == 0 for instance in instances
    )
