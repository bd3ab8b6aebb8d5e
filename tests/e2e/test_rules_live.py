"""Every case of the shipped rule pack's tests, through the live pipeline (HTTP -> broker -> faust ->
database -> API), ends in exactly the escalations that the backtest finds for the same events."""

from __future__ import annotations

import pytest

from tests.support.hub import Hub
from tests.support.rule_cases import pack_scenario, processor_idle
from tests.support.waiting import eventually

pytestmark = [pytest.mark.e2e, pytest.mark.db]


def test_the_live_pipeline_finds_what_the_backtest_finds(hub: Hub) -> None:
    scenario = pack_scenario(hub)
    scenario.post_all(hub)

    # The live clock is now: every deadline of the cases has passed, so the backtest closes at now.
    expected = scenario.expected()
    assert len(expected) >= 30, "the pack's tests should produce many escalations"
    eventually(
        lambda: scenario.live(hub), until=lambda found: found == expected, timeout=90, what="live == backtest"
    )
    # Stable: nothing more changes once the processor has nothing left to do.
    eventually(lambda: processor_idle(hub), timeout=30, what="the processor to be idle")
    assert scenario.live(hub) == expected
