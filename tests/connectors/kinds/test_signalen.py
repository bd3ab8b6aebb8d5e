"""kind: signalen against the Signalen stand-in over real HTTP: mapping, pseudonyms, paging, checkpoints,
failures, configuration, and the runner's retries and failed state."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from connectors.base import ConnectorContext
from connectors.errors import ConfigError, PermanentError, TransientError
from connectors.kinds.signalen import SignalenConfig, SignalenConnector, SignalenUnavailableError
from connectors.model import Batch, Emit, Reject, State
from connectors.pseudonym import Pseudonymiser
from connectors.registry import load_config
from connectors.runner import ConnectorRunner
from schemas.identifiers import source_for
from schemas.validation import validate_event
from tests.support.connector_fakes import MemorySink, MemoryStateStore
from tests.support.signalen import Address, SignalenStandIn

KEY = "a-test-key-of-at-least-16-bytes"
KEY_ENV = "WIJKBRUG_TEST_PSEUDONYM_KEY"
TOKEN_ENV = "WIJKBRUG_TEST_SIGNALEN_TOKEN"
ORG = "gemeente-amsterdam"
T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
DAM = Address("Dam", 1, "1012 JS", woonplaats="Dorpstad")
DAM_2 = Address("Damrak", 70, "1012LM", huisletter="A", huisnummer_toevoeging="2", woonplaats="Dorpstad")
AT_DAM = (52.3731, 4.8926)
PSEUDONYMS = Pseudonymiser(KEY.encode())


@pytest.fixture
def signalen() -> Iterator[SignalenStandIn]:
    with SignalenStandIn() as stand_in:
        yield stand_in


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch, signalen: SignalenStandIn) -> None:
    monkeypatch.setenv(KEY_ENV, KEY)
    monkeypatch.setenv(TOKEN_ENV, signalen.token)


def _document(signalen: SignalenStandIn, **settings: Any) -> dict[str, Any]:
    return {
        "name": "signalen-amsterdam",
        "kind": "signalen",
        "org": ORG,
        "pseudonymisation": {"key_env": KEY_ENV},
        "base_url": signalen.url,
        "token_env": TOKEN_ENV,
        "poll_interval": "30s",
        "timeout_s": 5,
        "retry": {"initial_s": 0.01, "max_s": 0.05},
        **settings,
    }


def _write(path: Path, document: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


def _connector(tmp_path: Path, signalen: SignalenStandIn, **settings: Any) -> SignalenConnector:
    path = _write(tmp_path / "signalen.yaml", _document(signalen, **settings))
    config = load_config(path)
    assert isinstance(config, SignalenConfig)
    connector = SignalenConnector(config, ConnectorContext(str(path), Pseudonymiser.from_env(KEY_ENV)))
    connector.setup()
    return connector


def _read_all(connector: SignalenConnector, checkpoint: Any = None) -> tuple[list[Batch], Any]:
    """Poll until the source has nothing more; the batches and the last checkpoint."""
    batches = []
    while True:
        batch = connector.poll(checkpoint)
        batches.append(batch)
        checkpoint = batch.checkpoint
        if not batch.more:
            return batches, checkpoint
        assert len(batches) < 50, "paging does not end"


def _events(batches: list[Batch]) -> list[dict[str, Any]]:
    return [dict(o.event) for b in batches for o in b.outcomes if isinstance(o, Emit)]


def _by_id(events: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {event["id"]: event for event in events}


# --- mapping -------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("environment")
def test_a_new_signal_is_created_and_a_later_status_is_status_changed(
    tmp_path: Path, signalen: SignalenStandIn
) -> None:
    at_dam = signalen.add_signal(*AT_DAM, address=DAM, created_at=T0)
    at_point = signalen.add_signal(52.36, 4.90, created_at=T0 + timedelta(hours=1), sub_slug="grofvuil")
    changed_at = signalen.set_state(at_point, "b", at=T0 + timedelta(hours=2, microseconds=250))
    uuid_dam, uuid_point = (signalen.signal(i)["signal_id"] for i in (at_dam, at_point))
    connector = _connector(tmp_path, signalen)

    batch = connector.poll(None)

    assert not batch.more
    assert all(isinstance(outcome, Emit) for outcome in batch.outcomes)
    events = _by_id(_events([batch]))
    assert events == {
        f"signalen-{uuid_dam}-created": {
            "specversion": "1.0",
            "id": f"signalen-{uuid_dam}-created",
            "source": source_for(ORG),
            "type": "nl.wijkbrug.municipality.report.created",
            "time": "2025-03-03T09:00:00Z",
            "subject": PSEUDONYMS.pseudonym("loc", "1012JS 1"),
            "datacontenttype": "application/json",
            "data": {
                "category": "huisvuil",
                "external_id": f"SIG-{at_dam}",
                "state": "m",
                "location": {"lat": AT_DAM[0], "lon": AT_DAM[1]},
            },
        },
        f"signalen-{uuid_point}-created": {
            "specversion": "1.0",
            "id": f"signalen-{uuid_point}-created",
            "source": source_for(ORG),
            "type": "nl.wijkbrug.municipality.report.created",
            "time": "2025-03-03T10:00:00Z",
            "subject": PSEUDONYMS.point(52.36, 4.90),
            "datacontenttype": "application/json",
            "data": {
                "category": "grofvuil",
                "external_id": f"SIG-{at_point}",
                "state": "b",
                "location": {"lat": 52.36, "lon": 4.90},
            },
        },
        f"signalen-{uuid_point}-status-20250303T110000000250Z": {
            "specversion": "1.0",
            "id": f"signalen-{uuid_point}-status-20250303T110000000250Z",
            "source": source_for(ORG),
            "type": "nl.wijkbrug.municipality.report.status_changed",
            "time": "2025-03-03T11:00:00.000250Z",
            "subject": PSEUDONYMS.point(52.36, 4.90),
            "datacontenttype": "application/json",
            "data": {
                "external_id": f"SIG-{at_point}",
                "state": "b",
                "location": {"lat": 52.36, "lon": 4.90},
            },
        },
    }
    assert changed_at == T0 + timedelta(hours=2, microseconds=250)
    for event in events.values():
        validate_event(event)  # the hub's contract: raises if not
    assert signalen.requests[0]["authorization"] == f"Bearer {signalen.token}"


@pytest.mark.usefixtures("environment")
def test_one_address_is_one_subject_and_the_address_never_leaves_the_connector(
    tmp_path: Path, signalen: SignalenStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    first = signalen.add_signal(*AT_DAM, address=DAM, created_at=T0)
    # The same dwelling written differently, at a slightly different point.
    same = signalen.add_signal(
        52.3732,
        4.8927,
        address=Address("DAM", 1, "1012js", woonplaats="Dorpstad"),
        created_at=T0 + timedelta(days=1),
    )
    other = signalen.add_signal(52.3760, 4.8970, address=DAM_2, created_at=T0 + timedelta(days=2))
    unplaced = signalen.add_signal(None, None, address=DAM_2, created_at=T0 + timedelta(days=3))
    caplog.set_level(logging.DEBUG)
    connector = _connector(tmp_path, signalen)

    batches, checkpoint = _read_all(connector)

    subjects = {event["data"]["external_id"]: event["subject"] for event in _events(batches)}
    assert subjects[f"SIG-{first}"] == subjects[f"SIG-{same}"]
    assert subjects[f"SIG-{other}"] != subjects[f"SIG-{first}"]
    assert subjects[f"SIG-{other}"] == PSEUDONYMS.pseudonym("loc", "1012LM 70A-2")
    assert f"SIG-{unplaced}" not in subjects
    rejects = [o for b in batches for o in b.outcomes if isinstance(o, Reject)]
    assert [r.position for r in rejects] == [f"signal {unplaced}"]
    output = json.dumps(
        {
            "outcomes": [o.event if isinstance(o, Emit) else o.__dict__ for b in batches for o in b.outcomes],
            "checkpoint": checkpoint,
            "logs": caplog.text,
        },
        default=str,
    ).casefold()
    for raw in ("dam 1", "damrak", "1012 js", "1012js", "1012lm", "dorpstad", "naast de container"):
        assert raw not in output, raw


@pytest.mark.usefixtures("environment")
def test_a_signal_without_a_point_is_rejected_with_only_its_ids(
    tmp_path: Path, signalen: SignalenStandIn
) -> None:
    placed = signalen.add_signal(*AT_DAM, address=DAM, created_at=T0)
    unplaced = signalen.add_signal(None, None, address=DAM, created_at=T0 + timedelta(minutes=1))
    connector = _connector(tmp_path, signalen)

    batch = connector.poll(None)

    rejects = [o for o in batch.outcomes if isinstance(o, Reject)]
    assert len(rejects) == 1
    reject = rejects[0]
    assert (reject.reason, reject.field, reject.position) == (
        "no_location",
        "location.geometrie",
        f"signal {unplaced}",
    )
    assert reject.record["id"] == unplaced
    assert set(reject.record) <= {"id", "id_display", "signal_id", "created_at", "updated_at"}
    assert [e["data"]["external_id"] for e in _events([batch])] == [f"SIG-{placed}"]
    # The rejected signal counts as read: polling again neither rejects nor emits it again.
    assert connector.poll(batch.checkpoint).outcomes == []


@pytest.mark.usefixtures("environment")
def test_a_signal_with_a_bad_field_is_rejected_and_the_page_goes_on(
    tmp_path: Path, signalen: SignalenStandIn
) -> None:
    signalen.add_signal(*AT_DAM, created_at=T0, extra={"category": {"main": "Afval"}})
    good = signalen.add_signal(*AT_DAM, created_at=T0 + timedelta(minutes=1))
    connector = _connector(tmp_path, signalen)

    batch = connector.poll(None)

    [reject] = [o for o in batch.outcomes if isinstance(o, Reject)]
    assert (reject.reason, reject.field) == ("malformed_signal", "category")
    assert [e["data"]["external_id"] for e in _events([batch])] == [f"SIG-{good}"]


# --- paging and checkpoints ---------------------------------------------------------------------------


@pytest.mark.usefixtures("environment")
def test_paging_follows_next_one_page_per_poll_and_a_restart_resumes_mid_read(
    tmp_path: Path, signalen: SignalenStandIn
) -> None:
    ids = [signalen.add_signal(*AT_DAM, created_at=T0 + timedelta(minutes=n)) for n in range(5)]
    connector = _connector(tmp_path, signalen, page_size=2)

    first = connector.poll(None)
    assert first.more
    assert first.checkpoint is not None
    assert "page=2" in first.checkpoint["next"]
    assert first.checkpoint["updated_after"] is None  # the watermark moves only when the read is done
    # A restart: a new connector instance continues with page 2, not page 1 again.
    connector.stop()
    restarted = _connector(tmp_path, signalen, page_size=2)
    rest, checkpoint = _read_all(restarted, first.checkpoint)

    assert [b.more for b in rest] == [True, False]
    assert [len(b.outcomes) for b in [first, *rest]] == [2, 2, 1]
    external = [e["data"]["external_id"] for e in _events([first, *rest])]
    assert sorted(external) == sorted(f"SIG-{i}" for i in ids)
    assert len(set(external)) == len(external)
    assert "page=2" in signalen.requests[-2]["query"]
    assert "page=3" in signalen.requests[-1]["query"]
    assert "page_size=2" in signalen.requests[0]["query"]
    assert checkpoint == {
        "updated_after": (T0 + timedelta(minutes=4)).isoformat(),
        "seen": [str(ids[-1])],
    }


@pytest.mark.usefixtures("environment")
def test_a_saved_checkpoint_re_emits_nothing_and_a_later_change_comes_as_status_changed_only(
    tmp_path: Path, signalen: SignalenStandIn
) -> None:
    first = signalen.add_signal(*AT_DAM, address=DAM, created_at=T0)
    signalen.add_signal(*AT_DAM, address=DAM, created_at=T0 + timedelta(days=1))
    # Two signals at exactly the watermark: Signalen's updated_after is inclusive, both come again.
    signalen.add_signal(*AT_DAM, created_at=T0 + timedelta(days=2))
    signalen.add_signal(*AT_DAM, created_at=T0 + timedelta(days=2))
    _, checkpoint = _read_all(_connector(tmp_path, signalen, page_size=3))

    restarted = _connector(tmp_path, signalen, page_size=3)
    again, unchanged = _read_all(restarted, checkpoint)
    assert [o for b in again for o in b.outcomes] == []
    assert unchanged == checkpoint
    assert "updated_after=" in signalen.requests[-1]["query"]

    changed_at = signalen.set_state(first, "b", at=T0 + timedelta(days=3))
    late = signalen.add_signal(*AT_DAM, created_at=T0 + timedelta(days=2))  # at the watermark, unseen
    batches, _ = _read_all(restarted, checkpoint)

    events = _events(batches)
    uuid_first, uuid_late = (signalen.signal(i)["signal_id"] for i in (first, late))
    assert sorted(e["id"] for e in events) == sorted(
        [
            f"signalen-{uuid_first}-status-20250306T090000Z",
            f"signalen-{uuid_late}-created",
        ]
    )
    status = next(e for e in events if e["type"].endswith("status_changed"))
    assert changed_at == T0 + timedelta(days=3)
    assert status["data"]["state"] == "b"
    assert status["subject"] == PSEUDONYMS.pseudonym("loc", "1012JS 1")


# --- failures -------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("environment")
def test_503_is_transient_and_carries_retry_after(tmp_path: Path, signalen: SignalenStandIn) -> None:
    connector = _connector(tmp_path, signalen)
    signalen.fail_next(1, status=503, retry_after="7")

    with pytest.raises(TransientError, match="503") as caught:
        connector.poll(None)

    assert isinstance(caught.value, SignalenUnavailableError)
    assert caught.value.retry_after_s == 7.0
    assert connector.poll(None).outcomes == []  # the next attempt goes through


@pytest.mark.usefixtures("environment")
def test_an_unreachable_signalen_is_transient(tmp_path: Path, signalen: SignalenStandIn) -> None:
    connector = _connector(tmp_path, signalen)
    signalen.stop()

    with pytest.raises(TransientError, match="cannot reach Signalen"):
        connector.poll(None)


@pytest.mark.usefixtures("environment")
def test_401_is_permanent_with_a_clear_reason(tmp_path: Path, signalen: SignalenStandIn) -> None:
    connector = _connector(tmp_path, signalen)
    signalen.refuse_tokens()

    with pytest.raises(PermanentError, match=r"Signalen refused the token \(401\)"):
        connector.poll(None)


def test_a_missing_token_names_token_env(
    tmp_path: Path, signalen: SignalenStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEY_ENV, KEY)
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    path = _write(tmp_path / "s.yaml", _document(signalen))
    config = load_config(path)
    assert isinstance(config, SignalenConfig)
    connector = SignalenConnector(config, ConnectorContext(str(path), Pseudonymiser.from_env(KEY_ENV)))

    with pytest.raises(ConfigError) as caught:
        connector.setup()

    assert (caught.value.file, caught.value.field) == (str(path), "token_env")
    assert TOKEN_ENV in caught.value.message


# --- configuration --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"pseudonymisation": None}, "pseudonymisation"),
        ({"base_url": "ftp://signalen.example"}, "base_url"),
        ({"token_env": "lower-case"}, "token_env"),
        ({"poll_interval": "soon"}, "poll_interval"),
        ({"poll_interval": "0s"}, "poll_interval"),
        ({"page_size": 0}, "page_size"),
        ({"timeout_s": -1}, "timeout_s"),
        ({"buurt_code": "A04i"}, "buurt_code"),
    ],
)
def test_a_bad_setting_names_the_field(
    tmp_path: Path, signalen: SignalenStandIn, change: dict[str, Any], field: str
) -> None:
    document = {key: value for key, value in {**_document(signalen), **change}.items() if value is not None}
    path = _write(tmp_path / "bad.yaml", document)

    with pytest.raises(ConfigError) as caught:
        load_config(path)

    assert caught.value.field == field
    assert str(path) in str(caught.value)


@pytest.mark.parametrize(("written", "seconds"), [("30s", 30), ("5m", 300), ("PT1H", 3600), (None, 60)])
def test_the_poll_interval_reads_durations(
    tmp_path: Path, signalen: SignalenStandIn, written: str | None, seconds: float
) -> None:
    document = _document(signalen, poll_interval=written)
    if written is None:
        del document["poll_interval"]
    config = load_config(_write(tmp_path / "s.yaml", document))
    assert isinstance(config, SignalenConfig)
    connector = SignalenConnector(config, ConnectorContext("s.yaml", PSEUDONYMS))
    assert connector.poll_interval_s == seconds


# --- through the runner ---------------------------------------------------------------------------------


def _run(connector: SignalenConnector, sink: MemorySink, store: MemoryStateStore) -> State:
    async def main() -> State:
        return await ConnectorRunner(connector, sink, store).run(asyncio.Event(), once=True)

    return asyncio.run(asyncio.wait_for(main(), timeout=30))


def _unstarted(tmp_path: Path, signalen: SignalenStandIn, **settings: Any) -> SignalenConnector:
    path = _write(tmp_path / "signalen.yaml", _document(signalen, **settings))
    config = load_config(path)
    assert isinstance(config, SignalenConfig)
    return SignalenConnector(config, ConnectorContext(str(path), Pseudonymiser.from_env(KEY_ENV)))


@pytest.mark.usefixtures("environment")
def test_the_runner_rides_out_503s_and_delivers_everything_once(
    tmp_path: Path, signalen: SignalenStandIn
) -> None:
    for n in range(5):
        signalen.add_signal(*AT_DAM, address=DAM, created_at=T0 + timedelta(hours=n))
    signalen.fail_next(4)
    sink, store = MemorySink(), MemoryStateStore()

    state = _run(_unstarted(tmp_path, signalen, page_size=2), sink, store)

    assert state is State.STOPPED
    status = store.rows["signalen-amsterdam"]
    assert status.retried >= 4
    assert State.RETRYING in store.history
    assert len(sink.ids) == len(set(sink.ids)) == 5
    assert status.emitted == 5
    assert signalen.failures_left == 0

    # Run again from the saved checkpoint (a restart): nothing new, nothing re-emitted.
    assert _run(_unstarted(tmp_path, signalen, page_size=2), sink, store) is State.STOPPED
    assert len(sink.ids) == 5


@pytest.mark.usefixtures("environment")
def test_the_runner_fails_on_401_with_the_reason(tmp_path: Path, signalen: SignalenStandIn) -> None:
    signalen.add_signal(*AT_DAM, created_at=T0)
    signalen.refuse_tokens()
    sink, store = MemorySink(), MemoryStateStore()

    state = _run(_unstarted(tmp_path, signalen), sink, store)

    assert state is State.FAILED
    status = store.rows["signalen-amsterdam"]
    assert status.state is State.FAILED
    assert status.last_error is not None
    assert "Signalen refused the token (401)" in status.last_error
    assert sink.delivered == []
    assert status.retried == 0
