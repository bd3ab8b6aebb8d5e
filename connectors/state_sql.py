"""The connector state store in the deployment's database (`connector_states`)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from connectors.errors import UnknownConnectorError
from connectors.model import Checkpoint, ConnectorStatus, Counts, State
from services.db.models import ConnectorStateRow
from services.db.types import utcnow


class SqlConnectorStateStore:
    """ConnectorStateStore on SQLAlchemy."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def register(self, name: str, kind: str, org: str) -> ConnectorStatus:
        with self._sessions.begin() as session:
            row = session.get(ConnectorStateRow, name)
            if row is None:
                row = ConnectorStateRow(
                    name=name,
                    kind=kind,
                    org=org,
                    state=State.STARTING.value,
                    paused=False,
                    checkpoint=None,
                    emitted=0,
                    dead_lettered=0,
                    retried=0,
                    updated_at=utcnow(),
                )
                session.add(row)
            else:
                row.kind, row.org = kind, org
            session.flush()
            return _status(row)

    def get(self, name: str) -> ConnectorStatus | None:
        with self._sessions() as session:
            row = session.get(ConnectorStateRow, name)
            return None if row is None else _status(row)

    def all(self) -> list[ConnectorStatus]:
        with self._sessions() as session:
            rows = session.scalars(select(ConnectorStateRow).order_by(ConnectorStateRow.name)).all()
            return [_status(row) for row in rows]

    def advance(self, name: str, checkpoint: Checkpoint | None, counts: Counts, *, success: bool) -> None:
        with self._sessions.begin() as session:
            row = _row(session, name)
            if checkpoint is not None:
                row.checkpoint = dict(checkpoint)
            _add(row, counts)
            now = utcnow()
            if success:
                row.last_success_at = now
                row.last_error = None
            row.updated_at = now

    def count(self, name: str, counts: Counts) -> None:
        with self._sessions.begin() as session:
            row = _row(session, name)
            _add(row, counts)
            row.updated_at = utcnow()

    def set_state(self, name: str, state: State, error: str | None = None) -> None:
        with self._sessions.begin() as session:
            row = _row(session, name)
            row.state = state.value
            if error is not None:
                row.last_error = error[:2000]
            row.updated_at = utcnow()

    def set_paused(self, name: str, paused: bool) -> ConnectorStatus:
        with self._sessions.begin() as session:
            row = _row(session, name)
            row.paused = paused
            row.updated_at = utcnow()
            session.flush()
            return _status(row)

    def restart(self, name: str) -> ConnectorStatus:
        with self._sessions.begin() as session:
            row = _row(session, name)
            row.state = State.STARTING.value
            row.updated_at = utcnow()
            session.flush()
            return _status(row)

    def reset(self, name: str) -> ConnectorStatus:
        with self._sessions.begin() as session:
            row = _row(session, name)
            row.checkpoint = None
            row.updated_at = utcnow()
            session.flush()
            return _status(row)


def _row(session: Session, name: str) -> ConnectorStateRow:
    row = session.get(ConnectorStateRow, name)
    if row is None:
        raise UnknownConnectorError(f"no connector named {name!r} has run in this deployment")
    return row


def _add(row: ConnectorStateRow, counts: Counts) -> None:
    row.emitted += counts.emitted
    row.dead_lettered += counts.dead_lettered
    row.retried += counts.retried


def _status(row: ConnectorStateRow) -> ConnectorStatus:
    return ConnectorStatus(
        name=row.name,
        kind=row.kind,
        org=row.org,
        state=State(row.state),
        paused=row.paused,
        checkpoint=row.checkpoint,
        emitted=row.emitted,
        dead_lettered=row.dead_lettered,
        retried=row.retried,
        last_success_at=row.last_success_at,
        last_error=row.last_error,
        updated_at=row.updated_at,
    )
