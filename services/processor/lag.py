"""How far the rule engine is behind on each partition of buurt.events it owns (for the lag gauge)."""

from __future__ import annotations

from typing import Any

from services.broker.topics import Topology


def rules_lag(app: Any, topology: Topology, positions: dict[int, int]) -> list[tuple[float, dict[str, str]]]:
    """(records behind, labels) per assigned partition the agent has taken an event from.

    Called from the metrics exporter's thread: it only reads, and copies what the worker may change.
    """
    observations: list[tuple[float, dict[str, str]]] = []
    try:
        assignment = list(app.consumer.assignment())
    except RuntimeError:  # the assignment changed while it was copied: skip this collection
        return observations
    taken = dict(positions)
    for tp in assignment:
        if tp.topic != topology.events or tp.partition not in taken:
            continue
        highwater = app.consumer.highwater(tp)
        if highwater is None:
            continue
        labels = {"topic": tp.topic, "partition": str(tp.partition)}
        observations.append((float(max(0, highwater - taken[tp.partition])), labels))
    return observations
