"""One escalation's page (GET /escalaties/{id}): the cross-organisation timeline, the clashing policies,
the decision and its instructions, the history and comments, and the actions the user may take.

Opening it is audited as a view (services.escalations.viewing, as the API's GET does). An escalation that
does not exist and one outside the user's scope give the same 404 page: guessing URLs reveals nothing.
`render_detail` is also how the actions (services.dashboard.detail_actions) show a refusal.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from services.access.policy import may_act
from services.dashboard.labels import ACTION_NL, DECISION_KIND_NL, DOMAIN_NL, STATUS_NL
from services.dashboard.queue_rows import sla_badge
from services.dashboard.web import render, web_user
from services.db.errors import in_thread
from services.db.types import utcnow
from services.directory.model import Role, User
from services.escalations.errors import EscalationNotFoundError
from services.escalations.lifecycle import Action, allowed_actions
from services.escalations.model import EscalationView, HistoryView, InstructionView
from services.escalations.viewing import view_escalation
from services.gateway.deps import get_runtime
from services.http.params import RecordId
from services.telemetry.tracing import span_context_from_traceparent

router = APIRouter(include_in_schema=False)

FLASH = "flash"
NOT_FOUND_MESSAGE = "Deze escalatie bestaat niet, of u mag haar niet zien."


@dataclass(frozen=True)
class Problem:
    """Why an action was refused, in Dutch, and what changed meanwhile (on a version conflict)."""

    message: str
    changes: tuple[str, ...] = ()
    conflict: bool = False


@dataclass(frozen=True)
class InstructionRow:
    """An instruction of the decision, with the organisation's name and whether this user may confirm it."""

    instruction: InstructionView
    org_name: str
    may_confirm: bool


@router.get("/escalaties/{escalation_id:int}")
async def escalation_detail(request: Request, escalation_id: RecordId) -> HTMLResponse:
    user = await web_user(request)
    flash = request.session.pop(FLASH, None)
    return await render_detail(request, user, escalation_id, flash=flash if isinstance(flash, str) else None)


async def render_detail(
    request: Request,
    user: User,
    escalation_id: RecordId,
    *,
    status_code: int = 200,
    flash: str | None = None,
    problem: Problem | None = None,
    form: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """The escalation's page as `user` may see it (a view, audited), or the 404 page."""
    runtime = get_runtime(request)
    try:
        view = await in_thread(
            view_escalation, runtime.escalations, runtime.audit, user, escalation_id, via="dashboard"
        )
    except EscalationNotFoundError:
        return not_found(request, user)
    organisations = {org.slug: org.name for org in await in_thread(runtime.directory.organisations)}
    actions = available_actions(user, view)
    members: list[str] = []
    if Action.ASSIGN in actions:
        members = [
            member.name
            for member in await in_thread(runtime.directory.users)
            if member.role is Role.TASKFORCE
        ]
    buurt = runtime.registry.get(view.buurt)
    context: dict[str, Any] = {
        "user": user,
        "active": "escalaties",
        "item": view,
        "buurt": buurt,
        "sla": sla_badge(view, runtime.sla, utcnow()),
        "org_name": lambda slug: organisations.get(slug, slug),
        "timeline": sorted(view.evidence, key=lambda item: (item.time, item.event_id)),
        "policies": [_policy(policy) for policy in view.policies],
        "instructions": _instructions(user, view, actions, organisations),
        "history": [step for step in view.history if step.action != Action.COMMENT.value],
        "comments": [step for step in view.history if step.action == Action.COMMENT.value],
        "action_nl": _action_nl,
        "decision_kinds": list(DECISION_KIND_NL.items()),
        "decision_kind_nl": DECISION_KIND_NL,
        "actions": {action.value for action in actions},
        "members": members,
        "may_silence": user.role in (Role.TASKFORCE, Role.ADMIN),
        "flash": flash,
        "problem": problem,
        "form": form or {},
        "seen_at": view.updated_at.isoformat(),
        "trace": trace_reference(view.traceparent, runtime.settings.trace_url)
        if user.role in (Role.TASKFORCE, Role.ADMIN)
        else None,
    }
    return render(request, "escalation.html", context, status_code=status_code)


def not_found(request: Request, user: User) -> HTMLResponse:
    """The 404 page: the same for an escalation that does not exist and one the user may not see."""
    context = {"user": user, "active": "escalaties", "heading": "Niet gevonden", "message": NOT_FOUND_MESSAGE}
    return render(request, "error.html", context, status_code=404)


def available_actions(user: User, view: EscalationView) -> frozenset[Action]:
    """What `user` may do to `view` now: what its status allows and the user's role may take."""
    return frozenset(action for action in allowed_actions(view.status) if may_act(user, action))


def changes_since(view: EscalationView, seen_at: str) -> tuple[str, ...]:
    """The lifecycle steps after `seen_at` (the escalation's ISO update time on the page the user had),
    in Dutch; none when the time is missing or malformed."""
    try:
        seen = datetime.fromisoformat(seen_at)
    except ValueError:
        return ()
    if seen.tzinfo is None:
        return ()
    return tuple(_describe(step) for step in view.history if step.at > seen)


def _describe(step: HistoryView) -> str:
    what = _action_nl(step.action)
    moved = (
        f" ({STATUS_NL[step.from_status]} → {STATUS_NL[step.to_status]})"
        if step.from_status != step.to_status
        else ""
    )
    return f"{step.actor}: {what}{moved}"


def _action_nl(action: str) -> str:
    try:
        return ACTION_NL[Action(action)]
    except ValueError:
        return action


def _policy(policy: Mapping[str, Any]) -> dict[str, str]:
    domain = str(policy.get("domain", ""))
    labels = {key.value: value for key, value in DOMAIN_NL.items()}
    return {
        "domain": labels.get(domain, domain),
        "reference": str(policy.get("reference", "")),
        "text": str(policy.get("text", "")),
    }


def _instructions(
    user: User, view: EscalationView, actions: frozenset[Action], organisations: Mapping[str, str]
) -> Sequence[InstructionRow]:
    if view.decision is None:
        return ()
    confirming = Action.CONFIRM in actions
    return tuple(
        InstructionRow(
            instruction=item,
            org_name=organisations.get(item.org, item.org),
            may_confirm=confirming
            and item.done_at is None
            and (user.role is not Role.LIAISON or item.org == user.org),
        )
        for item in view.decision.instructions
    )


def trace_reference(traceparent: str | None, url_template: str | None) -> dict[str, str] | None:
    """The trace id of the event that opened the escalation, and its URL in the tracing UI if configured."""
    context = span_context_from_traceparent(traceparent) if traceparent else None
    if context is None:
        return None
    trace_id = f"{context.trace_id:032x}"
    url = url_template.replace("{trace_id}", trace_id) if url_template else ""
    return {"id": trace_id, "url": url}
