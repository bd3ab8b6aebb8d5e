"""/api/v1/escalations: the list and one escalation (PRODUCT.md "Interfaces that stay stable"), and the
lifecycle actions (acknowledge, assign, decide, resolve, reopen, comment, confirm an instruction).

Status changes carry the `version` the client saw; a stale version is a 409 `version_conflict`.
Every view of one escalation and every change is written to the audit log.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from schemas.data.taskforce import MAX_INSTRUCTIONS, DecisionKind
from services.access.policy import escalation_scope
from services.api.inputs import InputModel
from services.db.errors import in_thread
from services.db.types import utcnow
from services.directory.model import User
from services.escalations.commands import Command, DecisionInput
from services.escalations.errors import EscalationNotFoundError
from services.escalations.lifecycle import Action
from services.escalations.model import EscalationFilter, EscalationView, Severity, Status
from services.escalations.sla import Clock, SlaPolicy, sla_state
from services.escalations.viewing import view_escalation
from services.gateway.deps import api_user, get_runtime
from services.http.params import Offset, RecordId
from services.http.responses import API_ERRORS, CONFLICT, NOT_FOUND

router = APIRouter(
    prefix="/api/v1/escalations", tags=["escalations"], responses={**API_ERRORS, **NOT_FOUND, **CONFLICT}
)


class EvidenceOut(BaseModel):
    """An event that shows the clash."""

    id: str
    type: str
    label: str
    source: str
    org: str
    time: datetime


class InstructionOut(BaseModel):
    """What one organisation must do, and whether its liaison confirmed it."""

    org: str
    action: str
    done_at: datetime | None
    done_by: str | None


class DecisionOut(BaseModel):
    """The taskforce's decision."""

    decision: str
    text: str
    instructions: list[InstructionOut]
    decided_by: str
    decided_at: datetime
    event_id: str


class HistoryOut(BaseModel):
    """One lifecycle step."""

    at: datetime
    actor: str
    action: str
    from_status: Status
    to_status: Status
    text: str | None
    detail: dict[str, object]


class SlaOut(BaseModel):
    """The service-level clock that runs on the escalation (none once decided, resolved or withdrawn)."""

    clock: Clock | None = Field(
        description="acknowledge (open, reopened) or decision (acknowledged, in_progress)"
    )
    due_at: datetime | None
    overdue: bool


class EscalationOut(BaseModel):
    """One escalation."""

    id: int
    dedup_key: str
    rule: str
    title: str
    severity: Severity
    status: Status
    buurt: str
    subject: str
    organisations: list[str]
    policies: list[dict[str, str]]
    evidence: list[EvidenceOut]
    opened_at: datetime
    updated_at: datetime
    withdrawn_at: datetime | None
    version: int
    assignee: str | None
    acknowledged_at: datetime | None
    decided_at: datetime | None
    resolved_at: datetime | None
    decision: DecisionOut | None
    history: list[HistoryOut] = Field(description="lifecycle steps; only on the single escalation")
    sla: SlaOut
    silenced_until: datetime | None = Field(description="end of the active silence that mutes it, if any")


class EscalationPage(BaseModel):
    """A page of escalations."""

    items: list[EscalationOut]
    total: int
    limit: int
    offset: int


class VersionIn(InputModel):
    """A status change: the version of the escalation the user saw."""

    version: int = Field(ge=1)


class AssignIn(VersionIn):
    """Assign to a taskforce member."""

    assignee: str = Field(min_length=1, max_length=100)


class InstructionIn(InputModel):
    """What one organisation must do."""

    org: str = Field(min_length=1, max_length=63)
    action: str = Field(min_length=1, max_length=2000)


class DecideIn(VersionIn):
    """The decision: kind, reasoning and instructions per organisation."""

    decision: DecisionKind
    text: str = Field(min_length=1, max_length=5000)
    instructions: list[InstructionIn] = Field(default_factory=list, max_length=MAX_INSTRUCTIONS)


class CommentIn(InputModel):
    """A comment on the escalation."""

    text: str = Field(min_length=1, max_length=5000)


@router.get("", response_model=EscalationPage)
async def list_escalations(
    request: Request,
    user: Annotated[User, Depends(api_user)],
    status: Annotated[list[Status] | None, Query(description="one or more statuses")] = None,
    buurt: Annotated[str | None, Query(pattern=r"^BU[0-9]{4}[0-9A-Z]{4}$")] = None,
    rule: Annotated[str | None, Query(max_length=100)] = None,
    severity: Severity | None = None,
    subject: Annotated[str | None, Query(max_length=140)] = None,
    org: Annotated[str | None, Query(max_length=63)] = None,
    over_sla: Annotated[bool, Query(description="only escalations whose SLA clock ran out")] = False,
    silenced: Annotated[
        bool | None, Query(description="true: only muted by an active silence; false: only not muted")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
) -> EscalationPage:
    """Escalations the user may see, most recently updated first."""
    query = EscalationFilter(
        status=tuple(status) if status else None,
        buurt=buurt,
        rule=rule,
        severity=severity,
        subject=subject,
        org=org,
        over_sla=over_sla,
        silenced=silenced,
        limit=limit,
        offset=offset,
    )
    runtime = get_runtime(request)
    page = await in_thread(runtime.escalations.list, query, escalation_scope(user))
    now = utcnow()
    return EscalationPage(
        items=[_out(item, runtime.sla, now) for item in page.items],
        total=page.total,
        limit=limit,
        offset=offset,
    )


@router.get("/{escalation_id}", response_model=EscalationOut)
async def get_escalation(
    request: Request, escalation_id: RecordId, user: Annotated[User, Depends(api_user)]
) -> EscalationOut:
    """One escalation with its evidence."""
    runtime = get_runtime(request)
    found = await in_thread(
        view_escalation, runtime.escalations, runtime.audit, user, escalation_id, via="api"
    )
    return _out(found, runtime.sla, utcnow())


async def _act(request: Request, user: User, escalation_id: RecordId, command: Command) -> EscalationOut:
    runtime = get_runtime(request)
    await runtime.taskforce.act(user, escalation_id, command)
    found = await in_thread(runtime.escalations.get, escalation_id, escalation_scope(user))
    if found is None:  # deleted in between: as good as never there
        raise EscalationNotFoundError(f"no escalation {escalation_id} that you may see")
    return _out(found, runtime.sla, utcnow())


def _command(
    user: User,
    action: Action,
    *,
    version: int | None = None,
    assignee: str | None = None,
    decision: DecisionInput | None = None,
    text: str | None = None,
    org: str | None = None,
) -> Command:
    return Command(
        action=action,
        actor=user.name,
        role=user.role.value,
        version=version,
        assignee=assignee,
        decision=decision,
        text=text,
        org=org,
    )


@router.post("/{escalation_id}/acknowledge", response_model=EscalationOut)
async def acknowledge(
    request: Request, escalation_id: RecordId, body: VersionIn, user: Annotated[User, Depends(api_user)]
) -> EscalationOut:
    """open/reopened -> acknowledged."""
    return await _act(request, user, escalation_id, _command(user, Action.ACKNOWLEDGE, version=body.version))


@router.post("/{escalation_id}/assign", response_model=EscalationOut)
async def assign(
    request: Request, escalation_id: RecordId, body: AssignIn, user: Annotated[User, Depends(api_user)]
) -> EscalationOut:
    """-> in_progress, assigned to a taskforce member (again, to hand it over)."""
    command = _command(user, Action.ASSIGN, version=body.version, assignee=body.assignee)
    return await _act(request, user, escalation_id, command)


@router.post("/{escalation_id}/decide", response_model=EscalationOut)
async def decide(
    request: Request, escalation_id: RecordId, body: DecideIn, user: Annotated[User, Depends(api_user)]
) -> EscalationOut:
    """in_progress -> decided; the decision goes out on buurt.decisions."""
    decision = DecisionInput(
        kind=body.decision,
        text=body.text,
        instructions=tuple((item.org, item.action) for item in body.instructions),
    )
    command = _command(user, Action.DECIDE, version=body.version, decision=decision)
    return await _act(request, user, escalation_id, command)


@router.post("/{escalation_id}/resolve", response_model=EscalationOut)
async def resolve(
    request: Request, escalation_id: RecordId, body: VersionIn, user: Annotated[User, Depends(api_user)]
) -> EscalationOut:
    """decided -> resolved."""
    return await _act(request, user, escalation_id, _command(user, Action.RESOLVE, version=body.version))


@router.post("/{escalation_id}/reopen", response_model=EscalationOut)
async def reopen(
    request: Request, escalation_id: RecordId, body: VersionIn, user: Annotated[User, Depends(api_user)]
) -> EscalationOut:
    """resolved -> reopened."""
    return await _act(request, user, escalation_id, _command(user, Action.REOPEN, version=body.version))


@router.post("/{escalation_id}/comments", response_model=EscalationOut)
async def comment(
    request: Request, escalation_id: RecordId, body: CommentIn, user: Annotated[User, Depends(api_user)]
) -> EscalationOut:
    """A comment (taskforce and liaisons); no status change."""
    return await _act(request, user, escalation_id, _command(user, Action.COMMENT, text=body.text))


@router.post("/{escalation_id}/instructions/{org}/done", response_model=EscalationOut)
async def confirm_instruction(
    request: Request, escalation_id: RecordId, org: str, user: Annotated[User, Depends(api_user)]
) -> EscalationOut:
    """The organisation did what the decision told it (its liaison, or the taskforce)."""
    return await _act(request, user, escalation_id, _command(user, Action.CONFIRM, org=org))


def _out(view: EscalationView, sla: SlaPolicy, now: datetime) -> EscalationOut:
    state = sla_state(view, now, sla)
    return EscalationOut(
        id=view.id,
        dedup_key=view.dedup_key,
        rule=view.rule,
        title=view.title,
        severity=view.severity,
        status=view.status,
        buurt=view.buurt,
        subject=view.subject,
        organisations=list(view.organisations),
        policies=[{key: str(value) for key, value in policy.items()} for policy in view.policies],
        evidence=[
            EvidenceOut(id=e.event_id, type=e.type, label=e.label, source=e.source, org=e.org, time=e.time)
            for e in view.evidence
        ],
        opened_at=view.opened_at,
        updated_at=view.updated_at,
        withdrawn_at=view.withdrawn_at,
        version=view.version,
        assignee=view.assignee,
        acknowledged_at=view.acknowledged_at,
        decided_at=view.decided_at,
        resolved_at=view.resolved_at,
        decision=_decision_out(view),
        history=[
            HistoryOut(
                at=step.at,
                actor=step.actor,
                action=step.action,
                from_status=step.from_status,
                to_status=step.to_status,
                text=step.text,
                detail=step.detail,
            )
            for step in view.history
        ],
        sla=SlaOut(clock=state.clock, due_at=state.due_at, overdue=state.overdue),
        silenced_until=view.silenced_until,
    )


def _decision_out(view: EscalationView) -> DecisionOut | None:
    decision = view.decision
    if decision is None:
        return None
    return DecisionOut(
        decision=decision.kind,
        text=decision.text,
        instructions=[
            InstructionOut(org=item.org, action=item.action, done_at=item.done_at, done_by=item.done_by)
            for item in decision.instructions
        ],
        decided_by=decision.decided_by,
        decided_at=decision.decided_at,
        event_id=decision.event_id,
    )
