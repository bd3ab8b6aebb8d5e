"""Garbage-collector settings for a process that turns records into short-lived objects by the thousand."""

from __future__ import annotations

import gc

#: Net allocations between two collections of the youngest generation (CPython's default is 700).
YOUNG_THRESHOLD = 50_000
#: Young collections per middle one, middle per full one (CPython's defaults are 10 and 10).
OLDER_THRESHOLDS = (20, 100)


def tune_for_batches() -> None:
    """Collect less often, and never look at what startup allocated again.

    A connector maps, validates and serialises thousands of rows per batch while the batch stays alive,
    so with CPython's defaults the collector walks the same live batch over and over: a third of the
    time of `bench/connectors.py`. None of these objects form cycles that need collecting soon, so the
    youngest generation is collected after 50,000 allocations instead of 700, and what exists now
    (modules, schemas, configuration; never garbage) is frozen out of the collector's reach.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, *OLDER_THRESHOLDS)
