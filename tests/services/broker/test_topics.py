"""Topology: topic and group names per deployment prefix, the inbound pattern, the specs to create."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from services.broker.topics import TopicSpec, Topology
from services.config import Settings


def _topology(prefix: str = "") -> Topology:
    return Topology(
        prefix=prefix,
        partitions_inbound=2,
        partitions_events=6,
        partitions_escalations=3,
        partitions_decisions=4,
        partitions_deadletter=1,
    )


@pytest.mark.parametrize("prefix", ["", "t1.", "acc-"], ids=["no-prefix", "dotted", "dashed"])
def test_every_name_is_the_pipeline_name_behind_the_prefix(prefix: str) -> None:
    topology = _topology(prefix)

    names = {
        "inbound": topology.inbound("woco-ymere"),
        "events": topology.events,
        "escalations": topology.escalations,
        "decisions": topology.decisions,
        "deadletter": topology.deadletter,
        "processor": topology.processor_app_id,
        "router": topology.router_group,
        "sink": topology.sink_group,
    }

    assert {key: name.removeprefix(prefix) for key, name in names.items()} == {
        "inbound": "wijkbrug.inbound.woco-ymere",
        "events": "buurt.events",
        "escalations": "buurt.escalations",
        "decisions": "buurt.decisions",
        "deadletter": "wijkbrug.deadletter",
        "processor": "wijkbrug-processor",
        "router": "wijkbrug-router",
        "sink": "wijkbrug-sink",
    }
    assert all(name.startswith(prefix) for name in names.values())
    assert len(set(names.values())) == len(names)


def test_from_settings_takes_the_prefix_and_the_partition_counts(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path,
        topic_prefix="ci.",
        partitions_inbound=3,
        partitions_events=12,
        partitions_escalations=5,
        partitions_decisions=7,
        partitions_deadletter=2,
    )

    assert Topology.from_settings(settings) == Topology(
        prefix="ci.",
        partitions_inbound=3,
        partitions_events=12,
        partitions_escalations=5,
        partitions_decisions=7,
        partitions_deadletter=2,
    )


@pytest.mark.parametrize(
    ("prefix", "topic", "matches"),
    [
        ("", "wijkbrug.inbound.woco", True),
        ("", "wijkbrug.inbound.gemeente-amsterdam", True),
        ("", "wijkbrug.inbound.0rg", True),
        ("", "t1.wijkbrug.inbound.woco", False),  # another deployment's inbound topic
        ("", "buurt.events", False),
        ("", "wijkbrug.deadletter", False),
        ("", "wijkbrug.inbound.", False),
        ("", "wijkbrug.inbound.-woco", False),
        ("", "wijkbrug.inbound.Woco", False),
        ("", "wijkbrug.inbound.woco.extra", False),
        ("", "wijkbrugXinboundXwoco", False),  # the dots are literal
        ("t1.", "t1.wijkbrug.inbound.woco", True),
        ("t1.", "wijkbrug.inbound.woco", False),  # the unprefixed deployment's
        ("t1.", "t2.wijkbrug.inbound.woco", False),
        ("t1.", "xt1.wijkbrug.inbound.woco", False),
        ("t1.", "t1Xwijkbrug.inbound.woco", False),  # the prefix's dot is literal too
        ("t1.", "t1.buurt.events", False),
    ],
)
def test_the_inbound_pattern_matches_exactly_this_deployments_inbound_topics(
    prefix: str, topic: str, matches: bool
) -> None:
    pattern = re.compile(_topology(prefix).inbound_pattern)

    assert (pattern.fullmatch(topic) is not None) is matches
    # aiokafka applies the pattern with re.match: it must be anchored at both ends by itself.
    assert (pattern.match(topic) is not None) is matches


def test_every_inbound_topic_name_matches_the_pattern() -> None:
    for prefix in ("", "t1.", "acc-"):
        topology = _topology(prefix)
        pattern = re.compile(topology.inbound_pattern)
        for slug in ("woco", "gemeente-amsterdam", "politie-a-1"):
            assert pattern.match(topology.inbound(slug)), (prefix, slug)
        for spec in topology.core_specs():
            assert not pattern.match(spec.name), (prefix, spec.name)


def test_all_specs_are_the_core_topics_then_one_inbound_topic_per_org_sorted() -> None:
    topology = _topology("t1.")

    specs = topology.all_specs(["woco", "gemeente", "politie"])

    assert specs == [
        TopicSpec("t1.buurt.events", 6),
        TopicSpec("t1.buurt.escalations", 3),
        TopicSpec("t1.buurt.decisions", 4),
        TopicSpec("t1.wijkbrug.deadletter", 1),
        TopicSpec(topology.rule_state_changelog, 6),
        TopicSpec("t1.wijkbrug.inbound.gemeente", 2),
        TopicSpec("t1.wijkbrug.inbound.politie", 2),
        TopicSpec("t1.wijkbrug.inbound.woco", 2),
    ]
    assert topology.all_specs([]) == topology.core_specs()
    assert len({spec.name for spec in specs}) == len(specs)


def test_the_rule_state_changelog_is_faust_named_and_co_partitioned_with_events() -> None:
    topology = _topology("t1.")

    changelog = next(spec for spec in topology.core_specs() if spec.name == topology.rule_state_changelog)
    events = next(spec for spec in topology.core_specs() if spec.name == topology.events)

    # faust names a table's changelog "<app id>-<table>-changelog"
    assert changelog.name == f"{topology.processor_app_id}-subject-state-changelog"
    assert changelog.name.startswith("t1.")
    assert changelog.partitions == events.partitions == 6
    assert _topology().rule_state_changelog != topology.rule_state_changelog
