"""PostgreSQL unreachable for 30 s while escalations arrive: the escalation service keeps retrying without
committing its offsets, the gateway answers 503 instead of 500, and afterwards everything is caught up,
each escalation exactly once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.support.databases import database_factory
from tests.support.events import cloudevent, new_subject
from tests.support.hub import Hub, start_hub
from tests.support.kafka_io import committed_offsets, read_all
from tests.support.tcp_proxy import TcpProxy
from tests.support.waiting import eventually

pytestmark = [pytest.mark.e2e, pytest.mark.db, pytest.mark.process, pytest.mark.slow]

OUTAGE_S = 30.0
CLASHES = 20


@dataclass
class Outage:
    hub: Hub
    proxy: TcpProxy
    housing: str
    social: str
    reader: str


@pytest.fixture(scope="module")
def outage(broker_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Outage]:
    """A hub on PostgreSQL (whatever --db says: SQLite is a file, it cannot go away) behind a proxy."""
    with database_factory("postgresql", tmp_path_factory.mktemp("pg")) as databases:
        url = make_url(databases.new())
        with TcpProxy(url.host or "127.0.0.1", url.port or 5432) as proxy:
            proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
            data_dir: Path = tmp_path_factory.mktemp("db-outage")
            with start_hub(data_dir, database_url=proxied, bootstrap=broker_bootstrap) as hub:
                yield Outage(
                    hub=hub,
                    proxy=proxy,
                    housing=hub.add_org("dbo-corp", "housing"),
                    social=hub.add_org("dbo-team", "social"),
                    reader=hub.add_user("dbo-reader", "taskforce"),
                )


def clash(subject: str) -> tuple[dict[str, object], dict[str, object]]:
    debt = cloudevent("dbo-team", "social.debt_assistance.started", subject, time="2026-08-01T09:00:00Z")
    eviction = cloudevent("dbo-corp", "housing.eviction.summoned", subject, time="2026-08-15T09:00:00Z")
    return debt, eviction


def test_the_escalation_service_waits_out_a_database_outage(outage: Outage) -> None:
    hub, proxy = outage.hub, outage.proxy
    prefix, bootstrap = hub.env["WIJKBRUG_TOPIC_PREFIX"], hub.env["WIJKBRUG_KAFKA_BOOTSTRAP"]
    group, escalations_topic = f"{prefix}wijkbrug-sink", f"{prefix}buurt.escalations"
    # The router knows its organisations from the database: let it learn these two before the outage.
    warm = new_subject()
    for event, token in zip(clash(warm), (outage.social, outage.housing), strict=True):
        assert hub.post_events(token, event).status_code == 202
    eventually(partial(hub.escalations, outage.reader, subject=warm), what="the warm-up escalation")

    subjects = [new_subject() for _ in range(CLASHES)]
    debts, evictions = zip(*(clash(subject) for subject in subjects), strict=True)
    worker = hub.service("processor")
    worker.suspend()  # the escalations must reach the topic while the database is away
    try:
        assert hub.post_events(outage.social, list(debts)).status_code == 202
        assert hub.post_events(outage.housing, list(evictions)).status_code == 202
        before = committed_offsets(bootstrap, group)
        proxy.cut()
        cut_at = time.monotonic()
    finally:
        worker.resume()

    try:
        # The gateway cannot authenticate or journal without its database: 503 with Retry-After, not 500.
        refused = hub.post_events(
            outage.housing, cloudevent("dbo-corp", "housing.arrears.signalled", new_subject())
        )
        assert refused.status_code == 503 and refused.headers["Retry-After"].isdigit()

        def on_topic() -> int:
            records = read_all(bootstrap, escalations_topic)
            return sum(1 for record in records if any(s.encode() in record.value for s in subjects))

        eventually(
            on_topic, until=lambda n: n >= CLASHES, timeout=OUTAGE_S - 5, what="the escalations on the topic"
        )
        # For the rest of the outage the escalation service may retry but must not commit past them.
        waited = threading.Event()
        while time.monotonic() - cut_at < OUTAGE_S:
            assert committed_offsets(bootstrap, group) == before
            waited.wait(1.0)
        assert proxy.refused > 0  # the services did try to reach the database
    finally:
        proxy.restore()

    def stored() -> list[str]:
        items = hub.escalations(outage.reader, rule="eviction-during-debt-assistance")
        return [item["subject"] for item in items if item["subject"] in set(subjects)]

    found = eventually(
        stored, until=lambda s: len(s) >= CLASHES, timeout=120, interval=1.0, what="catching up"
    )
    assert sorted(found) == sorted(subjects)  # each exactly once
    ends = read_all(bootstrap, escalations_topic)
    last = {(r.topic, r.partition): r.offset + 1 for r in ends}
    eventually(
        partial(committed_offsets, bootstrap, group),
        until=lambda committed: all(committed.get(tp, 0) >= end for tp, end in last.items()),
        what="the escalation service committing again",
    )
