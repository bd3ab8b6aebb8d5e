from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from services.process.gc_tuning import OLDER_THRESHOLDS, YOUNG_THRESHOLD, tune_for_batches


@pytest.fixture
def restored_gc() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


@pytest.mark.usefixtures("restored_gc")
def test_startup_objects_are_frozen_and_young_collections_are_rarer() -> None:
    gc.unfreeze()
    startup_object = {"configuration": ["of", "a", "connector"]}
    tune_for_batches()
    assert gc.get_threshold() == (YOUNG_THRESHOLD, *OLDER_THRESHOLDS)
    assert gc.get_freeze_count() > 0
    # What existed at tuning time is out of the collector's generations; what comes after is not.
    tracked = {id(item) for generation in range(3) for item in gc.get_objects(generation)}
    later_object = {"row": [1, 2, 3]}
    assert id(startup_object) not in tracked
    assert id(later_object) in {id(item) for item in gc.get_objects(0)}


class _Node:
    partner: _Node | None = None


@pytest.mark.usefixtures("restored_gc")
def test_cycles_made_after_tuning_are_still_collected() -> None:
    tune_for_batches()
    node = _Node()
    node.partner = node
    ref = weakref.ref(node)
    del node
    gc.collect()
    assert ref() is None
