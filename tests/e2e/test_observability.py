"""Observability end to end: the hub's processes export to a collector stand-in over OTLP/HTTP.

One trace per event spans the partner's HTTP request, the produce, the routing, the rule engine and the
persisting of the escalation, across three processes; the metrics count what happened, exactly.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pytest

from tests.support.databases import DatabaseFactory
from tests.support.events import cloudevent, new_subject
from tests.support.hub import Hub, start_hub
from tests.support.otlp import OtlpReceiver, ReceivedSpan
from tests.support.waiting import eventually

pytestmark = [pytest.mark.e2e, pytest.mark.db]

RULE = "eviction-during-debt-assistance"


@dataclass
class Observed:
    hub: Hub
    otlp: OtlpReceiver
    housing: str
    social: str
    reader: str


@pytest.fixture(scope="module")
def observed(
    broker_bootstrap: str, databases: DatabaseFactory, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Observed]:
    data_dir: Path = tmp_path_factory.mktemp("observed")
    with OtlpReceiver() as otlp:
        env = {
            "OTEL_TRACES_EXPORTER": "otlp",
            "OTEL_METRICS_EXPORTER": "otlp",
            "OTEL_EXPORTER_OTLP_ENDPOINT": otlp.url,
            "OTEL_BSP_SCHEDULE_DELAY": "200",
            "OTEL_METRIC_EXPORT_INTERVAL": "500",
            "WIJKBRUG_LOG_FORMAT": "json",
        }
        with start_hub(
            data_dir, database_url=databases.new(), bootstrap=broker_bootstrap, extra_env=env
        ) as hub:
            yield Observed(
                hub=hub,
                otlp=otlp,
                housing=hub.add_org("obs-corp", "housing"),
                social=hub.add_org("obs-team", "social"),
                reader=hub.add_user("obs-reader", "taskforce"),
            )


def routed(otlp: OtlpReceiver, event_id: str) -> bool:
    """Whether the router's span for `event_id` has reached the collector."""
    spans = otlp.spans()
    traces = {s.trace_id for s in spans if s.attributes.get("cloudevents.event_id") == event_id}
    return any(s.name == "route event" and s.trace_id in traces for s in spans)


TRACE_SPANS = {
    "POST /api/v1/events",
    "publish nl.wijkbrug.housing.eviction.summoned",
    "route event",
    "evaluate rules",
    "persist escalation",
}


def test_one_trace_spans_request_produce_process_and_persist(observed: Observed) -> None:
    hub, otlp = observed.hub, observed.otlp
    subject = new_subject()
    debt = cloudevent("obs-team", "social.debt_assistance.started", subject, time="2026-07-01T08:00:00Z")
    eviction = cloudevent("obs-corp", "housing.eviction.summoned", subject, time="2026-07-09T08:00:00Z")
    assert hub.post_events(observed.social, debt).status_code == 202
    # The eviction must be the event that completes the clash: send it once the debt assistance has been
    # routed (the router may discover a new organisation's topic late), which the collector shows.
    eventually(partial(routed, otlp, debt["id"]), what="the debt assistance routed")
    assert hub.post_events(observed.housing, eviction).status_code == 202
    eventually(lambda: hub.escalations(observed.reader, subject=subject), what="the escalation")

    def eviction_trace() -> list[ReceivedSpan]:
        spans = otlp.spans()
        publish = [s for s in spans if s.attributes.get("cloudevents.event_id") == eviction["id"]]
        if not publish:
            return []
        trace = [s for s in spans if s.trace_id == publish[0].trace_id]
        # Three processes export their spans each in their own batches: wait for every one of them.
        return trace if {s.name for s in trace} >= TRACE_SPANS else []

    trace = eventually(eviction_trace, what="the eviction's trace to reach the collector")
    by_name = {span.name: span for span in trace}
    request = by_name["POST /api/v1/events"]
    produce = by_name["publish nl.wijkbrug.housing.eviction.summoned"]
    route, evaluate, persist = (
        by_name["route event"],
        by_name["evaluate rules"],
        by_name["persist escalation"],
    )
    assert (request.kind, produce.kind) == ("SERVER", "PRODUCER")
    assert {route.kind, evaluate.kind, persist.kind} == {"CONSUMER"}
    # The causal chain, parent by parent, across three processes.
    assert produce.parent_span_id == request.span_id
    assert route.parent_span_id == produce.span_id
    assert evaluate.parent_span_id == route.span_id
    assert persist.parent_span_id == evaluate.span_id
    assert (request.service, route.service, persist.service) == (
        "wijkbrug-gateway",
        "wijkbrug-processor",
        "wijkbrug-sink",
    )
    assert persist.attributes["wijkbrug.rule"] == RULE
    # The taskforce opening the escalation joins the same trace by a link (its own request is a new trace).
    (escalation,) = hub.escalations(observed.reader, subject=subject)
    with hub.client(observed.reader) as client:
        assert client.get(f"/api/v1/escalations/{escalation['id']}").status_code == 200

    def viewed() -> list[ReceivedSpan]:
        return [s for s in otlp.spans() if s.name == "view escalation" and request.trace_id in s.links]

    (view,) = eventually(viewed, what="the view's span linked to the event's trace")
    assert view.service == "wijkbrug-gateway" and view.attributes["wijkbrug.via"] == "api"
    # The debt assistance had a trace of its own.
    debt_publish = [s for s in otlp.spans() if s.attributes.get("cloudevents.event_id") == debt["id"]]
    assert len(debt_publish) == 1 and debt_publish[0].trace_id != request.trace_id


def test_the_metrics_count_exactly_what_happened(observed: Observed) -> None:
    hub, otlp = observed.hub, observed.otlp
    subjects = [new_subject() for _ in range(3)]
    for subject in subjects:
        debt = cloudevent("obs-team", "social.debt_assistance.started", subject, time="2026-07-01T08:00:00Z")
        eviction = cloudevent("obs-corp", "housing.eviction.summoned", subject, time="2026-07-09T08:00:00Z")
        assert hub.post_events(observed.social, debt).status_code == 202
        assert hub.post_events(observed.housing, eviction).status_code == 202
    bad = cloudevent("obs-corp", "housing.eviction.summoned", new_subject(), time="2026-07-09T08:00:00Z")
    bad["type"] = "nl.wijkbrug.housing.unknown"
    assert hub.post_events(observed.housing, [bad, {**bad, "id": bad["id"] + "-2"}]).status_code == 422
    for subject in subjects:
        eventually(partial(hub.escalations, observed.reader, subject=subject), what="the escalations")

    def counted() -> bool:
        # Every counter asserted below, as exported after the last request (exports run every 500 ms).
        opened = otlp.latest("wijkbrug.escalations.opened", rule=RULE) or 0
        accepted = otlp.latest("wijkbrug.events.accepted", org="obs-corp") or 0
        rejected = otlp.latest("wijkbrug.events.rejected", org="obs-corp") or 0
        return opened >= 4 and accepted >= 4 and rejected >= 2  # the first test's are counted too

    eventually(counted, what="the counters to be exported")
    assert otlp.latest("wijkbrug.events.accepted", org="obs-corp") == 4
    assert otlp.latest("wijkbrug.events.accepted", org="obs-team") == 4
    assert otlp.latest("wijkbrug.escalations.opened", rule=RULE) == 4
    rejected = otlp.points("wijkbrug.events.rejected")
    assert {(p.attributes["org"], p.attributes["reason"]) for p in rejected} == {
        ("obs-corp", "invalid_events")
    }
    assert otlp.latest("wijkbrug.events.rejected", org="obs-corp") == 2  # a batch of two, refused whole
    assert otlp.latest("wijkbrug.events.received", org="obs-corp") == 6

    lag = eventually(
        lambda: [
            p for p in otlp.points("wijkbrug.consumer.lag") if p.attributes["group"].endswith("wijkbrug-sink")
        ],
        what="the escalation service's lag gauge",
    )
    assert {p.attributes["topic"] for p in lag} == {f"{hub.env['WIJKBRUG_TOPIC_PREFIX']}buurt.escalations"}
    assert (
        eventually(
            lambda: otlp.latest("wijkbrug.rules.lag"),
            until=lambda value: value == 0,
            what="the rule engine caught up",
        )
        == 0
    )


def test_log_lines_are_json_with_trace_ids(observed: Observed) -> None:
    text = "\n".join(observed.hub.log(name) for name in ("gateway", "processor", "sink"))
    lines = [line for line in text.splitlines() if line.strip()]
    assert lines, "no log lines"
    records = [json.loads(line) for line in lines if line.startswith("{")]
    assert len(records) == len(lines), [line for line in lines if not line.startswith("{")][:3]
    assert all({"time", "level", "logger", "message", "trace_id", "span_id"} <= set(r) for r in records)
