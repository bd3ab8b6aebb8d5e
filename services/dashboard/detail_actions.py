"""The actions on an escalation's page: forms that POST to /escalaties/{id}/<actie>.

Each checks the CSRF token first, reads the form (the hidden `version` the user saw included), asks the
taskforce service to act, and goes back to the page with a Dutch message (303, the message kept in the
session). A refusal is shown on the page itself by `refused`, the one place where the lifecycle's errors
become Dutch: a version conflict (409, with what changed meanwhile), an action the status does not allow
(409), an action the role may not take (403), a form that is not complete (422). Never a 500.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from schemas.data.taskforce import MAX_INSTRUCTIONS
from services.access.policy import escalation_scope, may_act
from services.dashboard.detail_page import FLASH, Problem, changes_since, render_detail
from services.dashboard.labels import DECISION_KIND_NL, STATUS_NL
from services.dashboard.sessions import check_csrf
from services.dashboard.web import web_user
from services.db.errors import in_thread
from services.directory.model import User
from services.errors import InvalidInputError, WijkbrugError
from services.escalations.commands import Command, DecisionInput
from services.escalations.errors import (
    ActionForbiddenError,
    EscalationNotFoundError,
    InvalidCommandError,
    TransitionError,
    VersionConflictError,
)
from services.escalations.lifecycle import Action
from services.gateway.deps import get_runtime
from services.http.nul_guard import has_nul
from services.http.params import FormText, RecordId

router = APIRouter(include_in_schema=False)

MAX_TEXT = 5000
MAX_ACTION_TEXT = 2000
#: The decision form's field for the instruction to organisation <slug>.
INSTRUCTION_FIELD = "opdracht-"


class InvalidFormError(InvalidInputError):
    """A dashboard form that is not complete or not valid (the message is Dutch, for the page)."""

    code = "invalid_form"


@router.post("/escalaties/{escalation_id:int}/erkennen")
async def acknowledge(
    request: Request, escalation_id: RecordId, csrf_token: FormText = "", version: FormText = ""
) -> Response:
    check_csrf(request, csrf_token)
    return await _perform(
        request, escalation_id, {"version": version}, Action.ACKNOWLEDGE, "Escalatie erkend."
    )


@router.post("/escalaties/{escalation_id:int}/toewijzen")
async def assign(
    request: Request,
    escalation_id: RecordId,
    csrf_token: FormText = "",
    version: FormText = "",
    assignee: FormText = "",
) -> Response:
    check_csrf(request, csrf_token)
    form = {"version": version, "assignee": assignee.strip()}
    return await _perform(request, escalation_id, form, Action.ASSIGN, f"Toegewezen aan {assignee.strip()}.")


@router.post("/escalaties/{escalation_id:int}/besluiten")
async def decide(
    request: Request,
    escalation_id: RecordId,
    csrf_token: FormText = "",
    version: FormText = "",
    kind: FormText = "",
    text: FormText = "",
) -> Response:
    check_csrf(request, csrf_token)
    submitted = await request.form()
    form = {"version": version, "kind": kind, "text": text.strip()}
    for name, value in submitted.multi_items():
        if name.startswith(INSTRUCTION_FIELD) and isinstance(value, str) and value.strip():
            form[name] = value.strip()
    message = "Besluit vastgelegd; de organisaties krijgen het via buurt.decisions."
    return await _perform(request, escalation_id, form, Action.DECIDE, message)


@router.post("/escalaties/{escalation_id:int}/afhandelen")
async def resolve(
    request: Request, escalation_id: RecordId, csrf_token: FormText = "", version: FormText = ""
) -> Response:
    check_csrf(request, csrf_token)
    return await _perform(
        request, escalation_id, {"version": version}, Action.RESOLVE, "Escalatie afgehandeld."
    )


@router.post("/escalaties/{escalation_id:int}/heropenen")
async def reopen(
    request: Request, escalation_id: RecordId, csrf_token: FormText = "", version: FormText = ""
) -> Response:
    check_csrf(request, csrf_token)
    return await _perform(request, escalation_id, {"version": version}, Action.REOPEN, "Escalatie heropend.")


@router.post("/escalaties/{escalation_id:int}/reageren")
async def comment(
    request: Request,
    escalation_id: RecordId,
    csrf_token: FormText = "",
    version: FormText = "",
    text: FormText = "",
) -> Response:
    check_csrf(request, csrf_token)
    form = {"version": version, "comment": text.strip()}
    return await _perform(request, escalation_id, form, Action.COMMENT, "Reactie geplaatst.")


@router.post("/escalaties/{escalation_id:int}/bevestigen/{org}")
async def confirm(
    request: Request, escalation_id: RecordId, org: str, csrf_token: FormText = "", version: FormText = ""
) -> Response:
    check_csrf(request, csrf_token)
    form = {"version": version, "org": org}
    return await _perform(request, escalation_id, form, Action.CONFIRM, "Opdracht bevestigd als uitgevoerd.")


async def _perform(
    request: Request, escalation_id: RecordId, form: Mapping[str, str], action: Action, done: str
) -> Response:
    """Act, then back to the page with `done`; or the page with the reason of the refusal."""
    user = await web_user(request)
    seen_at = (await request.form()).get("seen_at")
    form = {**form, "seen_at": seen_at if isinstance(seen_at, str) else ""}
    try:
        if not may_act(user, action):  # before the form: a role that may not act learns nothing more
            raise ActionForbiddenError(f"the role {user.role.value} may not {action.value} escalations")
        command = _command(user, action, form)
        await get_runtime(request).taskforce.act(user, escalation_id, command)
    except (
        EscalationNotFoundError,
        VersionConflictError,
        TransitionError,
        ActionForbiddenError,
        InvalidInputError,  # InvalidFormError, InvalidCommandError
    ) as error:
        return await refused(request, user, escalation_id, error, form)
    request.session[FLASH] = done
    return RedirectResponse(f"/escalaties/{escalation_id}", status_code=303)


async def refused(
    request: Request, user: User, escalation_id: RecordId, error: WijkbrugError, form: Mapping[str, str]
) -> Response:
    """The escalation's page again, as it is now, with why the action was refused (in Dutch)."""
    if isinstance(error, EscalationNotFoundError):
        return await render_detail(request, user, escalation_id)  # its 404 page
    status, problem = 422, Problem(_invalid_message(error))
    if isinstance(error, VersionConflictError):
        status, problem = 409, await _conflict(request, user, escalation_id, form.get("seen_at", ""))
    elif isinstance(error, TransitionError):
        status = 409
        problem = Problem(
            "Deze handeling past niet bij de huidige status van de escalatie. Hieronder ziet u de actuele "
            "stand en wat nu kan."
        )
    elif isinstance(error, ActionForbiddenError):
        status, problem = 403, Problem("U mag deze handeling bij deze escalatie niet uitvoeren.")
    return await render_detail(request, user, escalation_id, status_code=status, problem=problem, form=form)


async def _conflict(request: Request, user: User, escalation_id: RecordId, seen_at: str) -> Problem:
    """What to tell the loser of a race: nothing was done, and what the other user changed."""
    runtime = get_runtime(request)
    current = await in_thread(runtime.escalations.get, escalation_id, escalation_scope(user))
    changes: tuple[str, ...] = ()
    if current is not None:
        steps = changes_since(current, seen_at) or ("Er kwam nieuwe informatie van de organisaties bij.",)
        changes = (*steps, f"De status is nu: {STATUS_NL[current.status]}.")
    return Problem(
        "Iemand anders heeft deze escalatie intussen gewijzigd. Uw handeling is niet uitgevoerd, zodat er "
        "niets verloren gaat. Bekijk de actuele stand hieronder en probeer het zo nodig opnieuw.",
        changes=changes,
        conflict=True,
    )


def _invalid_message(error: WijkbrugError) -> str:
    if isinstance(error, InvalidFormError):
        return error.message
    if isinstance(error, InvalidCommandError):
        return (
            "Controleer de invoer: de gekozen persoon of organisatie bestaat niet (meer), of het besluit "
            "heeft geen opdracht voor deze organisatie."
        )
    return "Het formulier is niet volledig of niet goed ingevuld."


def _command(user: User, action: Action, form: Mapping[str, str]) -> Command:
    """The command of a submitted form; InvalidFormError (in Dutch) for what is missing or too long."""
    # Every field, the decision's instruction fields (named by organisation) included: PostgreSQL cannot
    # store the NUL character.
    if any(has_nul(name) or has_nul(value) for name, value in form.items()):
        raise InvalidFormError("Het formulier bevat een teken dat niet kan worden opgeslagen.")
    version = form.get("version", "")
    if not version.isdigit() or len(version) > 9:
        raise InvalidFormError("Het formulier mist de versie van de escalatie. Laad de pagina opnieuw.")

    def command(**what: Any) -> Command:
        return Command(action=action, actor=user.name, role=user.role.value, version=int(version), **what)

    if action is Action.ASSIGN:
        if not form.get("assignee"):
            raise InvalidFormError("Kies aan wie u de escalatie toewijst.")
        return command(assignee=form["assignee"][:100])
    if action is Action.COMMENT:
        return command(text=_text(form.get("comment", ""), "Schrijf eerst een reactie.", MAX_TEXT))
    if action is Action.CONFIRM:
        return command(org=form.get("org", "")[:63])
    if action is Action.DECIDE:
        return command(decision=_decision(form))
    return command()


def _decision(form: Mapping[str, str]) -> DecisionInput:
    kind = form.get("kind", "")
    if kind not in DECISION_KIND_NL:
        raise InvalidFormError("Kies wat voor besluit het is: maatwerk, regel aanpassen of geen actie.")
    text = _text(form.get("text", ""), "Schrijf de toelichting bij het besluit.", MAX_TEXT)
    instructions = tuple(
        (name.removeprefix(INSTRUCTION_FIELD), _text(value, "", MAX_ACTION_TEXT))
        for name, value in form.items()
        if name.startswith(INSTRUCTION_FIELD)
    )
    if len(instructions) > MAX_INSTRUCTIONS:
        raise InvalidFormError(f"Een besluit heeft hoogstens {MAX_INSTRUCTIONS} opdrachten.")
    return DecisionInput(kind=kind, text=text, instructions=instructions)


def _text(value: str, missing: str, limit: int) -> str:
    if not value:
        raise InvalidFormError(missing)
    if len(value) > limit:
        raise InvalidFormError(f"De tekst is te lang: hoogstens {limit} tekens.")
    return value
