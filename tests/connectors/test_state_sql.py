"""SqlConnectorStateStore: checkpoints, counters, state, pause and reset in the deployment's database."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from connectors.errors import UnknownConnectorError
from connectors.model import Counts, State
from connectors.state_sql import SqlConnectorStateStore
from services.db.models import ConnectorStateRow

pytestmark = pytest.mark.db


#: The table this store writes; emptied before every test.
TABLES = (ConnectorStateRow,)


@pytest.fixture
def store(sessions: sessionmaker[Session]) -> SqlConnectorStateStore:
    return SqlConnectorStateStore(sessions)


def test_a_new_connector_starts_empty_and_registering_again_keeps_its_place(
    store: SqlConnectorStateStore,
) -> None:
    first = store.register("signalen-noord", "signalen", "gemeente")
    assert (first.state, first.checkpoint, first.emitted, first.paused) == (State.STARTING, None, 0, False)
    store.advance(
        "signalen-noord", {"updated_after": "2026-11-01T00:00:00Z", "ids": [1, 2]}, Counts(3, 1), success=True
    )
    again = store.register("signalen-noord", "signalen", "gemeente")
    assert again.checkpoint == {"updated_after": "2026-11-01T00:00:00Z", "ids": [1, 2]}
    assert (again.emitted, again.dead_lettered, again.retried) == (3, 1, 0)
    assert again.last_success_at is not None


def test_counters_add_up_and_a_batch_without_checkpoint_keeps_the_old_one(
    store: SqlConnectorStateStore,
) -> None:
    store.register("file-woco", "file", "woco")
    store.advance("file-woco", {"done": ["a"]}, Counts(emitted=10), success=True)
    store.advance("file-woco", None, Counts(emitted=5, dead_lettered=2), success=True)
    store.count("file-woco", Counts(retried=4))
    status = store.get("file-woco")
    assert status is not None
    assert status.checkpoint == {"done": ["a"]}
    assert (status.emitted, status.dead_lettered, status.retried) == (15, 2, 4)


def test_failure_reason_pause_and_reset(store: SqlConnectorStateStore) -> None:
    store.register("sql-wmo", "sql", "gemeente")
    store.advance("sql-wmo", {"watermark": "x"}, Counts(1), success=True)
    store.set_state("sql-wmo", State.FAILED, "the database refused the password")
    status = store.get("sql-wmo")
    assert status is not None and status.state is State.FAILED
    assert status.last_error == "the database refused the password"
    assert store.set_paused("sql-wmo", True).paused is True
    assert store.set_paused("sql-wmo", False).paused is False
    assert store.reset("sql-wmo").checkpoint is None
    store.advance("sql-wmo", {"watermark": "y"}, Counts(1), success=True)
    status = store.get("sql-wmo")
    assert status is not None and status.last_error is None  # a success clears the error


def test_all_lists_by_name_and_unknown_names_are_errors(store: SqlConnectorStateStore) -> None:
    store.register("zz", "sql", "gemeente")
    store.register("aa", "file", "woco")
    assert [status.name for status in store.all()] == ["aa", "zz"]
    assert store.get("nope") is None
    with pytest.raises(UnknownConnectorError, match="no connector named 'nope'"):
        store.set_paused("nope", True)
